"""The protocol probes tell apart what they meet, on loopback: an answer,
silence (what a firewall's drop looks like) and a refusal (a closed port, or
a firewall that rejects), so that a test asserting "dropped" can fail."""
from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading

from gbtt.paths import REPO

SIP = REPO / "gbtt" / "probes" / "sip.py"


def options(port: int) -> dict:
    out = subprocess.run([sys.executable, str(SIP), "options", "127.0.0.1", str(port), "udp"], capture_output=True,
                         text=True, timeout=30).stdout
    return json.loads(out)


def udp_socket() -> socket.socket:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("127.0.0.1", 0))
    return s


def test_sip_probe_tells_silence_from_refusal_from_an_answer():
    closed = udp_socket()
    port = closed.getsockname()[1]
    closed.close()  # nothing listens there: the kernel answers "port unreachable"
    assert options(port)["outcome"] == "refused"

    silent = udp_socket()  # bound, never answers: a drop
    try:
        r = options(silent.getsockname()[1])
        assert r["outcome"] == "timeout" and r["status"] == 0, r
    finally:
        silent.close()

    server = udp_socket()
    def answer():
        data, peer = server.recvfrom(65535)
        head = data.decode().split("\r\n")
        keep = [h for h in head[1:] if h.split(":")[0].lower() in ("via", "from", "to", "call-id", "cseq")]
        server.sendto(("SIP/2.0 200 OK\r\n" + "\r\n".join(keep) + "\r\nContent-Length: 0\r\n\r\n").encode(), peer)
    t = threading.Thread(target=answer, daemon=True)
    t.start()
    try:
        r = options(server.getsockname()[1])
        assert r["outcome"] == "answered" and r["status"] == 200, r
    finally:
        t.join(5)
        server.close()


def test_preflight_keeps_an_event_read_with_its_commands_response(monkeypatch):
    """A call refused at once (503 from the registrar) closes within milliseconds of `dial`: baresip's
    CALL_CLOSED can come in the same read as dial's response. The preflight probe lost it and reported
    "no answer" after its 10 s where the cause was the refusal (2 stopped-relay checks in 25, lab)."""
    monkeypatch.syspath_prepend(str(REPO / "gbtt" / "probes"))
    from preflight import Slot  # the probe's own modules import each other by name (shipped together)
    from baresip import decode

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def baresip():
        conn, _ = server.accept()
        with conn:
            buf = b""
            while not (got := decode(buf))[0]:
                buf += conn.recv(4096)
            token = got[0][0]["token"]
            response = json.dumps({"response": True, "ok": True, "data": "", "token": token}).encode()
            closed = json.dumps({"event": True, "type": "CALL_CLOSED", "param": "503 Media Relay Unavailable"}).encode()
            conn.sendall(b"%d:%s,%d:%s," % (len(response), response, len(closed), closed))  # one segment
            conn.recv(1)  # until the probe lets go

    thread = threading.Thread(target=baresip, daemon=True)
    thread.start()
    slot = Slot(server.getsockname()[1])
    try:
        assert slot.command("dial", "sip:an-lao-pc@gbtt.binhdinh.gov.vn")["ok"]
        event = slot.wait(lambda e: e.get("type") == "CALL_CLOSED", 1)
        assert event and event["param"].startswith("503"), slot.events
    finally:
        slot.close()
        server.close()
        thread.join(5)
