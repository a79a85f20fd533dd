"""One @deploy per component (the pyinfra side of roles/<component>), from
the components' table (gbtt/components.py)."""
from pyinfra.api import deploy

from gbtt.components import COMPONENTS

from .apply import apply

# pyinfra orders the operations of all hosts by the line numbers of the calls
# that made them (pyinfra.api.util.get_operation_order_from_stack). Deploys made
# from one function would call apply() from the same line for every component,
# and hosts with different components would then order their operations in
# cycles. Each component's deploy therefore runs its body at lines of its own,
# in the table's order (common first).
LINES_PER_COMPONENT = 100


def _component_deploy(index: int, name: str):
    def component():
        apply(name)

    component.__code__ = component.__code__.replace(
        co_firstlineno=component.__code__.co_firstlineno + LINES_PER_COMPONENT * (index + 1))
    component.__name__ = component.__qualname__ = name
    return deploy(name)(component)


DEPLOYS = {name: _component_deploy(i, name) for i, (name, c) in enumerate(COMPONENTS.items()) if c.linux}
