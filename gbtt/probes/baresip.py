"""baresip control probe (stdlib only): one command over ctrl_tcp
(netstring-framed JSON) on loopback, the response printed as JSON.

    python3 baresip.py PORT COMMAND [PARAMS]
"""
import json
import os
import socket
import sys
import time


def encode(cmd: str, params: str, token: str) -> bytes:
    """One ctrl_tcp command as a netstring."""
    body = json.dumps({"command": cmd, "params": params, "token": token}).encode()
    return str(len(body)).encode() + b":" + body + b","


def decode(buf: bytes) -> tuple[list[dict], bytes]:
    """The complete netstring messages at the start of `buf`, and what remains."""
    out = []
    while b":" in buf:
        head, rest = buf.split(b":", 1)
        n = int(head)
        if len(rest) < n + 1:
            break
        out.append(json.loads(rest[:n]))
        buf = rest[n + 1:]
    return out, buf


def command(port: int, cmd: str, params: str = "", timeout: float = 5.0) -> dict:
    token = os.urandom(4).hex()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        sent_at = time.time()  # the host's clock (the lab's containers share it): gbtt's delay benchmark
        s.sendall(encode(cmd, params, token))
        buf = b""
        while True:
            data = s.recv(65536)
            if not data:
                raise ConnectionError("baresip closed the connection")
            messages, buf = decode(buf + data)
            for msg in messages:
                if msg.get("response") and msg.get("token") == token:
                    return {**msg, "sent_at": sent_at}


def main(argv: list[str]) -> int:
    try:
        result = command(int(argv[0]), argv[1], " ".join(argv[2:]))
    except (OSError, ValueError) as exc:
        result = {"response": False, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
