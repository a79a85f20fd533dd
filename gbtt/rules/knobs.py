"""Knob overrides (group_vars/<group>.yml, host_vars/<host>.yml): each file
names a group or a host of the inventory. (That each key is a knob of its
default's type is the `knobs` schema's part.)"""
from __future__ import annotations

from . import known, rule


@rule
def knob_files_name_groups_and_hosts(inv, idx):
    if not (inv.get("group_vars") or inv.get("host_vars")):
        return
    from ..hostinventory import managed_hosts  # noqa: PLC0415 (it loads inventories through the rules)

    hosts = managed_hosts(inv)
    groups = {"all"} | {g for h in hosts for g in h.groups}
    names = {h.name for h in hosts}
    for group in inv.get("group_vars"):
        if group not in groups:
            yield ("group_vars", group), f"no group '{group}' in this inventory {known(groups, group)}"
    for host in inv.get("host_vars"):
        if host not in names:
            yield ("host_vars", host), f"no managed host '{host}' in this inventory {known(names, host)}"
