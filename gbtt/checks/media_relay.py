"""Checks of the `media_relay` component: the files, and rtpengine answering
the ng protocol from the SIP registrar: `ping` -> `pong`, and statistics."""
from __future__ import annotations

from . import check_applied, model_knobs, model_state, run_probe


def check_media_relay(host, model_host: str, lab: bool, address: str, peer=None,
                      inventory=None, facts: dict | None = None) -> None:
    """`peer` (default: the relay itself) is where the ng commands come from (the registrar)."""
    check_applied(host, model_state(model_host, "media_relay", lab, inventory, address=address), facts)
    port = model_knobs(model_host, "media_relay", inventory)["rtpengine_ng_port"]
    control = peer or host
    pong = run_probe(control, "rtpengine", "ping", address, port)
    assert pong.get("result") == "pong", f"ng ping: {pong}"
    stats = run_probe(control, "rtpengine", "statistics", address, port)
    assert stats.get("result") == "ok" and "sessionsown" in stats.get("statistics", {}).get("currentstatistics", {}), \
        f"ng statistics: {stats}"
