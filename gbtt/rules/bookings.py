"""Bookings (meetings/<id>.yml) against the regulation: references, the
hosting central room (Art. 6.1-6.2), the notice (Art. 6.3, 6.5), no room in
two meetings at once, and the conference server's capacity."""
from __future__ import annotations

from ..meetings import category, expected_host, meetings, notice_needed
from . import global_rule, objects, rule
from .references import _check_ref, _targets


def _duration(delta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign, minutes = ("-" if minutes < 0 else ""), abs(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [f"{days} day{'s' if days != 1 else ''}" if days else "", f"{hours} h" if hours else "",
             f"{mins} min" if mins or not (days or hours) else ""]
    return sign + " ".join(p for p in parts if p)


@rule
def meeting_references(inv, idx):
    targets = idx.kept(_targets)
    sites, orgs, profiles = set(idx.site_ids), targets["organisations"], targets["profiles"]
    central = idx.central_rooms
    for mid, m in objects(inv.meetings):
        base = ("meetings", mid)
        yield from _check_ref(inv, base + ("chair",), m.get("chair"), orgs, "organisation", "organisations")
        yield from _check_ref(inv, base + ("profile",), m.get("profile"), profiles, "codec profile", "codec_profiles")
        yield from _check_ref(inv, base + ("host_room",), m.get("host_room"), central, "central bridge room", "sites")
        rooms = m.get("rooms") if isinstance(m.get("rooms"), list) else []
        for i, room in enumerate(rooms):
            yield from _check_ref(inv, base + ("rooms", i), room, sites, "bridge room", "sites")
            if room in rooms[:i]:
                yield base + ("rooms", i), f"bridge room '{room}' is listed twice"
        if isinstance(m.get("host_room"), str) and rooms and m["host_room"] not in rooms:
            yield base + ("rooms",), f"the host room '{m['host_room']}' must take part: add it to rooms"
    hosts = inv.province.get("meeting_hosts")
    for cat, sid in (hosts.items() if isinstance(hosts, dict) else ()):
        yield from _check_ref(inv, ("province", "meeting_hosts", cat), sid, central, "central bridge room", "sites")


@rule
def meeting_hosted_where_the_regulation_says(inv, idx):
    for m in meetings(inv):
        cat = category(inv, m)
        if m.chair in inv.organisations and cat is None:
            yield ("meetings", m.id, "chair"), (f"'{m.chair}' chairs no meetings (Art. 6.1-6.2: the provincial "
                                                "committee or a department chairs; set with_central_agencies "
                                                "for a meeting with the central government's bodies)")
            continue
        want = expected_host(inv, m)
        if want and m.host_room != want and m.host_room in idx.central_rooms:
            why = {"central-agencies": "meetings with the central government's bodies are hosted by",
                   "provincial-committee": "the provincial committee's meetings are hosted by",
                   "department": "the departments' meetings are hosted by"}[cat]
            yield ("meetings", m.id, "host_room"), f"hosted by '{m.host_room}', but {why} '{want}' (Art. 6.1-6.2)"


@global_rule
def meeting_booked_in_time(inv, idx):
    if not isinstance(inv.province.get("booking"), dict):
        return
    for m in meetings(inv):
        if m.end <= m.start:
            yield ("meetings", m.id, "end"), f"ends ({m.end.isoformat()}) before it starts ({m.start.isoformat()})"
        notice, need = m.start - m.requested, notice_needed(inv, m)
        if notice < need:
            article = "Art. 6.5 (emergency)" if m.emergency else "Art. 6.3"
            yield ("meetings", m.id, "requested"), (f"requested {_duration(notice)} before the start; {article} needs "
                                                    f"at least {_duration(need)}")


@global_rule
def rooms_and_server_not_overbooked(inv, idx):
    booked = [m for m in meetings(inv) if m.end > m.start]
    limit = inv.province.get("max_rooms_per_meeting")
    capacity = sum((h.get("conference") or {}).get("max_participants", 0) for _, h in objects(inv.hosts)
                   if h.get("role") == "conference")
    for i, m in enumerate(booked):
        if isinstance(limit, int) and len(m.rooms) > limit:
            yield ("meetings", m.id, "rooms"), f"{len(m.rooms)} bridge rooms; at most {limit} may join one meeting"
        for other in booked[:i]:
            if other.start < m.end and m.start < other.end:
                for room in sorted(set(m.rooms) & set(other.rooms)):
                    yield ("meetings", m.id, "rooms", m.rooms.index(room)), (
                        f"bridge room '{room}' is in meeting '{other.id}' at the same time "
                        f"({other.start.isoformat()} to {other.end.isoformat()})")
        # every meeting running when this one starts shares the conference server with it
        at_start = [o for o in booked if o.start <= m.start < o.end]
        participants = sum(len(o.rooms) for o in at_start)
        if capacity and participants > capacity:
            yield ("meetings", m.id, "rooms"), (f"{participants} participants on the conference server when it starts "
                                                f"({', '.join(o.id for o in at_start)}); its capacity is {capacity}")
