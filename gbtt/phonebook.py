"""The province's phone book, from the model: every SIP room system by its
room's name, and every booked meeting not yet over by its title and number
(`sip:<number>@<domain>`, routed to the multipoint bridge). One list that each
device's directory is rendered from (today: the baresip room PCs' contacts)."""
from __future__ import annotations

import datetime as dt
import zoneinfo

from .desired.components.conference import meeting_room_id
from .meetings import meetings


def entries(inv, now: dt.datetime, domain: str, exclude: str | None = None) -> list[tuple[str, str]]:
    """(name, SIP URI) of the rooms (but `exclude`) and the meetings not yet over, in a stable order."""
    rooms = [(f"{site['name']} ({ep['id']})", f"sip:{ep['id']}@{domain}")
             for _, site in sorted(inv.sites.items()) for ep in site["endpoints"]
             if ep["kind"] == "sip-room-system" and ep["id"] != exclude]
    tz = zoneinfo.ZoneInfo(inv.province["timezone"])
    booked = [(f"{m.title} ({m.start.astimezone(tz):%d/%m %H:%M})", f"sip:{meeting_room_id(inv, m)}@{domain}")
              for m in sorted(meetings(inv), key=lambda m: m.start) if m.end > now]
    return rooms + booked


def quoted(name: str) -> str:
    """A SIP display name in double quotes (RFC 3261 quoted-string)."""
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
