"""`gbtt preflight`: the pre-meeting connection check of Art. 7, automated.
From the central side (the probe on the SIP registrar's host), every bridge
room's SIP room system is checked with a real call: reachable, registered,
answered, audio and video both ways through the media relay, the codecs of
its profile, loss and jitter. Prints a table, writes a JSON report, and
fails (exit 1) if any room fails."""
from __future__ import annotations

import base64
import json
import time
from pathlib import Path

from .checks import run_probe
from .codecs import CODECS
from .desired.components.preflight_probe import slots
from .desired.model import host_knobs
from .hostinventory import lab_address
from .meetings import meetings
from .remote import Fleet, write_report
from .validate import load_valid

# Limits a room must meet (RTCP over the few seconds of the test call).
LIMITS = {"max_loss_percent": 2.0, "max_jitter_ms": 30.0}


class PreflightError(Exception):
    """The check cannot start (no probe host, no room): one line for the operator."""


def meeting_rooms(inventory: Path, meeting_id: str) -> list[str]:
    """The bridge rooms taking part in a booked meeting."""
    inv = load_valid(inventory)
    booked = {m.id: m for m in meetings(inv)}
    if meeting_id not in booked:
        raise PreflightError(f"unknown meeting '{meeting_id}' (booked: {', '.join(sorted(booked)) or 'none'})")
    return list(booked[meeting_id].rooms)


def plan(inventory: Path, fleet: Fleet, sites: list[str] | None, rooms: list[str] | None = None,
         media_seconds: float = 4.0) -> list[tuple[str, dict]]:
    """The registrar hosts to run from, in the order tried (each has its probe), and what the agent
    on each needs."""
    inv = load_valid(inventory)
    addr = (lambda a: lab_address(inv, a)) if fleet.lab else (lambda a: a)
    registrars = fleet.with_role("sip_registrar")
    if not registrars:
        raise PreflightError("no SIP registrar host to run the probe from" + (" in the lab" if fleet.lab else ""))
    if sites:
        unknown = sorted(set(sites) - set(inv.sites))
        if unknown:
            raise PreflightError(f"unknown site(s) {', '.join(unknown)} (known: {', '.join(sorted(inv.sites))})")
    selected = []
    for h in fleet.with_role("room_pc"):
        if (sites and h.site not in sites) or (rooms is not None and h.name not in rooms):
            continue
        ep = next(e for e in inv.sites[h.site]["endpoints"] if e["id"] == h.name)
        profile = inv.codec_profiles[ep["profile"]]
        selected.append({"id": h.name, "site": h.site, "profile": ep["profile"], "address": addr(h.address),
                         "sip_port": host_knobs(inventory, h.name, "room_pc")["baresip_sip_port"],
                         "audio": CODECS[profile["audio"]["codec"]].sdp, "video": CODECS[profile["video"]["codec"]].sdp})
    if not selected:
        raise PreflightError("no bridge room system to check" + (" in the lab" if fleet.lab else ""))
    def ng_port(host_name):
        return host_knobs(inventory, host_name, "media_relay")["rtpengine_ng_port"]

    return [(probe.name, {
        "registrar": [addr(probe.address), host_knobs(inventory, probe.name, "sip_registrar")["kamailio_sip_port"]],
        "domain": inv.province["sip_domain"],
        "auth_fail_limit": host_knobs(inventory, probe.name, "sip_registrar")["kamailio_auth_fail_limit"],
        "slot_ports": [s["ctrl_port"] for s in slots(host_knobs(inventory, probe.name, "preflight_probe"))],
        "relays": [[addr(h.address), ng_port(h.name)] for h in fleet.with_role("media_relay")] or
                  [[addr(h["address"]), ng_port(hid)] for hid, h in inv.hosts.items() if h["role"] == "media_relay"],
        "media_seconds": media_seconds, "rtcp_grace": 8.0, "answer_timeout": 10.0,
        "rooms": selected, **LIMITS,
    }) for probe in registrars]


def preflight(inventory: Path, lab: bool = True, sites: list[str] | None = None, rooms: list[str] | None = None,
              out_dir: Path | None = None) -> tuple[list[dict], Path | None, float]:
    fleet = Fleet(inventory, lab)
    started = time.monotonic()
    passed_over = []  # registrars whose probe could not run, or whose Kamailio did not answer it
    for probe_host, agent_plan in plan(inventory, fleet, sites, rooms):
        try:
            results = run_probe(fleet.remote(probe_host), "preflight", base64.b64encode(
                json.dumps(agent_plan).encode()).decode(), modules=("rtpengine", "baresip", "sip"))
            if isinstance(results, list):
                break
            why = results.get("registrar", "no answer")  # the agent's own registrar is down: the next one's probe
        except Exception as exc:
            why = f"the probe could not run: {str(exc).strip().splitlines()[-1][:160]}"
        passed_over.append({"host": probe_host, "why": why})
    else:  # no registrar to run from: every room fails with that cause
        cause = "; ".join(f"{p['host']}: {p['why']}" for p in passed_over)
        results = [{"room": r["id"], "site": r["site"], "profile": r["profile"], "ok": False, "cause": cause,
                    "checks": []} for r in agent_plan["rooms"]]
    elapsed = time.monotonic() - started
    report = write_report(out_dir, "preflight", lab, inventory,
                          {"probe_host": probe_host, "passed_over": passed_over, "seconds": round(elapsed, 1),
                           "rooms": results}) if out_dir else None
    return results, report, elapsed


def summary(r: dict) -> str:
    if not r["ok"]:
        return r.get("cause") or "failed"
    media = r.get("media", {})
    parts = [f"{r['codecs'].get('audio')}/{r['codecs'].get('video')}"]
    for m in ("audio", "video"):
        mm = media.get(m, {})
        parts.append(f"{m} {mm.get('received', 0)} pkts in, lost {mm.get('lost_received', 0)}, "
                     f"jitter {mm.get('jitter_ms', 0)} ms")
    return "; ".join(parts)


def print_table(results: list[dict], elapsed: float) -> None:
    print(f"{'room':<16} {'site':<12} {'profile':<8} {'result':<6} detail")
    for r in sorted(results, key=lambda r: r["room"]):
        print(f"{r['room']:<16} {r['site']:<12} {r['profile']:<8} {'OK' if r['ok'] else 'FAIL':<6} {summary(r)}")
    bad = sum(not r["ok"] for r in results)
    print(f"{len(results)} room(s) checked in {elapsed:.1f} s: {len(results) - bad} ready, {bad} failed")
