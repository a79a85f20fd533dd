"""Packet capture probe (stdlib only, AF_PACKET): what leaves an interface
for a few seconds, tallied by DSCP and by what the packet is: SIP (by port)
or RTP (by payload type, for UDP in the given port ranges). Needs NET_RAW.

    python3 capture.py IFACE SECONDS SIP_PORTS RTP_RANGES
    e.g. capture.py eth0 8 5060,5061 20000-20999,30000-39999

Prints {"sip": {dscp: n}, "rtp": {payload type: {dscp: n}}, "packets": n}.
"""
import json
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def ranges(text: str) -> list[tuple[int, int]]:
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.append((int(lo), int(hi or lo)))
    return out


def inside(port: int, spans) -> bool:
    return any(lo <= port <= hi for lo, hi in spans)


def main(argv: list[str]) -> int:
    iface, seconds = argv[0], float(argv[1])
    sip, rtp = ranges(argv[2]), ranges(argv[3])
    tally = {"sip": {}, "rtp": {}, "packets": 0}
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    s.bind((iface, 0))
    s.settimeout(0.2)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            frame, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        if addr[2] != PACKET_OUTGOING or len(frame) < 34 or frame[12:14] != b"\x08\x00":
            continue
        ip = frame[14:]
        ihl, dscp, proto = (ip[0] & 0x0F) * 4, ip[1] >> 2, ip[9]
        if proto not in (6, 17):
            continue
        sport, dport = struct.unpack("!HH", ip[ihl:ihl + 4])
        tally["packets"] += 1
        if inside(sport, sip) or inside(dport, sip):
            tally["sip"][dscp] = tally["sip"].get(dscp, 0) + 1
        elif proto == 17 and (inside(sport, rtp) or inside(dport, rtp)):
            payload = ip[ihl + 8:]
            if len(payload) >= 12 and payload[0] >> 6 == 2 and not 200 <= payload[1] <= 204:  # RTP, not RTCP
                pt = str(payload[1] & 0x7F)
                tally["rtp"].setdefault(pt, {})
                tally["rtp"][pt][dscp] = tally["rtp"][pt].get(dscp, 0) + 1
    print(json.dumps(tally))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
