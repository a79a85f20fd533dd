"""The province's certificate authority and the certificates it issues to the
central hosts that serve TLS (Kamailio 5061, nginx 443, coturn 5349).

Everything here is computed, not stored: the model renders the same
certificate on every run until it is time for the next one, so both engines
leave identical hosts and a no-op deploy changes nothing.

- The CA's key: in production the vault's `pki_ca_key` (PEM; `gbtt vault fill`
  makes one, or put the province's own there with `ansible-vault edit`); in
  the lab it is derived from the lab's seed (`lab/pki-lab-seed.txt`, committed
  on purpose like the lab's vault password: it protects only lab hosts).
- The CA's certificate: self-signed from that key, its name and validity from
  `province.yml pki` (deterministic ECDSA, RFC 6979: the same bytes every time).
- A host's key: derived from the CA's key, the host's name and
  `pki.key_generation` (raise it to replace every host key); never stored
  elsewhere than on its host (a secret file: no diff, no log).
- A host's certificate: its names and addresses, valid `certificate_days`
  from the start of the current renewal period (`renew_days`): a deploy in a
  new period issues the next one, so a host deployed at least every
  `renew_days` never holds a certificate with less than
  `certificate_days - renew_days` days left. `gbtt audit` reports the days left.
"""
from __future__ import annotations

import datetime as dt
import functools
import hashlib
import ipaddress
from dataclasses import dataclass

from .paths import REPO

DEFAULTS = {"ca_name": "GBTT CA", "ca_since_year": 2026, "ca_valid_years": 10, "certificate_days": 365,
            "renew_days": 90, "warn_days": 30, "key_generation": 1}
LAB_SEED = REPO / "lab" / "pki-lab-seed.txt"
PKI_DIR = "/etc/gbtt/pki"
CA_FILE = f"{PKI_DIR}/ca.crt"  # on every Linux host: what its clients and probes verify against
EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)  # renewal periods are counted from here


class PkiError(Exception):
    pass


def settings(inv) -> dict:
    return {**DEFAULTS, **(inv.province.get("pki") or {})}


@dataclass(frozen=True)
class Issued:
    certificate: str  # PEM: the host's certificate, then the CA's (the chain a server sends)
    key: str  # PEM, PKCS#8


def _pem(key) -> str:
    """A private key as PEM (PKCS#8, unencrypted: it lives in the vault, or in a secret file on its host)."""
    from cryptography.hazmat.primitives import serialization

    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def load_ca_key(pem: str):
    """The CA's key from PEM, or PkiError unless it is a P-256 private key (the schema of vault.yml asks the same)."""
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    try:
        key = load_pem_private_key(pem.encode(), None)
    except (ValueError, TypeError):
        raise PkiError("pki_ca_key is not a private key in PEM") from None
    if not (isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name == "secp256r1"):
        raise PkiError("pki_ca_key must be a P-256 (secp256r1) EC private key")
    return key


def _derive_key(secret: bytes, info: str):
    """A P-256 private key derived from `secret` (HKDF-SHA256) for the purpose `info`."""
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    okm = HKDF(algorithm=hashes.SHA256(), length=48, salt=b"gbtt-pki", info=info.encode()).derive(secret)
    return ec.derive_private_key(int.from_bytes(okm, "big") % (order - 1) + 1, ec.SECP256R1())


def ca_key_pem(inv, lab: bool, secrets) -> str:
    """The CA's private key (PEM): the lab's derived one, or the vault's."""
    if lab:
        return _pem(_derive_key(LAB_SEED.read_bytes(), "gbtt lab CA"))
    pem = secrets().get("pki_ca_key")
    if not pem:
        raise PkiError("vault.yml has no pki_ca_key (the province CA's private key): "
                       "`gbtt vault fill` creates one, or put the province's own there with ansible-vault edit")
    return pem


def new_ca_key() -> str:
    """A fresh CA key for `gbtt vault fill` (PEM, PKCS#8)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    return _pem(ec.generate_private_key(ec.SECP256R1()))


def _name(common_name: str, organisation: str):
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _serial(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("\0".join(parts).encode()).digest()[:16], "big") >> 1 | 1


@functools.lru_cache(maxsize=8)
def _ca(key_pem: str, name: str, organisation: str, since_year: int, years: int):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    key = load_ca_key(key_pem)
    start = dt.datetime(since_year, 1, 1, tzinfo=dt.timezone.utc)
    subject = _name(name, organisation)
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(_serial("ca", key_pem, name)).not_valid_before(start)
            .not_valid_after(start.replace(year=since_year + years))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(ski, critical=False)
            .sign(key, hashes.SHA256(), ecdsa_deterministic=True))
    return key, cert


def ca_certificate(inv, lab: bool, secrets) -> str:
    """The CA's certificate (PEM) the hosts, the probes and the rooms' codecs verify against."""
    from cryptography.hazmat.primitives.serialization import Encoding

    return _ca_of(inv, lab, secrets)[1].public_bytes(Encoding.PEM).decode()


def _ca_of(inv, lab: bool, secrets):
    s = settings(inv)
    name = s["ca_name"] + (" (lab)" if lab else "")
    return _ca(ca_key_pem(inv, lab, secrets), name, _organisation(inv), s["ca_since_year"], s["ca_valid_years"])


def _organisation(inv) -> str:
    """The operator of the centre (Sở TT&TT), who runs the CA."""
    org = inv.centre["organisation"]
    return (inv.organisations.get(org) or {}).get("name", org)


def period_start(now: dt.datetime, renew_days: int) -> dt.datetime:
    """The start of the renewal period `now` falls in."""
    elapsed = (now - EPOCH).days
    return EPOCH + dt.timedelta(days=(elapsed // renew_days) * renew_days)


def issue(inv, lab: bool, secrets, host: str, dns_names: list[str], addresses: list[str],
          now: dt.datetime | None = None) -> Issued:
    """The certificate and key of `host` for the renewal period of `now`."""
    s = settings(inv)
    now = now or dt.datetime.now(dt.timezone.utc)
    now = now if now.tzinfo else now.replace(tzinfo=dt.timezone.utc)
    return _issue(*_ca_of(inv, lab, secrets), host, tuple(dns_names), tuple(addresses),
                  period_start(now, s["renew_days"]), s["certificate_days"], s["key_generation"], _organisation(inv))


@functools.lru_cache(maxsize=64)
def _issue(ca_key, ca_cert, host, dns_names, addresses, start, days, generation, organisation) -> Issued:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.x509.oid import ExtendedKeyUsageOID

    secret = ca_key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption())
    key = _derive_key(secret, f"gbtt host key {host} generation {generation}")
    sans = [x509.DNSName(n) for n in dict.fromkeys(dns_names)] + [
        x509.IPAddress(ipaddress.ip_address(a)) for a in dict.fromkeys(addresses)]
    cert = (x509.CertificateBuilder().subject_name(_name(host, organisation)).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(_serial(host, start.isoformat(), *dns_names, *addresses))
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=True, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectAlternativeName(sans), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256(), ecdsa_deterministic=True))
    pem = serialization.Encoding.PEM
    return Issued(cert.public_bytes(pem).decode() + ca_cert.public_bytes(pem).decode(), _pem(key))
