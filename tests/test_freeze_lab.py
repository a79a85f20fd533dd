"""The change freeze (Art. 7.5.b) enforced by both engines, in the lab (a
drill: gbtt_freeze_in_lab). A copy of the inventory books a meeting starting
within the hour; mcu-turn-01 serves it. A deploy that would change the host
is refused by Ansible and by pyinfra alike, naming the meeting and the end
of the freeze, and leaves the host as it was; a deploy that changes nothing
passes; the emergency override goes through and is logged."""
from __future__ import annotations

import json
import os
import shutil

import pytest

from conftest import REAL, book_within_the_hour
from gbtt.paths import REPO
from labtools import ansible, pyinfra, recap, remote

pytestmark = pytest.mark.lab
HOST = "mcu-turn-01"
CONF = "/etc/turnserver.conf"
DRILL = ("-e", "gbtt_freeze_in_lab=true")


@pytest.fixture(scope="module")
def setup(tmp_path_factory, province_lab):
    base = tmp_path_factory.mktemp("freeze")
    inv = base / "binh-dinh"  # the same name as the real one: the same lab
    shutil.copytree(REAL, inv)
    book_within_the_hour(inv, "hop-dien-tap", "Diễn tập đóng băng cấu hình", ["vp-ubnd", "quy-nhon"])
    (base / "lab.gbtt.yml").write_text("plugin: gbtt\nsource: binh-dinh\noverlay: lab\n")
    (base / "pyinfra_lab.py").write_text(
        "from gbtt.hostinventory import pyinfra_groups\n"
        f"globals().update(pyinfra_groups({str(inv)!r}, overlay='lab'))\n")
    env = dict(os.environ, GBTT_FREEZE_LOG=str(base / "overrides.jsonl"), PYTHONPATH=str(REPO))
    lab = province_lab
    first = ansible("--limit", HOST, inventory=base / "lab.gbtt.yml", env=env)  # no drill: the lab deploys
    assert first.returncode == 0, first.stdout[-3000:]
    yield {"ansible": base / "lab.gbtt.yml", "pyinfra": base / "pyinfra_lab.py", "env": env,
           "log": base / "overrides.jsonl", "host": remote(lab, HOST)}


def hand_edit(host) -> str:
    host.check_output(f"echo '# edited by hand during the meeting' >> {CONF}")
    return host.file(CONF).sha256sum


def test_a_deploy_that_changes_nothing_passes(setup):
    run = ansible("--limit", HOST, *DRILL, inventory=setup["ansible"], env=setup["env"])
    assert run.returncode == 0 and recap(run.stdout, HOST)["changed"] == 0, run.stdout[-3000:]


def test_ansible_refuses_a_change(setup):
    edited = hand_edit(setup["host"])
    run = ansible("--limit", HOST, *DRILL, inventory=setup["ansible"], env=setup["env"])
    assert run.returncode != 0
    assert "change freeze (Art. 7.5.b): mcu-turn-01 takes part in 'Diễn tập đóng băng cấu hình' " \
           "(meeting hop-dien-tap" in run.stdout
    assert f"Refused: this run would change {CONF}" in run.stdout
    assert setup["host"].file(CONF).sha256sum == edited  # left as it was


def test_pyinfra_refuses_a_change(setup):
    edited = setup["host"].file(CONF).sha256sum
    run = pyinfra("--limit", HOST, "--data", "gbtt_freeze_in_lab=true", inventory=setup["pyinfra"], env=setup["env"])
    out = run.stdout + run.stderr
    assert run.returncode != 0, out[-3000:]
    assert "change freeze (Art. 7.5.b): mcu-turn-01 takes part in" in out and "hop-dien-tap" in out
    assert f"Refused: this run would change {CONF}" in out
    assert setup["host"].file(CONF).sha256sum == edited


def test_the_override_goes_through_and_is_logged(setup):
    reason = "coturn refuses allocations: restore the model's config"  # quotes and colons pass intact
    run = ansible("--limit", HOST, *DRILL, "-e", json.dumps({"gbtt_freeze_override": reason}),
                  inventory=setup["ansible"], env=setup["env"])
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "OVERRIDDEN" in run.stdout
    hand_edit(setup["host"])
    run = pyinfra("--limit", HOST, "--data", "gbtt_freeze_in_lab=true", "--data", f"gbtt_freeze_override={reason}",
                  inventory=setup["pyinfra"], env=setup["env"])
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    assert "# edited by hand" not in setup["host"].file(CONF).content_string  # restored
    entries = [json.loads(line) for line in setup["log"].read_text().splitlines()]
    assert {e["engine"] for e in entries} == {"ansible", "pyinfra"}
    assert all(e["host"] == HOST and e["reason"] == reason and e["meetings"] == ["hop-dien-tap"] for e in entries)
