"""The one-call fact gathering (gbtt/probes/hoststate.py) run for real on this
machine, and the comparison of its facts with a component's desired state
(gbtt.checks.applied_problems).  The lab tests run the same code on the lab's
hosts (audit, molecule verify)."""
from __future__ import annotations

import base64
import grp
import hashlib
import json
import os
import pwd
import subprocess
import sys

from gbtt.checks import applied_problems, probe_script
from gbtt.desired.drift import drift, spec_of
from gbtt.desired.model import ComponentState, FileSpec, ServiceSpec
from gbtt.probes.hoststate import gather


def test_files_users_packages_and_commands_as_the_host_has_them(tmp_path):
    f = tmp_path / "a.conf"
    f.write_text("x = 1\n")
    f.chmod(0o640)
    facts = gather({"files": [str(f), str(tmp_path / "absent")], "users": ["root", "gbtt-no-such-user"],
                    "packages": ["dpkg", "gbtt-no-such-package"],
                    "commands": {"echo": "echo hello", "fails": "exit 3"}, "listening": True})
    me = pwd.getpwuid(os.getuid()).pw_name
    assert facts["files"][str(f)] == {"sha256": hashlib.sha256(b"x = 1\n").hexdigest(), "owner": me,
                                      "group": grp.getgrgid(os.getgid()).gr_name, "mode": "0640",
                                      "mtime": f.stat().st_mtime}
    assert facts["files"][str(tmp_path / "absent")] is None
    assert facts["users"]["root"]["uid"] == 0 and facts["users"]["gbtt-no-such-user"] is None
    assert facts["packages"] == {"dpkg": True, "gbtt-no-such-package": False}
    assert facts["commands"]["echo"]["stdout"] == "hello\n" and facts["commands"]["fails"]["rc"] == 3
    low, high = facts["listening"]["ephemeral"]
    assert 0 < low < high and all(s.split("://")[0] in ("tcp", "udp") for s in facts["listening"]["sockets"])


def test_the_script_piped_to_a_host_prints_the_same(tmp_path):
    """As audit and the checks send it (python3 - SPEC): one process, one JSON object."""
    f = tmp_path / "b"
    f.write_text("y\n")
    spec = {"files": [str(f)], "users": ["root"]}
    arg = base64.b64encode(json.dumps(spec).encode()).decode()
    out = subprocess.run([sys.executable, "-", arg], input=probe_script("hoststate"), capture_output=True,
                         text=True, check=True)
    sent = json.loads(out.stdout)
    assert sent["files"] == gather(spec)["files"] and sent["users"]["root"]["home"] == "/root"


def _state(tmp_path, content="x = 1\n", mode="0640") -> ComponentState:
    me, group = pwd.getpwuid(os.getuid()).pw_name, grp.getgrgid(os.getgid()).gr_name
    tmp_path.chmod(0o755)  # a managed file's directory is 0755
    return ComponentState("demo", packages=["dpkg"],
                          files=[FileSpec(str(tmp_path / "a.conf"), content, mode=mode, owner=me, group=group)])


def test_no_problem_when_the_host_is_as_the_model_says(tmp_path):
    state = _state(tmp_path)
    (tmp_path / "a.conf").write_text("x = 1\n")
    (tmp_path / "a.conf").chmod(0o640)
    assert applied_problems(gather(spec_of(state)), state) == []


def test_each_difference_is_named(tmp_path):
    state = _state(tmp_path)
    state.packages.append("gbtt-no-such-package")
    state.users.append("gbtt-no-such-user")
    tmp_path.chmod(0o700)
    state.services.append(ServiceSpec("gbtt-no-such-unit"))
    (tmp_path / "a.conf").write_text("x = 2\n")
    (tmp_path / "a.conf").chmod(0o600)
    problems = applied_problems(gather(spec_of(state)), state)
    path = tmp_path / "a.conf"
    assert problems == ["package gbtt-no-such-package is not installed", "system user gbtt-no-such-user is missing",
                        f"directory {tmp_path} mode 0o700",
                        "service gbtt-no-such-unit: enabled is False", "service gbtt-no-such-unit: running is False",
                        f"{path} differs from what the model renders", f"{path} mode 0o600"]
    state.users[:] = ["root"]  # a login account, not a service's
    assert "system user root has shell" in applied_problems(gather(spec_of(state)), state)[1]
    path.unlink()
    assert applied_problems(gather(spec_of(state)), state)[-1] == f"{path} is missing"


def test_engines_apply_only_what_differs_and_everything_on_a_fresh_host(tmp_path):
    state = _state(tmp_path)
    state.services.append(ServiceSpec("gbtt-demo"))
    (tmp_path / "a.conf").write_text("x = 1\n")
    (tmp_path / "a.conf").chmod(0o640)
    facts = gather(spec_of(state))
    facts["services"]["gbtt-demo"] = {"enabled": True, "running": True, "needs_reload": False}  # no systemd here
    assert drift(facts, state).plan(state)["any"] is False
    (tmp_path / "a.conf").write_text("x = 2\n")
    facts["files"] = gather(spec_of(state))["files"]
    plan = drift(facts, state).plan(state)
    assert (plan["any"], plan["packages"], plan["files"], plan["dirs"], plan["services"]) == (
        True, False, [str(tmp_path / "a.conf")], [str(tmp_path)], [])
    state.packages.append("gbtt-no-such-package")  # a package to install: everything is applied
    plan = drift(gather(spec_of(state)), state).plan(state)
    assert plan["packages"] and plan["files"] == [str(tmp_path / "a.conf")] and plan["services"] == ["gbtt-demo"]


def test_a_run_stopped_between_a_file_and_its_restart_restarts_the_unit_next_time(tmp_path):
    """The file is as the model says, but its unit started before it was written (the run that wrote
    it was killed before the restart): the next run restarts the unit, and the audit names it."""
    state = _state(tmp_path)
    state.files[0].restart = ["gbtt-demo", "ssh:reload", "daemon-reload"]
    state.services.append(ServiceSpec("gbtt-demo"))
    path = tmp_path / "a.conf"
    path.write_text("x = 1\n")
    path.chmod(0o640)
    os.utime(path, (1_000_000, 1_000_000))
    facts = gather(spec_of(state))
    facts["services"]["gbtt-demo"] = {"enabled": True, "running": True, "needs_reload": False, "started": 1_000_100.0}
    assert drift(facts, state).plan(state)["any"] is False  # started after the file was written
    facts["services"]["gbtt-demo"]["started"] = 999_900.0
    plan = drift(facts, state).plan(state)
    assert plan["any"] and plan["restarts"] == ["gbtt-demo"] and plan["files"] == []
    assert applied_problems(facts, state) == [f"service gbtt-demo runs an older configuration: {path} changed "
                                              "after it started"]
    facts["services"]["gbtt-demo"]["running"] = False  # a stopped unit is started, not restarted
    assert drift(facts, state).restarts == {}
