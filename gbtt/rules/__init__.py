"""Cross-reference rules: what the schemas cannot see because it spans objects
or files.  Each rule yields (model path, message) and is registered with one
of three decorators, by what it reads:

* `@site_rule`: `rule(inv, idx, site_id, site)`, the findings of one site, read
  from that site and the files that are not sites.  Cached with the site's
  file: re-validating after one site changed checks that site only.
* `@global_rule`: `rule(inv, idx)`, reading no site file (which sites exist
  at most: `idx.site_ids`).  Cached until a file that is not a site changes,
  or a site comes or goes.
* `@rule`: `rule(inv, idx)` comparing sites with each other through
  `idx.facts` (what the parse kept of each site: ids, addresses, subnet,
  router ...), run every time.

`run(inv)` applies them all.  Rules read the model defensively (a file with
schema errors is still loaded as far as it goes).  A rule that trips over
data is skipped only when a collection it read (sites, network, ...: noted
as it runs) has problems reported already, which explain it; any other
crash is reported as an internal error, whatever else is wrong.
"""
from __future__ import annotations

import difflib
import hashlib
import pickle
from typing import Callable, Iterable

from ..layout import FILE_KINDS
from ..problems import Problem

RULES: list[Callable] = []


def _registered(fn, scope: str):
    fn.scope = scope
    RULES.append(fn)
    return fn


def rule(fn):
    """A rule comparing sites (through `idx.facts`) or reading everything: run every time."""
    return _registered(fn, "all")


def site_rule(fn):
    """A rule on one site: `fn(inv, idx, site_id, site)`."""
    return _registered(fn, "site")


def global_rule(fn):
    """A rule reading no site file."""
    return _registered(fn, "global")


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


_NAMES: dict = {}  # a kept table's function -> its name in the cache


class Index:
    """What several rules look up, each built once per run and only if asked for."""

    def __init__(self, inv):
        self._inv = inv
        sites = inv.results.get("sites", {})
        self.site_ids = [sid for sid, r in sites.items() if r.usable]  # file order
        self._facts = {sid: sites[sid].facts for sid in self.site_ids if sites[sid].facts is not None}
        self._memo: dict = {}
        self._reads_of: dict = {}
        self.kept_values: dict = {}
        self.kept_blobs: dict = {}  # name -> (pickled, what it read), from the cache when nothing but sites changed

    @property
    def facts(self) -> dict:
        """site id -> its `SiteFacts` (reading them is reading the sites)."""
        if isinstance(self._inv, Reads):
            self._inv.keys.add("sites")
        return self._facts

    def _noted(self, store: dict, name, fn):
        """store[name] = fn(inv, idx) unless there; the collections it read count as read by every rule asking."""
        reads = self._inv
        if name not in store:
            outer, reads.keys = reads.keys, set()  # what this computation reads, whatever its caller read before
            try:
                store[name] = fn(reads, self)
            finally:
                self._reads_of[name], reads.keys = reads.keys, outer | reads.keys
        reads.keys |= self._reads_of.get(name, set())
        return store[name]

    def once(self, fn):
        """`fn(inv, idx)`, computed once per run (a rule module's own lookup table)."""
        return self._noted(self._memo, fn, fn)

    def kept(self, fn):
        """`fn(inv, idx)` for a lookup table read from the files that are not
        sites only (never `idx.facts`): kept in the cache with the global
        rules' findings, so that a run after a site changed reads none of
        those files (network.yml of 10,000 routers among them)."""
        name = _NAMES.get(fn) or _NAMES.setdefault(fn, f"{fn.__module__}.{fn.__qualname__}")
        if name in self.kept_values:  # the common case, asked for by every site's rules: _noted's, made short
            self._inv.keys |= self._reads_of[name]
            return self.kept_values[name]
        if name in self.kept_blobs:
            blob, reads = self.kept_blobs[name]
            self.kept_values[name], self._reads_of[name] = pickle.loads(blob), set(reads)
        return self._noted(self.kept_values, name, fn)

    def kept_for_the_cache(self) -> dict | None:
        """Every kept table, pickled, with the collections it read; None if the cache has them all already."""
        new = {name: (pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL), sorted(self._reads_of.get(name, ())))
               for name, value in self.kept_values.items() if name not in self.kept_blobs}
        return {**self.kept_blobs, **new} if new else None

    @property
    def devices(self) -> dict:
        """device id -> device, the well-formed ones."""
        return self.once(_devices)

    @property
    def device_table(self) -> dict:
        """device id -> (kind, site, its LAN address when it is a router that has one)."""
        return self.kept(_device_table)

    @property
    def devices_at(self) -> dict:
        """site id -> the ids of the devices standing there."""
        return self.kept(_devices_at)

    @property
    def places(self) -> set:
        """The sites' ids and the centre's."""
        return self.once(_places)

    @property
    def central_rooms(self) -> set:
        return self.once(_central_rooms)


def _places(inv, idx) -> set:
    out = set(idx.site_ids)
    if isinstance(inv.centre.get("id"), str):
        out.add(inv.centre["id"])
    return out


def _central_rooms(inv, idx) -> set:
    return {sid for sid, f in idx.facts.items() if f.kind == "central-room"}


def _devices(inv, idx) -> dict:
    return dict(objects(inv.network.get("devices")))


def _device_table(inv, idx) -> dict:
    out = {}
    for did, dev in idx.devices.items():
        interfaces = dev.get("interfaces")
        lan = interfaces.get("lan") if isinstance(interfaces, dict) else None
        address = lan.get("address") if isinstance(lan, dict) and dev.get("kind") == "router" else None
        out[did] = (dev.get("kind"), dev.get("site"), address if isinstance(address, str) else None)
    return out


def _devices_at(inv, idx) -> dict:
    out: dict = {}
    for did, (_, site, _) in idx.device_table.items():
        out.setdefault(site, []).append(did)
    return out


def run(inv) -> list[Problem]:
    from ..inventory import rechecked, rules_cache, set_rules_cache  # noqa: PLC0415 (the inventory imports the facts)

    idx = Index(inv)
    bad = {p.path.split(".", 1)[0] for p in inv.problems} | set(inv.broken)  # collections with problems
    key = _key_of_what_is_not_a_site(inv, idx, bad)

    def apply(rules, *args) -> list[Problem]:
        """The findings of `rules` (for one site: args = (site id, site)), each rule's crash a finding
        unless what it read has problems reported already."""
        reads = idx._inv = Reads(inv)  # what the index reads for a rule counts as the rule's reading
        if args:
            reads.keys.add("sites")
        found = []
        for fn in rules:
            try:
                found.extend(list(fn(reads, idx, *args)))
            except Exception as exc:  # noqa: BLE001 - a rule's crash is a finding of its own
                if not reads.keys & bad:
                    found.append((("inventory",), f"internal error in rule {fn.__name__}: {exc!r} (please report)"))
        return [inv.problem(path, message) for path, message in found]

    out: list[Problem] = []
    by_scope: dict[str, list] = {"site": [], "global": [], "all": []}
    for fn in RULES:
        by_scope[getattr(fn, "scope", "all")].append(fn)
    cached = rules_cache(inv)
    if cached and cached[0] == key:
        found, idx.kept_blobs = cached[1], cached[2]
    else:
        found = [p for fn in by_scope["global"] for p in apply([fn])]
    out.extend(found)
    for fn in by_scope["all"]:
        out.extend(apply([fn]))
    for sid in idx.site_ids:
        result = inv.results["sites"][sid]
        if result.checked is None or result.checked[0] != key:
            site = result.data
            result.checked = (key, apply(by_scope["site"], sid, site))
            rechecked(inv, "sites", sid)
        out.extend(result.checked[1])
    kept = idx.kept_for_the_cache()
    if kept is not None or not (cached and cached[0] == key):
        set_rules_cache(inv, (key, found, kept if kept is not None else idx.kept_blobs))
    return out


def _key_of_what_is_not_a_site(inv, idx, bad) -> bytes:
    """Everything a site rule or a global rule reads besides one site: the
    other files, which sites exist, what is broken, how files are named."""
    h = hashlib.sha256()
    for rel, digest in inv.digests.items():
        if not rel.startswith("sites/"):
            h.update(rel.encode() + b"\0" + digest)
    h.update("\0".join(idx.site_ids).encode())
    h.update(repr((sorted(bad), sorted(inv.broken), inv.display("."))).encode())
    return h.digest()


def objects(mapping) -> Iterable[tuple[str, dict]]:
    """(id, object) for the well-formed objects of an id -> object mapping."""
    if isinstance(mapping, dict):
        for key, value in mapping.items():
            if isinstance(value, dict):
                yield key, value


def repeats(before: Iterable, kept: dict, after: Iterable = ()) -> Iterable[tuple[tuple, object, str]]:
    """(path, value, the first use's path as a.b.0.c) of every use of a value after its first, the uses taken
    in the order: `before` ((path, value) pairs), then `kept` (value -> its paths, a table of the files that are
    not sites, precomputed), then `after` ((path, value) pairs). Walks `kept` by its repeated values only."""
    def dotted(path):
        return ".".join(map(str, path))

    first: dict = {}
    for path, value in before:
        if value in first:
            yield path, value, dotted(first[value])
        else:
            first[value] = path
    for value in first.keys() & kept.keys():
        for path in kept[value]:
            yield path, value, dotted(first[value])
    for value, paths in kept.items():
        if len(paths) > 1 and value not in first:
            for path in paths[1:]:
                yield path, value, dotted(paths[0])
    for path, value in after:
        earlier = first.get(value) or (kept[value][0] if value in kept else None)
        if earlier:
            yield path, value, dotted(earlier)
        else:
            first[value] = path


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
