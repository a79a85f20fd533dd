"""One @deploy per component (the pyinfra side of roles/<component>), from
the components' table (gbtt/components.py)."""
from pyinfra.api import deploy

from gbtt.components import COMPONENTS

from .apply import apply


def _component_deploy(name: str):
    @deploy(name)
    def component():
        apply(name)

    return component


DEPLOYS = {name: _component_deploy(name) for name, c in COMPONENTS.items() if c.linux}
