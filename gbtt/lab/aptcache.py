"""The machine's package cache for the lab: apt-cacher-ng, so that every lab
host and molecule instance downloads a Debian package through one cache and
each package leaves Debian's archive once per machine.

It runs on the machine (not in a container), with lab/apt-cache/ as its
configuration and its cache in CACHE_DIR, which outlives labs and clones.
Containers find it at host.containers.internal (their network's gateway):
the image's apt asks lab/apt-cache/gbtt-apt-proxy, which falls back to
Debian's archive directly when the cache does not answer, so a deploy never
depends on it. `ensure` starts it when nothing answers on its port."""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..paths import LAB_DIR
from .podman import LabError

CONF_DIR = LAB_DIR / "apt-cache"
CACHE_DIR = Path(os.environ.get("GBTT_APT_CACHE_DIR", "/var/cache/gbtt-apt"))
PORT = 3142  # also in lab/apt-cache/acng.conf and gbtt-apt-proxy
REPORT = "acng-report.html"
CONFIG_MARK = "configuration.sha256"  # in CACHE_DIR: the hash of the configuration the running cache started with
WHEELS_PATH = "gbtt-pip"  # its LocalDirs: the lab's Python packages (gbtt.lab.wheelhouse)
START_SECONDS = 10


@dataclass
class CacheStatus:
    running: bool
    url: str
    cache_dir: Path
    size_bytes: int
    started: bool = False  # by this call


def local_url() -> str | None:
    """The cache's address from this machine, if it answers."""
    url = f"http://127.0.0.1:{PORT}"
    return url if answers(url) else None


def answers(url: str) -> bool:
    """apt-cacher-ng answers, and serves the lab's Python packages (gbtt.lab.wheelhouse) too."""
    try:
        with urllib.request.urlopen(f"{url}/{REPORT}", timeout=2) as resp:
            if resp.status != 200 or b"Apt-Cacher" not in resp.read():
                return False
        with urllib.request.urlopen(f"{url}/{WHEELS_PATH}/", timeout=2) as resp:
            return resp.status == 200
    except (urllib.error.URLError, OSError):
        return False


def stop_stale() -> None:
    """An apt-cacher-ng started by an older gbtt or another configuration: stopped, to be restarted."""
    pid_file = CACHE_DIR / "apt-cacher-ng.pid"
    try:
        pid = int(pid_file.read_text().strip())
        os.kill(pid, 15)
    except (OSError, ValueError):
        return
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:  # gone, and its port with it
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.1)


def size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.exists() else 0


def status() -> CacheStatus:
    url = f"http://127.0.0.1:{PORT}"
    return CacheStatus(answers(url), url, CACHE_DIR, size(CACHE_DIR / "cache"))


def ensure(log=print) -> CacheStatus:
    """The cache, started if nothing answers on its port (or restarted if it
    runs with another configuration). Without
    apt-cacher-ng on the machine the lab still works: containers then go to
    Debian's archive directly (said once in the log)."""
    current = status()
    if current.running and _started_with() == _configuration():
        return current
    binary = shutil.which("apt-cacher-ng") or "/usr/sbin/apt-cacher-ng"
    if not Path(binary).exists():
        log("lab: apt-cacher-ng is not installed (scripts/setup.sh installs it): "
            "lab hosts download their packages directly")
        return current
    stop_stale()
    for sub in ("cache", "log", "wheels"):
        (CACHE_DIR / sub).mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(
        [binary, "-c", str(CONF_DIR), "ForeGround=0", f"CacheDir={CACHE_DIR / 'cache'}",
         f"LocalDirs={WHEELS_PATH} {CACHE_DIR / 'wheels'}",
         f"LogDir={CACHE_DIR / 'log'}", f"PidFile={CACHE_DIR / 'apt-cacher-ng.pid'}",
         f"SocketPath={CACHE_DIR / 'apt-cacher-ng.socket'}"],
        capture_output=True, text=True, start_new_session=True, timeout=30)
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if answers(current.url):
            (CACHE_DIR / CONFIG_MARK).write_text(_configuration())
            log(f"lab: package cache (apt-cacher-ng) started on port {PORT}, cache {CACHE_DIR}")
            return CacheStatus(True, current.url, CACHE_DIR, size(CACHE_DIR / "cache"), started=True)
        time.sleep(0.2)
    detail = (proc.stderr or proc.stdout).strip().splitlines()
    raise LabError(f"apt-cacher-ng did not answer on port {PORT} within {START_SECONDS} s"
                   + (f": {detail[-1]}" if detail else f" (log: {CACHE_DIR / 'log'})"))


def _configuration() -> str:
    """What the cache was started with: its configuration files' hash."""
    digest = hashlib.sha256()
    for path in sorted(CONF_DIR.iterdir()):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _started_with() -> str | None:
    try:
        return (CACHE_DIR / CONFIG_MARK).read_text()
    except OSError:
        return None
