#!/usr/bin/env bash
# Installs everything gbtt needs on a fresh Debian 12 machine (run as root):
# Debian packages for the lab (podman, runc, mmdebstrap, ...) and a Python
# virtualenv in .venv with the gbtt package and its test tools, at the exact
# versions of constraints.txt (scripts/update-lock.sh regenerates it).
# Safe to run again: it installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  python3 python3-venv python3-dev gcc          # the virtualenv and its compiled wheels
  podman runc netavark aardvark-dns iptables    # the lab's container engine and networks
  mmdebstrap debian-archive-keyring             # the lab's base image, built locally
  apt-cacher-ng                                 # one download per package for every lab host and molecule instance
  openssh-client                                # Ansible and pyinfra reach lab hosts over SSH
  librsvg2-bin fonts-liberation               # the rooms' backgrounds (Art. 4.3) as PNG, Times-metric font
  graphviz                                      # gbtt topology draws the system with dot
  chromium                                      # the tests load the readiness page in headless Chromium
  libreoffice-writer-nogui poppler-utils        # the official documents as PDF; the tests read them back
  git
)

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=.venv/.gbtt-installed
bridge=gbtt/bridge/requirements.txt  # the bridge's own, hash-pinned: its tests import it (sippy)
if [ ! -x .venv/bin/python ] || [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ] || [ constraints.txt -nt "$stamp" ] \
   || [ "$bridge" -nt "$stamp" ]; then
  echo "setup: python virtualenv in .venv (log: .venv/setup.log)"
  /usr/bin/python3 -m venv .venv
  # --no-compile: Python compiles a module when it is first imported; pip compiling every file it installs
  # (the `ansible` distribution's collections: tens of thousands) took two thirds of this step (64 s -> 21 s)
  if ! { .venv/bin/pip install --no-compile -c constraints.txt --upgrade pip \
       && .venv/bin/pip install --no-compile -c constraints.txt -e '.[test]' \
       && .venv/bin/pip install --no-compile --require-hashes -r "$bridge"; } > .venv/setup.log 2>&1; then
    tail -30 .venv/setup.log >&2
    echo "setup: pip install failed (full log: .venv/setup.log)" >&2
    exit 1
  fi
  touch "$stamp"
fi
