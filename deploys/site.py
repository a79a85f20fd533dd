"""The whole GBTT system with pyinfra (mirror of playbooks/site.yml):

    pyinfra lab/pyinfra.py deploys/site.py [--data gbtt_only=common] [--dry --diff]

Each host gets the components the model gives it; `gbtt_only` limits the run
to one component (Ansible: --tags). The packages of all the components a host
gets are installed first, on every host at once, as the playbook's first play."""
from pyinfra import host

from deploys.apply import knobs, model_host, packages_ahead
from deploys.components import DEPLOYS
from gbtt.desired import host_state

knobs(host.data.dict())  # a knob override that names no knob stops the run before anything is done
only = host.data.get("gbtt_only")
components = [c for c in host_state(host.data.gbtt_inventory, model_host(), lab=host.data.get("gbtt_lab") is True).components
              if c in DEPLOYS and only in (None, c)]
packages_ahead(components)  # every host at once, before any component
for component in components:
    DEPLOYS[component]()
