#!/usr/bin/env bash
# The main job: provision the Bình Định GBTT system into the local lab and
# show its readiness. Installs what it needs first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"

echo "== 1. validate the inventory (inventory/binh-dinh)"
gbtt validate inventory/binh-dinh
echo "== 2. bring up the lab: every Linux host of the province as a podman container"
gbtt lab up --profile full
echo "== 3. reach every host over SSH with Ansible"
ansible -i lab/ansible.gbtt.yml all -m ping -o | sed 's/=>.*//' | sort
echo "== 4. readiness"
gbtt lab status
