#!/usr/bin/env python3
"""Benchmark of `gbtt validate` on synthetic nationwide inventories.

Generates inventories of 100, 1,000 and 10,000 bridge rooms (34 provinces,
down to commune level: one room, one router and one SIP room PC per
commune, a People's Committee per commune, a vault with every password),
then measures, each in a fresh process pinned to one core:

* cold: no cache, every file parsed and checked (the median of 3 runs);
* warm, one file changed: the per-file cache filled, one site file edited
  (the median of 5 runs, each after another site's edit).

Prints wall time and peak memory (max RSS) of each run.  Targets (issue 2):
10,000 rooms cold < 3 s, warm with one change < 0.3 s, memory < 500 MB.

    .venv/bin/python scripts/bench_validate.py [--sizes 100,1000,10000] [--quick]

--quick: 50 rooms only (the tests run it so that the benchmark cannot rot).
"""
from __future__ import annotations

import argparse
import ipaddress
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from gbtt.pki import new_ca_key  # noqa: E402
from gbtt.vault import encrypt  # noqa: E402

PROVINCES = 34
WARM_RUNS = 5
COLD_RUNS = 3  # this machine's speed wanders by a third within minutes: medians, not single runs
PLAN = ipaddress.IPv4Network("10.0.0.0/15")


def generate(root: Path, rooms: int) -> None:
    (root / "sites").mkdir(parents=True)
    orgs = {"bo-tttt": {"name": "Bộ Thông tin và Truyền thông", "short_name": "Bộ TT&TT", "level": "province",
                        "roles": ["operator", "central-room"]}}
    devices = {"r-core": {"kind": "router", "vendor": "cisco", "platform": "ios-xe", "model": "ASR1001-X",
                          "site": "ttdl", "mgmt_address": "10.1.128.1",
                          "interfaces": {"wan": {"name": "Gi0/0/0", "address": "10.1.128.1/18"},
                                         "lan": {"name": "Gi0/0/1", "address": "10.1.255.1/24"}}}}
    links, passwords = [], {}
    mgmt = ipaddress.IPv4Network("10.1.128.0/18")  # sites use 10.0.0.0-10.1.56.x
    for i in range(rooms):
        p = i % PROVINCES + 1
        sid = f"p{p:02d}-xa-{i:05d}"
        net = ipaddress.IPv4Network((int(PLAN.network_address) + 8 * i, 29))  # /29s from 10.0.0.0
        orgs[f"ubnd-{sid}"] = {"name": f"Ủy ban nhân dân xã số {i} tỉnh {p}", "short_name": f"UBND xã {i}",
                               "level": "district", "roles": ["central-room" if i == 0 else "room-host"]}
        devices[f"r-{sid}"] = {"kind": "router", "vendor": "huawei", "platform": "vrp", "model": "AR611",
                               "site": sid, "mgmt_address": str(mgmt.network_address + 2 + i),
                               "interfaces": {"wan": {"name": "GE0/0/0", "address": f"{mgmt.network_address + 2 + i}/18"},
                                              "lan": {"name": "GE0/0/1", "address": f"{net.network_address + 1}/29"}}}
        links.append({"a": "r-core", "b": f"r-{sid}", "bandwidth_mbps": 50, "provider": "vnpt"})
        passwords[f"{sid}-pc"] = f"synthetic-password-{i:06d}"
        site = {
            "name": f"Điểm cầu xã số {i}, tỉnh {p}",
            "kind": "central-room" if i == 0 else "district-room",
            "organisation": f"ubnd-{sid}",
            "mountainous": i % 7 == 0,
            "technician": {"name": f"Cán bộ kỹ thuật {i}", "phone": f"+84 2{p:02d} {3800 + i % 100} {i % 1000:03d}",
                           "email": f"kythuat.{sid}@example.gov.vn"},
            "network": {"router": f"r-{sid}", "subnet": str(net), "gateway": str(net.network_address + 1),
                        "vlan": 100 + i % 3000, "uplink_mbps": 50},
            "endpoints": [{"id": f"{sid}-pc", "kind": "sip-room-system", "platform": "baresip",
                           "address": str(net.network_address + 2), "profile": "sd480"}],
            "room": {"background": "phong-nen-chuan", "caption": f"UBND XÃ SỐ {i}", "seats": 20},
        }
        (root / "sites" / f"{sid}.yml").write_text(yaml.safe_dump(site, allow_unicode=True, sort_keys=False))
    real = REPO / "inventory" / "binh-dinh"
    province = yaml.safe_load((real / "province.yml").read_text())
    province.update({"name": "Toàn quốc (synthetic)", "address_plan": str(PLAN), "max_rooms_per_meeting": 40,
                     "meeting_hosts": {k: "p01-xa-00000" for k in province["meeting_hosts"]}})
    dump = lambda name, data: (root / name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))  # noqa: E731
    dump("province.yml", province)
    dump("organisations.yml", orgs)
    dump("codec-profiles.yml", yaml.safe_load((real / "codec-profiles.yml").read_text()))
    dump("centre.yml", {"id": "ttdl", "name": "Trung tâm dữ liệu (synthetic)", "organisation": "bo-tttt",
                        "network": {"router": "r-core", "subnet": "10.1.255.0/24", "gateway": "10.1.255.1", "vlan": 10,
                                    "uplink_mbps": 100000}})
    hosts = {"conf-01": {"role": "conference", "site": "ttdl", "address": "10.1.255.11", "platform": "debian-12",
                         "conference": {"max_participants": 10000, "rtp_ports": {"min": 20000, "max": 40999}}},
             "sip-01": {"role": "sip_registrar", "site": "ttdl", "address": "10.1.255.12", "platform": "debian-12",
                        "sip_registrar": {"max_registrations": 100000}},
             "turn-01": {"role": "turn", "site": "ttdl", "address": "10.1.255.14", "platform": "debian-12",
                         "turn": {"realm": "turn.example.gov.vn", "relay_ports": {"min": 49152, "max": 65535}}},
             "bridge-01": {"role": "multipoint_bridge", "site": "ttdl", "address": "10.1.255.15", "platform": "debian-12",
                           "multipoint_bridge": {"max_participants": 10000, "cores": 64}}}
    for r in range(3):
        hosts[f"relay-0{r + 1}"] = {"role": "media_relay", "site": "ttdl", "address": f"10.1.255.{21 + r}",
                                    "platform": "debian-12",
                                    "media_relay": {"rtp_ports": {"min": 10000, "max": 39999}, "max_sessions": 10000,
                                                    "media_address": f"10.1.255.{121 + r}"}}
    dump("hosts.yml", hosts)
    network = yaml.safe_load((real / "network.yml").read_text())
    network.update({"management_subnet": str(mgmt), "devices": devices, "links": links})
    dump("network.yml", network)
    secrets = {"sip_passwords": passwords, "probe_sip_password": "p" * 24, "bridge_sip_password": "b" * 24, "turn_static_secret": "s" * 32, "janus_admin_secret": "a" * 24,
               "janus_api_secret": "b" * 24, "relay_redis_password": "r" * 24, "pki_ca_key": new_ca_key()}
    (root / "vault.yml").write_bytes(encrypt(yaml.safe_dump(secrets).encode()))


RUNNER = """
import sys, time
t = time.perf_counter()
from gbtt.validate import validate
inv, problems = validate(sys.argv[1], use_cache=sys.argv[2] == "cache")
print(time.perf_counter() - t, len(problems), len(inv.sites))
for p in problems[:5]:
    print(p, file=sys.stderr)
"""


def measure(root: Path, cache: bool, env: dict) -> dict:
    pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    proc = subprocess.run([*pin, sys.executable, "-c", RUNNER, str(root), "cache" if cache else "nocache"],
                          capture_output=True, text=True, env=env, cwd=REPO)
    wall = time.perf_counter() - t
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB; the largest child so far
    if proc.returncode != 0:
        raise SystemExit(proc.stderr)
    inner, problems, sites = proc.stdout.split()
    if int(problems):
        raise SystemExit(f"synthetic inventory is invalid:\n{proc.stderr}")
    return {"process_s": wall, "validate_s": float(inner), "peak_mib": max(peak, before) / 1024, "sites": int(sites)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sizes", default="100,1000,10000")
    ap.add_argument("--json", help="also write the figures to this file")
    ap.add_argument("--quick", action="store_true", help="50 rooms only (the tests' run)")
    args = ap.parse_args()
    if args.quick:
        args.sizes = "50"
    results = []
    print(f"{'rooms':>6} {'run':<22} {'validate s':>10} {'process s':>10} {'peak MiB':>9}")
    for n in (int(s) for s in args.sizes.split(",")):
        with tempfile.TemporaryDirectory(prefix="gbtt-bench-") as tmp:
            root = Path(tmp) / f"vn-{n}"
            generate(root, n)
            env = dict(os.environ, XDG_CACHE_HOME=str(Path(tmp) / "cache"), PYTHONPATH=str(REPO))
            colds = [measure(root, cache=False, env=env) for _ in range(COLD_RUNS)]
            cold = sorted(colds, key=lambda r: r["validate_s"])[len(colds) // 2]
            measure(root, cache=True, env=env)  # fills the cache
            runs = []  # this machine's timings wander: the median of several runs, each after another site's edit
            for site in sorted((root / "sites").iterdir())[:WARM_RUNS]:
                site.write_text(site.read_text().replace("seats: 20", "seats: 21"))
                runs.append(measure(root, cache=True, env=env))
            warm = sorted(runs, key=lambda r: r["validate_s"])[len(runs) // 2]
            for name, r in (("cold (no cache)", cold), ("warm, 1 file changed", warm)):
                assert r["sites"] == n
                print(f"{n:>6} {name:<22} {r['validate_s']:>10.3f} {r['process_s']:>10.3f} {r['peak_mib']:>9.0f}")
                results.append({"rooms": n, "run": name, **r})
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
