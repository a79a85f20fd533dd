#!/usr/bin/python
"""Ansible module: what this host holds of what the model manages, in one
call (gbtt/probes/hoststate.py, here as module_utils: the same code the
pyinfra deploys and `gbtt audit` send).  Changes nothing."""
from __future__ import annotations

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.gbtt_hoststate import gather

DOCUMENTATION = r"""
module: gbtt_host_facts
short_description: Digests, owners and modes of files, packages, users, units and command outputs, at once
description: Reads (never changes) what the spec names; used by roles/gbtt_component to act only where the host
  differs from the model.
options:
  spec:
    description: files, packages, services, users (lists), commands (name -> read-only shell command), listening.
    type: dict
    required: true
"""

RETURN = r"""
host_facts:
  description: the same keys as the spec, with what the host holds
  returned: always
  type: dict
"""


def main() -> None:
    module = AnsibleModule(argument_spec={"spec": {"type": "dict", "required": True}}, supports_check_mode=True)
    module.exit_json(changed=False, host_facts=gather(module.params["spec"]))


if __name__ == "__main__":
    main()
