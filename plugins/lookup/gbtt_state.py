"""Lookup `gbtt_state`: the desired state of one component on one host, as
gbtt's model computes it (the same state pyinfra's deploys apply).

    query('gbtt_state', 'common', host=inventory_hostname, inventory=gbtt_inventory, lab=gbtt_lab)
"""
from __future__ import annotations

DOCUMENTATION = r"""
name: gbtt_state
short_description: desired state of a gbtt component on a host
description: Packages, files (rendered), services and ports of one component, from gbtt's model.
options:
  _terms:
    description: the component (common, sip_registrar, media_relay, turn, conference)
    required: true
  host:
    description: the host's name in the gbtt inventory
    required: true
  inventory:
    description: the gbtt inventory directory
    required: true
  lab:
    description: render for the lab (198.18.0.0/15 addresses)
    type: bool
    default: false
  address:
    description: the address this machine listens on, when it plays the host elsewhere (molecule)
    type: str
    default: ''
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase


class LookupModule(LookupBase):
    def run(self, terms, variables=None, **kwargs):
        self.set_options(var_options=variables, direct=kwargs)
        from dataclasses import asdict

        from gbtt.desired import host_state
        from gbtt.problems import InventoryInvalid

        from gbtt.desired.knobs import run_time_knobs

        knobs, problems = run_time_knobs(variables, self._templar.template)
        if problems:
            raise AnsibleLookupError("knob overrides (group_vars, host_vars, -e):\n" + "\n".join(problems))
        try:
            state = host_state(self.get_option("inventory"), self.get_option("host"), lab=self.get_option("lab"),
                               address=self.get_option("address") or None, knobs=knobs)
        except InventoryInvalid as exc:
            raise AnsibleLookupError(f"gbtt inventory is invalid:\n{exc}") from None
        except KeyError as exc:
            raise AnsibleLookupError(str(exc)) from None
        out = []
        for term in terms:
            if term not in state.components:
                raise AnsibleLookupError(f"{self.get_option('host')} does not run component '{term}' "
                                         f"(it runs: {', '.join(state.components)})")
            out.append(asdict(state.components[term]))
        return out
