from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from gbtt.inventory import default_inventory

REAL = default_inventory()


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory, monkeypatch):
    """Tests never read or write the user's validation cache."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def inv_dir(tmp_path) -> Path:
    """A private copy of the real Bình Định inventory to break."""
    dest = tmp_path / "binh-dinh"
    shutil.copytree(REAL, dest)
    return dest


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def rel_lines(root: Path, problems) -> list[str]:
    """Problems as 'file:line path: message' with the file relative to `root`."""
    return [f"{os.path.relpath(os.path.abspath(p.file), root)}:{p.line} {p.path}: {p.message}" for p in problems]


@pytest.fixture(scope="session")
def deployed_lab():
    """The small lab, every host provisioned: an-lao-pc by pyinfra, the rest by
    Ansible. Shared by the modules that use the provisioned province (preflight,
    network); torn down at the end of the session."""
    from gbtt.lab import lab as L
    from labtools import ansible, pyinfra

    lab = L.open_lab(REAL)
    L.up(lab, "small", log=lambda *_: None)
    first = ansible("--limit", f"all:!{BY_PYINFRA}")
    assert first.returncode == 0, first.stdout[-4000:]
    room = pyinfra("--limit", BY_PYINFRA)
    assert room.returncode == 0, (room.stdout + room.stderr)[-4000:]
    yield lab
    L.down(lab, log=lambda *_: None)


BY_PYINFRA = "an-lao-pc"  # the room the deployed lab provisions with pyinfra
