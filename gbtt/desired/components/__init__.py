"""One module per component; each builds a ComponentState from a HostContext."""
from . import common

BUILDERS = {
    "common": common.build,
}
