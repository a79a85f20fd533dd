"""The local lab: the province's hosts as podman containers (see lab.py)."""
