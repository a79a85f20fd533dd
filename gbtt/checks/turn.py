"""Checks of the `turn` component: the files, and coturn granting an
allocation with a credential derived from the vault's secret (relaying
between two clients, turnutils_uclient -y) and refusing a wrong one."""
from __future__ import annotations

from . import check_applied, model_knobs, model_state


def uclient(host, address: str, port: int, transports=("udp",), wrong_secret: bool = False) -> dict[str, str]:
    """turnutils_uclient (from coturn) on the TURN host, one run per transport at
    the same time (each takes some 5 s): two clients relaying 5 messages to each
    other.  The secret is read on the host from its own configuration, so it never
    appears in a command line we log.  uclient leaves its allocations to expire,
    and coturn counts them against the user's quota: each run has a user of its
    own (the shell's pid).  Returns each run's output and exit status."""
    secret = "$(sed -n 's/^static-auth-secret *= *//p' /etc/turnserver.conf)" + ("x" if wrong_secret else "")
    runs = [f'(out=$(timeout 30 turnutils_uclient -y -n 5 -m 1 -l 100 {"-t " if t == "tcp" else ""}-p {port} '
            f'-W "{secret}" -u gbtt-check-{t}-$$ {address} 2>&1); rc=$?; '
            f'printf "%s\\nexit=%s\\n" "$out" "$rc" > /tmp/gbtt-uclient-{t}) &'
            for t in transports]
    cmd = " ".join(runs) + " wait; " + "; ".join(
        f"echo '=== {t}'; cat /tmp/gbtt-uclient-{t}; rm -f /tmp/gbtt-uclient-{t}" for t in transports)
    out = host.run(cmd).stdout
    return {t: out.split(f"=== {t}\n", 1)[1].split("\n=== ", 1)[0] for t in transports}


def check_turn(host, model_host: str, lab: bool, address: str,
               inventory=None, facts: dict | None = None) -> None:
    check_applied(host, model_state(model_host, "turn", lab, inventory, address=address), facts)
    port = model_knobs(model_host, "turn", inventory)["coturn_port"]
    for transport, out in uclient(host, address, port, ("udp", "tcp")).items():
        assert "exit=0" in out and "Total lost packets 0" in out, f"TURN allocation over {transport} failed:\n{out[-1500:]}"
    out = uclient(host, address, port, wrong_secret=True)["udp"]
    assert "exit=0" not in out and "Cannot complete Allocation" in out, \
        "an allocation with a credential from a wrong secret was not refused"
