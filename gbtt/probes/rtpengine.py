"""rtpengine ng probe (stdlib only): `ping` and `statistics` over the ng
control protocol (UDP: "<cookie> <bencoded dict>").  As a script it prints
one JSON object:

    python3 rtpengine.py ping|statistics HOST PORT
    python3 rtpengine.py query HOST PORT CALL_ID     # one call's streams and their packets
    python3 rtpengine.py call HOST PORT LOCAL_ADDRESS PORT_A PORT_B SECONDS
        # a call of two ends here, set up on the relay (offer, answer), G.711 u-law from end A transcoded
        # to A-law for end B, 50 packets a second both ways for SECONDS; what end B received:
        # {"relay": "address:port", "sent", "received", "max_gap_ms", "gap_at_s", "payload_types", "last_second"}
"""
from __future__ import annotations

import json
import os
import select
import socket
import struct
import sys
import time


def bencode(value) -> bytes:
    if isinstance(value, int):
        return b"i%de" % value
    if isinstance(value, str):
        value = value.encode()
    if isinstance(value, bytes):
        return b"%d:%s" % (len(value), value)
    if isinstance(value, list):
        return b"l" + b"".join(bencode(v) for v in value) + b"e"
    return b"d" + b"".join(bencode(k) + bencode(v) for k, v in sorted(value.items())) + b"e"


def bdecode(data: bytes, i: int = 0):
    c = data[i:i + 1]
    if c == b"i":
        end = data.index(b"e", i)
        return int(data[i + 1:end]), end + 1
    if c in (b"l", b"d"):
        items, i = [], i + 1
        while data[i:i + 1] != b"e":
            item, i = bdecode(data, i)
            items.append(item)
        if c == b"l":
            return items, i + 1
        return dict(zip(items[::2], items[1::2])), i + 1
    colon = data.index(b":", i)
    length = int(data[i:colon])
    raw = data[colon + 1:colon + 1 + length]
    try:
        return raw.decode(), colon + 1 + length
    except UnicodeDecodeError:
        return raw.hex(), colon + 1 + length


def command(host: str, port: int, message: dict, timeout: float = 3.0) -> dict:
    cookie = os.urandom(4).hex().encode()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(cookie + b" " + bencode(message), (host, port))
        reply = s.recv(65535)
    got_cookie, _, body = reply.partition(b" ")
    if got_cookie != cookie:
        raise ValueError("reply with another cookie")
    return bdecode(body)[0]


def _sdp(address: str, port: int, pt: int, name: str) -> str:
    return (f"v=0\r\no=- 1 1 IN IP4 {address}\r\ns=-\r\nc=IN IP4 {address}\r\nt=0 0\r\n"
            f"m=audio {port} RTP/AVP {pt}\r\na=rtpmap:{pt} {name}/8000\r\na=sendrecv\r\n")


def _media(sdp: str) -> tuple[str, int]:
    lines = sdp.split("\r\n")
    address = next(line.split()[-1] for line in lines if line.startswith("c="))
    return address, int(next(line.split()[1] for line in lines if line.startswith("m=audio")))


def call(host: str, port: int, local: str, port_a: int, port_b: int, seconds: float) -> dict:
    """One call through the relay, measured at end B (see the module's text)."""
    call_id = "gbtt-probe-" + os.urandom(6).hex()
    offer = command(host, port, {"command": "offer", "call-id": call_id, "from-tag": "a",
                                 "sdp": _sdp(local, port_a, 0, "PCMU"),
                                 "codec": {"transcode": ["PCMA"], "strip": ["PCMU"]}})
    answer = command(host, port, {"command": "answer", "call-id": call_id, "from-tag": "a", "to-tag": "b",
                                  "sdp": _sdp(local, port_b, 8, "PCMA")})
    if "sdp" not in offer or "sdp" not in answer:
        return {"result": "error", "error-reason": f"offer: {offer.get('error-reason')}, answer: {answer.get('error-reason')}"}
    towards_b, towards_a = _media(answer["sdp"]), _media(offer["sdp"])  # where each end sends
    ends = [socket.socket(socket.AF_INET, socket.SOCK_DGRAM) for _ in range(2)]
    arrivals, types, seq = [], set(), 0
    try:
        ends[0].bind((local, port_a))
        ends[1].bind((local, port_b))
        start = time.monotonic()
        due = start
        while (now := time.monotonic()) - start < seconds:
            if now >= due:
                for sock, pt, ssrc, to in ((ends[0], 0, 0x61, towards_b), (ends[1], 8, 0x62, towards_a)):
                    sock.sendto(struct.pack("!BBHII", 0x80, pt, seq & 0xFFFF, seq * 160 & 0xFFFFFFFF, ssrc)
                                + bytes([0xFF if pt == 0 else 0xD5]) * 160, to)
                seq, due = seq + 1, due + 0.02
            ready, _, _ = select.select(ends, [], [], max(0.0, due - time.monotonic()))
            for sock in ready:
                data = sock.recv(2048)
                if sock is ends[1] and len(data) > 12:
                    arrivals.append(time.monotonic() - start)
                    types.add(data[1] & 0x7F)
    finally:
        for sock in ends:
            sock.close()
        try:
            command(host, port, {"command": "delete", "call-id": call_id, "from-tag": "a"})
        except (OSError, ValueError):
            pass  # the relay asked may be the one that died: its backup ends the call on its timeout
    gap, at = max(((b - a, a) for a, b in zip(arrivals, arrivals[1:])), default=(None, None))
    return {"result": "ok", "relay": "%s:%d" % towards_b, "sent": seq, "received": len(arrivals),
            "max_gap_ms": round(gap * 1000) if gap is not None else None,
            "gap_at_s": round(at, 2) if at is not None else None, "payload_types": sorted(types),
            "last_second": sum(1 for t in arrivals if t > seconds - 1)}


def main(argv: list[str]) -> int:
    try:
        if argv[0] == "call":
            print(json.dumps(call(argv[1], int(argv[2]), argv[3], int(argv[4]), int(argv[5]), float(argv[6]))))
            return 0
        message = {"command": argv[0]}
        if argv[0] == "query":
            message["call-id"] = argv[3]
        result = command(argv[1], int(argv[2]), message)
    except (OSError, ValueError) as exc:
        result = {"result": "error", "error-reason": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
