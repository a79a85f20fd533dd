"""One @deploy per component, mirroring roles/<component>."""
from pyinfra.api import deploy

from .apply import apply


@deploy("common")
def common():
    apply("common")


DEPLOYS = {"common": common}
