"""The components' table (gbtt/components.py) is the one list of components:
every entry has its own files, every role and builder has its entry, the
playbook is the one the table renders, and `gbtt new-component` writes a
skeleton that the model builds and Ansible can parse."""
from __future__ import annotations

import subprocess
import sys

import pytest

from conftest import REAL
from gbtt.components import COMPONENTS, builder, check, playbook, run_by_tags
from gbtt.desired import host_state
from gbtt.hostinventory import managed_hosts
from gbtt.inventory import load
from gbtt.paths import REPO
from gbtt.scaffold import new_component, skeleton

OWN_FILES = ("gbtt/desired/components/{n}.py", "roles/{n}/defaults/main.yml", "roles/{n}/meta/main.yml",
             "roles/{n}/tasks/main.yml")
NOT_COMPONENTS = {"gbtt_component"}  # the role every component role uses


@pytest.mark.parametrize("name", COMPONENTS)
def test_every_component_has_its_own_files(name):
    c = COMPONENTS[name]
    missing = [p.format(n=name) for p in (*OWN_FILES, f"templates/{c.template_dir}")
               if not (REPO / p.format(n=name)).exists()]
    if c.linux:
        missing += [p for p in (f"roles/{name}/molecule/default/molecule.yml",) if not (REPO / p).exists()]
    if c.probe:
        missing += [p for p in (f"gbtt/checks/{name}.py",) if not (REPO / p).exists()]
        assert callable(check(name))
    assert not missing, f"{name}: missing {missing}"
    assert callable(builder(name))


def test_every_role_and_builder_is_in_the_table():
    roles = {p.name for p in (REPO / "roles").iterdir() if (p / "tasks").exists()} - NOT_COMPONENTS
    builders = {p.stem for p in (REPO / "gbtt/desired/components").glob("*.py")} - {"__init__", "room_directory", "room_provisioning", "takeover"}
    assert roles == set(COMPONENTS), f"roles not in the table: {roles - set(COMPONENTS)}"
    assert builders == set(COMPONENTS), f"builders not in the table: {builders - set(COMPONENTS)}"


def test_the_playbook_is_the_one_the_table_renders():
    assert (REPO / "playbooks/site.yml").read_text(encoding="utf-8") == playbook(), \
        "playbooks/site.yml is stale: run `gbtt new-component --playbook`"


def test_the_packages_play_installs_only_what_the_runs_tags_apply():
    linux = [n for n, c in COMPONENTS.items() if c.linux]
    assert run_by_tags(["all"], []) == linux == run_by_tags(None, None)
    assert run_by_tags(["network"], []) == ["linux_router"]  # vendor gear has no packages to install
    assert run_by_tags(["conference", "turn"], []) == ["turn", "conference"]
    assert run_by_tags(["all"], ["room_pc", "network"]) == [n for n in linux if n not in ("room_pc", "linux_router")]
    assert run_by_tags(["nothing_of_ours"], []) == []
    text = playbook()
    assert text.index("tasks_from: packages") < text.index("- role: common")  # before any component's play


def test_every_linux_host_gets_common_first_and_its_role():
    inv = load(REAL)
    for h in managed_hosts(inv):
        names = list(host_state(REAL, h.name).components)
        if h.linux:
            assert names[0] == "common", (h.name, names)
        role = h.vars["gbtt_role"]
        if role in COMPONENTS:
            assert role in names, (h.name, names)
    assert list(host_state(REAL, "mcu-sip-01").components) == ["common", "sip_registrar", "preflight_probe"]
    assert list(host_state(REAL, "r-quy-nhon").components) == ["vendor_router"]
    assert list(host_state(REAL, "r-an-lao").components) == ["common", "linux_router"]
    assert not host_state(REAL, "r-ttht").components  # the centre's router is no site router


def test_new_component_refuses_what_would_clash(tmp_path, capsys):
    from gbtt.cli import main

    assert main(["new-component", "turn"]) == 2
    assert "is a component already" in capsys.readouterr().err
    assert main(["new-component", "Bad-Name"]) == 2
    new_component("x_bridge", root=tmp_path)
    with pytest.raises(ValueError, match="would overwrite"):
        new_component("x_bridge", root=tmp_path)


@pytest.fixture(scope="module")
def scaffolded(tmp_path_factory):
    """A copy of the project with a new component written by the scaffold and
    given its line in the table (as its author would)."""
    import shutil

    root = tmp_path_factory.mktemp("scaffold") / "repo"
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(".venv", ".git", ".lab", "out", "__pycache__"))
    written = new_component("x_bridge", root=root)
    table = root / "gbtt/components.py"
    table.write_text(table.read_text(encoding="utf-8").replace(
        "\n)}\n", '\n    Component("x_bridge", "X", "conference", "X"),\n)}\n', 1), encoding="utf-8")
    return root, written


def run_in(root, *cmd):
    return subprocess.run(cmd, capture_output=True, text=True, cwd=root,
                          env={"PYTHONPATH": str(root), "PATH": f"{REPO / '.venv/bin'}:/usr/bin:/bin",
                               "HOME": str(root.parent), "XDG_CACHE_HOME": str(root.parent / "cache")})


def test_new_component_writes_every_file_of_the_skeleton(scaffolded):
    root, written = scaffolded
    assert written == sorted(skeleton("x_bridge"))
    for rel in written:
        if rel.endswith(".py"):
            compile((root / rel).read_text(encoding="utf-8"), rel, "exec")


def test_the_skeleton_builds_in_the_model(scaffolded):
    root, _ = scaffolded
    code = ("from gbtt.desired import host_state\n"
            "s = host_state('inventory/binh-dinh', 'mcu-conf-01').components['x_bridge']\n"
            "print(s.packages, [f.path for f in s.files], s.files[0].content.splitlines()[-1])\n")
    proc = run_in(root, sys.executable, "-c", code)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.strip() == "['x-bridge'] ['/etc/gbtt/x-bridge.conf'] listen 10.52.0.11:8000"


def test_the_skeleton_is_in_the_playbook_and_parses(scaffolded):
    root, _ = scaffolded
    assert run_in(root, sys.executable, "-m", "gbtt", "new-component", "--playbook").returncode == 0
    assert "    - role: x_bridge\n      tags: [x_bridge]" in (root / "playbooks/site.yml").read_text(encoding="utf-8")
    for playbook_file in ("playbooks/site.yml", "roles/x_bridge/molecule/default/converge.yml"):
        proc = run_in(root, "ansible-playbook", "--syntax-check", playbook_file)
        assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_scenarios_of_roles_that_move_addresses_bind_them_as_the_lab_and_production_do():
    """A molecule instance of a relay or a registrar binds the service addresses it may take over, as the
    lab's containers (`--sysctl`) and the production hosts (the model's sysctl.d file) do."""
    import yaml

    from gbtt.service_addresses import ADDRESS_KEYS, SYSCTLS

    for role in ADDRESS_KEYS:
        platform = yaml.safe_load((REPO / f"roles/{role}/molecule/default/molecule.yml").read_text())["platforms"][0]
        assert platform["extra_opts"] == [arg for s in SYSCTLS for arg in ("--sysctl", s)], role
