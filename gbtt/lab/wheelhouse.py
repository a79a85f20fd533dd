"""The machine's Python packages for the lab: what the multipoint bridge's
virtualenv installs (gbtt/bridge/requirements.txt, hash-pinned), downloaded
once per machine by this machine's pip into WHEEL_DIR and served to the lab
hosts and molecule instances by the package cache (apt-cacher-ng's
`LocalDirs`, at /gbtt-pip/ on its port), so that a lab host needs no route to
PyPI. The lab's deploys install from it with `--no-index --find-links`;
pip still checks every file against the pinned SHA-256 on the host."""
from __future__ import annotations

import hashlib
import html
import subprocess
import sys
from pathlib import Path

from ..paths import REPO
from .podman import LabError

REQUIREMENTS = REPO / "gbtt" / "bridge" / "requirements.txt"
# What pip builds sippy's source distribution with (its pyproject.toml: setuptools; bdist_wheel).
BUILD_REQUIREMENTS = ("setuptools==84.2.1", "wheel==0.48.0")
URL_PATH = "gbtt-pip"  # http://<cache>/gbtt-pip/index.html
STAMP = ".requirements.sha256"


def wheel_dir() -> Path:
    from .aptcache import CACHE_DIR  # noqa: PLC0415 (the cache's directory, overridable for tests)

    return CACHE_DIR / "wheels"


def _wanted() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes() + "\n".join(BUILD_REQUIREMENTS).encode()).hexdigest()


def index_html(folder: Path) -> str:
    """pip's --find-links page: a link per file, with its SHA-256."""
    links = []
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".whl", ".gz", ".zip")):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        name = html.escape(path.name)
        links.append(f'<a href="{name}#sha256={digest}">{name}</a><br>')
    return "<!DOCTYPE html>\n<html><body>\n" + "\n".join(links) + "\n</body></html>\n"


def ensure(log=print) -> Path:
    """WHEEL_DIR holding every pinned file and its index page (downloaded when the requirements changed)."""
    folder = wheel_dir()
    stamp = folder / STAMP
    if stamp.exists() and stamp.read_text().strip() == _wanted() and (folder / "index.html").exists():
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    pip = [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check", "--dest", str(folder)]
    for args in (["--require-hashes", "--no-deps", "-r", str(REQUIREMENTS)], ["--no-deps", *BUILD_REQUIREMENTS]):
        proc = subprocess.run(pip + args, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0:
            raise LabError(f"pip could not download the bridge's packages into {folder}: "
                           f"{(proc.stderr or proc.stdout).strip().splitlines()[-1:]}")
    (folder / "index.html").write_text(index_html(folder))
    stamp.write_text(_wanted() + "\n")
    log(f"lab: Python packages of the bridge downloaded into {folder}")
    return folder
