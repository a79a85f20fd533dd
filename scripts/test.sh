#!/usr/bin/env bash
# All of gbtt's tests, on a fresh Debian 12 machine as root: installs what
# they need (scripts/setup.sh), then runs pytest (unit, schema, property and
# lab tests; the lab tests build and remove the podman lab).
#
# With no arguments, two pytest sessions run at once: the lab's (`-m lab`: its
# tests mostly wait on deploys, calls and timers, and take the lab down at the
# end) and all the others (`-m "not lab"`: CPU only, one core). The second starts
# once the lab's first fresh deploy is done (the lab session touches
# $GBTT_TESTS_BACKGROUND_MARKER then, and starts its own background work:
# tests/conftest.py), or when the lab session ends, whichever comes first. Their
# outputs follow each other; the exit status is the lab session's if it failed,
# the other's otherwise. With arguments, one session runs them as given.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
pytest=(.venv/bin/pytest -q -p no:cacheprovider --durations=25)
if [ $# -gt 0 ]; then
    exec "${pytest[@]}" "$@"
fi

work=$(mktemp -d /tmp/gbtt-tests.XXXXXX)
lab= other=
trap 'for p in $lab $other; do kill "$p" 2>/dev/null; done; rm -rf "$work"' EXIT
export GBTT_TESTS_BACKGROUND_MARKER="$work/lab-deployed"
"${pytest[@]}" -m lab --basetemp="$work/lab" &  # each session its own temporary root
lab=$!
while [ ! -e "$GBTT_TESTS_BACKGROUND_MARKER" ] && kill -0 "$lab" 2>/dev/null; do sleep 1; done
nice -n 5 "${pytest[@]}" -m "not lab" --basetemp="$work/other" > "$work/other.log" 2>&1 &
other=$!
set +e
wait "$lab"
lab_rc=$?
wait "$other"
other_rc=$?
lab= other=
set -e
echo "=============== the tests without the lab (pytest -m 'not lab'), run alongside ==============="
cat "$work/other.log"
[ "$lab_rc" -ne 0 ] && exit "$lab_rc"
exit "$other_rc"
