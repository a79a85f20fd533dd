"""Checks of the `linux_router` component: the files, FRR running, the
policy loaded (the ACL chain ends in a counted drop; the marking chain holds
the classes) and the uplink's HTB classes in place."""
from __future__ import annotations

from . import check_applied, command_output, model_state

RULESET, QDISC = "nft list table inet gbtt_router", "tc qdisc show dev eth0"
READS = (RULESET, QDISC)  # what the audit gathers with the host's facts


def check_linux_router(host, model_host: str, lab: bool, address: str,
                       inventory=None, facts: dict | None = None) -> None:
    check_applied(host, model_state(model_host, "linux_router", lab, inventory, address=address), facts)
    ruleset = command_output(host, RULESET, facts)
    assert 'counter packets' in ruleset and 'drop comment "refused: not a GBTT service"' in ruleset, \
        "the ACL towards the centre is not loaded"
    for dscp in ("ef", "af41", "cs5"):
        assert f"ip dscp set {dscp}" in ruleset, f"no marking to {dscp} loaded"
    assert "htb" in command_output(host, QDISC, facts), "the uplink has no HTB for the conference share"
