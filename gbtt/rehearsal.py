"""`gbtt rehearse`: the dress rehearsal of Art. 6.4 and 7 on the multipoint
bridge. The bridge calls every room of the meeting (or, with --rooms all,
every room of the province into the standing rehearsal room); then, per room,
on what the room itself received:

- joined: the room answered and is in the mixer (and how long it took);
- hears every other joined room and not itself: in the lab each room system
  sends its own tone (gbtt.desired.components.room_pc.lab_tone) and dumps what
  it decodes; the probe measures each tone's level in the last seconds;
- what the bridge receives from it: how many other rooms hear its tone, and
  the relay's packet counts of its call, both ways.

A table with the likely cause of each failure, a JSON report, exit 1 if any
room fails; one failing room never stops the others. The meeting is ended
afterwards. Rooms the lab does not emulate (hardware codecs) are listed as
such and not counted. In production (no tones) joined and the relay's
packets are checked."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .checks import run_probe
from .desired.components.conference import meeting_room_id, rehearsal_room_id
from .desired.components.multipoint_bridge import sip_rooms
from .desired.components.room_pc import HEARD_DIR, lab_tone
from .desired.model import host_knobs
from .inventory import load
from .meeting import ask, booking
from .remote import Fleet, write_report

# A tone at least this loud (dB re full scale, Hann-windowed Goertzel) is heard. Measured on the full lab
# (13 rooms): the others' tones arrive at -22 to -37 dB, a room's own (distortion, leakage) at -54 to -79.
HEAR_DB = -45.0
OWN_DB = HEAR_DB  # its own tone must not be heard
LISTEN_SECONDS = 3.0
JOIN_SECONDS = 15.0

CAUSES = {
    "404": "the room system is not registered with the registrar (powered off, its network, or its SIP account)",
    "486": "the room system is busy in another call",
    "480": "the room system did not answer",
    "408": "the room system did not answer",
    "488": "no codec in common with the bridge",
    "503": "the mixer (Janus on the conference server) or the relay is unavailable",
    "403": "the room system refuses calls from the bridge (its contacts' access list)",
}


def rehearsal_number(inventory: Path, meeting: str | None) -> tuple[str, list[dict]]:
    """The meeting's number on the bridge and its SIP rooms (`meeting` None: every room, the rehearsal room)."""
    inv = load(inventory)
    if meeting is None:
        return str(rehearsal_room_id(inv)), sip_rooms(inv, sorted(inv.sites))
    m = booking(inv, meeting)
    return str(meeting_room_id(inv, m)), sip_rooms(inv, m.rooms)


def cause_of_failure(leg: dict | None) -> str:
    if leg is None:
        return "the bridge did not call it"
    if leg["state"] == "calling":
        return f"no answer within {JOIN_SECONDS:.0f} s"
    code = (leg.get("reason") or "").split(" ")[0]
    return CAUSES.get(code, leg.get("reason") or "the call ended")


def _relay(fleet: Fleet, inventory: Path, leg: dict) -> dict:
    """The relay's packet counts of a leg's call: from the room, and towards it (the bridge's side)."""
    registrar = fleet.with_role("sip_registrar")[0]
    port = host_knobs(inventory, fleet.with_role("media_relay")[0].name, "media_relay")["rtpengine_ng_port"]
    relay = fleet.with_role("media_relay")[0].vars["ansible_host"]
    reply = run_probe(fleet.remote(registrar.name), "rtpengine", "query", relay, port, leg["call_id"])
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
    number, rooms = rehearsal_number(inventory, meeting)
    fleet = Fleet(inventory, lab)
    emulated = {r["id"] for r in rooms if r["id"] in fleet.by_name} if lab else {r["id"] for r in rooms}
    ask(inventory, lab, {"verb": "end", "meeting": number})  # a clean start: nobody left from before
    started = time.time()
    ask(inventory, lab, {"verb": "start", "meeting": number})
    deadline = time.monotonic() + JOIN_SECONDS
    while True:
        legs = {leg["room"]: leg for leg in ask(inventory, lab, {"verb": "list", "meeting": number})["legs"]}
        pending = [r for r in emulated if legs.get(r, {}).get("state") == "calling"]
        if not pending or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    joined = sorted(r for r in emulated if legs.get(r, {}).get("state") == "connected")
    time.sleep(listen)
    tones = {r: lab_tone(inv, r) for r in emulated} if lab else {}

    def measure(room: str) -> tuple[str, dict]:
        out = {}
        try:
            if lab:
                out["tones"] = run_probe(fleet.remote(room), "tones", HEARD_DIR, listen - 0.5,
                                         *sorted(set(tones.values())), "--remove")
            if legs.get(room, {}).get("call_id"):
                out["relay"] = _relay(fleet, inventory, legs[room])
        except Exception as exc:  # noqa: BLE001 (one room's failure never stops the others)
            out["error"] = f"{type(exc).__name__}: {str(exc)[-200:]}"
        return room, out

    with ThreadPoolExecutor(max_workers=8) as pool:
        measured = dict(pool.map(measure, joined))
    ask(inventory, lab, {"verb": "end", "meeting": number})
    results = [_result(r, legs.get(r["id"]), measured.get(r["id"], {}), tones, joined, emulated, started, lab)
               for r in rooms]
    heard_by = {r["id"]: [x["room"] for x in results if r["id"] in x.get("hears", {})
                          and x["hears"][r["id"]] >= HEAR_DB] for r in rooms}
    for res in results:
        res["heard_by"] = heard_by[res["room"]]
        if res["ok"] and lab and len(joined) > 1 and not res["heard_by"]:
            res["ok"], res["cause"] = False, "the bridge receives nothing from it: its audio source or its uplink"
    elapsed = time.monotonic() - t0
    report = write_report(out_dir, "rehearsal", lab, inventory, {
        "meeting": meeting or "all", "number": number, "elapsed_s": round(elapsed, 2),
        "thresholds_db": {"heard": HEAR_DB, "own": OWN_DB}, "results": results})
    return results, report, elapsed


def _result(room: dict, leg: dict | None, measured: dict, tones: dict, joined: list[str], emulated: set,
            started: float, lab: bool) -> dict:
    rid = room["id"]
    res = {"room": rid, "site": room["name"], "emulated": rid in emulated, "joined": rid in joined,
           "codec": (leg or {}).get("codec"), "ok": False, "cause": ""}
    if rid not in emulated:
        res.update(ok=None, cause="không có trong lab (thiết bị phần cứng): not emulated in the lab")
        return res
    if not res["joined"]:
        res["cause"] = cause_of_failure(leg)
        return res
    res["join_s"] = round(leg["connected"] - started, 2) if leg.get("connected") else None
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
    levels = {float(f): db for f, db in probe["levels"].items()}
    res["hears"] = {other: levels[float(tones[other])] for other in joined if other != rid}
    res["own_db"] = levels[float(tones[rid])]
    missing = sorted(o for o, db in res["hears"].items() if db < HEAR_DB)
    res["missing"] = missing
    if res["own_db"] >= OWN_DB:
        res["cause"] = f"hears itself at {res['own_db']} dB: the mix is not mix-minus (or an echo)"
    elif missing:
        res["cause"] = (f"does not hear {', '.join(missing)}: " +
                        ("no audio from the bridge (the relay or the firewall towards the room)"
                         if len(missing) == len(res["hears"]) else "those rooms' audio does not reach the bridge"))
    else:
        res["ok"] = True
    return res


def print_table(results: list[dict], elapsed: float) -> None:
    print(f"{'room':18} {'joined':7} {'codec':6} {'hears':7} {'own dB':7} {'heard by':9} result")
    for r in results:
        if r["ok"] is None:
            print(f"{r['room']:18} {'-':7} {'-':6} {'-':7} {'-':7} {'-':9} {r['cause']}")
            continue
        joined = f"{r['join_s']:.1f}s" if r.get("join_s") is not None else ("yes" if r["joined"] else "no")
        hears = f"{len(r.get('hears', {})) - len(r.get('missing', []))}/{len(r.get('hears', {}))}" if "hears" in r else "-"
        own = f"{r['own_db']:.0f}" if "own_db" in r else "-"
        heard_by = str(len(r.get("heard_by", []))) if "hears" in r else "-"
        print(f"{r['room']:18} {joined:7} {r['codec'] or '-':6} {hears:7} {own:7} {heard_by:9} "
              f"{'ĐẠT' if r['ok'] else 'KHÔNG ĐẠT: ' + r['cause']}")
    counted = [r for r in results if r["ok"] is not None]
    print(f"{sum(1 for r in counted if r['ok'])}/{len(counted)} room(s) passed in {elapsed:.1f} s")
