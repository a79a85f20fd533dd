"""Running podman with the lab's settings (lab/containers.conf: runtime runc,
explicit ulimits, netavark), and failing with one clear line."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

from ..paths import LAB_DIR


class LabError(Exception):
    """A lab step failed; the text says which and why."""


def env() -> dict:
    e = dict(os.environ)
    e["CONTAINERS_CONF"] = str(LAB_DIR / "containers.conf")
    return e


def podman(*args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    if shutil.which("podman") is None:
        raise LabError("podman is not installed: run scripts/setup.sh")
    proc = subprocess.run(["podman", *args], capture_output=True, text=True, env=env(), timeout=timeout)
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise LabError(f"podman {' '.join(args[:2])} failed: {detail[-1] if detail else 'exit ' + str(proc.returncode)}")
    return proc


def remove_container(name: str, stop_seconds: int = 2, attempts: int = 4) -> None:
    """A container removed, stopped first (killed after `stop_seconds`) if it runs. On a loaded machine
    its processes can take longer to die than podman waits after the kill ("given PIDs did not die
    within timeout", a CI run of 2026-12-01): asked again, a little later each time."""
    for attempt in range(attempts):
        proc = podman("rm", "-f", "-t", str(stop_seconds), name, check=False)
        if proc.returncode == 0 or not exists("container", name):
            return
        time.sleep(2 * (attempt + 1))
    detail = (proc.stderr or proc.stdout).strip().splitlines() or [f"exit {proc.returncode}"]
    raise LabError(f"podman rm {name} failed {attempts} times: {detail[-1]}")


def exists(kind: str, name: str) -> bool:
    """kind: 'container', 'image' or 'network'."""
    return podman(kind, "exists", name, check=False).returncode == 0


def containers(label: str) -> list[dict]:
    out = podman("ps", "-a", "--filter", f"label={label}", "--format", "json").stdout
    return json.loads(out or "[]")
