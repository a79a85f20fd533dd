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
    vault = _ansible_vault()
    secret = vault.VaultSecret(pw_file.read_bytes().strip())
    try:
        return vault.VaultLib([("default", secret)]).decrypt(data)
    except vault.AnsibleVaultError as exc:
        raise VaultError(f"cannot be decrypted with {pw_file}: {exc}") from None


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
