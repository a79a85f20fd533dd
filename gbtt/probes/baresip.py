"""baresip control probe (stdlib only): one command over ctrl_tcp
(netstring-framed JSON) on loopback, the response printed as JSON.

    python3 baresip.py PORT COMMAND [PARAMS]
"""
import json
import os
import socket
import sys


def command(port: int, cmd: str, params: str = "", timeout: float = 5.0) -> dict:
    token = os.urandom(4).hex()
    body = json.dumps({"command": cmd, "params": params, "token": token}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(str(len(body)).encode() + b":" + body + b",")
        buf = b""
        while True:
            data = s.recv(65536)
            if not data:
                raise ConnectionError("baresip closed the connection")
            buf += data
            while b":" in buf:
                head, rest = buf.split(b":", 1)
                n = int(head)
                if len(rest) < n + 1:
                    break
                msg, buf = json.loads(rest[:n]), rest[n + 1:]
                if msg.get("response") and msg.get("token") == token:
                    return msg


def main(argv: list[str]) -> int:
    try:
        result = command(int(argv[0]), argv[1], " ".join(argv[2:]))
    except (OSError, ValueError) as exc:
        result = {"response": False, "error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
