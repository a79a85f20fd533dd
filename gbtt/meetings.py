"""The meetings booked in the inventory (meetings/<id>.yml) and the
regulation's rules about them (Decision 06/2015, Art. 6-7):

* who hosts a meeting: VP UBND tỉnh for the provincial committee's meetings
  and those with the central government's bodies, Sở TT&TT for the
  departments' (Art. 6.1-6.2; province.yml `meeting_hosts`);
* how much notice a booking needs: 2 days, 2 hours for an emergency
  (Art. 6.3, 6.5; province.yml `booking`);
* the preparation window, a half-day before (Art. 6.4, 7), from which until
  the meeting ends no configuration may change on the hosts taking part
  (Art. 7.5.b: the change freeze);
* which hosts take part: the central MCU always, the rooms' systems and the
  network gear of the sites taking part."""
from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass



@dataclass(frozen=True)
class Meeting:
    id: str
    title: str
    chair: str
    host_room: str
    rooms: tuple[str, ...]
    profile: str
    start: dt.datetime
    end: dt.datetime
    requested: dt.datetime
    kind: str
    with_central_agencies: bool = False
    layout: str = "grid"  # the bridge's picture: grid (continuous presence) or speaker (voice-activated)

    @property
    def emergency(self) -> bool:
        return self.kind == "emergency"


def meetings(inv) -> list[Meeting]:
    """The well-formed meetings, by start time."""
    out = []
    for mid, m in inv.meetings.items():
        if not isinstance(m, dict):
            continue
        try:
            out.append(Meeting(mid, m["title"], m["chair"], m["host_room"], tuple(m["rooms"]), m["profile"],
                               m["start"], m["end"], m["requested"], m["kind"],
                               bool(m.get("with_central_agencies", False)), m.get("layout", "grid")))
        except (KeyError, TypeError):
            continue
    return sorted((m for m in out if all(isinstance(t, dt.datetime) and t.tzinfo for t in (m.start, m.end, m.requested))),
                  key=lambda m: (m.start, m.id))


def category(inv, m: Meeting) -> str | None:
    """Which kind of meeting this is for Art. 6.1-6.2."""
    if m.with_central_agencies:
        return "central-agencies"
    roles = (inv.organisations.get(m.chair) or {}).get("roles") or []
    for cat in ("provincial-committee", "department"):
        if cat in roles:
            return cat
    return None


def expected_host(inv, m: Meeting) -> str | None:
    cat = category(inv, m)
    return (inv.province.get("meeting_hosts") or {}).get(cat) if cat else None


def notice_needed(inv, m: Meeting) -> dt.timedelta:
    booking = inv.province.get("booking") or {}
    return dt.timedelta(hours=booking["emergency_notice_hours" if m.emergency else "notice_hours"])


def freeze_window(inv, m: Meeting) -> tuple[dt.datetime, dt.datetime]:
    """From the preparation window's start to the meeting's end (Art. 6.4, 7.5.b)."""
    return m.start - dt.timedelta(hours=inv.province["booking"]["preparation_hours"]), m.end


def hosts_taking_part(inv, m: Meeting) -> set[str]:
    """Host and device names whose change could disturb `m`."""
    names = set(inv.hosts)  # the central MCU serves every meeting
    sites = set(m.rooms) | {m.host_room, inv.centre.get("id")}
    for sid in m.rooms:
        for ep in (inv.sites.get(sid) or {}).get("endpoints") or []:
            names.add(ep["id"])
    devices = inv.network.get("devices")
    for did, dev in (devices.items() if isinstance(devices, dict) else ()):
        if isinstance(dev, dict) and dev.get("site") in sites:
            names.add(did)
    return names


def local(inv, moment: dt.datetime) -> str:
    """`moment` in the province's time zone, for people to read."""
    return moment.astimezone(zoneinfo.ZoneInfo(inv.province["timezone"])).strftime("%Y-%m-%d %H:%M")


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)
