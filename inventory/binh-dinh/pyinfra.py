"""pyinfra's entry to this inventory: production addresses (same hosts and groups as gbtt.yml)."""
from pathlib import Path as _Path

from gbtt.hostinventory import pyinfra_groups as _groups

globals().update(_groups(_Path(__file__).parent))
