"""One @deploy per component, mirroring roles/<component>."""
from pyinfra.api import deploy

from .apply import apply


@deploy("common")
def common():
    apply("common")


@deploy("sip_registrar")
def sip_registrar():
    apply("sip_registrar")


DEPLOYS = {"common": common, "sip_registrar": sip_registrar}
