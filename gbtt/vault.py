"""The ansible-vault file that holds the inventory's secrets.

Secrets are decrypted with Ansible's own vault library, with the password
file Ansible itself would use (ANSIBLE_VAULT_PASSWORD_FILE, else the
`vault_password_file` of the repository's ansible.cfg).  The lab's password
file is committed on purpose: it protects only lab secrets.  A production
inventory uses its own vault and its own password file, kept out of git.
"""
from __future__ import annotations

import binascii
import configparser
import hashlib
import hmac
import os
import sys
from pathlib import Path

from .paths import REPO

VAULT_HEADER = b"$ANSIBLE_VAULT"
REDACTED = "********"


class VaultError(Exception):
    pass


def password_file() -> Path | None:
    env = os.environ.get("ANSIBLE_VAULT_PASSWORD_FILE")
    if env:
        return Path(env)
    cfg = configparser.ConfigParser()
    cfg.read(REPO / "ansible.cfg")
    value = cfg.get("defaults", "vault_password_file", fallback=None)
    return (REPO / value) if value else None


def decrypt(data: bytes) -> bytes:
    if not data.lstrip().startswith(VAULT_HEADER):
        raise VaultError("is not encrypted: secrets must be kept with ansible-vault (ansible-vault encrypt vault.yml)")
    pw_file = password_file()
    if pw_file is None or not pw_file.is_file():
        raise VaultError(f"cannot be decrypted: no vault password file (looked for {pw_file or 'ANSIBLE_VAULT_PASSWORD_FILE'})")
    password = pw_file.read_bytes().strip()
    plaintext = _decrypt_aes256(data, password)
    if plaintext is not None:
        return plaintext
    vault = _ansible_vault()  # what the short path does not know, or cannot decrypt: Ansible's own words
    try:
        return vault.VaultLib([("default", vault.VaultSecret(password))]).decrypt(data)
    except vault.AnsibleVaultError as exc:
        raise VaultError(f"cannot be decrypted with {pw_file}: {exc}") from None


def _decrypt_aes256(data: bytes, password: bytes) -> bytes | None:
    """The plaintext of a vault in Ansible's format 1.1/1.2 with AES256 (`ansible-vault encrypt`'s), read
    with the primitives Ansible's library uses (PBKDF2-SHA256, HMAC-SHA256, AES-CTR, PKCS7), without
    importing that library (a third of a second, the largest part of validating 10,000 rooms warm).
    None for anything else, and when the password does not fit: then Ansible's library decides and says why."""
    try:
        header, _, body = data.strip().partition(b"\n")
        fields = header.strip().split(b";")
        if fields[1].strip() not in (b"1.1", b"1.2") or fields[2].strip() != b"AES256":
            return None
        salt_hex, mac_hex, cipher_hex = binascii.unhexlify(b"".join(body.split())).split(b"\n", 2)
        salt, mac, ciphertext = binascii.unhexlify(salt_hex), binascii.unhexlify(mac_hex), binascii.unhexlify(cipher_hex)
    except (IndexError, ValueError, binascii.Error):
        return None
    key = hashlib.pbkdf2_hmac("sha256", password, salt, 10000, 80)
    if not hmac.compare_digest(hmac.digest(key[32:64], ciphertext, "sha256"), mac):
        return None
    from cryptography.hazmat.primitives import padding  # noqa: PLC0415 - only for a vault
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes  # noqa: PLC0415

    decryptor = Cipher(algorithms.AES(key[:32]), modes.CTR(key[64:80])).decryptor()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(decryptor.update(ciphertext) + decryptor.finalize()) + unpadder.finalize()
    except ValueError:
        return None


def encrypt(plaintext: bytes) -> bytes:
    vault = _ansible_vault()
    pw_file = password_file()
    if pw_file is None:
        raise VaultError("no vault password file")
    secret = vault.VaultSecret(pw_file.read_bytes().strip())
    return vault.VaultLib([("default", secret)]).encrypt(plaintext)


def _ansible_vault():
    """Ansible's vault library (a slow import: only when needed). Importing it, ansible-core probes
    socket.getaddrinfo with a port that CPython refuses (module_utils' socket patch); under pyinfra,
    gevent's hub would print that expected refusal as a traceback on every run: it is kept quiet there."""
    gevent = sys.modules.get("gevent")
    hub = gevent.get_hub() if gevent is not None else None
    saved = hub.NOT_ERROR if hub is not None else None
    if hub is not None:
        hub.NOT_ERROR = (*saved, OSError)
    try:
        from ansible.parsing import vault  # noqa: PLC0415
    finally:
        if hub is not None:
            hub.NOT_ERROR = saved
    return vault


def redact(value):
    """The same structure with every value hidden (keys stay: they are ids)."""
    if isinstance(value, dict):
        out = type(value)()
        for k, v in value.items():
            out[k] = redact(v)
        if hasattr(value, "lines"):
            out.line, out.lines = value.line, dict(value.lines)
        return out
    return REDACTED
