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
