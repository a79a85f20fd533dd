"""`gbtt plan`: the working tree's inventory against a git revision, from the
model alone (no host is contacted here: these tests run without the lab)."""
from __future__ import annotations

import shutil
import subprocess

import yaml
from conftest import REAL, edit

from gbtt.cli import main
from gbtt.plan import plan
from gbtt.vault import decrypt, encrypt


def _repo(tmp_path):
    inv = tmp_path / "repo" / "inventory" / "binh-dinh"
    shutil.copytree(REAL, inv)
    git = ["git", "-C", str(tmp_path / "repo"), "-c", "user.name=t", "-c", "user.email=t@example.invalid"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "committed"], check=True)
    return inv, git


def test_nothing_edited_nothing_to_do(tmp_path, capsys):
    inv, _ = _repo(tmp_path)
    assert plan(inv) == []
    assert main(["plan", "--inventory", str(inv)]) == 0
    assert "no host changes against HEAD" in capsys.readouterr().out


def test_one_sites_uplink_names_only_its_router_with_the_diff(tmp_path, capsys):
    inv, _ = _repo(tmp_path)
    edit(inv / "sites" / "an-lao.yml", "uplink_mbps: 20", "uplink_mbps: 30")
    edit(inv / "network.yml", "{a: r-ttht, b: r-an-lao, bandwidth_mbps: 20,", "{a: r-ttht, b: r-an-lao, bandwidth_mbps: 30,")
    plans = plan(inv)
    assert [p.host for p in plans] == ["r-an-lao"]
    assert plans[0].changes == ["linux_router: file /usr/local/sbin/gbtt-tc (content)"]
    assert plans[0].restarts == ["gbtt-tc"]
    assert "+tc class add dev \"$dev\" parent 1: classid 1:1 htb rate 30mbit" in plans[0].diffs[0]
    assert main(["plan", "--inventory", str(inv)]) == 0
    out = capsys.readouterr().out
    assert "1 host(s) change against HEAD: r-an-lao" in out and "--limit r-an-lao" in out


def test_a_new_room_password_names_its_hosts_and_shows_no_secret(tmp_path, capsys):
    inv, _ = _repo(tmp_path)
    vault = yaml.safe_load(decrypt((inv / "vault.yml").read_bytes()))
    old = vault["sip_passwords"]["an-lao-pc"]
    vault["sip_passwords"]["an-lao-pc"] = new = "Plan-Test-Secret-0123456789"
    (inv / "vault.yml").write_bytes(encrypt(yaml.safe_dump(vault).encode()))
    plans = {p.host: p for p in plan(inv)}
    assert set(plans) == {"an-lao-pc", "mcu-sip-01", "mcu-sip-02"}  # the room's account, and both registrars'
    assert all("[holds secrets: not shown]" in line for p in plans.values() for line in p.changes)
    assert main(["plan", "--inventory", str(inv)]) == 0
    out = capsys.readouterr().out
    assert new not in out and old not in out


def test_another_revision_and_a_bad_one(tmp_path, capsys):
    inv, git = _repo(tmp_path)
    edit(inv / "sites" / "an-lao.yml", "uplink_mbps: 20", "uplink_mbps: 30")
    edit(inv / "network.yml", "{a: r-ttht, b: r-an-lao, bandwidth_mbps: 20,", "{a: r-ttht, b: r-an-lao, bandwidth_mbps: 30,")
    subprocess.run([*git, "commit", "-q", "-am", "an-lao 30 Mbps"], check=True)
    assert plan(inv) == []
    assert [p.host for p in plan(inv, "HEAD~1")] == ["r-an-lao"]
    assert main(["plan", "--inventory", str(inv), "--rev", "no-such-rev"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("gbtt plan: git archive no-such-rev:") and "Traceback" not in err
