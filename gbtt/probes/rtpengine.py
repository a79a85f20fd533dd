"""rtpengine ng probe (stdlib only): `ping` and `statistics` over the ng
control protocol (UDP: "<cookie> <bencoded dict>").  As a script it prints
one JSON object:

    python3 rtpengine.py ping|statistics HOST PORT
    python3 rtpengine.py query HOST PORT CALL_ID     # one call's streams and their packets
"""
from __future__ import annotations

import json
import os
import socket
import sys


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


def main(argv: list[str]) -> int:
    try:
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
