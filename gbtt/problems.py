"""Problems found in an inventory, and how they are printed.

Every check in gbtt (YAML syntax, schemas, cross-references, bookings) reports
`Problem`s; nothing raises on bad input.  They print one per line in the
schema-enforcer style::

    FILE:LINE [PROPERTY] key.path.0.leaf: what is wrong (what is allowed)
"""
from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        return _printable(f"{self.file}:{self.line} [PROPERTY] {self.path}: {self.message}")


class InventoryInvalid(Exception):
    """Raised by the entry points (CLI, Ansible plugin, pyinfra inventory)
    when an inventory has problems; its text is the problem lines."""

    def __init__(self, problems: list[Problem]):
        self.problems = sorted(problems)
        super().__init__(format_problems(self.problems))


def _printable(text: str) -> str:
    """One line, whatever the input held: control characters are escaped."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def format_problems(problems: list[Problem]) -> str:
    lines = [str(p) for p in sorted(problems)]
    lines.append(f"{len(problems)} problem(s) found; nothing was deployed.")
    return "\n".join(lines)


def join_path(*parts) -> str:
    """a.b.0.c; a key with blanks, dots or quotes is quoted: a."Art. 2.2".b"""
    return ".".join(_part(p) for p in parts if p != "")


def _part(p) -> str:
    text = str(p)
    if isinstance(p, str) and (not text or any(c.isspace() or c in '."' for c in text)):
        return json.dumps(text, ensure_ascii=False)
    return text
