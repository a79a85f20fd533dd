"""The progress callback (plugins/callback/gbtt_progress.py) on a real
playbook run against this machine (connection local): a line per play and per
task on standard error, with per-task host counts and the time since the
start, and Ansible's own output left on standard output."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from gbtt.paths import REPO

PLAYBOOK = """\
- name: Two tasks
  hosts: all
  gather_facts: false
  tasks:
    - name: Change something | demo
      ansible.builtin.command: "true"
      changed_when: true
    - name: Skipped | demo
      ansible.builtin.debug:
        msg: never
      when: false
"""


def test_progress_lines_on_stderr_and_the_recap_on_stdout(tmp_path):
    (tmp_path / "pb.yml").write_text(PLAYBOOK)
    env = dict(os.environ, ANSIBLE_CALLBACK_PLUGINS=str(REPO / "plugins" / "callback"),
               ANSIBLE_CALLBACKS_ENABLED="gbtt_progress", NO_COLOR="1")
    proc = subprocess.run([str(REPO / ".venv" / "bin" / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           "-e", f"ansible_python_interpreter={sys.executable}", "pb.yml"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if re.match(r"\[\d\d:\d\d\] ", ln)]
    said = [ln[8:] for ln in lines]
    assert said[0] == "play 1/1: Two tasks"
    assert (said[1], said[3]) == ("  Change something | demo", "  Skipped | demo")
    assert re.fullmatch(r"    Change something \| demo: 1 changed \(\d+\.\d s\)", said[2])
    assert re.fullmatch(r"    Skipped \| demo: 1 skipped \(\d+\.\d s\)", said[4])
    assert said[-1] == "done: 1 play(s) on 1 host(s), 1 change(s), 0 failure(s)"
    assert "PLAY RECAP" in proc.stdout and "[00:" not in proc.stdout
