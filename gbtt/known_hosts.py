"""`gbtt known-hosts`: the SSH host keys of the Linux hosts, pinned in the
inventory's `known_hosts` (the lab's: the keys `gbtt lab up` read from its
containers).  Both engines and the checks accept only those keys
(gbtt.hostinventory.trust).  `collect` asks each host for its key
(ssh-keyscan), adds the hosts not pinned yet, printing each fingerprint to be
compared with the host's console, and refuses, naming the host, a key that
differs from the pinned one unless told to replace it after that check."""
from __future__ import annotations

import base64
import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .hostinventory import hosts_for


@dataclass
class Pin:
    host: str
    address: str
    key: str | None  # "ssh-ed25519 AAAA...", None: no answer
    was: str | None  # the key pinned before
    outcome: str  # pinned (new), unchanged, replaced, changed (refused), unreachable


def fingerprint(key: str) -> str:
    blob = base64.b64decode(key.split()[1])
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def read(path: Path) -> dict[str, str]:
    """address -> key type and key."""
    out = {}
    for line in path.read_text().splitlines() if path.exists() else []:
        fields = line.split()
        if len(fields) >= 3 and not line.startswith("#"):
            for name in fields[0].split(","):
                out[name] = " ".join(fields[1:3])
    return out


def keyscan(address: str) -> str | None:
    proc = subprocess.run(["ssh-keyscan", "-T", "5", "-t", "ed25519", address], capture_output=True, text=True,
                          check=False)
    fields = next((ln.split() for ln in proc.stdout.splitlines() if ln and not ln.startswith("#")), [])
    return " ".join(fields[1:3]) if len(fields) >= 3 else None


def collect(inventory: Path, lab: bool = False, only: list[str] | None = None,
            replace: bool = False) -> tuple[Path, list[Pin]]:
    hosts = [h for h in hosts_for(inventory, "lab" if lab else None) if h.linux and (not only or h.name in only)]
    path = Path(hosts[0].vars["gbtt_known_hosts"]) if hosts else Path(inventory) / "known_hosts"
    pinned = read(path)
    pins = []
    for h in hosts:
        address = h.vars["ansible_host"]
        key, was = keyscan(address), pinned.get(address)
        if key is None:
            outcome = "unreachable"
        elif was is None:
            outcome = "pinned"
        elif was == key:
            outcome = "unchanged"
        else:
            outcome = "replaced" if replace else "changed"
        if outcome in ("pinned", "replaced"):
            pinned[address] = key
        pins.append(Pin(h.name, address, key, was, outcome))
    path.write_text("".join(f"{address} {key}\n" for address, key in sorted(pinned.items())))
    return path, pins


def report(pins: list[Pin]) -> list[str]:
    """One line per host; a changed key names the host and both fingerprints."""
    lines = []
    for p in pins:
        if p.outcome == "changed":
            lines.append(f"{p.host} ({p.address}): its SSH host key changed: pinned {fingerprint(p.was)}, "
                         f"now {fingerprint(p.key)}; compare it with the host's console, then "
                         f"gbtt known-hosts collect --host {p.host} --replace")
        elif p.outcome == "unreachable":
            lines.append(f"{p.host} ({p.address}): no SSH answer; nothing pinned")
        else:
            lines.append(f"{p.host} ({p.address}): {p.outcome} {fingerprint(p.key)}")
    return lines
