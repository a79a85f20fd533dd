"""`gbtt rehearse`: the dress rehearsal of Art. 6.4 and 7 on the multipoint
bridge. The bridge calls every room of the meeting (or, with --rooms all,
every room of the province into the standing rehearsal room); then, per room,
on what the room itself received:

- joined: the room answered and is in the mixer (and how long it took);
- hears every other joined room and not itself: in the lab each room system
  sends its own tone (gbtt.desired.components.room_pc.lab_tone) and dumps what
  it decodes; the probe measures each tone's level in the last seconds (a
  room that misses a room the others hear is measured once more, and the
  report says so);
- receives the composed picture: its size (the room's profile; in the lab
  scaled down, `baresip_lab_video`) and a frame rate of at least
  MIN_FPS_SHARE of the profile's, from the room system's own video receiver
  (baresip's `video_debug`);
- what the bridge receives from it: how many other rooms hear its tone, the
  pictures the bridge decoded from it, and the relay's packet counts of its
  call, both ways.

The WebRTC room PCs of the meeting join by themselves (their browser, from
their link): in the lab, Debian's Chromium plays each (gbtt.lab.browser), in
a network namespace at the room's address, sending its own tone and a
generated picture; the conference server's page measures what it hears and
the composed picture it receives, the same way.

A table with the likely cause of each failure, a JSON report, exit 1 if any
room fails; one failing room never stops the others. The meeting is ended
afterwards. Rooms the lab does not emulate (hardware codecs) are listed as
such and not counted. In production (no tones) joined and the relay's
packets are checked."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .bridge.web import STATE_PICTURE_ONLY
from .checks import run_probe
from .desired.components.conference import meeting_room_id, rehearsal_room_id
from .desired.components.multipoint_bridge import sip_rooms, web_rooms
from .desired.components.room_pc import HEARD_DIR, lab_tone
from .desired.model import host_knobs
from .inventory import load
from .lab.lab import browsers_played
from .meeting import MeetingError, ask_ok as ask, booking, web_link
from .remote import Fleet, write_report

# A tone at least this loud (dB re full scale, Hann-windowed Goertzel: gbtt/probes/tones.py) is heard. Measured
# on the full lab (13 rooms, 2026-11-30): the others' tones arrive at -24 to -30 dB, a room's own (distortion,
# the codecs' noise) at -51 to -68.
HEAR_DB = -45.0
OWN_DB = HEAR_DB  # its own tone must not be heard
LISTEN_SECONDS = 3.0
JOIN_SECONDS = 15.0
# Of the (lab's) frame rate, over the rehearsal's window: below it the picture is not fit for a meeting. A
# third, not a half: the full lab's 13 room PCs, the bridge and the central services share two cores, and a
# room's rate dips when they are all busy (2.4 of 6 pictures/s over 2.5 s in 1 of 3 full-lab rehearsals on
# 2026-11-30, load average 20; the others 4.8 to 8). A picture that stopped still fails.
MIN_FPS_SHARE = 1 / 3
SHOWN_LUMA = 24.0  # a tile this bright on average shows a picture (I420 black is 16)

CAUSES = {
    "404": "the room system is not registered with the registrar (powered off, its network, or its SIP account)",
    "486": "the room system is busy in another call",
    "480": "the room system did not answer",
    "408": "the room system did not answer",
    "488": "no codec in common with the bridge",
    "503": "the mixer (Janus on the conference server) or the relay is unavailable",
    "403": "the room system refuses calls from the bridge (its contacts' access list)",
}


def rehearsal_number(inventory: Path, meeting: str | None, lab_video: dict | None = None) -> tuple[str, list[dict]]:
    """The meeting's number on the bridge and its rooms, SIP room systems then WebRTC room PCs (`web`), with
    the pictures each should receive (`meeting` None: every room, the rehearsal room; `lab_video`: the lab's
    knob baresip_lab_video)."""
    inv = load(inventory)
    if meeting is None:
        number, sites = rehearsal_room_id(inv), sorted(inv.sites)
    else:
        m = booking(inv, meeting)
        number, sites = meeting_room_id(inv, m), m.rooms
    return str(number), sip_rooms(inv, sites, lab_video) + [{**r, "web": True} for r in web_rooms(inv, sites, lab_video)]


def lab_browsers(inventory: Path, inv, fleet: Fleet, number: str, rooms: list[dict], tones: dict,
                 seconds: float) -> dict:
    """The lab's WebRTC room PCs of the rehearsal, started: each opens its link, measuring every `seconds`."""
    from .lab.browser import open_browser
    bridge = fleet.with_role("multipoint_bridge")[0].name
    volume = host_knobs(inventory, bridge, "multipoint_bridge")["multipoint_bridge_lab_volume"]
    heard = ",".join(str(t) for t in sorted(set(tones.values())))
    browsers = {}
    try:
        for room in rooms:
            url = web_link(inventory, True, int(number), room, int(time.time()) + 3600,
                           {"do": seconds, "tones": heard})
            # the level the lab's rooms enter the mix with: baresip's tone at half scale, at the bridge's volume
            browsers[room["id"]] = open_browser(inventory, inv, fleet, room["id"], url, tones[room["id"]],
                                                0.5 * volume / 100)
    except Exception:
        for b in browsers.values():
            b.stop()
        raise
    return browsers


def cause_of_failure(leg: dict | None) -> str:
    if leg is None:
        return "the bridge did not call it"
    if leg["state"] == "calling":
        return f"no answer within {JOIN_SECONDS:.0f} s"
    if leg["state"] == STATE_PICTURE_ONLY:  # a browser in the VideoRoom, not in the AudioBridge room
        return (f"the browser's picture came but its sound did not join within {JOIN_SECONDS:.0f} s: its "
                "microphone refused or missing, or the page stopped before the sound room")
    if leg["state"] == "absent":  # a browser: nobody calls it
        return (f"the browser did not join within {JOIN_SECONDS:.0f} s: its technician opens the room's link "
                "(gbtt meeting link), or its network does not reach the conference server or TURN")
    code = (leg.get("reason") or "").split(" ")[0]
    return CAUSES.get(code, leg.get("reason") or "the call ended")


def relay_replies(fleet: Fleet, inventory: Path, call_id: str):
    """(relay, its reply to a query of the call), relay after relay, asked from the first registrar."""
    registrar = fleet.remote(fleet.with_role("sip_registrar")[0].name)
    for relay in fleet.with_role("media_relay"):
        port = host_knobs(inventory, relay.name, "media_relay")["rtpengine_ng_port"]
        yield relay.name, run_probe(registrar, "rtpengine", "query", relay.vars["ansible_host"], port, call_id)


def _relay(fleet: Fleet, inventory: Path, leg: dict) -> dict:
    """The relay's packet counts of a leg's call: from the room, and towards it (the bridge's side), from
    whichever media relay carries the call (the registrar spreads calls over them)."""
    reply = {}
    for _relay_name, reply in relay_replies(fleet, inventory, leg["call_id"]):
        if reply.get("result") == "ok":
            break
    if reply.get("result") != "ok":
        return {"error": reply.get("error-reason", reply.get("result"))}
    out = {"from_room": 0, "from_bridge": 0}
    for tag, data in (reply.get("tags") or {}).items():
        packets = sum((st.get("stats") or {}).get("packets", 0) for m in data.get("medias") or []
                      if m.get("type") == "audio" for st in m.get("streams") or [])
        out["from_bridge" if tag == leg.get("bridge_tag") else "from_room"] += packets
    return out


def rehearse(inventory: Path, lab: bool, meeting: str | None, out_dir: Path,
             listen: float = LISTEN_SECONDS) -> tuple[list[dict], Path, float]:
    t0 = time.monotonic()
    inventory = Path(inventory)
    inv = load(inventory)
    fleet = Fleet(inventory, lab)
    bridge = fleet.with_role("multipoint_bridge")[0].name  # the lab's pictures as the model gave them to the bridge
    number, rooms = rehearsal_number(inventory, meeting,
                                     host_knobs(inventory, bridge, "room_pc")["baresip_lab_video"] if lab else None)
    lab_sites = {h.site for h in fleet.hosts}
    browsers = [r["id"] for r in rooms if r.get("web") and r["site"] in lab_sites][:browsers_played(inventory)] \
        if lab else []
    emulated = {r["id"] for r in rooms if (r["id"] in browsers if r.get("web") else r["id"] in fleet.by_name)} \
        if lab else {r["id"] for r in rooms}
    tones = {r: lab_tone(inv, r) for r in emulated} if lab else {}
    ask(inventory, lab, {"verb": "end", "meeting": number})  # a clean start: nobody left from before
    browsers = lab_browsers(inventory, inv, fleet, number, [r for r in rooms if r.get("web") and r["id"] in emulated],
                            tones, listen - 0.5) if lab else {}
    try:
        return _rehearse(inventory, inv, fleet, lab, meeting, number, rooms, emulated, tones, browsers, listen,
                         out_dir, t0)
    finally:
        for b in browsers.values():
            b.stop()


def _rehearse(inventory: Path, inv, fleet: Fleet, lab: bool, meeting: str | None, number: str, rooms: list[dict],
              emulated: set, tones: dict, browsers: dict, listen: float, out_dir: Path, t0: float):
    started = time.time()
    ask(inventory, lab, {"verb": "start", "meeting": number})
    deadline = time.monotonic() + JOIN_SECONDS
    while True:
        legs = {leg["room"]: leg for leg in ask(inventory, lab, {"verb": "list", "meeting": number})["legs"]}
        # a SIP room being called; a browser not in the meeting's rooms yet, or in its picture's only
        pending = [r for r in emulated if legs.get(r, {}).get("state") in ("calling", "absent", STATE_PICTURE_ONLY)]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    joined = sorted(r for r in emulated if legs.get(r, {}).get("state") == "connected")
    all_in = time.time()
    time.sleep(listen)

    def measure(room: str) -> tuple[str, dict]:
        out = {}
        try:
            if room in browsers:  # the page measured it, in a window after everyone was in
                result = browsers[room].result_after(all_in, listen + 10)
                if "error" in result:
                    raise RuntimeError(result["error"])
                out["tones"], out["picture"] = result["tones"], result["picture"]
            elif lab:
                out["tones"] = run_probe(fleet.remote(room), "tones", HEARD_DIR, listen - 0.5,
                                         *sorted(set(tones.values())), "--remove")
                out["picture"] = run_probe(fleet.remote(room), "picture",
                                           host_knobs(inventory, room, "room_pc")["baresip_ctrl_port"], listen - 0.5,
                                           modules=("baresip",))
            if legs.get(room, {}).get("call_id"):
                out["relay"] = _relay(fleet, inventory, legs[room])
        except Exception as exc:  # noqa: BLE001 (one room's failure never stops the others)
            out["error"] = f"{type(exc).__name__}: {str(exc)[-200:]}"
        return room, out

    with ThreadPoolExecutor(max_workers=8) as pool:
        measured = dict(pool.map(measure, joined))
        # A room system missing a room that the others hear listens once more before the rehearsal says so: in
        # the full lab, right after its first deploy (2 cores, 13 rooms' pictures composed), one room missed two
        # others in its first window and heard all in the next rehearsal. A fault that lasts fails both windows.
        if lab:
            again = [room for room in listen_again(measured, tones, joined) if room not in browsers]
            measured.update((room, {**out, "second_listen": True}) for room, out in pool.map(measure, again))
    # what the bridge decoded from each room, by now, and the composed picture
    after = {leg["room"]: leg for leg in ask(inventory, lab, {"verb": "list", "meeting": number})["legs"]}
    try:
        canvas = ask(inventory, lab, {"verb": "snapshot", "meeting": number})["picture"]
    except MeetingError as exc:
        canvas = {"error": str(exc), "tiles": {}}
    for room, leg in legs.items():
        leg.update({k: v for k, v in after.get(room, {}).items() if k.startswith("video_")})
        tile = canvas["tiles"].get(room)
        leg["video_tile"] = tile if tile else ("hidden" if room in canvas.get("hidden", []) else
                                               {"error": canvas["error"]} if "error" in canvas else None)
    ask(inventory, lab, {"verb": "end", "meeting": number})
    results = [_result(r, legs.get(r["id"]), measured.get(r["id"], {}), tones, joined, emulated, started, lab)
               for r in rooms]
    heard_by = {r["id"]: [x["room"] for x in results if r["id"] in x.get("hears", {})
                          and x["hears"][r["id"]] >= HEAR_DB] for r in rooms}
    for res in results:
        res["heard_by"] = heard_by[res["room"]]
        if res["ok"] and lab and len(joined) > 1 and not res["heard_by"]:
            res["ok"], res["cause"] = False, "the bridge receives nothing from it: its audio source or its uplink"
        elif res.get("missing") and not res["cause"]:
            res["cause"] = missing_cause(res, heard_by)
    elapsed = time.monotonic() - t0
    report = write_report(out_dir, "rehearsal", lab, inventory, {
        "meeting": meeting or "all", "number": number, "elapsed_s": round(elapsed, 2),
        "picture": {k: v for k, v in canvas.items() if k != "tiles"},
        "thresholds_db": {"heard": HEAR_DB, "own": OWN_DB}, "results": results})
    return results, report, elapsed


def _result(room: dict, leg: dict | None, measured: dict, tones: dict, joined: list[str], emulated: set,
            started: float, lab: bool) -> dict:
    rid = room["id"]
    res = {"room": rid, "site": room["name"], "emulated": rid in emulated, "joined": rid in joined,
           "codec": (leg or {}).get("codec"), "ok": False, "cause": ""}
    if rid not in emulated:
        res.update(ok=None, cause="không có trong lab (trình duyệt: chỉ ở lab nhỏ): not emulated in the lab"
                   if room.get("web") else "không có trong lab (thiết bị phần cứng): not emulated in the lab")
        return res
    if not res["joined"]:
        res["cause"] = cause_of_failure(leg)
        return res
    res["join_s"] = round(max(0.0, leg["connected"] - started), 2) if leg.get("connected") else None
    if "error" in measured:
        res["cause"] = f"could not measure: {measured['error']}"
        return res
    res["relay"] = measured.get("relay", {})
    if not lab:
        ok = res["relay"].get("from_room", 0) > 0 and res["relay"].get("from_bridge", 0) > 0
        res.update(ok=ok, cause="" if ok else "no audio through the relay, one way or both")
        return res
    probe = measured.get("tones", {})
    if "error" in probe:
        res["cause"] = f"no audio received from the bridge ({probe['error']})"
        return res
    whole = {float(f): db for f, db in probe.get("levels_whole", probe["levels"]).items()}
    res["hears"] = hears(probe, tones, joined, rid)
    res["own_db"] = whole[float(tones[rid])]  # one window: the lowest noise floor under an echo
    res["second_listen"] = measured.get("second_listen", False)
    missing = sorted(o for o, db in res["hears"].items() if db < HEAR_DB)
    res["missing"] = missing
    picture = measured.get("picture", {})
    want = room["video"]
    res["picture"] = {**picture, "want": f"{want['width']}x{want['height']}",
                      "min_fps": round(want["fps"] * MIN_FPS_SHARE, 1),
                      "bridge_frames_in": leg.get("video_frames_in"), "bridge_size_in": leg.get("video_size_in"),
                      "bridge_key_requests": leg.get("video_key_requests"),
                      "tile": leg.get("video_tile")}
    if res["own_db"] >= OWN_DB:
        res["cause"] = f"hears itself at {res['own_db']} dB: the mix is not mix-minus (or an echo)"
    elif len(missing) == len(res["hears"]) > 0:
        res["cause"] = f"does not hear {', '.join(missing)}: no audio from the bridge (the relay or the firewall " \
                       "towards the room)"
    elif missing:
        pass  # not ok; the cause comes from what the other rooms heard (missing_cause, once all are measured)
    else:
        res["cause"] = picture_fault(res["picture"])
        res["ok"] = not res["cause"]
    return res


def hears(probe: dict, tones: dict, joined: list[str], room: str) -> dict:
    """The level (dB) at which `room` hears each other joined room, from its tone probe."""
    levels = {float(f): db for f, db in probe["levels"].items()}
    return {other: levels[float(tones[other])] for other in joined if other != room}


def listen_again(measured: dict, tones: dict, joined: list[str]) -> list[str]:
    """The rooms that do not hear a room some other room hears."""
    heard = {room: hears(out["tones"], tones, joined, room) for room, out in measured.items()
             if "levels" in out.get("tones", {})}
    audible = {other for levels in heard.values() for other, db in levels.items() if db >= HEAR_DB}
    return sorted(room for room, levels in heard.items()
                  if any(db < HEAR_DB and other in audible for other, db in levels.items()))


def missing_cause(res: dict, heard_by: dict) -> str:
    """Why a room misses some of the others, from what the rest heard: rooms that nobody else hears
    do not reach the bridge; rooms the others hear reach it, and the sound this room receives is at fault."""
    unheard = [m for m in res["missing"] if not heard_by[m]]
    if unheard:
        return f"does not hear {', '.join(res['missing'])}: {', '.join(unheard)} reach no room (their audio " \
               "does not reach the bridge)"
    levels = sorted(res["hears"].values())
    return (f"does not hear {', '.join(res['missing'])}, whom the other rooms hear: the sound it receives is weak "
            f"or has gaps (it hears the others at {levels[len(levels) // 2]} dB, median): the mix towards it, its "
            "downlink or its own decoding")


def picture_fault(picture: dict) -> str:
    """Why the composed picture a room receives is not fit for the meeting ('' if it is)."""
    if "error" in picture:
        return f"no picture: {picture['error']} (no video codec in common with the bridge, or it refused the video)"
    if not picture.get("bridge_frames_in"):
        return "the bridge receives no pictures from it: its camera, its video codec or its uplink"
    tile = picture.get("tile")
    if tile is None:
        return "it has no tile in the composed picture (the bridge's compositor)"
    if "error" in tile:
        return f"the bridge's composed picture could not be taken: {tile['error']}"
    if tile != "hidden" and tile["luma"] < SHOWN_LUMA:
        return f"its tile in the composed picture is black (mean luma {tile['luma']}): the bridge cannot decode it"
    if not picture.get("frames") or picture.get("size") is None:
        return "receives no picture from the bridge: the relay or the firewall towards the room, or key frames lost"
    if picture["size"] != picture["want"]:
        return f"receives the picture at {picture['size']}, its profile asks for {picture['want']}"
    if picture["fps"] < picture["min_fps"]:
        return (f"receives {picture['fps']} pictures/s, at least {picture['min_fps']} expected: the bridge's "
                "encoder is overloaded or packets are lost")
    return ""


def print_table(results: list[dict], elapsed: float) -> None:
    print(f"{'room':18} {'joined':7} {'codec':6} {'hears':7} {'own dB':7} {'heard by':9} {'picture':16} result")
    for r in results:
        if r["ok"] is None:
            print(f"{r['room']:18} {'-':7} {'-':6} {'-':7} {'-':7} {'-':9} {'-':16} {r['cause']}")
            continue
        pic = r.get("picture") or {}
        picture = f"{pic['size']} {pic['fps']:g}/s" if pic.get("size") else "-"
        joined = f"{r['join_s']:.1f}s" if r.get("join_s") is not None else ("yes" if r["joined"] else "no")
        hears = f"{len(r.get('hears', {})) - len(r.get('missing', []))}/{len(r.get('hears', {}))}" if "hears" in r else "-"
        own = f"{r['own_db']:.0f}" if "own_db" in r else "-"
        heard_by = str(len(r.get("heard_by", []))) if "hears" in r else "-"
        print(f"{r['room']:18} {joined:7} {r['codec'] or '-':6} {hears:7} {own:7} {heard_by:9} {picture:16} "
              f"{'ĐẠT' if r['ok'] else 'KHÔNG ĐẠT: ' + r['cause']}")
    counted = [r for r in results if r["ok"] is not None]
    print(f"{sum(1 for r in counted if r['ok'])}/{len(counted)} room(s) passed in {elapsed:.1f} s")
    if again := [r["room"] for r in counted if r.get("second_listen")]:
        print(f"listened a second time (a room the others hear was missing from the first): {', '.join(again)}")
