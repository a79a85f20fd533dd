"""Cross-reference rules: what the schemas cannot see because it spans objects
or files.  Each rule is a function `rule(inv)` yielding (model path, message)
and is registered with `@rule`; `run(inv)` applies them all.

Rules read the model defensively (a file with schema errors is still loaded
as far as it goes).  A rule that trips over data is skipped only when a
collection it read (sites, network, ...: noted as it runs) has problems
reported already, which explain it; any other crash is reported as an
internal error, whatever else is wrong.
"""
from __future__ import annotations

import difflib
from typing import Callable, Iterable

from ..layout import FILE_KINDS
from ..problems import Problem

RULES: list[Callable] = []


def rule(fn):
    RULES.append(fn)
    return fn


COLLECTIONS = frozenset(kind.key for kind in FILE_KINDS)  # province, sites, network, vault, ...


class Reads:
    """The inventory as one rule sees it, noting the collections the rule reads."""

    def __init__(self, inv):
        self._inv, self.keys = inv, set()

    def get(self, key: str) -> dict:
        self.keys.add(key)
        return self._inv.get(key)

    def __getattr__(self, name: str):
        if name in COLLECTIONS:
            self.keys.add(name)
        return getattr(self._inv, name)


def run(inv) -> list[Problem]:
    out: list[Problem] = []
    bad = {p.path.split(".", 1)[0] for p in inv.problems} | set(inv.broken)  # collections with problems
    for fn in RULES:
        reads = Reads(inv)
        try:
            found = list(fn(reads))
        except Exception as exc:  # noqa: BLE001 - a rule's crash is a finding of its own
            if reads.keys & bad:  # it read data whose problems are reported: they explain it
                continue
            found = [(("inventory",), f"internal error in rule {fn.__name__}: {exc!r} (please report)")]
        out.extend(inv.problem(path, message) for path, message in found)
    return out


def objects(mapping) -> Iterable[tuple[str, dict]]:
    """(id, object) for the well-formed objects of an id -> object mapping."""
    if isinstance(mapping, dict):
        for key, value in mapping.items():
            if isinstance(value, dict):
                yield key, value


def endpoints(inv) -> Iterable[tuple[tuple, dict, str]]:
    """(path, endpoint, site id) for every well-formed endpoint."""
    for site_id, site in objects(inv.sites):
        eps = site.get("endpoints")
        if isinstance(eps, list):
            for i, ep in enumerate(eps):
                if isinstance(ep, dict):
                    yield ("sites", site_id, "endpoints", i), ep, site_id


def known(names, value=None) -> str:
    """'(known: a, b, …)', with a suggestion when `value` looks like a typo."""
    names = sorted(n for n in names if isinstance(n, str))
    if not names:
        return "(none is defined)"
    close = difflib.get_close_matches(value, names, n=1) if isinstance(value, str) else []
    hint = f"did you mean '{close[0]}'? " if close else ""
    shown = ", ".join(names[:8]) + (", …" if len(names) > 8 else "")
    return f"({hint}known: {shown})"


from . import addresses, bookings, capacity, consistency, knobs, network, references  # noqa: E402,F401  (registers the rules)
