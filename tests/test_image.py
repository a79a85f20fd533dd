"""The lab's base image (lab/image.recipe, gbtt.lab.image): the package
indexes it carries are what both engines take for a recent update, and it is
built again before they would stop doing so."""
from __future__ import annotations

import re

from pyinfra.operations.apt import APT_UPDATE_FILENAME

from gbtt.lab.image import MAX_AGE_HOURS, RECIPE, mmdebstrap_command, parse_recipe
from gbtt.paths import REPO


def ansible_stamp() -> str:
    from ansible.modules import apt

    return apt.APT_UPDATE_SUCCESS_STAMP_PATH


def test_the_image_keeps_its_indexes_stamped_where_both_engines_look(tmp_path):
    cmd = mmdebstrap_command(parse_recipe(RECIPE.read_text()), tmp_path / "base.tar")
    assert "--skip=cleanup/apt/lists" in cmd
    assert APT_UPDATE_FILENAME == ansible_stamp()
    hooks = [arg for arg in cmd if arg.startswith("--customize-hook=")]
    assert any(f"touch {APT_UPDATE_FILENAME}" in hook for hook in hooks), hooks


def test_the_image_is_built_again_before_the_engines_would_refresh_its_indexes():
    """Both engines update apt when the last update is older than their cache
    time; an image older than MAX_AGE_HOURS is built again, well before."""
    ansible_tasks = (REPO / "roles" / "gbtt_component" / "tasks").glob("*.yml")
    ansible_times = {int(v) for f in ansible_tasks for v in re.findall(r"cache_valid_time: (\d+)", f.read_text())}
    pyinfra_times = {int(v) for v in re.findall(r"cache_time=(\d+)", (REPO / "deploys" / "apply.py").read_text())}
    assert ansible_times and pyinfra_times
    assert MAX_AGE_HOURS * 3600 <= min(ansible_times | pyinfra_times) / 2
