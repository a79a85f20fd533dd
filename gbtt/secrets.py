"""Creating the inventory's secrets: random values for whatever the vault lacks (and a new key
for the province's CA)."""
from __future__ import annotations

import secrets as _random
from pathlib import Path

import yaml

from .layout import VAULT_FILE
from .vault import decrypt, encrypt
from .yamlload import load_text

SERVICE_SECRETS = {"turn_static_secret": 32, "janus_admin_secret": 24, "janus_api_secret": 24,
                   "probe_sip_password": 18, "bridge_sip_password": 18, "relay_redis_password": 24}
SIP_PASSWORD_BYTES = 18


def _endpoints(root: Path) -> list[dict]:
    out = []
    for path in sorted((root / "sites").glob("*.yml")):
        site, _ = load_text(path.read_bytes())
        out += [ep for ep in (site or {}).get("endpoints") or [] if isinstance(ep, dict)]
    return out


def fill_vault(root: Path) -> list[str]:
    """Add a random secret for every SIP endpoint, Cisco codec API account and
    service missing from the vault; keep every existing one (a codec's API
    password is then set on the codec when it is installed: README). Returns the names added (never values)."""
    vault_path = root / VAULT_FILE
    data = {}
    if vault_path.exists():
        data = yaml.safe_load(decrypt(vault_path.read_bytes())) or {}
    added = []
    for name, nbytes in SERVICE_SECRETS.items():
        if not data.get(name):
            data[name] = _random.token_urlsafe(nbytes)
            added.append(name)
    if not data.get("pki_ca_key"):
        from .pki import new_ca_key  # noqa: PLC0415

        data["pki_ca_key"] = new_ca_key()
        added.append("pki_ca_key")
    from .rules.references import ENDPOINT_PASSWORDS  # noqa: PLC0415

    endpoints = _endpoints(root)
    for key, (needs, _, _) in ENDPOINT_PASSWORDS.items():
        for ep in endpoints:
            if needs(ep.get("kind"), ep.get("platform")) and ep["id"] not in data.get(key, {}):
                data.setdefault(key, {})[ep["id"]] = _random.token_urlsafe(SIP_PASSWORD_BYTES)
                added.append(f"{key}.{ep['id']}")
    if added:
        text = "# Secrets of the GBTT inventory (ansible-vault). Edit with: ansible-vault edit vault.yml\n"
        text += yaml.safe_dump(data, sort_keys=True, allow_unicode=True)
        vault_path.write_bytes(encrypt(text.encode()))
    return added
