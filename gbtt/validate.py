"""`validate(dir)`: load an inventory and apply every rule; the one gate that
the CLI, the Ansible inventory plugin and the pyinfra inventory all pass."""
from __future__ import annotations

import gc
from pathlib import Path

from . import rules
from .inventory import Inventory, load, save_cache
from .problems import InventoryInvalid, Problem


def validate(root: Path | str, use_cache: bool = True) -> tuple[Inventory, list[Problem]]:
    # Loading builds many small long-lived objects and no cycles: the cyclic
    # garbage collector would rescan the growing heap again and again (it
    # doubled the cold time of a 10,000-room inventory).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        inv = load(root, use_cache=use_cache)
        problems = list(inv.problems)
        if inv.results:
            problems.extend(rules.run(inv))
        save_cache(inv)  # with the rules' findings per site
    finally:
        if was_enabled:
            gc.enable()
    return inv, sorted(set(problems))


def load_valid(root: Path | str) -> Inventory:
    """The inventory, or InventoryInvalid listing every problem."""
    inv, problems = validate(root)
    if problems:
        raise InventoryInvalid(problems)
    return inv
