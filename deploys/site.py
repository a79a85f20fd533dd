"""The whole GBTT system with pyinfra (mirror of playbooks/site.yml):

    pyinfra lab/pyinfra.py deploys/site.py [--data gbtt_only=common] [--dry --diff]

Each host gets the components the model gives it; `gbtt_only` limits the run
to one component (Ansible: --tags)."""
from pyinfra import host

from deploys.apply import knobs, model_host
from deploys.components import DEPLOYS
from gbtt.desired import host_state

knobs(host.data.dict())  # a knob override that names no knob stops the run before anything is done
only = host.data.get("gbtt_only")
for component in host_state(host.data.gbtt_inventory, model_host(), lab=host.data.get("gbtt_lab") is True).components:
    if component in DEPLOYS and only in (None, component):
        DEPLOYS[component]()
