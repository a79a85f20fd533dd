"""The Ansible content is ansible-lint clean at the production profile, and
every YAML file of the repository yamllint clean (tests/lint_runs.py runs both
in the background from the session's start)."""
from __future__ import annotations

import pytest

import lint_runs


@pytest.mark.parametrize("linter", sorted(lint_runs.LINTERS))
def test_clean(linter):
    rc, out = lint_runs.result(linter)
    assert rc == 0, out[-5000:]
