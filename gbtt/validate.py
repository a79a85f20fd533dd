"""`validate(dir)`: load an inventory and apply every rule; the one gate that
the CLI, the Ansible inventory plugin and the pyinfra inventory all pass."""
from __future__ import annotations

from pathlib import Path

from . import rules
from .inventory import Inventory, load
from .problems import InventoryInvalid, Problem


def validate(root: Path | str, use_cache: bool = True) -> tuple[Inventory, list[Problem]]:
    inv = load(root, use_cache=use_cache)
    problems = list(inv.problems)
    if inv.docs:
        problems.extend(rules.run(inv))
    return inv, sorted(set(problems))


def load_valid(root: Path | str) -> Inventory:
    """The inventory, or InventoryInvalid listing every problem."""
    inv, problems = validate(root)
    if problems:
        raise InventoryInvalid(problems)
    return inv
