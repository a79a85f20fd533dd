"""Reaching the live hosts of an inventory (the lab's or production's) with
testinfra, and writing dated reports: shared by `gbtt audit` and
`gbtt preflight`."""
from __future__ import annotations

import datetime as dt
import json
import shlex
from pathlib import Path

import testinfra

from .hostinventory import ManagedHost, hosts_for, lab_state_dir


class Fleet:
    """The Linux hosts of `inventory` as deployed (lab overlay or production)."""

    def __init__(self, inventory: Path, lab: bool):
        self.inventory, self.lab = Path(inventory), lab
        self.hosts: list[ManagedHost] = [h for h in hosts_for(inventory, "lab" if lab else None) if h.linux]
        self.by_name = {h.name: h for h in self.hosts}
        self._ssh_config = lab_state_dir(self.inventory.resolve().name) / "ssh_config" if lab else None

    def remote(self, name: str):
        if self._ssh_config:
            return testinfra.get_host(f"ssh://{name}", ssh_config=str(self._ssh_config))
        h = self.by_name[name]  # only the host key pinned in the inventory's known_hosts (gbtt known-hosts)
        return testinfra.get_host(f"ssh://root@{h.vars['ansible_host']}", ssh_extra_args=h.vars["ansible_ssh_common_args"])

    def ssh(self, name: str) -> list[str]:
        """The ssh command reaching a host as root, with the same trust as `remote`."""
        if self._ssh_config:
            return ["ssh", "-F", str(self._ssh_config), name]
        h = self.by_name[name]
        return ["ssh", *shlex.split(h.vars["ansible_ssh_common_args"]), f"root@{h.vars['ansible_host']}"]

    def with_role(self, role: str) -> list[ManagedHost]:
        return [h for h in self.hosts if h.vars.get("gbtt_role") == role]


def read_reports(folder: Path | None, kind: str) -> list[tuple[Path, dict]]:
    """The dated reports of a kind in `folder` (as write_report names them), newest first; unreadable ones skipped."""
    out = []
    for path in sorted(folder.glob(f"{kind}-*.json"), reverse=True) if folder and folder.is_dir() else []:
        try:
            out.append((path, json.loads(path.read_text())))
        except (OSError, ValueError):
            continue
    return out


def write_report(out_dir: Path, kind: str, lab: bool, inventory: Path, body: dict) -> Path:
    """out_dir/<kind>-<lab|production>-<UTC time>.json"""
    out_dir.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.timezone.utc)
    report = out_dir / f"{kind}-{'lab' if lab else 'production'}-{now:%Y%m%dT%H%M%SZ}.json"
    report.write_text(json.dumps({"when": now.isoformat(), "inventory": str(inventory), "lab": lab, **body},
                                 indent=2, ensure_ascii=False) + "\n")
    return report
