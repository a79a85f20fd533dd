"""One module per component; each builds a ComponentState from a HostContext.
Which components there are: gbtt/components.py."""
from ...components import COMPONENTS, builder

BUILDERS = {name: builder(name) for name in COMPONENTS}
