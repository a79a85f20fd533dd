"""The central side of `gbtt preflight` (Art. 7), stdlib only: runs on the
SIP registrar's host, where the probe's baresip slots listen on loopback.
For each room, with at most one call per slot at a time:

1. reachable: a SIP OPTIONS to the room system answered;
2. registered: Kamailio holds a binding for it (`kamcmd ul.lookup`);
3. a real call from the probe through Kamailio, media anchored on rtpengine
   (the relay's `query` of the call shows packets from both ends);
4. audio and video received both ways for a few seconds (RTCP: what the
   probe receives, and the room's receiver reports of what it sent);
5. the codecs negotiated, loss and jitter; then hang up.

    python3 preflight.py PLAN_BASE64      # prints a JSON list, one result per room

It first asks the Kamailio beside it (an OPTIONS): when that one does not
answer, it prints {"registrar": why} instead, and `gbtt preflight` runs the
probe of the next registrar (Art. 7.3.c: the centre keeps two).
"""

import base64
import json
import os
import queue
import re
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from baresip import decode, encode  # noqa: E402 (run_probe ships these probe modules with this script)
from sip import options as sip_options  # noqa: E402


# -- Kamailio ---------------------------------------------------------------
def registration(aor: str) -> dict:
    """The binding of `aor` in Kamailio's location table: {contact, expires} or {}."""
    out = subprocess.run(["kamcmd", "ul.lookup", "location", aor], capture_output=True, text=True, timeout=10)
    if out.returncode != 0 or "Contact" not in out.stdout:
        return {}
    contact = re.search(r"Address:\s*(\S+)", out.stdout)
    expires = re.search(r"Expires:\s*(-?\d+)", out.stdout)
    return {"contact": contact.group(1) if contact else "", "expires": int(expires.group(1)) if expires else None}


def failed_authentications(address: str) -> int:
    """How many failed authentications the registrar counts against `address` (its ban's htable)."""
    out = subprocess.run(["kamcmd", "htable.get", "authfail", address], capture_output=True, text=True, timeout=10)
    value = re.search(r"value:\s*(\d+)", out.stdout)
    return int(value.group(1)) if value else 0


# -- rtpengine (ng protocol) -------------------------------------------------
def relay_query(relays: list[list], call_id: str) -> dict:
    """Packets rtpengine received per end and medium for `call_id`:
    {"relay": "addr:port", "from": {"audio": n, "video": n}, "to": {...}} or {"error": …}."""
    from rtpengine import command  # noqa: PLC0415 (shipped by run_probe, as baresip and sip)

    last = {"error": "no media relay configured"}
    for host, port in relays:
        try:
            reply = command(host, int(port), {"command": "query", "call-id": call_id})
        except (OSError, ValueError) as exc:
            last = {"error": f"{host}:{port} does not answer ({type(exc).__name__})"}
            continue
        if reply.get("result") != "ok":
            last = {"error": f"{host}:{port}: {reply.get('error-reason', reply.get('result'))}"}
            continue
        ends = {}
        for tag, data in (reply.get("tags") or {}).items():
            counts = {}
            for media in data.get("medias") or []:
                packets = sum((st.get("stats") or {}).get("packets", 0) for st in media.get("streams") or [])
                counts[media.get("type", "?")] = counts.get(media.get("type", "?"), 0) + packets
            ends[tag] = counts
        return {"relay": f"{host}:{port}", "tags": ends}
    return last


# -- baresip's ctrl_tcp (netstring JSON) -------------------------------------
class Slot:
    def __init__(self, port: int):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.buf = b""
        self.events: list[dict] = []

    def close(self):
        self.sock.close()

    def _read(self, timeout: float) -> list[dict]:
        out = []
        self.sock.settimeout(max(timeout, 0.01))
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return out
        if not data:
            raise ConnectionError("the probe closed its control connection")
        messages, self.buf = decode(self.buf + data)
        return out + messages

    def command(self, cmd: str, params: str = "") -> dict:
        token = os.urandom(4).hex()
        self.sock.sendall(encode(cmd, params, token))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            # every event kept, those read after the response too (a call refused at once, 503, closes
            # within milliseconds of `dial`: its CALL_CLOSED may come in the same read as dial's response)
            messages = self._read(deadline - time.monotonic())
            self.events.extend(msg for msg in messages if msg.get("event"))
            for msg in messages:
                if msg.get("response") and msg.get("token") == token:
                    return msg
        raise TimeoutError(f"no answer to {cmd}")

    def wait(self, until, timeout: float) -> dict | None:
        """Collect events until one satisfies `until`; returns it or None."""
        deadline = time.monotonic() + timeout
        while True:
            for ev in self.events:
                if until(ev):
                    return ev
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self.events.extend(m for m in self._read(min(left, 0.5)) if m.get("event"))


def negotiated(callstat: str) -> dict:
    """The first codec of each medium's remote (answered) formats, from `callstat`."""
    out, medium, remote = {}, None, False
    for line in callstat.splitlines():
        m = re.match(r"^(audio|video) ", line)
        if m:
            medium, remote = m.group(1), False
        elif "remote formats:" in line:
            remote = True
        elif remote and medium and medium not in out:
            f = re.match(r"\s+\d+\s+([\w.-]+)/", line)
            if f and f.group(1).lower() != "telephone-event":
                out[medium] = f.group(1)
        elif line.strip().endswith(":"):
            remote = False
    return out


def latest_rtcp(events: list[dict], medium: str) -> dict:
    stats = [e["rtcp_stats"] for e in events if e.get("type") == "CALL_RTCP" and e.get("param") == medium]
    return stats[-1] if stats else {}


def room_reports(stats: dict) -> bool:
    """The room's receiver reports on what the probe sent have arrived
    (a report block gives a round trip or a jitter; none comes from a room
    receiving nothing)."""
    return stats.get("rtt", 0) > 0 or stats.get("tx", {}).get("jit", 0) > 0


def room_check(room: dict, plan: dict, slot: Slot) -> dict:
    checks, cause = [], None
    aor = f"{room['id']}@{plan['domain']}"

    def fail(check: str, why: str):
        nonlocal cause
        checks.append({"check": check, "ok": False, "detail": why})
        cause = cause or why

    started = time.monotonic()
    try:
        answer = sip_options(room["address"], room["sip_port"], "udp")
    except (OSError, TimeoutError, ValueError):
        answer = None
    if answer:
        checks.append({"check": "reachable", "ok": True, "detail": f"{answer['status']} {answer['reason']}"})
    else:
        fail("reachable", f"no SIP answer from {room['address']}:{room['sip_port']}: check that the room PC is on, "
                          "gbtt-baresip runs, and the site router's ACL")
    binding = registration(aor)
    if binding:
        checks.append({"check": "registered", "ok": True, "detail": binding["contact"]})
    elif failed_authentications(room["address"]) >= plan.get("auth_fail_limit", 10**9):
        fail("registered", f"not registered: the registrar refuses {room['address']} after "
                           f"{failed_authentications(room['address'])} failed authentications (a wrong SIP password?); "
                           f"once the password is right: kamcmd htable.delete authfail {room['address']} (on each registrar)")
    else:
        fail("registered", "not registered: check the room's SIP password or the site router's ACL")

    result = {"room": room["id"], "site": room["site"], "profile": room["profile"], "checks": checks}
    slot.events.clear()
    dialled = time.monotonic()
    if not slot.command("dial", f"sip:{aor}").get("ok"):  # a call of this slot not over yet: end it, dial again
        slot.command("hangup")
        slot.wait(lambda e: e.get("type") == "CALL_CLOSED", 5)
        slot.events.clear()
        slot.command("dial", f"sip:{aor}")
    est = slot.wait(lambda e: e.get("type") in ("CALL_ESTABLISHED", "CALL_CLOSED"), plan["answer_timeout"])
    if not est or est["type"] != "CALL_ESTABLISHED":
        reason = est.get("param", "") if est else "no answer"
        if reason.startswith("503"):
            fail("call", f"call refused ({reason}): the media relay does not answer the registrar, "
                         "check rtpengine-daemon on the relay hosts")
        elif reason.startswith("404"):
            fail("call", f"call failed ({reason}): the registrar has no binding for the room")
        else:
            fail("call", f"call failed ({reason}): the room did not answer the probe; check gbtt-baresip "
                         "and its contacts (auto-answer for the probe)")
        if not est:
            slot.command("hangup")
            slot.wait(lambda e: e.get("type") == "CALL_CLOSED", 3)
        result.update(ok=False, cause=cause, seconds=round(time.monotonic() - started, 1))
        return result
    call_id = est.get("id", "")
    result["call_setup_s"] = round(time.monotonic() - dialled, 3)  # dial to answer, through registrar and relay
    checks.append({"check": "call", "ok": True, "detail": f"answered in {result['call_setup_s']:.2f} s (Call-ID {call_id})"})
    # media for a few seconds, until both ends have reported on both media (RTCP)
    t0 = time.monotonic()

    def reported(_):
        return all(latest_rtcp(slot.events, m).get("rx", {}).get("sent", 0) > 0
                   and room_reports(latest_rtcp(slot.events, m)) for m in ("audio", "video")) \
            and time.monotonic() - t0 >= plan["media_seconds"]
    slot.wait(reported, plan["media_seconds"] + plan["rtcp_grace"])
    codecs = negotiated(slot.command("callstat").get("data", ""))
    relayed = relay_query(plan["relays"], call_id)
    slot.command("hangup")
    slot.wait(lambda e: e.get("type") == "CALL_CLOSED", 3)

    # the codecs the room's profile asks for
    for medium in ("audio", "video"):
        want, got = room[medium], codecs.get(medium)
        if got and got.lower() == want.lower():
            checks.append({"check": f"{medium} codec", "ok": True, "detail": got})
        else:
            fail(f"{medium} codec", f"{medium} codec {got or 'none'} negotiated, profile {room['profile']} wants "
                                    f"{want}: check the room's codec list")
    # media both ways, loss and jitter (RTCP)
    metrics = {}
    for medium in ("audio", "video"):
        st = latest_rtcp(slot.events, medium)
        rx, tx = st.get("rx", {}), st.get("tx", {})
        metrics[medium] = {"received": rx.get("sent", 0), "lost_received": rx.get("lost", 0),
                           "jitter_ms": round(rx.get("jit", 0) / 1000, 2), "sent": tx.get("sent", 0),
                           "lost_at_room": tx.get("lost", 0), "room_jitter_ms": round(tx.get("jit", 0) / 1000, 2),
                           "room_reports": room_reports(st)}
        mm = metrics[medium]
        if mm["received"] <= 0:
            fail(f"{medium} from room", f"no {medium} from the room: RTP from {room['address']} is blocked "
                                        "(room firewall or site router ACL) or its source is missing")
        elif not mm["room_reports"]:
            fail(f"{medium} to room", f"the room reports no {medium} received: RTP to {room['address']} is blocked "
                                      "(room firewall or site router ACL)")
        else:
            loss = (mm["lost_received"] / max(mm["received"] + mm["lost_received"], 1)) * 100
            if loss > plan["max_loss_percent"] or mm["jitter_ms"] > plan["max_jitter_ms"]:
                fail(f"{medium} quality", f"{medium}: {loss:.1f}% lost, jitter {mm['jitter_ms']} ms "
                                          f"(limits {plan['max_loss_percent']}%, {plan['max_jitter_ms']} ms)")
            else:
                checks.append({"check": f"{medium} both ways", "ok": True,
                               "detail": f"{mm['received']} packets in, {loss:.1f}% lost, jitter {mm['jitter_ms']} ms"})
    if "error" in relayed:
        fail("media relay", f"media not anchored on the relay: {relayed['error']}")
    else:
        counts = list(relayed["tags"].values())
        if len(counts) < 2 or not all(c.get("audio", 0) > 0 and c.get("video", 0) > 0 for c in counts):
            fail("media relay", f"the relay {relayed['relay']} did not get audio and video from both ends: {counts}")
        else:
            checks.append({"check": "media relay", "ok": True,
                           "detail": f"{relayed['relay']}: {sum(sum(c.values()) for c in counts)} packets relayed"})
    result.update(ok=cause is None, cause=cause, codecs=codecs, media=metrics, relay=relayed,
                  seconds=round(time.monotonic() - started, 1))
    return result


def registrar_down(plan: dict) -> str | None:
    """Why the Kamailio beside this probe cannot carry the calls (it does not answer an OPTIONS), or None."""
    address, port = plan["registrar"]
    try:
        sip_options(address, port, "udp")
        return None
    except (OSError, TimeoutError, ValueError) as exc:
        return f"its registrar {address}:{port} does not answer ({type(exc).__name__}: {exc})"


def run(plan: dict) -> list[dict] | dict:
    """One result per room; or {"registrar": why} when this host's registrar is down (`gbtt preflight`
    then runs the probe of the next registrar)."""
    down = registrar_down(plan)
    if down:
        return {"registrar": down}
    slots: queue.Queue = queue.Queue()
    for port in plan["slot_ports"]:
        slots.put(port)

    def one(room):
        port = slots.get()
        try:
            slot = Slot(port)
            try:
                return room_check(room, plan, slot)
            finally:
                slot.close()
        except Exception as exc:  # one room's trouble never stops the others
            return {"room": room["id"], "site": room["site"], "profile": room["profile"], "ok": False,
                    "cause": f"preflight error on slot {port}: {type(exc).__name__}: {exc}", "checks": []}
        finally:
            slots.put(port)

    with ThreadPoolExecutor(max_workers=len(plan["slot_ports"])) as pool:
        return list(pool.map(one, plan["rooms"]))


if __name__ == "__main__":
    print(json.dumps(run(json.loads(base64.b64decode(sys.argv[1])))))
