"""The province's certificates in the lab, as a bridge room sees them: the
registrar (SIP over TLS), the conference server (HTTPS) and TURN (TLS) each
present the certificate the lab's CA issued for the address the room dials,
with the days the model gave it; another CA's trust refuses it; a certificate
that is not the province's is caught by the audit's check and put back by a
deploy (the service restarted on it)."""
from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509

from conftest import REAL
from gbtt.checks import run_probe
from gbtt.checks.certificates import check_certificates
from gbtt.desired import host_state
from gbtt.hostinventory import lab_state
from gbtt.inventory import load
from gbtt.pki import ca_certificate
from labtools import ansible, recap, remote

pytestmark = pytest.mark.lab
ROOM = "quy-nhon-pc"
SERVED = [("mcu-sip-01", "sip_registrar", 5061), ("mcu-conf-01", "conference", 443), ("mcu-turn-01", "turn", 5349)]


@pytest.fixture(scope="module")
def hosts(deployed_lab):
    return lab_state(deployed_lab.state_dir)["hosts"]


@pytest.mark.parametrize("host,component,port", SERVED)
def test_a_room_verifies_each_tls_service_with_the_provinces_ca(deployed_lab, hosts, host, component, port):
    room = remote(deployed_lab, ROOM)
    r = run_probe(room, "tls", hosts[host], port)
    assert r["outcome"] == "verified", r
    state = host_state(REAL, host, lab=True).components[component]
    leaf = x509.load_pem_x509_certificate(next(f.content for f in state.files if f.path.endswith(f"{component}.crt"))
                                          .encode())
    want = (leaf.not_valid_after_utc - dt.datetime.now(dt.timezone.utc)).days
    assert r["subject"] == host and hosts[host] in r["names"] and abs(r["days_left"] - want) <= 1, (r, want)
    # trusting another CA (production's) instead, the room refuses the same server
    other = "/tmp/gbtt-other-ca.crt"
    room.run(f"cat > {other} <<'EOF'\n{ca_certificate(load(REAL), False, load(REAL).secrets)}EOF")
    refused = run_probe(room, "tls", hosts[host], port, other)
    # (the server sends the lab CA after its own: a CA the room does not trust)
    assert refused["outcome"] == "unverified" and "self-signed certificate in certificate chain" in refused["error"], refused


def test_a_certificate_not_the_provinces_is_caught_and_a_deploy_puts_it_back(deployed_lab, hosts):
    room, turn, address = remote(deployed_lab, ROOM), remote(deployed_lab, "mcu-turn-01"), hosts["mcu-turn-01"]
    # a technician "fixes" TURN with Debian's self-signed pair
    turn.run_expect([0], "cp /etc/ssl/certs/ssl-cert-snakeoil.pem /etc/gbtt/pki/turn.crt && "
                         "cp /etc/ssl/private/ssl-cert-snakeoil.key /etc/gbtt/pki/turn.key && systemctl restart coturn")
    r = run_probe(room, "tls", address, 5349)
    assert r["outcome"] == "unverified" and "self-signed certificate" in r["error"], r
    with pytest.raises(AssertionError, match="5349: unverified: self-signed certificate"):
        check_certificates(room, address, [5349], REAL)
    deploy = ansible("--limit", "mcu-turn-01", "--tags", "turn")
    assert deploy.returncode == 0 and recap(deploy.stdout, "mcu-turn-01")["changed"] >= 2, deploy.stdout[-3000:]
    assert run_probe(room, "tls", address, 5349)["outcome"] == "verified"  # coturn restarted on the province's
    assert check_certificates(room, address, [5349], REAL).startswith("5349: ")
