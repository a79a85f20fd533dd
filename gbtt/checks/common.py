"""Checks of the `common` component."""
from __future__ import annotations

import time

from ..desired import host_state
from ..inventory import default_inventory
from . import check_applied, check_listening, command_output


def ports_of(state) -> set[tuple[str, int]]:
    out = set()
    for comp in state.components.values():
        for p in comp.ports:
            if not p.ports:  # a protocol without ports (VRRP): nothing listens
                continue
            lo, _, hi = p.ports.partition("-")
            out.update((p.proto, n) for n in range(int(lo), int(hi or lo) + 1))
    return out | {("tcp", 22)}


NFT, SSHD = "nft list table inet gbtt", "sshd -T"
CHRONY = ("chronyc -n sources", "chronyc -n tracking")
READS = (NFT, SSHD, *CHRONY)  # what the audit gathers with the host's facts


def check_common(host, model_host: str, lab: bool,
                 inventory=None, facts: dict | None = None) -> None:
    state = host_state(inventory or default_inventory(), model_host, lab=lab)
    check_applied(host, state.components["common"], facts)
    ruleset = command_output(host, NFT, facts)
    assert "policy drop" in ruleset, "the input chain does not drop by default"
    assert "tcp dport 22 ip saddr @management accept" in ruleset, "SSH is not limited to the management networks"
    sshd = command_output(host, SSHD, facts)
    assert "passwordauthentication no" in sshd and "permitrootlogin without-password" in sshd, "sshd allows passwords"
    check_listening(host, ports_of(state), facts)


def _synchronised(sources: str, tracking: str) -> bool:
    return any(line.startswith("^*") for line in sources.splitlines()) and "Leap status     : Normal" in tracking


def check_time_synchronised(host, wait_seconds: float = 30, facts: dict | None = None) -> None:
    """chrony follows one of the model's NTP sources (`^*` in its sources) with a
    normal leap status; a freshly started chrony gets `wait_seconds` to get there."""
    if facts and all(c in facts["commands"] for c in CHRONY) and _synchronised(
            *(facts["commands"][c]["stdout"] for c in CHRONY)):
        return
    deadline = time.monotonic() + wait_seconds
    while True:
        sources, tracking = (host.run(c).stdout for c in CHRONY)
        if _synchronised(sources, tracking):
            return
        if time.monotonic() > deadline:
            leap = next((ln.split(":", 1)[1].strip() for ln in tracking.splitlines() if ln.startswith("Leap")), "?")
            raise AssertionError(f"time not synchronised: no NTP source selected (chrony leap status: {leap})")
        time.sleep(2)
