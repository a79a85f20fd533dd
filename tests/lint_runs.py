"""ansible-lint and yamllint over the repository, started in the background
when a session selects tests/test_lint.py (with the session's other background
work: tests/conftest.py):
ansible-lint takes most of a minute of one core, which the lab's tests overlap
(below them in priority: tests/background.py)."""
from __future__ import annotations

import os
import subprocess

import background
from gbtt.paths import REPO

BIN = REPO / ".venv" / "bin"
LINTERS = {
    # .ansible-lint: the production profile, and the one rule skipped, with its reason
    "ansible-lint": [str(BIN / "ansible-lint"), "--nocolor", "-f", "pep8"],
    "yamllint": [str(BIN / "yamllint"), "-f", "parsable", "--strict", "."],  # .yamllint
}
_runs: dict[str, subprocess.Popen] = {}


def start() -> None:
    if _runs:
        return
    env = dict(os.environ, NO_COLOR="1", PATH=f"{BIN}:{os.environ['PATH']}")
    for name, cmd in LINTERS.items():
        _runs[name] = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                       env=env, stdin=subprocess.DEVNULL,
                                       preexec_fn=background.lowest_priority)


def result(name: str) -> tuple[int, str]:
    start()  # a no-op when the session started them
    out, _ = _runs[name].communicate()
    return _runs[name].returncode, out
