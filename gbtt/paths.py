"""Where the project's own directories are (the package lives in the repository)."""
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SCHEMA_DIR = REPO / "schemas"
TEMPLATE_DIR = REPO / "templates"
INVENTORY_DIR = REPO / "inventory"
LAB_DIR = REPO / "lab"
STATE_DIR = REPO / ".lab"
