"""Cross-reference rules: what the schemas cannot see because it spans objects
or files.  Each rule is a function `rule(inv)` yielding (model path, message)
and is registered with `@rule`; `run(inv)` applies them all.

Rules read the model defensively (a file with schema errors is still loaded
as far as it goes); a rule that trips over such data is skipped, since the
schema problems are reported already.
"""
from __future__ import annotations

import difflib
from typing import Callable, Iterable

from ..problems import Problem

RULES: list[Callable] = []


def rule(fn):
    RULES.append(fn)
    return fn


def run(inv) -> list[Problem]:
    out: list[Problem] = []
    for fn in RULES:
        try:
            found = list(fn(inv))
        except (TypeError, AttributeError, KeyError, ValueError, IndexError) as exc:
            if inv.problems:
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
