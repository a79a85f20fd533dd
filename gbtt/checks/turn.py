"""Checks of the `turn` component: the files; coturn granting an allocation
with a credential derived from the vault's secret and relaying data to the
conference server (a real allocation: turnutils_uclient on the TURN host,
its peer an echo on the conference host, when the check has that host);
refusing to relay anywhere else (loopback, its own and the other central
hosts' addresses); refusing a wrong credential."""
from __future__ import annotations

import base64

from . import check_applied, model_knobs, model_state, probe_script

ECHO_SECONDS = 25  # the echo's life on the conference host: longer than the runs it answers


def uclient(host, address: str, port: int, peer: str, peer_port: int, transports=("udp",),
            wrong_secret: bool = False) -> dict[str, str]:
    """turnutils_uclient (from coturn) on the TURN host, one run per transport at
    the same time: an allocation, a permission for `peer`, 5 messages relayed to
    peer:peer_port and back (-c: no second allocation, for RTCP, to peer_port + 1).
    The secret is read on the host from its own configuration, so it never
    appears in a command line we log. uclient leaves
    its allocations to expire, and coturn counts them against the user's quota:
    each run has a user of its own (the shell's pid). Each run's output and exit status."""
    secret = "$(sed -n 's/^static-auth-secret *= *//p' /etc/turnserver.conf)" + ("x" if wrong_secret else "")
    runs = [f'(out=$(timeout 30 turnutils_uclient -c -n 5 -m 1 -l 100 {"-t " if t == "tcp" else ""}-p {port} '
            f'-e {peer} -r {peer_port} -W "{secret}" -u gbtt-check-{t}-$$ {address} 2>&1); rc=$?; '
            f'printf "%s\\nexit=%s\\n" "$out" "$rc" > /tmp/gbtt-uclient-{t}) &'
            for t in transports]
    cmd = " ".join(runs) + " wait; " + "; ".join(
        f"echo '=== {t}'; cat /tmp/gbtt-uclient-{t}; rm -f /tmp/gbtt-uclient-{t}" for t in transports)
    out = host.run(cmd).stdout
    return {t: out.split(f"=== {t}\n", 1)[1].split("\n=== ", 1)[0] for t in transports}


def refused(out: str) -> bool:
    """coturn refused the peer: uclient's permission (channel bind) answered 403 Forbidden IP, and
    nothing came back. (Packets merely lost prove nothing: a peer where nothing listens loses them too.)"""
    return "error 403 (Forbidden IP)" in out and "Total lost packets 0" not in out


def check_turn(host, model_host: str, lab: bool, address: str, peer=None,
               inventory=None, facts: dict | None = None) -> None:
    """`peer`: the conference host (testinfra), where the allowed peer's echo runs; without it (a
    molecule instance alone) only the refusals are checked."""
    state = model_state(model_host, "turn", lab, inventory, address=address)
    check_applied(host, state, facts)
    port = model_knobs(model_host, "turn", inventory)["coturn_port"]
    conf = next(f.content for f in state.files if f.path == "/etc/turnserver.conf")
    allowed = [line.split("=", 1)[1] for line in conf.splitlines() if line.startswith("allowed-peer-ip=")]
    if peer is not None:
        echo_port = model_knobs(model_host, "conference", inventory)["janus_audiobridge_rtp_port_max"]
        target = allowed[0]
        script = base64.b64encode(probe_script("udp_echo").encode()).decode()
        peer.run(f"echo {script} | base64 -d > /tmp/gbtt-udp-echo.py && (setsid timeout {ECHO_SECONDS + 5} "
                 f"python3 /tmp/gbtt-udp-echo.py {target} {echo_port} {ECHO_SECONDS} >/dev/null 2>&1 &)")
        for transport, out in uclient(host, address, port, target, echo_port, ("udp", "tcp")).items():
            assert "exit=0" in out and "Total lost packets 0" in out, \
                f"TURN relaying to the conference server over {transport} failed:\n{out[-1500:]}"
    for denied in ("127.0.0.1", address):  # loopback; the TURN host itself, a central host other than Janus
        assert denied not in allowed
        out = uclient(host, address, port, denied, 3478 if denied == address else 9)["udp"]
        assert refused(out), f"TURN relayed to {denied}, which it must refuse:\n{out[-1500:]}"
    out = uclient(host, address, port, allowed[0] if allowed else "127.0.0.1", 9, wrong_secret=True)["udp"]
    assert "exit=0" not in out and "Cannot complete Allocation" in out, \
        "an allocation with a credential from a wrong secret was not refused"
