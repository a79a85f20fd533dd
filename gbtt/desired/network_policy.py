"""The network policy of an edge router, computed once from the model and
rendered for every target (Linux/nftables+tc+FRR, Cisco IOS-XE, Huawei VRP):

* the ACL from the site's room network to the centre: exactly the ports the
  central hosts' components open to the rooms (SIP, TLS, the RTP ranges,
  TURN, Janus) and NTP to the province's sources at the centre; everything
  else refused;
* the classes of RFC 4594: SIP as signalling (CS5); RTP audio (EF) and video
  (AF41) told apart by the payload types the site's Linux endpoints
  negotiate (hardware codecs mark their own traffic);
* the uplink, its bandwidth and the conference's share;
* the routes (the centre through the uplink's peer)."""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

from ..codecs import CODECS
from ..hostinventory import managed_hosts
from .knobs import for_component, inventory_overrides

# A lab router's one interface, on the lab network (gbtt.lab)
LAB_UPLINK = "eth0"


@dataclass
class AclEntry:
    proto: str
    dest: str  # a host address
    ports: str  # "5060" or "30000-39999"
    comment: str


@dataclass
class Policy:
    device: str
    site: str
    site_net: str  # the room network
    centre_net: str
    acl: list[AclEntry]
    signalling: list[tuple[str, str]]  # (proto, ports)
    media_ports: list[str]
    payload_types: dict[str, list[int]]  # audio / video -> payload types (conflicting ones left out)
    uplink_mbps: int
    share_percent: int
    routes: list[dict] = field(default_factory=list)
    interfaces: dict = field(default_factory=dict)
    # ICMP echo from the rooms to the centre (the technicians' first test when a room fails): allowed,
    # rate-limited per router: packets per second (Linux), or a police/CAR rate (vendor gear; about a
    # dozen ordinary pings per second, above the vendors' 8 kbps minimum)
    echo_pps: int = 10
    echo_kbps: int = 8


def central_ports(inv, lab: bool):
    """(host address, Port) of every central port open to the rooms."""
    from . import host_state  # noqa: PLC0415 (the model imports this module's users)

    out = []
    for h in managed_hosts(inv):
        if "central" not in h.groups:
            continue
        for comp in host_state(inv.root, h.name, lab=lab).components.values():
            out += [(h, p) for p in comp.ports if p.sources in ("rooms", "any")]
    return out


def site_payload_types(inv, site_id: str) -> dict[str, list[int]]:
    types: dict[str, set[int]] = {"audio": set(), "video": set()}
    for ep in inv.sites[site_id]["endpoints"]:
        if ep["platform"] != "baresip":
            continue
        prof = inv.codec_profiles[ep["profile"]]
        for medium in types:
            types[medium].update(CODECS[prof[medium]["codec"]].payload_types)
    shared = types["audio"] & types["video"]  # one number, two media: not told apart by payload type
    return {m: sorted(t - shared) for m, t in types.items()}


def uplink(inv, device: str) -> tuple[str, int] | None:
    """(peer device, bandwidth) of the device's link towards the centre."""
    centre_router = inv.centre["network"]["router"]
    for link in inv.network["links"]:
        if device in (link["a"], link["b"]):
            peer = link["b"] if link["a"] == device else link["a"]
            if peer == centre_router:
                return peer, link["bandwidth_mbps"]
    return None


def policy(ctx_addr, inv, device: str, lab: bool) -> Policy:
    """`ctx_addr` maps a production address as the deployment sees it (lab or not)."""
    dev = inv.network["devices"][device]
    site = inv.sites[dev["site"]]

    def net(cidr: str) -> str:
        network = ipaddress.IPv4Network(cidr)
        return f"{ctx_addr(str(network.network_address))}/{network.prefixlen}"

    acl, signalling, media = [], [], []
    for h, p in central_ports(inv, lab):
        for dest in (h.address, p.also_at) if p.also_at else (h.address,):
            acl.append(AclEntry(p.proto, ctx_addr(dest), p.ports, f"{h.name}: {p.comment}"))
        if h.vars.get("gbtt_role") == "sip_registrar" and (p.proto, p.ports) not in signalling:
            signalling.append((p.proto, p.ports))
        if p.proto == "udp" and "-" in p.ports and p.ports not in media:
            media.append(p.ports)
    centre = ipaddress.IPv4Network(inv.centre["network"]["subnet"])
    for source in inv.province["ntp_sources"]:
        if source[0].isdigit() and ipaddress.IPv4Address(source) in centre:
            acl.append(AclEntry("udp", ctx_addr(source), "123", "NTP from the province's source"))
    # the rooms' own RTP ports, both directions (the site's Linux room PCs', with their overrides)
    rooms = [h for h in managed_hosts(inv) if h.site == dev["site"] and "baresip" in h.groups]
    for overrides in [inventory_overrides(inv, h) for h in rooms] or [{}]:
        room_rtp = for_component("room_pc", overrides)["baresip_rtp_ports"]
        if room_rtp not in media:
            media.insert(0, room_rtp)
    peer, bandwidth = uplink(inv, device) or (None, site["network"]["uplink_mbps"])
    routes = []
    if peer:
        # the lab has no centre router: there the centre is on the lab network, reached through the uplink
        via = LAB_UPLINK if lab else ctx_addr(inv.network["devices"][peer]["mgmt_address"])
        routes.append({"prefix": net(inv.centre["network"]["subnet"]), "via": via})
    return Policy(device=device, site=dev["site"], site_net=net(site["network"]["subnet"]),
                  centre_net=net(inv.centre["network"]["subnet"]), acl=acl, signalling=signalling,
                  media_ports=media, payload_types=site_payload_types(inv, dev["site"]), uplink_mbps=bandwidth,
                  share_percent=inv.network["conference_share_percent"], routes=routes,
                  interfaces=dev.get("interfaces", {}))
