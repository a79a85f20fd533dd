"""Lookup `gbtt_freeze`: whether the change freeze of Art. 7.5.b holds a host
now (gbtt/freeze.py, the same answer pyinfra's deploys get), and the
emergency override with its reason, logged.

    query('gbtt_freeze', 'common', host=inventory_hostname, inventory=gbtt_inventory,
          override=gbtt_freeze_override | default(''), lab=gbtt_lab, drill=gbtt_freeze_in_lab | default(false))
"""
from __future__ import annotations

DOCUMENTATION = r"""
name: gbtt_freeze
short_description: the change freeze of a gbtt host (Art. 7.5.b)
description: Whether a meeting's preparation window or the meeting itself freezes the host's configuration.
options:
  _terms:
    description: the component about to be applied
    required: true
  host:
    description: the host's name in the gbtt inventory
    required: true
  inventory:
    description: the gbtt inventory directory
    required: true
  override:
    description: the reason for an emergency change during a freeze (logged); empty for none
    type: str
    default: ''
  lab:
    description: the host is a lab replica (the freeze holds there only in a drill)
    type: bool
    default: false
  drill:
    description: hold the freeze in the lab too
    type: bool
    default: false
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        from gbtt.freeze import OverrideRefused, status
        from gbtt.problems import InventoryInvalid

        try:
            return [status(self.get_option("inventory"), self.get_option("host"), "ansible", term,
                           override=self.get_option("override") or None, lab=self.get_option("lab"),
                           drill=self.get_option("drill")) for term in terms]
        except (InventoryInvalid, OverrideRefused) as exc:
            raise AnsibleLookupError(str(exc)) from None
