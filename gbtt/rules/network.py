"""The edge routers' interfaces and the QoS shares: what the network roles
render must agree with the sites and the centre."""
from __future__ import annotations

import ipaddress

from . import objects, rule


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
            want = f"{net.get('gateway')}/{ipaddress.IPv4Network(net['subnet']).prefixlen}"
            if lan["address"] != want:
                yield path + ("interfaces", "lan", "address"), (f"{lan['address']} is not the room network's "
                                                                f"gateway {want}")
        if isinstance(wan, dict) and isinstance(wan.get("address"), str) and isinstance(mgmt, str):
            want = f"{dev.get('mgmt_address')}/{ipaddress.IPv4Network(mgmt).prefixlen}"
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
