"""The edge routers' interfaces and the QoS shares: what the network roles
render must agree with the sites and the centre."""
from __future__ import annotations

import functools
import ipaddress

from . import objects, rule


@functools.lru_cache(maxsize=4096)
def _prefixlen(cidr: str) -> int:
    return ipaddress.IPv4Network(cidr).prefixlen


@rule
def routers_have_their_interfaces(inv):
    mgmt = inv.network.get("management_subnet")
    for did, dev in objects(inv.network.get("devices")):
        if dev.get("kind") != "router":
            continue
        path = ("network", "devices", did)
        interfaces = dev.get("interfaces")
        if not isinstance(interfaces, dict):
            yield path, "a router needs its interfaces: wan (the uplink) and lan (the room network)"
            continue
        place = inv.centre if dev.get("site") == inv.centre.get("id") else inv.sites.get(dev.get("site"))
        net = (place or {}).get("network") if isinstance(place, dict) else None
        lan, wan = interfaces.get("lan"), interfaces.get("wan")
        if isinstance(net, dict) and isinstance(lan, dict) and isinstance(lan.get("address"), str):
            want = f"{net.get('gateway')}/{_prefixlen(net['subnet'])}"
            if lan["address"] != want:
                yield path + ("interfaces", "lan", "address"), (f"{lan['address']} is not the room network's "
                                                                f"gateway {want}")
        if isinstance(wan, dict) and isinstance(wan.get("address"), str) and isinstance(mgmt, str):
            want = f"{dev.get('mgmt_address')}/{_prefixlen(mgmt)}"
            if wan["address"] != want:
                yield path + ("interfaces", "wan", "address"), (f"{wan['address']} is not the management address "
                                                                f"{want} (the uplink carries management)")


@rule
def qos_shares_add_up(inv):
    classes = inv.network.get("qos_classes")
    share = inv.network.get("conference_share_percent")
    if not isinstance(classes, dict) or not isinstance(share, int):
        return
    parts = [c.get("share_percent") for _, c in objects(classes)]
    if all(isinstance(p, int) for p in parts) and sum(parts) != share:
        yield ("network", "qos_classes"), (f"the classes' shares add up to {sum(parts)}%, not the conference's "
                                           f"{share}% (conference_share_percent)")


@rule
def uplink_agrees_with_its_link(inv):
    """A site's uplink is one figure: `network.uplink_mbps` of its site file
    is the bandwidth of its router's link to the centre's router."""
    centre_router = (inv.centre.get("network") or {}).get("router") if isinstance(inv.centre, dict) else None
    links = inv.network.get("links")
    if not isinstance(links, list) or not isinstance(centre_router, str):
        return
    to_centre = {}  # router -> its link to the centre's router
    for lk in links:
        if isinstance(lk, dict) and centre_router in (lk.get("a"), lk.get("b")):
            to_centre[lk.get("b") if lk.get("a") == centre_router else lk.get("a")] = lk
    for site_id, site in objects(inv.sites):
        net = site.get("network")
        if not isinstance(net, dict) or not isinstance(net.get("uplink_mbps"), int):
            continue
        router = net.get("router")
        link = to_centre.get(router) if isinstance(router, str) else None
        if link and isinstance(link.get("bandwidth_mbps"), int) and link["bandwidth_mbps"] != net["uplink_mbps"]:
            yield ("sites", site_id, "network", "uplink_mbps"), (
                f"{net['uplink_mbps']} Mbps, but the link {centre_router} - {router} in network.yml has "
                f"bandwidth_mbps {link['bandwidth_mbps']}: one uplink, one figure (correct one of them)")
