"""Every benchmark has a quick mode that a test runs (the lab ones in the lab
modules that have their lab up), so that a broken benchmark fails CI; the
validate benchmark's quick run is here."""
from __future__ import annotations

import re
import subprocess
import sys

import pytest

from benchtools import SCRIPTS, run_quick
from gbtt.paths import REPO

BENCHMARKS = sorted(p.name for p in SCRIPTS.glob("bench_*.py"))


@pytest.mark.parametrize("script", BENCHMARKS)
def test_every_benchmark_has_a_quick_mode_run_by_a_test(script):
    help_text = subprocess.run([sys.executable, str(SCRIPTS / script), "--help"], capture_output=True, text=True,
                               cwd=REPO).stdout
    assert "--quick" in help_text, f"{script} has no --quick"
    callers = [p.name for p in (REPO / "tests").glob("test_*.py")
               if re.search(rf'run_quick\("{re.escape(script)}"', p.read_text(encoding="utf-8"))]
    assert callers, f"no test runs {script} --quick"


def test_validate_benchmark_quick():
    out = run_quick("bench_validate.py")
    assert re.search(r"^\s+50 cold \(no cache\)\s+[\d.]+\s+[\d.]+\s+\d+$", out, re.M), out
    assert re.search(r"^\s+50 warm, 1 file changed\s+[\d.]+", out, re.M), out
