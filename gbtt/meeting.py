"""`gbtt meeting`: the central engineer's conference control (Art. 7.5.a) on
the multipoint bridge: the meetings it holds, who is connected and who
speaks, start (the bridge calls every room: Art. 2.3), mute and unmute a
room, drop and redial it, switch the picture's layout (grid: continuous
presence; speaker: voice-activated), end the meeting. Each command runs the bridge's
control client on the bridge host over SSH and is logged, with its answer,
in out/meeting/log.jsonl (who, when, what). `link` gives a WebRTC room PC's
link to the meeting (made here, from the vault; logged without it)."""
from __future__ import annotations

import datetime as dt
import getpass
import json
import os
import shlex
import urllib.parse
from pathlib import Path

from .bridge.tiles import LAYOUTS
from .desired.components.conference import meeting_room_id, rehearsal_room_id, room_pin, turn_credential, web_token
from .desired.components.multipoint_bridge import LIB_DIR, web_rooms
from .desired.model import host_knobs
from .inventory import load
from .meetings import local, meetings, now_utc
from .remote import Fleet

VERBS = ("list", "show", "start", "mute", "unmute", "drop", "redial", "layout", "end", "link")
NEEDS_ROOM = ("mute", "unmute", "drop", "redial")


class MeetingError(Exception):
    pass


def booking(inv, meeting: str):
    """The booked meeting named by its id (meetings/<id>.yml), its number, or `next` (the next one not over)."""
    now = now_utc()
    for m in sorted(meetings(inv), key=lambda m: m.start):
        if meeting in (m.id, str(meeting_room_id(inv, m))) or (meeting == "next" and m.end > now):
            return m
    raise MeetingError(f"no booked meeting {meeting!r} (a file name under meetings/, its number, or next)")


def meeting_number(inv, meeting: str) -> str:
    """A booking, as the number the bridge knows; or the bridge's standing rehearsal room (`gbtt rehearse
    --rooms all`), by its number as `gbtt meeting list` shows it."""
    if meeting == str(rehearsal_room_id(inv)):
        return meeting
    try:
        return str(meeting_room_id(inv, booking(inv, meeting)))
    except MeetingError as exc:
        raise MeetingError(f"{exc}; or the rehearsal room, {rehearsal_room_id(inv)}") from None


SYSTEMS = {"sip-room-system": "SIP room system", "webrtc-pc": "WebRTC room PC"}  # schemas/endpoint.yml's kinds


def room_system(inv, room: str, kind: str, any_kind_by_id: bool = False) -> str:
    """A room system's id: `room` itself (a system of `kind`, or of any kind with `any_kind_by_id`), or the one
    system of `kind` of site `room` (an engineer may name a site that has one)."""
    if any(ep["id"] == room and (any_kind_by_id or ep["kind"] == kind) for s in inv.sites.values() for ep in s["endpoints"]):
        return room
    what = SYSTEMS[kind]
    if room not in inv.sites:
        raise MeetingError(f"no {what} or site {room!r}")
    ids = [ep["id"] for ep in inv.sites[room]["endpoints"] if ep["kind"] == kind]
    if len(ids) != 1:
        raise MeetingError(f"site {room} has {what}s {', '.join(ids) or '(none)'}: name one")
    return ids[0]


def web_link(inventory: Path, lab: bool, number: int, room: dict, expiry: int, extra: dict | None = None) -> str:
    """The page a WebRTC room PC opens to join meeting `number`: the conference server's /phong-hop/, with
    (after the #, never sent to a server) the meeting, the room, its PIN, a Janus token valid until `expiry`
    (Unix seconds), the picture the room sends (its profile's) and the TURN server with a credential valid
    until `expiry` (a browser behind NAT reaches Janus through it). A secret: for that room's technician only."""
    secrets = load(inventory).secrets()
    fleet = Fleet(inventory, lab)
    conference = fleet.with_role("conference")[0]
    port = host_knobs(inventory, conference.name, "conference")["janus_https_port"]
    video = room["video"]
    params = {"so": number, "phong": room["id"], "pin": room_pin(secrets, number), "token": web_token(secrets, expiry),
              "codec": video["codec"], "w": video["width"], "h": video["height"], "fps": video["fps"], "kbps": video["kbps"]}
    for turn in fleet.with_role("turn")[:1]:
        # a user of its own per link: coturn counts allocations per user (coturn_user_quota), and a browser that
        # is killed leaves its three for their lifetime (10 min), so reloads of one link could exhaust it
        user, password = turn_credential(secrets["turn_static_secret"], f"{room['id']}.{os.urandom(3).hex()}", expiry)
        turn_port = host_knobs(inventory, turn.name, "turn")["coturn_port"]
        params.update(turn=f"{turn.vars['ansible_host']}:{turn_port}", tu=user, tp=password)
    params.update(extra or {})
    where = conference.vars["ansible_host"] + ("" if port == 443 else f":{port}")
    return f"https://{where}/phong-hop/#{urllib.parse.urlencode(params, safe=',:')}"


def ask(inventory: Path, lab: bool, request: dict) -> dict:
    fleet = Fleet(inventory, lab)
    bridges = fleet.with_role("multipoint_bridge")
    if not bridges:
        raise MeetingError("the inventory has no multipoint bridge host (hosts.yml, role multipoint_bridge)")
    port = host_knobs(inventory, bridges[0].name, "multipoint_bridge")["multipoint_bridge_control_port"]
    command = f"cd {LIB_DIR} && python3 -m gbtt_bridge.control {port} {shlex.quote(json.dumps(request))}"
    out = fleet.remote(bridges[0].name).run(command)
    try:
        return json.loads(out.stdout)
    except ValueError:
        raise MeetingError(f"{bridges[0].name}: the bridge's control client failed: "
                           f"{(out.stderr or out.stdout).strip()[-300:]}") from None


def ask_ok(inventory: Path, lab: bool, request: dict) -> dict:
    """The bridge's answer to a request it must carry out (MeetingError with its reason if it refuses)."""
    reply = ask(inventory, lab, request)
    if not reply.get("ok"):
        raise MeetingError(f"the bridge refused {request['verb']}: {reply.get('error')}")
    return reply


def link(inventory: Path, lab: bool, meeting: str, room: str | None) -> dict:
    inv = load(inventory)
    if not room:
        raise MeetingError("link: which WebRTC room PC?")
    m = booking(inv, meeting)
    lab_video = host_knobs(inventory, Fleet(inventory, lab).with_role("multipoint_bridge")[0].name,
                           "room_pc")["baresip_lab_video"] if lab else None
    pc_id = room_system(inv, room, "webrtc-pc")
    pc = next((r for r in web_rooms(inv, m.rooms, lab_video) if r["id"] == pc_id), None)
    if pc is None:
        raise MeetingError(f"{pc_id} is not a room of meeting {m.id}")
    number = meeting_room_id(inv, m)
    return {"room": pc["id"], "meeting": str(number), "until": m.end.isoformat(),
            "link": web_link(inventory, lab, number, pc, int(m.end.timestamp()))}


def run(inventory: Path, lab: bool, verb: str, meeting: str | None, room: str | None, log_dir: Path) -> dict:
    inv = load(inventory)
    if verb == "link":
        reply = link(inventory, lab, meeting or "next", room)
        _log(log_dir, lab, {"verb": verb, "meeting": reply["meeting"], "room": reply["room"]},
             {"until": reply["until"]})  # the link itself is a secret: never logged
        return {"ok": True, **reply}
    if verb == "list":
        request = {"verb": "meetings"}
    else:
        if not meeting:
            raise MeetingError(f"{verb}: which meeting?")
        request = {"verb": "list" if verb == "show" else verb, "meeting": meeting_number(inv, meeting)}
        if verb in NEEDS_ROOM:
            if not room:
                raise MeetingError(f"{verb}: which room?")
            request["room"] = room_system(inv, room, "sip-room-system", any_kind_by_id=True)
        if verb == "layout":
            if room not in LAYOUTS:
                raise MeetingError(f"layout: which one? ({', '.join(LAYOUTS)})")
            request["layout"] = room
    reply = ask(inventory, lab, request)
    if verb not in ("list", "show"):
        _log(log_dir, lab, request, reply)
    if not reply.get("ok"):
        raise MeetingError(reply.get("error", "the bridge refused"))
    return reply


def _log(log_dir: Path, lab: bool, request: dict, reply: dict) -> None:
    log_dir.mkdir(parents=True, exist_ok=True)
    with (log_dir / "log.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps({"when": dt.datetime.now(dt.timezone.utc).isoformat(), "who": getpass.getuser(),
                            "lab": lab, **request, "reply": reply}, ensure_ascii=False) + "\n")


def print_reply(inv, verb: str, reply: dict) -> None:
    if verb == "link":
        print(f"{reply['room']}, meeting {reply['meeting']}, valid until {reply['until']} (keep it secret: "
              f"it admits the room):\n{reply['link']}")
        return
    if verb == "list":
        for m in reply["meetings"]:
            start = local(inv, dt.datetime.fromisoformat(m["start"])) if m["start"] else "(standing)      "
            print(f"{m['number']}  {start}  {len(m['rooms']):2d} rooms  {m['title']}")
        return
    if verb == "show":
        print(f"{reply['meeting']}  {reply['title']}")
        print(f"layout {reply.get('layout')}, speaker {reply.get('speaker') or '-'}")
        print(f"{'room':22} {'state':10} {'codec':6} {'muted':6} {'talking':8} {'level':6} {'picture in/out':22} how")
        for leg in reply["legs"]:
            flag = lambda v: "-" if v is None else ("yes" if v else "no")  # noqa: E731
            level = f"{leg['level_db']:.0f}" if leg.get("level_db") is not None else "-"
            picture = f"{leg.get('video_size_in') or '-'}/{leg.get('video_out') or '-'}" if leg.get("video_out") else "-"
            print(f"{leg['room']:22} {leg['state']:10} {leg['codec'] or '-':6} {flag(leg['muted']):6} "
                  f"{flag(leg['talking']):8} {level:6} {picture:22} {leg['direction']} {leg['reason']}".rstrip())
        return
    print(json.dumps({k: v for k, v in reply.items() if k != "ok"}, ensure_ascii=False))
