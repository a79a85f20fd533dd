"""The province's PKI (gbtt/pki.py): certificates the CA verifies, for the names
and addresses the clients dial, the same on every run of a renewal period and
renewed in the next, the lab's CA apart from production's, and the keys kept
secret on their hosts."""
from __future__ import annotations

import datetime as dt

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from conftest import REAL, edit
from gbtt import pki
from gbtt.desired import host_state
from gbtt.hostinventory import lab_address
from gbtt.inventory import load
from gbtt.validate import validate

INV = load(REAL)
NOW = dt.datetime(2026, 11, 30, 12, tzinfo=dt.timezone.utc)


def files(host: str, lab: bool = True, now=NOW) -> dict:
    return {f.path: f for c in host_state(REAL, host, lab=lab, now=now).components.values() for f in c.files}


def chain(pem: str) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(pem.encode())


def names(cert: x509.Certificate) -> tuple[list[str], list[str]]:
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    return san.get_values_for_type(x509.DNSName), [str(a) for a in san.get_values_for_type(x509.IPAddress)]


@pytest.mark.parametrize("host,component,extra", [("mcu-sip-01", "sip_registrar", ["gbtt.binhdinh.gov.vn"]),
                                                  ("mcu-conf-01", "conference", []), ("mcu-turn-01", "turn", [])])
@pytest.mark.parametrize("lab", [True, False])
def test_each_tls_host_gets_a_certificate_its_ca_verifies_for_what_its_clients_dial(host, component, extra, lab):
    f = files(host, lab)
    ca = x509.load_pem_x509_certificate(f[pki.CA_FILE].content.encode())
    leaf, sent_ca = chain(f[f"/etc/gbtt/pki/{component}.crt"].content)
    assert sent_ca == ca  # the chain a server sends: its own, then the CA's
    leaf.verify_directly_issued_by(ca)
    # its own address, and the service addresses it holds or may take over (gbtt.service_addresses)
    moving = [INV.hosts[h][component].get("sip_address") for h in ([host, "mcu-sip-02"] if component == "sip_registrar" else [])]
    addresses = [INV.hosts[host]["address"], *filter(None, moving)]
    assert names(leaf) == ([host, f"{host}.gbtt.binhdinh.gov.vn", *extra],
                           [lab_address(INV, a) if lab else a for a in addresses])
    key = load_pem_private_key(f[f"/etc/gbtt/pki/{component}.key"].content.encode(), None)
    assert key.public_key() == leaf.public_key()
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    k = f[f"/etc/gbtt/pki/{component}.key"]
    assert k.secret and (k.mode, k.owner, k.group) == ("0640", "root", "ssl-cert")  # no diff, no log; services' group


def test_every_linux_host_holds_the_ca_and_only_tls_hosts_a_key():
    room, relay = files("quy-nhon-pc"), files("mcu-relay-01")
    assert pki.CA_FILE in room and pki.CA_FILE in relay
    assert not [p for p in {**room, **relay} if p.endswith(".key")]


def test_lab_and_production_have_their_own_ca():
    lab, prod = (x509.load_pem_x509_certificate(files("mcu-sip-01", lab)[pki.CA_FILE].content.encode())
                 for lab in (True, False))
    assert lab.public_key() != prod.public_key()
    assert lab.subject.rfc4514_string().startswith("CN=GBTT Binh Dinh CA (lab),") and "(lab)" not in prod.subject.rfc4514_string()
    # production's CA key is the vault's
    vault_key = load_pem_private_key(INV.secrets()["pki_ca_key"].encode(), None)
    assert prod.public_key() == vault_key.public_key()


def test_the_same_certificate_all_period_then_the_next_one_in_time():
    s = pki.settings(INV)
    start = pki.period_start(NOW, s["renew_days"])
    cert = files("mcu-sip-01")["/etc/gbtt/pki/sip_registrar.crt"].content
    # the same bytes anywhere in the period: a no-op deploy changes nothing
    for moment in (start, NOW, start + dt.timedelta(days=s["renew_days"], seconds=-1)):
        assert files("mcu-sip-01", now=moment)["/etc/gbtt/pki/sip_registrar.crt"].content == cert
    renewed = start + dt.timedelta(days=s["renew_days"])
    new = files("mcu-sip-01", now=renewed)["/etc/gbtt/pki/sip_registrar.crt"].content
    assert new != cert
    old_leaf, new_leaf = chain(cert)[0], chain(new)[0]
    assert new_leaf.not_valid_after_utc - old_leaf.not_valid_after_utc == dt.timedelta(days=s["renew_days"])
    assert new_leaf.public_key() == old_leaf.public_key()  # a new certificate, the same key
    # whenever a deploy runs, what it leaves has at least certificate_days - renew_days to go
    for days in range(0, 400, 7):
        moment = NOW + dt.timedelta(days=days)
        leaf = chain(files("mcu-sip-01", now=moment)["/etc/gbtt/pki/sip_registrar.crt"].content)[0]
        assert leaf.not_valid_before_utc <= moment
        assert leaf.not_valid_after_utc - moment >= dt.timedelta(days=s["certificate_days"] - s["renew_days"])


def test_a_new_key_generation_replaces_the_host_keys(inv_dir):
    before = host_state(inv_dir, "mcu-turn-01", lab=True, now=NOW).components["turn"]
    edit(inv_dir / "province.yml", "key_generation: 1", "key_generation: 2")
    after = host_state(inv_dir, "mcu-turn-01", lab=True, now=NOW).components["turn"]
    key = {f.path: f.content for f in before.files}, {f.path: f.content for f in after.files}
    assert key[0]["/etc/gbtt/pki/turn.key"] != key[1]["/etc/gbtt/pki/turn.key"]


def test_renewal_that_comes_after_the_audit_warns_is_refused(inv_dir):
    edit(inv_dir / "province.yml", "renew_days: 90", "renew_days: 340")
    lines = [f"{p.path}: {p.message}" for p in validate(inv_dir)[1]]
    assert lines == ["province.pki.renew_days: a certificate renewed every 340 days and valid 365 would fall under "
                     "the audit's 30 days left before its renewal: renew_days + warn_days must be below "
                     "certificate_days"], lines


def test_a_production_deploy_without_the_ca_key_says_what_to_do(monkeypatch):
    monkeypatch.setattr(type(INV), "secrets", lambda self: {})
    with pytest.raises(pki.PkiError, match="vault.yml has no pki_ca_key .* `gbtt vault fill` creates one"):
        pki.ca_certificate(INV, False, lambda: {})
