"""The edge routers' interfaces and the QoS shares: what the network roles
render must agree with the sites and the centre."""
from __future__ import annotations

from ..ipv4 import network
from . import global_rule, objects, site_rule


def _routers(idx):
    for did, dev in idx.devices.items():
        if dev.get("kind") == "router":
            yield did, dev, dev.get("interfaces")


def _lan_is_the_gateway(did, address, net):
    subnet = network(net.get("subnet")) if isinstance(net, dict) else None
    if subnet is not None and address is not None:
        want = f"{net.get('gateway')}/{subnet[1]}"
        if address != want:
            yield ("network", "devices", did, "interfaces", "lan", "address"), (
                f"{address} is not the room network's gateway {want}")


@global_rule
def routers_have_their_interfaces(inv, idx):
    """Every router has both interfaces; the uplink carries the management
    address; the centre's router's LAN is the centre's gateway (a site's: below)."""
    mgmt = inv.network.get("management_subnet")
    centre = inv.centre.get("id")
    for did, dev, interfaces in _routers(idx):
        path = ("network", "devices", did)
        if not isinstance(interfaces, dict):
            yield path, "a router needs its interfaces: wan (the uplink) and lan (the room network)"
            continue
        if dev.get("site") == centre:
            yield from _lan_is_the_gateway(did, idx.device_table[did][2], inv.centre.get("network"))
        wan = interfaces.get("wan")
        if isinstance(wan, dict) and isinstance(wan.get("address"), str) and network(mgmt) is not None:
            want = f"{dev.get('mgmt_address')}/{network(mgmt)[1]}"
            if wan["address"] != want:
                yield path + ("interfaces", "wan", "address"), (f"{wan['address']} is not the management address "
                                                                f"{want} (the uplink carries management)")


@site_rule
def site_routers_lan_is_the_gateway(inv, idx, sid, site):
    net = site.get("network")
    if sid == inv.centre.get("id") or not isinstance(net, dict):
        return
    for did in idx.devices_at.get(sid, ()):
        yield from _lan_is_the_gateway(did, idx.device_table[did][2], net)


@global_rule
def qos_shares_add_up(inv, idx):
    classes = inv.network.get("qos_classes")
    share = inv.network.get("conference_share_percent")
    if not isinstance(classes, dict) or not isinstance(share, int):
        return
    parts = [c.get("share_percent") for _, c in objects(classes)]
    if all(isinstance(p, int) for p in parts) and sum(parts) != share:
        yield ("network", "qos_classes"), (f"the classes' shares add up to {sum(parts)}%, not the conference's "
                                           f"{share}% (conference_share_percent)")


def links_to_the_centre(inv, idx) -> tuple[str | None, dict]:
    """(the centre's router, router -> the bandwidth of its link to the centre's router)."""
    centre_router = (inv.centre.get("network") or {}).get("router") if isinstance(inv.centre, dict) else None
    links = inv.network.get("links")
    if not isinstance(links, list) or not isinstance(centre_router, str):
        return None, {}
    to_centre = {}
    for lk in links:
        if isinstance(lk, dict) and centre_router in (lk.get("a"), lk.get("b")):
            to_centre[lk.get("b") if lk.get("a") == centre_router else lk.get("a")] = lk.get("bandwidth_mbps")
    return centre_router, to_centre


@site_rule
def uplink_agrees_with_its_link(inv, idx, sid, site):
    """A site's uplink is one figure: `network.uplink_mbps` of its site file
    is the bandwidth of its router's link to the centre's router."""
    centre_router, to_centre = idx.kept(links_to_the_centre)
    net = site.get("network")
    if centre_router is None or not isinstance(net, dict) or not isinstance(net.get("uplink_mbps"), int):
        return
    router = net.get("router")
    bandwidth = to_centre.get(router) if isinstance(router, str) else None
    if isinstance(bandwidth, int) and bandwidth != net["uplink_mbps"]:
        yield ("sites", sid, "network", "uplink_mbps"), (
            f"{net['uplink_mbps']} Mbps, but the link {centre_router} - {router} in network.yml has "
            f"bandwidth_mbps {bandwidth}: one uplink, one figure (correct one of them)")
