"""What the tests run in the background (the molecule scenarios, the linters)
yields the two cores to the lab's own tests as far as it can: its processes
at the lowest priority (among the host's processes; against the lab's
containers, which share one cgroup, niceness counts for nothing, hence when
each starts: tests/conftest.py), and its containers (the molecule instances)
at a low CPU weight among the containers (tests/molecule-podman). The lab's
tests wait on calls, timers and deploys, so the background fills the time
they leave rather than lengthening theirs."""
from __future__ import annotations

import os

from gbtt.paths import REPO

PODMAN = REPO / "tests" / "molecule-podman"  # molecule-plugins' podman driver runs it (MOLECULE_PODMAN_EXECUTABLE)


def lowest_priority() -> None:
    """A subprocess's preexec_fn: nice 19 (its children, and the commands it runs in containers, inherit it)."""
    os.nice(19)
