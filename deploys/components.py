"""One @deploy per component, mirroring roles/<component>."""
from pyinfra.api import deploy

from .apply import apply


@deploy("common")
def common():
    apply("common")


@deploy("sip_registrar")
def sip_registrar():
    apply("sip_registrar")


@deploy("media_relay")
def media_relay():
    apply("media_relay")


@deploy("turn")
def turn():
    apply("turn")


@deploy("conference")
def conference():
    apply("conference")


@deploy("preflight_probe")
def preflight_probe():
    apply("preflight_probe")


@deploy("room_pc")
def room_pc():
    apply("room_pc")


@deploy("linux_router")
def linux_router():
    apply("linux_router")


DEPLOYS = {"common": common, "sip_registrar": sip_registrar, "media_relay": media_relay, "turn": turn,
           "conference": conference, "preflight_probe": preflight_probe, "room_pc": room_pc, "linux_router": linux_router}
