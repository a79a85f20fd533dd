"""One module per component; each builds a ComponentState from a HostContext."""
from . import (common, conference, linux_router, media_relay, preflight_probe, room_pc, sip_registrar, turn,
               vendor_router)

BUILDERS = {
    "common": common.build,
    "sip_registrar": sip_registrar.build,
    "media_relay": media_relay.build,
    "turn": turn.build,
    "conference": conference.build,
    "room_pc": room_pc.build,
    "preflight_probe": preflight_probe.build,
    "linux_router": linux_router.build,
    "vendor_router": vendor_router.build,
}
