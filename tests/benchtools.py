"""Running a benchmark script in its quick mode, as the tests do so that no
benchmark can rot: it must finish and print its figures (never asserted)."""
from __future__ import annotations

import subprocess
import sys

from gbtt.paths import REPO

SCRIPTS = REPO / "scripts"


def run_quick(script: str, timeout: float = 900) -> str:
    proc = subprocess.run([sys.executable, str(SCRIPTS / script), "--quick"], capture_output=True, text=True,
                          cwd=REPO, timeout=timeout, stdin=subprocess.DEVNULL)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{script} --quick failed:\n{out[-3000:]}"
    assert "Traceback" not in out, out[-3000:]
    return proc.stdout
