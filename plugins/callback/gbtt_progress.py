"""Callback `gbtt_progress`: progress on standard error while a playbook runs,
so that provisioning twenty hosts is never minutes of silence: a line as each
play starts (which of how many), a line as each task starts (the component is
in its name), and when a task is over, on how many hosts it changed
something, found nothing to do, was skipped or failed, and how long it took;
every line with the time since the run began.  The engine's own output
(standard output, the recap) is left as it is.

    ANSIBLE_CALLBACKS_ENABLED=gbtt_progress ansible-playbook ...   (scripts/main.sh does)
"""
from __future__ import annotations

import sys
import time
from collections import Counter

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: gbtt_progress
type: aggregate
short_description: progress lines (elapsed time, play, task, per-task host counts) on standard error
description: Prints lines per play and per task to standard error; standard output is untouched.
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "gbtt_progress"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self.started = time.monotonic()
        self.plays, self.play_no = 0, 0
        self.task, self.task_started, self.counts = None, 0.0, Counter()

    def _say(self, text: str) -> None:
        elapsed = int(time.monotonic() - self.started)
        print(f"[{elapsed // 60:02d}:{elapsed % 60:02d}] {text}", file=sys.stderr, flush=True)

    def _task_over(self) -> None:
        if self.task is not None and self.counts:
            counts = ", ".join(f"{n} {what}" for what, n in sorted(self.counts.items()))
            self._say(f"    {self.task}: {counts} ({time.monotonic() - self.task_started:.1f} s)")
        self.task, self.counts = None, Counter()

    def v2_playbook_on_start(self, playbook):
        self.plays = len(playbook.get_plays())

    def v2_playbook_on_play_start(self, play):
        self._task_over()
        self.play_no += 1
        self._say(f"play {self.play_no}/{self.plays}: {play.get_name()}")

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._task_over()
        self.task, self.task_started = task.get_name(), time.monotonic()
        self._say(f"  {self.task}")

    def v2_runner_on_ok(self, result):
        self.counts["changed" if result._result.get("changed") else "ok"] += 1

    def v2_runner_on_skipped(self, result):
        self.counts["skipped"] += 1

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self.counts["failed"] += 1

    def v2_runner_on_unreachable(self, result):
        self.counts["unreachable"] += 1

    def v2_playbook_on_stats(self, stats):
        self._task_over()
        hosts = sorted(stats.processed)
        self._say(f"done: {self.play_no} play(s) on {len(hosts)} host(s), "
                  f"{sum(stats.changed.get(h, 0) for h in hosts)} change(s), "
                  f"{sum(stats.failures.get(h, 0) + stats.dark.get(h, 0) for h in hosts)} failure(s)")
