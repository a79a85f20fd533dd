#!/usr/bin/env bash
# All of gbtt's tests, on a fresh Debian 12 machine as root: installs what
# they need (scripts/setup.sh), then runs pytest (unit, schema, property and
# lab tests; the lab tests build and remove the podman lab).
#
# With no arguments, two pytest sessions run at once: the lab's (`-m lab`: its
# tests mostly wait on deploys, calls and timers, and take the lab down at the
# end) and all the others (`-m "not lab"`: CPU only, one core, a little below
# the lab in priority). Their outputs follow each other; the exit status is
# the first failure's. With arguments, one session runs them as given.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
pytest=(.venv/bin/pytest -q -p no:cacheprovider --durations=25)
if [ $# -gt 0 ]; then
    exec "${pytest[@]}" "$@"
fi

work=$(mktemp -d /tmp/gbtt-tests.XXXXXX)
other=
trap '[ -n "$other" ] && kill "$other" 2>/dev/null; rm -rf "$work"' EXIT
# each session its own temporary root: neither cleans up the other's directories
nice -n 5 "${pytest[@]}" -m "not lab" --basetemp="$work/other" > "$work/other.log" 2>&1 &
other=$!
set +e
"${pytest[@]}" -m lab --basetemp="$work/lab"
lab_rc=$?
wait "$other"
other_rc=$?
other=
set -e
echo "=============== the tests without the lab (pytest -m 'not lab'), run alongside ==============="
cat "$work/other.log"
[ "$lab_rc" -ne 0 ] && exit "$lab_rc"
exit "$other_rc"
