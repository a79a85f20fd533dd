#!/usr/bin/env bash
# Re-resolves gbtt's Python dependencies (pyproject.toml's ranges, with the
# test extra) in a throw-away virtualenv and writes the exact versions to
# constraints.txt, which scripts/setup.sh installs with. Run it to take newer
# releases on purpose, then run the whole test suite before committing the
# new constraints.txt (the ansible-core + Mitogen pair in particular: Mitogen
# supports a range of ansible-core releases only).
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
/usr/bin/python3 -m venv "$tmp/venv"
"$tmp/venv/bin/pip" install -q --upgrade pip
"$tmp/venv/bin/pip" install -q -e '.[test]'
{
  echo "# Exact versions of every Python package gbtt and its tests install (pip constraints)."
  echo "# Used by scripts/setup.sh; regenerate with scripts/update-lock.sh, never by hand."
  echo "# Resolved $(date -u +%Y-%m-%d) with $("$tmp/venv/bin/python" --version) from pyproject.toml."
  "$tmp/venv/bin/pip" freeze --all --exclude-editable | grep -v -E '^(setuptools|wheel)=='
} > constraints.txt
echo "constraints.txt: $(grep -c '==' constraints.txt) packages pinned ($(grep -E '^(ansible-core|mitogen|pyinfra)==' constraints.txt | tr '\n' ' '))"
