"""One user of a lab at a time, per machine.

A lab's containers are named after the inventory (`gbtt-binh-dinh-…`), so two
runs on one machine (the main job and the tests, two checkouts' test suites)
would take each other's containers away: one's `lab up` recreates what the
other is deploying to, one's `lab down` stops what the other is testing. Each
`gbtt lab up|down`, each test session using the lab and the main job hold
an exclusive lock on /run/lock/gbtt-lab-<name>.lock while they run; a second
one says who holds it and waits. The holder names the lock in GBTT_LAB_LOCK for
its children (a test's `gbtt lab up`, the main job's commands), which then do
not wait for their own parent. The lock's file descriptor is never inherited."""
from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import tempfile
from pathlib import Path

ENV = "GBTT_LAB_LOCK"


def path(lab_name: str) -> Path:
    base = Path("/run/lock")
    if not (base.is_dir() and os.access(base, os.W_OK)):
        base = Path(tempfile.gettempdir())
    return base / f"gbtt-lab-{lab_name}.lock"


@contextlib.contextmanager
def held(lab_name: str, what: str, log=lambda line: print(line, file=sys.stderr)):
    """The lab's lock for the duration of the block (at once if an ancestor holds it)."""
    lock = path(lab_name)
    if os.environ.get(ENV) == str(lock):
        yield
        return
    fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 512, 0).decode(errors="replace").strip() or "another run"
            log(f"lab '{lab_name}' is in use by {holder}: waiting for it to finish ({lock})")
            fcntl.flock(fd, fcntl.LOCK_EX)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} ({what}, in {os.getcwd()})\n".encode(), 0)
        previous = os.environ.get(ENV)
        os.environ[ENV] = str(lock)
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop(ENV, None)
            else:
                os.environ[ENV] = previous
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # releases the lock
