"""The change freeze of Art. 7.5.b: from the preparation window (Art. 6.4)
to the end of a meeting, no configuration changes on a host taking part.

Both engines ask `status()` before applying a component: the Ansible roles
through the `gbtt_freeze` lookup, the pyinfra deploys directly. A frozen
host is only checked (Ansible: check mode; pyinfra: facts); if anything would
change, the deploy of that host fails, naming the meeting and when the freeze
ends. The emergency override is explicit (the variable
`gbtt_freeze_override` holding the reason) and every use is logged.

The lab replicates production without serving its meetings: there the freeze
holds only in a drill (`gbtt_freeze_in_lab` true), as the lab tests run it."""
from __future__ import annotations

import datetime as dt
import getpass
import json
import os
from dataclasses import dataclass
from pathlib import Path

from .meetings import Meeting, freeze_window, hosts_taking_part, local, meetings, now_utc
from .paths import REPO
from .validate import load_valid

# Where every use of the override is recorded (JSON lines); GBTT_FREEZE_LOG moves it.
DEFAULT_LOG = REPO / "out" / "change-freeze-overrides.jsonl"
MIN_REASON = 10  # characters: a reason, not a flag


class OverrideRefused(Exception):
    """An override without a usable reason."""


@dataclass
class Freeze:
    meeting: Meeting
    since: dt.datetime
    until: dt.datetime


def active(inv, host: str, now: dt.datetime) -> list[Freeze]:
    out = []
    for m in meetings(inv):
        since, until = freeze_window(inv, m)
        if since <= now < until and host in hosts_taking_part(inv, m):
            out.append(Freeze(m, since, until))
    return out


def describe(inv, host: str, freezes: list[Freeze]) -> str:
    last = max(f.until for f in freezes)
    what = "; ".join(f"'{f.meeting.title}' (meeting {f.meeting.id}, {local(inv, f.meeting.start)} to "
                     f"{local(inv, f.meeting.end)})" for f in freezes)
    return (f"change freeze (Art. 7.5.b): {host} takes part in {what}; no configuration change until "
            f"{local(inv, last)} {inv.province['timezone']}. Emergency override: set gbtt_freeze_override "
            f"to the reason (it is logged)")


def log_path() -> Path:
    return Path(os.environ.get("GBTT_FREEZE_LOG") or DEFAULT_LOG)


def status(inventory, host: str, engine: str, component: str, override: str | None = None,
           now: dt.datetime | None = None, lab: bool = False, drill: bool = False) -> dict:
    """{"frozen": bool, "message": str, "overridden": bool} for one host and component."""
    if lab and not drill:
        return {"frozen": False, "overridden": False, "message": ""}
    inv = load_valid(inventory)
    now = now or now_utc()
    freezes = active(inv, host, now)
    if not freezes:
        return {"frozen": False, "overridden": False, "message": ""}
    message = describe(inv, host, freezes)
    reason = (override or "").strip()
    if not reason:
        return {"frozen": True, "overridden": False, "message": message}
    if len(reason) < MIN_REASON:
        raise OverrideRefused(f"gbtt_freeze_override needs the reason for the emergency change "
                              f"(at least {MIN_REASON} characters), not {reason!r}")
    path = log_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as log:
        log.write(json.dumps({"when": now.isoformat(), "user": getpass.getuser(), "engine": engine, "host": host,
                              "component": component, "meetings": [f.meeting.id for f in freezes],
                              "reason": reason}, ensure_ascii=False) + "\n")
    return {"frozen": False, "overridden": True, "message": f"{message} -- OVERRIDDEN ({reason}), logged in {path}"}
