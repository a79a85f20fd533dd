"""Checks of the `turn` component: the files, and coturn granting an
allocation with a credential derived from the vault's secret (relaying
between two clients, turnutils_uclient -y) and refusing a wrong one."""
from __future__ import annotations

from . import check_applied, model_knobs, model_state


def uclient(host, address: str, port: int, tcp: bool = False, wrong_secret: bool = False):
    """turnutils_uclient (from coturn) on the TURN host: two clients relaying 5
    messages to each other.  The secret is read on the host from its own
    configuration, so it never appears in a command line we log."""
    secret = "$(sed -n 's/^static-auth-secret *= *//p' /etc/turnserver.conf)" + ("x" if wrong_secret else "")
    cmd = (f'timeout 30 turnutils_uclient -y -n 5 -m 1 -l 100 {"-t " if tcp else ""}-p {port} '
           f'-W "{secret}" -u gbtt-check {address}; echo "exit=$?"')
    return host.run(cmd)


def check_turn(host, model_host: str, lab: bool, address: str, inventory=None) -> None:
    check_applied(host, model_state(model_host, "turn", lab, inventory, address=address))
    port = model_knobs(model_host, "turn", inventory)["coturn_port"]
    for tcp in (False, True):
        good = uclient(host, address, port, tcp)
        out = good.stdout + good.stderr
        assert "exit=0" in out and "Total lost packets 0" in out, \
            f"TURN allocation over {'tcp' if tcp else 'udp'} failed:\n{out[-1500:]}"
    bad = uclient(host, address, port, wrong_secret=True)
    out = bad.stdout + bad.stderr
    assert "exit=0" not in out and "Cannot complete Allocation" in out, \
        "an allocation with a credential from a wrong secret was not refused"
