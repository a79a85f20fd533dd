"""UDP echo (stdlib only), for a limited time: the peer of a TURN allocation
test (turnutils_uclient -e). Every datagram goes back where it came from.

    python3 udp_echo.py ADDRESS PORT SECONDS      # prints {"echoed": n} when the time is up
"""
import json
import socket
import sys
import time


def main(argv: list[str]) -> int:
    address, port, seconds = argv[0], int(argv[1]), float(argv[2])
    echoed, deadline = 0, time.monotonic() + seconds
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((address, port))
        while (left := deadline - time.monotonic()) > 0:
            s.settimeout(left)
            try:
                data, source = s.recvfrom(65535)
            except socket.timeout:
                break
            s.sendto(data, source)
            echoed += 1
    print(json.dumps({"echoed": echoed}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
