#!/usr/bin/env python3
"""Benchmark of `gbtt preflight` on the full lab (provisioned first, e.g. by
`bash scripts/main.sh`): the check of 2, 6 and all 13 bridge rooms, with

* the wall time of each run and its growth with the number of rooms;
* RTP packets rtpengine relayed per call (both ends, audio and video);
* rtpengine's CPU during the run (its utime+stime over the wall time, summed over the relays);
* each call's setup time (dial to answer), and then again with the first media relay gone silent (its
  control port dropping everything, as a host that died): every room's call must be set up on the other
  relay (Art. 7.3.c), a call the registrar first gives the silent one after its wait
  (`kamailio_rtpengine_timeout_ms` × `kamailio_rtpengine_retries`); the registrar then leaves that relay
  out for a minute, so run it with both relays healthy for a minute before.

Targets: all 13 rooms checked in under 60 s; new calls set up within 2 s of a relay failure.

    .venv/bin/python scripts/bench_preflight.py [--quick]

--quick: every room of whatever lab is provisioned, at once (the tests'
run on the small lab).
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gbtt.desired.knobs import role_defaults  # noqa: E402
from gbtt.preflight import preflight  # noqa: E402
from gbtt.remote import Fleet  # noqa: E402

INVENTORY = REPO / "inventory" / "binh-dinh"
SILENCE = "gbtt_bench_silent_relay"  # a table of its own, removed after
NG_PORT = role_defaults("media_relay")["rtpengine_ng_port"]


def cpu_seconds(relay) -> float:
    """utime + stime of rtpengine on a relay host (s)."""
    out = relay.check_output("cat /proc/$(pidof rtpengine)/stat")
    fields = out.rsplit(")", 1)[1].split()
    ticks = int(relay.check_output("getconf CLK_TCK"))
    return (int(fields[11]) + int(fields[12])) / ticks


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="all rooms only (the tests' run)")
    args = ap.parse_args()
    fleet = Fleet(INVENTORY, lab=True)
    rooms = sorted(h.name for h in fleet.with_role("room_pc"))
    relays = [fleet.remote(h.name) for h in fleet.with_role("media_relay")]  # the registrar spreads calls over them
    print(f"{'rooms':>5} {'wall s':>7} {'ok':>4} {'s/room':>7} {'pkts/call':>10} {'rtpengine CPU':>14}")
    elapsed = 0.0
    for n in (len(rooms),) if args.quick else (2, 6, len(rooms)):
        cpu0, t0 = sum(map(cpu_seconds, relays)), time.monotonic()
        results, _, elapsed = preflight(INVENTORY, lab=True, rooms=rooms[:n])
        cpu = (sum(map(cpu_seconds, relays)) - cpu0) / (time.monotonic() - t0)
        packets = [sum(sum(end.values()) for end in r["relay"]["tags"].values())
                   for r in results if r.get("relay") and "tags" in r["relay"]]
        ok = sum(r["ok"] for r in results)
        print(f"{n:>5} {elapsed:>7.1f} {ok:>4} {elapsed / n:>7.2f} "
              f"{statistics.mean(packets) if packets else 0:>10.0f} {cpu * 100:>13.1f}%")
    print(f"all {len(rooms)} rooms: {elapsed:.1f} s (target < 60 s)")
    print(f"call setup, both relays up:   {setup_times(results)}")
    # the first relay vanishes (its control port silent, as a dead host: no ICMP refusal to fail over on)
    dead = relays[0]
    dead.check_output(f"nft add table inet {SILENCE}; nft 'add chain inet {SILENCE} in {{ type filter hook input "
                      f"priority -10; }}'; nft add rule inet {SILENCE} in udp dport {NG_PORT} drop")
    try:
        results, _, _ = preflight(INVENTORY, lab=True, rooms=rooms)
    finally:
        dead.check_output(f"nft delete table inet {SILENCE}")
    print(f"call setup, first relay silent just before: {setup_times(results)} "
          f"({sum(r['ok'] for r in results)}/{len(results)} rooms passed; target < 2 s)")
    return 0


def setup_times(results: list[dict]) -> str:
    times = sorted(r["call_setup_s"] for r in results if "call_setup_s" in r)
    if not times:
        return "no call set up"
    return f"median {statistics.median(times):.2f} s, max {times[-1]:.2f} s over {len(times)} call(s)"


if __name__ == "__main__":
    sys.exit(main())
