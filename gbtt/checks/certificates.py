"""The certificates the central hosts serve, as their clients see them: from a
bridge room, each TLS port the model marks (`Port.tls`) must present a
certificate that the province's CA verifies for the address the room dials,
with at least `pki.warn_days` days left (gbtt/pki.py renews it on every deploy
in a new period). `gbtt audit` prints the days left of each."""
from __future__ import annotations

from ..pki import settings
from ..validate import load_valid
from . import run_probe


def tls_ports(state) -> list[int]:
    """The ports of a host's state (every component) that serve the province's certificate."""
    return sorted({int(p.ports) for c in state.components.values() for p in c.ports if p.tls})


def check_certificates(peer, address: str, ports: list[int], inventory) -> str:
    """Fails naming each port whose certificate is not verified or near expiry; returns e.g.
    '5061: 302 days left; 443: 302 days left'."""
    warn = settings(load_valid(inventory))["warn_days"]
    seen, problems = [], []
    for port in ports:
        r = run_probe(peer, "tls", address, port)
        if r["outcome"] != "verified":
            problems.append(f"{port}: {r['outcome']}: {r['error']}")
        elif r["days_left"] < warn:
            problems.append(f"{port}: {r['days_left']} days left, under {warn}: deploy to renew it (gbtt/pki.py)")
        else:
            seen.append(f"{port}: {r['days_left']} days left")
    assert not problems, "; ".join(problems)
    return "; ".join(seen)
