"""What the tests run in the background (the molecule scenarios, the linters)
gives way to the lab's own tests where it can: its containers (the molecule
instances) at a low CPU weight among the containers (tests/molecule-podman),
its processes at the lowest priority among the host's processes. Not against
the lab's containers: they share one cgroup, against which a busy host process
weighs the same at any niceness (README, "The tests, by area"). The lab's tests mostly wait
on calls, timers and deploys, and the background fills the time they leave."""
from __future__ import annotations

import os

from gbtt.paths import REPO

PODMAN = REPO / "tests" / "molecule-podman"  # molecule-plugins' podman driver runs it (MOLECULE_PODMAN_EXECUTABLE)


def lowest_priority() -> None:
    """A subprocess's preexec_fn: nice 19 (its children, and the commands it runs in containers, inherit it)."""
    os.nice(19)
