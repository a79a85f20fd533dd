"""`gbtt render`: every managed host's files as the engines would write
them, for review, with every secret of the vault masked."""
from __future__ import annotations

import json
import re
from dataclasses import asdict
from pathlib import Path

from .desired import host_state
from .desired.model import components_for
from .hostinventory import managed_hosts
from .validate import load_valid

MASK = "********"


def secret_values(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in secret_values(v)]
    if isinstance(value, list):
        return [s for v in value for s in secret_values(v)]
    return [str(value)] if value not in (None, "") else []


def inventory_secrets(inv) -> list[str]:
    """Every secret value files may hold: the vault's, and what the model derives from them."""
    from .desired.components.conference import derived_secrets  # noqa: PLC0415 (the model imports lazily)

    secrets = inv.secrets()
    return secret_values(secrets) + derived_secrets(inv, secrets)


# a private key in PEM (the hosts' TLS keys, gbtt/pki.py: derived, so in no list of secret values)
PRIVATE_KEY = re.compile(r"(-----BEGIN ([A-Z ]*)PRIVATE KEY-----).*?(-----END \2PRIVATE KEY-----)", re.S)


def mask(text: str, secrets: list[str]) -> str:
    text = PRIVATE_KEY.sub(lambda m: f"{m[1]}\n{MASK}\n{m[3]}", text)
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


def render(inventory: Path, out: Path, hosts: list[str] | None = None, lab: bool = False) -> list[Path]:
    inv = load_valid(inventory)
    secrets = inventory_secrets(inv)
    names = [h.name for h in managed_hosts(inv) if components_for(h)]  # Linux hosts and vendor site routers
    unknown = sorted(set(hosts or ()) - set(names))
    if unknown:
        raise SystemExit(f"gbtt render: unknown host(s) {', '.join(unknown)} (known: {', '.join(sorted(names))})")
    written = []
    for name in hosts or names:
        state = host_state(inventory, name, lab=lab)
        manifest = {}
        for comp in state.components.values():
            for f in comp.files:
                dest = out / name / f.path.lstrip("/")
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_text(mask(f.content, secrets))
                written.append(dest)
            manifest[comp.name] = {k: v for k, v in asdict(comp).items() if k != "files"}
            manifest[comp.name]["files"] = [{k: v for k, v in asdict(f).items() if k != "content"} for f in comp.files]
        (out / name / "gbtt-manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n")
    return written
