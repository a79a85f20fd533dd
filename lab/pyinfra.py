"""pyinfra's entry to the lab: the Bình Định inventory, reached in the local lab (gbtt lab up)."""
from pathlib import Path as _Path

from gbtt.hostinventory import pyinfra_groups as _groups

globals().update(_groups(_Path(__file__).parent.parent / "inventory" / "binh-dinh", overlay="lab"))
