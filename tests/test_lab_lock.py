"""One user of a lab at a time (gbtt/lab/lock.py): a second run waits, saying
who holds the lab; the holder's children go through; nothing inherits the lock."""
from __future__ import annotations

import os
import subprocess
import sys
import time

from gbtt.lab import lock

NAME = "lock-test"
TRY = ("import sys, time; from gbtt.lab.lock import held\n"
       "t = time.monotonic()\n"
       "with held(sys.argv[1], 'the second run'):\n"
       "    print(f'got it after {time.monotonic() - t:.1f} s', flush=True)\n")


def second_run(env=None):
    """Another run: by default not a child of the holder (no GBTT_LAB_LOCK)."""
    env = env if env is not None else {k: v for k, v in os.environ.items() if k != lock.ENV}
    return subprocess.Popen([sys.executable, "-c", TRY, NAME], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


def test_a_second_run_waits_naming_the_holder_then_goes_on(monkeypatch):
    monkeypatch.delenv(lock.ENV, raising=False)
    with lock.held(NAME, "the first run"):
        other = second_run()
        # held 1.5 s from when the second run says it waits (a loaded machine may take a while to start it)
        said = other.stderr.readline()
        time.sleep(1.5)
        assert other.poll() is None  # still waiting
    out, err = other.communicate(timeout=20)
    err = said + err
    assert other.returncode == 0
    assert f"lab '{NAME}' is in use by pid " in err and "(the first run, in " in err, err
    assert float(out.split()[3]) >= 1.4


def test_the_holders_children_go_through_and_do_not_inherit_it(monkeypatch):
    monkeypatch.delenv(lock.ENV, raising=False)
    with lock.held(NAME, "the first run"):
        child = second_run(env=dict(os.environ))  # GBTT_LAB_LOCK names this lab's lock: no wait
        out, err = child.communicate(timeout=20)
        assert child.returncode == 0 and out.startswith("got it after 0.0 s") and not err
        # a grandchild that outlives its parent holds nothing: the lock's descriptor is close-on-exec
        sleeper = subprocess.Popen(["sleep", "30"], close_fds=False)  # inherits every inheritable descriptor
    try:
        stranger = second_run()
        out, _ = stranger.communicate(timeout=20)
        assert out.startswith("got it after 0.0 s")
    finally:
        sleeper.kill()
