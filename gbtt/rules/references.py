"""Every id is unique across the inventory, and every reference resolves."""
from __future__ import annotations

from . import endpoints, known, objects, rule


def _all_ids(inv):
    """(path to the id, id) of everything that has one."""
    centre_id = inv.centre.get("id")
    if isinstance(centre_id, str):
        yield ("centre", "id"), centre_id
    for key in ("organisations", "sites", "hosts", "codec_profiles"):
        for oid, _ in objects(inv.get(key)):
            yield (key, oid), oid
    for oid, _ in objects(inv.network.get("devices")):
        yield ("network", "devices", oid), oid
    for path, ep, _ in endpoints(inv):
        if isinstance(ep.get("id"), str):
            yield path + ("id",), ep["id"]


@rule
def ids_unique(inv):
    first: dict[str, tuple] = {}
    for path, oid in _all_ids(inv):
        if oid in first:
            yield path, f"id '{oid}' is already used by {'.'.join(map(str, first[oid]))} (ids are unique across the inventory)"
        else:
            first[oid] = path


def _check_ref(inv, path, value, targets, noun, source):
    """A reference to one of `targets`; not checked while `source` (the kind
    that defines them) is unreadable, lest one broken file cause a flood."""
    sources = (source,) if isinstance(source, str) else source
    if isinstance(value, str) and value not in targets and not inv.broken.intersection(sources):
        return [(path, f"unknown {noun} '{value}' {known(targets, value)}")]
    return []


def locations(inv) -> set[str]:
    out = set(inv.sites)
    if isinstance(inv.centre.get("id"), str):
        out.add(inv.centre["id"])
    return out


@rule
def references_resolve(inv):
    orgs = set(inv.organisations)
    profiles = set(inv.codec_profiles)
    devices = set(dict(objects(inv.network.get("devices"))))
    places = locations(inv)
    backgrounds = set(dict(objects(inv.province.get("room_backgrounds"))))
    for site_id, site in objects(inv.sites):
        yield from _check_ref(inv, ("sites", site_id, "organisation"), site.get("organisation"), orgs, "organisation", "organisations")
        net = site.get("network")
        if isinstance(net, dict):
            yield from _check_ref(inv, ("sites", site_id, "network", "router"), net.get("router"), devices, "network device", "network")
        room = site.get("room")
        if isinstance(room, dict):
            yield from _check_ref(inv, ("sites", site_id, "room", "background"), room.get("background"), backgrounds, "room background", "province")
    yield from _check_ref(inv, ("centre", "organisation"), inv.centre.get("organisation"), orgs, "organisation", "organisations")
    net = inv.centre.get("network")
    if isinstance(net, dict):
        yield from _check_ref(inv, ("centre", "network", "router"), net.get("router"), devices, "network device", "network")
    for path, ep, _ in endpoints(inv):
        yield from _check_ref(inv, path + ("profile",), ep.get("profile"), profiles, "codec profile", "codec_profiles")
    for host_id, host in objects(inv.hosts):
        yield from _check_ref(inv, ("hosts", host_id, "site"), host.get("site"), places, "site or centre", ("sites", "centre"))
    for dev_id, dev in objects(inv.network.get("devices")):
        yield from _check_ref(inv, ("network", "devices", dev_id, "site"), dev.get("site"), places, "site or centre", ("sites", "centre"))
    links = inv.network.get("links")
    for i, link in enumerate(links if isinstance(links, list) else []):
        if isinstance(link, dict):
            for end in ("a", "b"):
                yield from _check_ref(inv, ("network", "links", i, end), link.get(end), devices, "network device", "network")


@rule
def routers_belong_to_their_site(inv):
    devices = dict(objects(inv.network.get("devices")))
    attachments = [(("sites", sid, "network", "router"), sid, s.get("network")) for sid, s in objects(inv.sites)]
    attachments.append((("centre", "network", "router"), inv.centre.get("id"), inv.centre.get("network")))
    for path, place, net in attachments:
        if not isinstance(net, dict) or net.get("router") not in devices:
            continue
        dev = devices[net["router"]]
        if dev.get("kind") != "router":
            yield path, f"'{net['router']}' is a {dev.get('kind')}, not a router"
        elif dev.get("site") != place:
            yield path, f"router '{net['router']}' stands at '{dev.get('site')}', not at '{place}'"


@rule
def sip_passwords_match_endpoints(inv):
    if "vault" in inv.broken:
        return
    passwords = inv.get("vault").get("sip_passwords")
    if not isinstance(passwords, dict):
        return
    sip = {}
    for path, ep, _ in endpoints(inv):
        if ep.get("kind") == "sip-room-system" and isinstance(ep.get("id"), str):
            sip[ep["id"]] = path
    for ep_id, path in sip.items():
        if ep_id not in passwords:
            yield path + ("id",), f"SIP endpoint '{ep_id}' has no password in vault.yml (add vault.sip_passwords.{ep_id})"
    for ep_id in passwords:
        if ep_id not in sip and "sites" not in inv.broken:
            yield ("vault", "sip_passwords", ep_id), f"password for '{ep_id}', which is not a SIP endpoint of any site {known(sip)}"
