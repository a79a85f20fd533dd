"""One module per component; each builds a ComponentState from a HostContext."""
from . import common, conference, media_relay, sip_registrar, turn

BUILDERS = {
    "common": common.build,
    "sip_registrar": sip_registrar.build,
    "media_relay": media_relay.build,
    "turn": turn.build,
    "conference": conference.build,
}
