"""One module per component; each builds a ComponentState from a HostContext."""
from . import common, sip_registrar

BUILDERS = {
    "common": common.build,
    "sip_registrar": sip_registrar.build,
}
