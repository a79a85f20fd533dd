"""Every id is unique across the inventory, and every reference resolves."""
from __future__ import annotations

from typing import Callable, NamedTuple

from . import global_rule, known, objects, repeats, rule, site_rule


def _ids_by_file(inv, idx) -> tuple[list, dict]:
    """The ids of the files that are not sites, in two groups around the
    sites' own ids (the order of `ids_unique`): [(path, id)] of the centre and
    the organisations; id -> [paths] of the hosts, profiles and devices."""
    head, tail = [], {}
    centre_id = inv.centre.get("id")
    if isinstance(centre_id, str):
        head.append((("centre", "id"), centre_id))
    head.extend((("organisations", oid), oid) for oid, _ in objects(inv.organisations))
    for key in ("hosts", "codec_profiles"):
        for oid, _ in objects(inv.get(key)):
            tail.setdefault(oid, []).append((key, oid))
    for oid in idx.devices:
        tail.setdefault(oid, []).append(("network", "devices", oid))
    return head, tail


@rule
def ids_unique(inv, idx):
    """In the order: centre, organisations, sites, hosts, profiles, devices, endpoints; the later use is named."""
    head, tail = idx.kept(_ids_by_file)
    endpoint_ids = ((("sites", sid, "endpoints", i, "id"), ep_id) for sid, facts in idx.facts.items()
                    for i, ep_id, *_ in facts.endpoints if isinstance(ep_id, str))
    for path, oid, earlier in repeats(head + [(("sites", sid), sid) for sid in idx.facts], tail, endpoint_ids):
        yield path, f"id '{oid}' is already used by {earlier} (ids are unique across the inventory)"


def _check_ref(inv, path, value, targets, noun, source):
    """A reference to one of `targets`; not checked while `source` (the kind
    that defines them) is unreadable, lest one broken file cause a flood."""
    sources = (source,) if isinstance(source, str) else source
    if isinstance(value, str) and value not in targets and not inv.broken.intersection(sources):
        return [(path, f"unknown {noun} '{value}' {known(targets, value)}")]
    return []


def _targets(inv, idx) -> dict:
    return {"organisations": set(inv.organisations), "profiles": set(inv.codec_profiles),
            "backgrounds": set(dict(objects(inv.province.get("room_backgrounds"))))}


@site_rule
def site_references_resolve(inv, idx, sid, site):
    t = idx.kept(_targets)
    yield from _check_ref(inv, ("sites", sid, "organisation"), site.get("organisation"), t["organisations"],
                          "organisation", "organisations")
    net = site.get("network")
    if isinstance(net, dict):
        yield from _check_ref(inv, ("sites", sid, "network", "router"), net.get("router"), idx.device_table,
                              "network device", "network")
    room = site.get("room")
    if isinstance(room, dict):
        yield from _check_ref(inv, ("sites", sid, "room", "background"), room.get("background"), t["backgrounds"],
                              "room background", "province")
    for i, *_ in idx.facts[sid].endpoints:
        yield from _check_ref(inv, ("sites", sid, "endpoints", i, "profile"), site["endpoints"][i].get("profile"),
                              t["profiles"], "codec profile", "codec_profiles")


@global_rule
def references_resolve(inv, idx):
    orgs = set(inv.organisations)
    devices, places = idx.devices, idx.places
    yield from _check_ref(inv, ("centre", "organisation"), inv.centre.get("organisation"), orgs, "organisation", "organisations")
    net = inv.centre.get("network")
    if isinstance(net, dict):
        yield from _check_ref(inv, ("centre", "network", "router"), net.get("router"), devices, "network device", "network")
    for host_id, host in objects(inv.hosts):
        yield from _check_ref(inv, ("hosts", host_id, "site"), host.get("site"), places, "site or centre", ("sites", "centre"))
    for dev_id, dev in devices.items():
        yield from _check_ref(inv, ("network", "devices", dev_id, "site"), dev.get("site"), places, "site or centre", ("sites", "centre"))
    links = inv.network.get("links")
    for i, link in enumerate(links if isinstance(links, list) else []):
        if isinstance(link, dict):
            for end in ("a", "b"):
                yield from _check_ref(inv, ("network", "links", i, end), link.get(end), devices, "network device", "network")


def _router_stands_at(path, place, net, devices):
    if not isinstance(net, dict) or net.get("router") not in devices:
        return
    kind, site, _ = devices[net["router"]]
    if kind != "router":
        yield path, f"'{net['router']}' is a {kind}, not a router"
    elif site != place:
        yield path, f"router '{net['router']}' stands at '{site}', not at '{place}'"


@site_rule
def routers_belong_to_their_site(inv, idx, sid, site):
    yield from _router_stands_at(("sites", sid, "network", "router"), sid, site.get("network"), idx.device_table)


@global_rule
def centre_router_belongs_to_the_centre(inv, idx):
    yield from _router_stands_at(("centre", "network", "router"), inv.centre.get("id"), inv.centre.get("network"),
                                 idx.device_table)


class EndpointPasswords(NamedTuple):
    needs: Callable  # (kind, platform) -> whether such an endpoint has a password here
    what: str  # what such an endpoint is called in messages
    required: bool  # the vault's schema requires the key (its absence is reported there)


# vault key -> the endpoints that need a password there (`gbtt vault fill` makes them too)
ENDPOINT_PASSWORDS = {
    "sip_passwords": EndpointPasswords(lambda kind, platform: kind == "sip-room-system", "SIP endpoint", True),
    "codec_api_passwords": EndpointPasswords(lambda kind, platform: platform == "cisco-room-kit", "Cisco codec", False),
}


def _vault_names(inv, idx) -> dict[str, list | None]:
    """The endpoint ids of each password table of the vault (None: no such table)."""
    vault = inv.get("vault")
    return {key: list(vault[key]) if isinstance(vault.get(key), dict) else None for key in ENDPOINT_PASSWORDS}


@rule
def endpoint_passwords_match_endpoints(inv, idx):
    if "vault" in inv.broken:
        return
    tables = idx.kept(_vault_names)
    for key, (needs, what, required) in ENDPOINT_PASSWORDS.items():
        passwords = tables[key]
        if passwords is None:
            if required:
                continue
            passwords = []
        wanted = {}
        for sid, facts in idx.facts.items():
            for i, ep_id, kind, _, platform in facts.endpoints:
                if needs(kind, platform) and isinstance(ep_id, str):
                    wanted[ep_id] = ("sites", sid, "endpoints", i)
        known_passwords = set(passwords)
        for ep_id, path in wanted.items():
            if ep_id not in known_passwords:
                yield path + ("id",), f"{what} '{ep_id}' has no password in vault.yml (add vault.{key}.{ep_id})"
        for ep_id in passwords:
            if ep_id not in wanted and "sites" not in inv.broken:
                yield ("vault", key, ep_id), f"password for '{ep_id}', which is not a {what} of any site {known(wanted)}"
