"""The central engineer's commands to the running bridge (standard library
only), over its loopback control socket; run on the bridge host by `gbtt meeting`:

    python3 -m gbtt_bridge.control PORT '{"verb": "list", "meeting": "5226120708002"}'

prints the bridge's JSON answer on one line."""
from __future__ import annotations

import json
import socket
import sys


def ask(port: int, request: dict, timeout: float = 30.0) -> dict:
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(json.dumps(request).encode() + b"\n")
        data = b""
        while not data.endswith(b"\n"):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    return json.loads(data)


def main(argv: list[str]) -> int:
    try:
        reply = ask(int(argv[0]), json.loads(argv[1]))
    except (OSError, ValueError) as exc:
        reply = {"ok": False, "error": f"the bridge does not answer on 127.0.0.1:{argv[0]} ({exc})"}
    print(json.dumps(reply))
    return 0 if reply.get("ok") else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
