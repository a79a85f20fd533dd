"""The ansible-vault file that holds the inventory's secrets.

Secrets are decrypted with Ansible's own vault library, with the password
file Ansible itself would use (ANSIBLE_VAULT_PASSWORD_FILE, else the
`vault_password_file` of the repository's ansible.cfg).  The lab's password
file is committed on purpose: it protects only lab secrets.  A production
inventory uses its own vault and its own password file, kept out of git.
"""
from __future__ import annotations

import configparser
import os
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
    from ansible.parsing.vault import AnsibleVaultError, VaultLib, VaultSecret  # slow import: only when needed

    secret = VaultSecret(pw_file.read_bytes().strip())
    try:
        return VaultLib([("default", secret)]).decrypt(data)
    except AnsibleVaultError as exc:
        raise VaultError(f"cannot be decrypted with {pw_file}: {exc}") from None


def encrypt(plaintext: bytes) -> bytes:
    from ansible.parsing.vault import VaultLib, VaultSecret

    pw_file = password_file()
    if pw_file is None:
        raise VaultError("no vault password file")
    secret = VaultSecret(pw_file.read_bytes().strip())
    return VaultLib([("default", secret)]).encrypt(plaintext)


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
