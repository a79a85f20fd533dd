"""Problems found in an inventory, and how they are printed.

Every check in gbtt (YAML syntax, schemas, cross-references, bookings) reports
`Problem`s; nothing raises on bad input.  They print one per line in the
schema-enforcer style::

    FILE:LINE [PROPERTY] key.path.0.leaf: what is wrong (what is allowed)
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line} [PROPERTY] {self.path}: {self.message}"


class InventoryInvalid(Exception):
    """Raised by the entry points (CLI, Ansible plugin, pyinfra inventory)
    when an inventory has problems; its text is the problem lines."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(format_problems(self.problems))


def format_problems(problems: list[Problem]) -> str:
    lines = [str(p) for p in sorted(problems)]
    lines.append(f"{len(problems)} problem(s) found; nothing was deployed.")
    return "\n".join(lines)


def join_path(*parts) -> str:
    return ".".join(str(p) for p in parts if p != "")
