"""Knob overrides: in the inventory's group_vars/ and host_vars/ with
Ansible's precedence, and at run time from an engine's variables; a name
that looks like a knob but is none, or a value of the wrong type, is an
error with one line, never a silent no-op."""
from __future__ import annotations

import subprocess


from conftest import rel_lines
from gbtt.desired import host_state
from gbtt.desired.knobs import candidates, pick
from gbtt.hostinventory import pyinfra_groups
from gbtt.paths import REPO
from gbtt.validate import validate


def kamailio_cfg(inv, host="mcu-sip-01", **kw) -> str:
    files = host_state(inv, host, **kw).components["sip_registrar"].files
    return next(f.content for f in files if f.path == "/etc/kamailio/kamailio.cfg")


def max_expires(text: str) -> int:
    line = next(ln for ln in text.splitlines() if '"max_expires"' in ln)
    return int(line.rsplit(",", 1)[1].strip(" )"))


def test_pick_reads_command_line_text_as_the_knobs_type():
    assert pick({"kamailio_max_expires": "1800", "coturn_tls_certificate": "/etc/x.pem"}) == (
        {"kamailio_max_expires": 1800, "coturn_tls_certificate": "/etc/x.pem"}, [])


def test_a_typo_or_a_wrong_type_is_an_error():
    found, problems = pick({"kamailio_max_expire": 1, "kamailo_sip_port": 5070, "coturn_user_quota": "many",
                            "inventory_hostname": "x"})
    assert found == {}
    assert problems == [
        "coturn_user_quota must be an integer like its default 12 (roles/turn/defaults/main.yml), not 'many'",
        "unknown knob 'kamailio_max_expire' (did you mean 'kamailio_max_expires'? known: kamailio_auth_ban_seconds, "
        "kamailio_auth_fail_limit, kamailio_children, kamailio_max_contacts, kamailio_max_expires, "
        "kamailio_pike_requests, kamailio_pike_seconds, kamailio_pkg_mb, …)",
        "unknown knob 'kamailo_sip_port' (did you mean 'kamailio_sip_port'? known: see roles/*/defaults/main.yml)"]
    assert candidates({"ansible_host": 1, "gbtt_lab": True, "play_hosts": [], "probe_slot": 2}) == ["probe_slot"]


def test_group_vars_then_host_vars_then_run_time_with_ansibles_precedence(inv_dir):
    assert max_expires(kamailio_cfg(inv_dir)) == 3600  # the role's default
    (inv_dir / "group_vars").mkdir()
    (inv_dir / "host_vars").mkdir()
    (inv_dir / "group_vars" / "all.yml").write_text("kamailio_max_expires: 1000\n")
    assert max_expires(kamailio_cfg(inv_dir)) == 1000
    (inv_dir / "group_vars" / "sip_registrar.yml").write_text("kamailio_max_expires: 2000\n")
    assert max_expires(kamailio_cfg(inv_dir)) == 2000  # a group of the host over `all`
    (inv_dir / "host_vars" / "mcu-sip-01.yml").write_text("kamailio_max_expires: 3000\n")
    assert max_expires(kamailio_cfg(inv_dir)) == 3000  # the host over its groups
    assert max_expires(kamailio_cfg(inv_dir, knobs={"kamailio_max_expires": 4000})) == 4000  # -e / --data
    # pyinfra's inventory carries them as host data (--data comes over them)
    data = dict(pyinfra_groups(inv_dir)["sip_registrar"])["mcu-sip-01"]
    assert data["kamailio_max_expires"] == 3000


def test_validate_names_the_file_and_line_of_a_bad_override(inv_dir):
    (inv_dir / "group_vars").mkdir()
    (inv_dir / "group_vars" / "turn.yml").write_text("coturn_user_quota: 24\ncoturn_user_qouta: 24\n")
    (inv_dir / "group_vars" / "tunr.yml").write_text("coturn_user_quota: 24\n")
    (inv_dir / "host_vars").mkdir()
    (inv_dir / "host_vars" / "mcu-sip-01.yml").write_text("kamailio_max_expires: soon\n")
    _, problems = validate(inv_dir)
    got = rel_lines(inv_dir, problems)
    assert len(got) == 3, got
    assert got[0].startswith("group_vars/tunr.yml:1 group_vars.tunr: no group 'tunr' in this inventory (did you mean 'turn'?")
    assert got[1].startswith("group_vars/turn.yml:2 group_vars.turn.coturn_user_qouta: unknown key 'coturn_user_qouta'")
    assert got[2] == ("host_vars/mcu-sip-01.yml:1 host_vars.mcu-sip-01.kamailio_max_expires: "
                      "must be of type integer, not str 'soon'")


def test_ansible_inventory_puts_them_over_the_roles_defaults(inv_dir):
    (inv_dir / "group_vars").mkdir()
    (inv_dir / "group_vars" / "sip_registrar.yml").write_text("kamailio_max_expires: 2000\n")
    out = subprocess.run([str(REPO / ".venv/bin/ansible-inventory"), "-i", str(inv_dir / "gbtt.yml"),
                          "--host", "mcu-sip-01"], capture_output=True, text=True, cwd=REPO)
    assert out.returncode == 0, out.stderr
    assert '"kamailio_max_expires": 2000' in out.stdout
