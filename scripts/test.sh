#!/usr/bin/env bash
# All of gbtt's tests, on a fresh Debian 12 machine as root: installs what
# they need (scripts/setup.sh), then runs pytest (unit, schema, property and
# lab tests; the lab tests build and remove the podman lab).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/pytest -q -p no:cacheprovider --durations=25 "$@"
