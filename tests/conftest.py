from __future__ import annotations

import datetime as dt
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


def book_within_the_hour(inv: Path, name: str, title: str, rooms: list[str]) -> None:
    """A regular meeting in the inventory `inv` starting within the hour (its change freeze holds now)."""
    ict = dt.timezone(dt.timedelta(hours=7))
    start = (dt.datetime.now(ict) + dt.timedelta(hours=1)).replace(second=0, microsecond=0)
    (inv / "meetings" / f"{name}.yml").write_text(
        f"title: {title}\nchair: ubnd-tinh\nhost_room: vp-ubnd\nrooms: [{', '.join(rooms)}]\n"
        f"profile: hd720\nstart: {start.isoformat()}\nend: {(start + dt.timedelta(hours=2)).isoformat()}\n"
        f"requested: {(start - dt.timedelta(days=3)).isoformat()}\nkind: regular\n", encoding="utf-8")


def rel_lines(root: Path, problems) -> list[str]:
    """Problems as 'file:line path: message' with the file relative to `root`."""
    return [f"{os.path.relpath(os.path.abspath(p.file), root)}:{p.line} {p.path}: {p.message}" for p in problems]


@pytest.fixture(scope="session")
def province_lab():
    """The small lab, shared by every lab module of the session (each host is
    provisioned once, not once per module); torn down at the end. The
    session holds the lab's lock (gbtt/lab/lock.py): another run on this
    machine waits rather than take the containers away."""
    from gbtt.lab import lab as L
    from gbtt.lab.lock import held

    lab = L.open_lab(REAL)
    with held(lab.name, "the tests' lab session"):
        L.up(lab, "small", log=lambda *_: None)
        yield lab
        if not os.environ.get("GBTT_KEEP_LAB"):  # kept for a developer's next run (its deploy is then a no-op)
            L.down(lab, log=lambda *_: None)


@pytest.fixture(scope="session")
def deployed_lab(province_lab):
    """That lab with every host provisioned: an-lao-pc by pyinfra, the rest by
    Ansible (a no-op where an earlier module already left a host so). Shared by
    the modules that use the provisioned province (engines, preflight, network)."""
    from concurrent.futures import ThreadPoolExecutor

    from labtools import ansible, pyinfra

    # both at once (they share no host); Ansible's first deploy of the rooms with Mitogen, as the main job's
    env = dict(os.environ, ANSIBLE_STRATEGY="mitogen_linear")
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(ansible, "--limit", f"all:!{BY_PYINFRA}", env=env)
        room = pool.submit(pyinfra, "--limit", BY_PYINFRA)
        first, room = first.result(), room.result()
    assert first.returncode == 0, first.stdout[-4000:]
    assert room.returncode == 0, (room.stdout + room.stderr)[-4000:]
    return province_lab


# Run last, in this order: test_lab takes the lab down and up again, after every module sharing it;
# test_molecule waits for the scenarios started in the background at the session's start (below the lab's
# tests in priority: tests/background.py), so it comes after every module that can overlap them.
LAST_MODULES = ("test_lab.py", "test_molecule.py")


def pytest_collection_modifyitems(items):
    def rank(item):
        return LAST_MODULES.index(item.path.name) + 1 if item.path.name in LAST_MODULES else 0

    items.sort(key=rank)  # stable: the rest keep their order


# The background work (the molecule scenarios, the linters, and under scripts/test.sh the session of the
# tests without the lab) competes for the two cores with the lab's first fresh deploy of the central hosts
# (test_engines' `by_pyinfra`), whose package installs are the session's heaviest CPU work: it starts when
# that deploy is done, and at once in a session without it. All of it outlasts the lab's deploys, which come
# first; the lab's later tests mostly wait on calls and timers, and the background fills that time.
BACKGROUND_MARKER = "GBTT_TESTS_BACKGROUND_MARKER"  # a file that scripts/test.sh waits for
_background_starts: list = []  # this session's background work (pytest_collection_finish); emptied once started


def start_background() -> None:
    if marker := os.environ.get(BACKGROUND_MARKER):
        Path(marker).touch()
    while _background_starts:
        _background_starts.pop(0)()


def pytest_collection_finish(session):
    """Which background work this session runs; started now, or after the lab's first deploy (above)."""
    if session.config.option.collectonly:
        return
    if any(item.path.name == "test_lint.py" for item in session.items):
        import lint_runs

        _background_starts.append(lint_runs.start)
    if any(item.path.name == "test_molecule.py" and "results" in getattr(item, "fixturenames", ())
           for item in session.items):
        import molecule_runs

        _background_starts.append(molecule_runs.start)
    if not any("by_pyinfra" in getattr(item, "fixturenames", ()) for item in session.items):
        start_background()


BY_PYINFRA = "an-lao-pc"  # the room the deployed lab provisions with pyinfra
