"""Capacity: the central services exist, are large enough for the rooms,
and every site's uplink carries its share of a meeting.

The uplink rule.  Janus VideoRoom is an SFU: in a meeting of R rooms every
endpoint sends its stream once and receives the R-1 other rooms' streams.
The downlink is therefore the binding direction.  A room's endpoint receives
at most its own profile's rate per stream (the meeting's profile never
exceeds what a room can take), so a site needs

    sum over its endpoints of (video kbps + audio kbps) x (R - 1) x 1.2

where R = min(number of rooms, province.max_rooms_per_meeting) and 1.2
covers IP/UDP/RTP overhead.  This must fit in the site's uplink times the
share reserved for conference traffic (network.conference_share_percent).
"""
from __future__ import annotations

import math

from . import global_rule, objects, rule, site_rule

OVERHEAD = 1.2
# Ports one participant needs on each service:
RELAY_PORTS_PER_CALL = 8  # 2 call legs x (audio + video) x (RTP + RTCP)
CONFERENCE_PORTS_PER_PARTICIPANT = 2  # bundled publisher + subscriber PeerConnection
TURN_PORTS_PER_CLIENT = 2  # one relayed allocation per PeerConnection

SERVICES_FOR = {
    "sip-room-system": ("conference", "sip_registrar", "media_relay", "multipoint_bridge"),
    "webrtc-pc": ("conference", "turn"),
}


def profile_kbps(profile: dict) -> int:
    total = 0
    for part in ("video", "audio"):
        media = profile.get(part)
        if isinstance(media, dict) and isinstance(media.get("kbps"), int):
            total += media["kbps"]
    return total


def rooms_per_meeting(inv, n_sites: int) -> int:
    limit = inv.province.get("max_rooms_per_meeting")
    return min(n_sites, limit) if isinstance(limit, int) else n_sites


def _conference_share(inv, idx):
    return inv.network.get("conference_share_percent")


@site_rule
def uplink_carries_meeting(inv, idx, sid, site):
    share = idx.kept(_conference_share)
    net = site.get("network")
    if not isinstance(share, int) or not isinstance(net, dict) or not isinstance(net.get("uplink_mbps"), int):
        return
    fanout = rooms_per_meeting(inv, len(idx.site_ids)) - 1
    profiles = inv.codec_profiles
    need, any_endpoint = 0, False
    for i, *_ in idx.facts[sid].endpoints:
        prof = profiles.get(site["endpoints"][i].get("profile"))
        if isinstance(prof, dict):
            need += profile_kbps(prof) * fanout * OVERHEAD
            any_endpoint = True
    if not any_endpoint:
        return
    usable = net["uplink_mbps"] * 1000 * share / 100
    if need > usable:
        least = math.ceil(need * 100 / share / 1000 - 1e-9)  # whole Mbps that carry it
        yield ("sites", sid, "network", "uplink_mbps"), (
            f"{net['uplink_mbps']} Mbps cannot carry a {fanout + 1}-room meeting: its endpoints receive "
            f"{need / 1000:.1f} Mbps, more than the {share}% conference share ({usable / 1000:.1f} Mbps); "
            f"at least {least} Mbps needed, or a lighter codec profile")


def _hosts_by_role(inv):
    out: dict[str, list] = {}
    for hid, host in objects(inv.hosts):
        out.setdefault(host.get("role"), []).append((hid, host))
    return out


def endpoint_kinds(inv, idx) -> dict:
    """endpoint kind -> (how many, the first site that has one)."""
    out: dict = {}
    for sid, facts in idx.facts.items():
        for _, _, kind, *_ in facts.endpoints:
            n, first = out.get(kind, (0, sid))
            out[kind] = (n + 1, first)
    return out


@rule
def central_services_exist(inv, idx):
    if "hosts" in inv.broken:
        return
    roles = _hosts_by_role(inv)
    needed: dict[str, str] = {"conference": "every meeting"}
    for kind, (_, first) in idx.once(endpoint_kinds).items():
        for role in SERVICES_FOR.get(kind, ()):
            needed.setdefault(role, f"{kind} endpoints such as {first}")
    for role, why in needed.items():
        if role not in roles:
            yield ("hosts",), f"no host has role '{role}', needed by {why}"


def _span(ports) -> int | None:
    if isinstance(ports, dict) and isinstance(ports.get("min"), int) and isinstance(ports.get("max"), int):
        return ports["max"] - ports["min"] + 1
    return None


@global_rule
def port_ranges_ordered(inv, idx):
    for hid, host in objects(inv.hosts):
        for block, key in (("conference", "rtp_ports"), ("media_relay", "rtp_ports"), ("turn", "relay_ports")):
            ports = host.get(block, {}).get(key) if isinstance(host.get(block), dict) else None
            span = _span(ports)
            if span is not None and span < 1:
                yield ("hosts", hid, block, key, "max"), f"port range ends ({ports['max']}) before it starts ({ports['min']})"


@global_rule
def role_settings_present(inv, idx):
    for hid, host in objects(inv.hosts):
        role = host.get("role")
        if isinstance(role, str) and not isinstance(host.get(role), dict):
            yield ("hosts", hid, "role"), f"a host with role '{role}' needs its '{role}:' settings block"


@rule
def central_capacity(inv, idx):
    kinds = idx.once(endpoint_kinds)
    counts = {kind: kinds.get(kind, (0, None))[0] for kind in ("sip-room-system", "webrtc-pc")}
    everyone = sum(counts.values())
    roles = _hosts_by_role(inv)

    def total(role, key, sub=None):
        n = 0
        for _, host in roles.get(role, []):
            block = host.get(role)
            value = block.get(key) if isinstance(block, dict) else None
            n += _span(value) if sub == "span" else (value if isinstance(value, int) else 0)
        return n

    checks = [
        ("conference", "max_participants", None, everyone, 1,
         "participants: every endpoint of every room may join a province-wide meeting"),
        ("conference", "rtp_ports", "span", everyone, CONFERENCE_PORTS_PER_PARTICIPANT,
         "RTP ports: a bundled publisher and subscriber connection per participant"),
        ("sip_registrar", "max_registrations", None, counts["sip-room-system"], 1,
         "registrations: one per SIP room system"),
        ("media_relay", "max_sessions", None, counts["sip-room-system"], 1, "sessions: one call per SIP room system"),
        ("media_relay", "rtp_ports", "span", counts["sip-room-system"], RELAY_PORTS_PER_CALL,
         "RTP ports: 2 legs x (audio+video) x (RTP+RTCP) per call"),
        ("turn", "relay_ports", "span", counts["webrtc-pc"], TURN_PORTS_PER_CLIENT,
         "relay ports: one allocation per WebRTC connection"),
        ("multipoint_bridge", "max_participants", None, counts["sip-room-system"], 1,
         "participants: every SIP room system in a rehearsal of every room (gbtt rehearse --rooms all)"),
    ]
    for role, key, sub, users, per, why in checks:
        hosts = roles.get(role, [])
        if not hosts or users == 0 or any(not isinstance(h.get(role), dict) for _, h in hosts):
            continue  # no such service, or a host without its settings (reported elsewhere)
        try:
            have = total(role, key, sub)
        except TypeError:
            continue
        if 0 < have < users * per:  # a reversed range (have <= 0) is reported by port_ranges_ordered
            hid = hosts[0][0]
            yield ("hosts", hid, role, key), f"{have} {why.split(':')[0]} across all '{role}' hosts, {users * per} needed ({why})"
