"""Ansible inventory plugin for gbtt: the hosts of a gbtt inventory directory,
validated first (an invalid inventory is an error, with gbtt's problem lines).

The host list, groups and variables come from gbtt.hostinventory, the same
code that builds pyinfra's inventory.
"""
from __future__ import annotations

DOCUMENTATION = r"""
name: gbtt
short_description: hosts of a gbtt inventory (Bình Định GBTT)
description:
  - Loads and validates a gbtt inventory directory and adds its managed hosts, grouped by role and by site.
options:
  plugin:
    description: Must be C(gbtt).
    required: true
    choices: [gbtt]
  source:
    description: The inventory directory, relative to this file. Defaults to the directory of this file.
    type: str
    default: .
  overlay:
    description: C(lab) to reach the hosts of the local lab (gbtt lab up) instead of production.
    type: str
    default: ''
"""

import os

from ansible.errors import AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin


class InventoryModule(BaseInventoryPlugin):
    NAME = "gbtt"

    def verify_file(self, path):
        return super().verify_file(path) and os.path.basename(path).endswith("gbtt.yml")

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        self._read_config_data(path)
        from gbtt.hostinventory import inventory_and_hosts, knob_files
        from gbtt.problems import InventoryInvalid

        source = os.path.normpath(os.path.join(os.path.dirname(path), self.get_option("source")))
        try:
            inv, hosts = inventory_and_hosts(source, self.get_option("overlay") or None)
        except InventoryInvalid as exc:
            raise AnsibleParserError(f"gbtt inventory {source} is invalid:\n{exc}") from None
        for h in hosts:
            self.inventory.add_host(h.name)
            for group in h.groups:
                self.inventory.add_group(group)
                self.inventory.add_child(group, h.name)
            for key, value in h.vars.items():
                self.inventory.set_variable(h.name, key, value)
        # knob overrides of the gbtt inventory's group_vars/ and host_vars/ (validated above): inventory
        # variables, so that Ansible's precedence puts them over the roles' defaults and under -e
        group_vars, host_vars = knob_files(inv)
        for group, values in group_vars.items():
            for key, value in values.items():
                self.inventory.set_variable(group, key, value)
        for host, values in host_vars.items():
            for key, value in values.items():
                self.inventory.set_variable(host, key, value)
