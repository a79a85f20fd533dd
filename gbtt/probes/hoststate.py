"""What a host holds of what the model manages, learnt in one call (stdlib
only; it runs on the host as `python3 - SPEC_BASE64`).  SPEC is a JSON object:

    {"files": [path, ...],               # sha256, mtime, owner, group, mode (None: absent)
     "dirs": [path, ...],                # owner, group, mode (None: absent or not a directory)
     "packages": [name, ...],            # installed or not (dpkg's status)
     "services": [unit, ...],            # enabled / running / when it started (systemctl show, one call)
     "users": [name, ...],               # system account present, its shell and home
     "commands": {key: shell, ...},      # rc and output of read-only commands
     "listening": true}                  # sockets listening, the ephemeral port range

It prints one JSON object with the same keys.  Nothing is changed on the host;
file contents never leave it (digests only).
"""
import base64
import grp
import hashlib
import json
import os
import pwd
import stat
import subprocess
import sys
import time


def _run(argv, shell=False):
    try:
        proc = subprocess.run(argv, shell=shell, capture_output=True, text=True, timeout=60, check=False)
    except FileNotFoundError as exc:  # the tool is not installed: as a shell would say
        return {"rc": 127, "stdout": "", "stderr": str(exc)}
    return {"rc": proc.returncode, "stdout": proc.stdout, "stderr": proc.stderr[-2000:]}


def _name(lookup, ident):
    try:
        return lookup(ident)[0]
    except KeyError:
        return str(ident)


def _owner_mode(st):
    return {"owner": _name(pwd.getpwuid, st.st_uid), "group": _name(grp.getgrgid, st.st_gid),
            "mode": f"{st.st_mode & 0o7777:04o}"}


def files(paths):
    out = {}
    for path in paths:
        try:
            st = os.stat(path)
            with open(path, "rb") as fh:
                digest = hashlib.sha256(fh.read()).hexdigest()
        except FileNotFoundError:
            out[path] = None
            continue
        out[path] = {"sha256": digest, "mtime": st.st_mtime, **_owner_mode(st)}
    return out


def dirs(paths):
    out = {}
    for path in paths:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            st = None
        out[path] = _owner_mode(st) if st is not None and stat.S_ISDIR(st.st_mode) else None
    return out


def packages(names):
    if not names:
        return {}
    res = _run(["dpkg-query", "-W", "-f", "${Package}\t${db:Status-Abbrev}\n", *names])
    found = {}
    for line in res["stdout"].splitlines():
        name, _, status = line.partition("\t")
        found[name.split(":")[0]] = status.strip().startswith("ii")
    return {n: found.get(n, False) for n in names}


# `systemctl is-enabled` succeeds for these (what testinfra's is_enabled tests)
ENABLED = ("enabled", "enabled-runtime", "static", "alias", "indirect", "generated", "transient")


def _started(monotonic_us, boot):
    """When a unit last became active (epoch seconds), or None."""
    try:
        us = int(monotonic_us or 0)
    except ValueError:
        return None
    return round(boot + us / 1e6, 3) if us else None


def services(units):
    if not units:
        return {}
    res = _run(["systemctl", "show", "--property=Id,UnitFileState,ActiveState,NeedDaemonReload,"
                "ActiveEnterTimestampMonotonic", "--", *units])
    boot = time.time() - time.monotonic()  # systemd's monotonic clock is CLOCK_MONOTONIC, as Python's
    blocks = [dict(line.split("=", 1) for line in block.splitlines() if "=" in line)
              for block in res["stdout"].strip().split("\n\n")] if res["rc"] == 0 else []
    blocks += [{}] * (len(units) - len(blocks))  # no systemd answering: nothing enabled, nothing running
    out = {}
    for unit, block in zip(units, blocks):
        out[unit] = {"enabled": block.get("UnitFileState") in ENABLED,
                     "running": block.get("ActiveState") == "active",
                     "needs_reload": block.get("NeedDaemonReload") == "yes",
                     "started": _started(block.get("ActiveEnterTimestampMonotonic"), boot)}
    return out


def users(names):
    out = {}
    for name in names:
        try:
            pw = pwd.getpwnam(name)
        except KeyError:
            out[name] = None
            continue
        out[name] = {"uid": pw.pw_uid, "group": _name(grp.getgrgid, pw.pw_gid), "home": pw.pw_dir,
                     "shell": pw.pw_shell}
    return out


def listening():
    res = _run(["ss", "-Htuln"])
    socks = []
    for line in res["stdout"].splitlines():
        cols = line.split()
        if len(cols) >= 5:
            socks.append(f"{cols[0]}://{cols[4]}")
    with open("/proc/sys/net/ipv4/ip_local_port_range") as fh:
        low, high = map(int, fh.read().split())
    return {"sockets": socks, "ephemeral": [low, high]}


def gather(spec):
    out = {"files": files(spec.get("files", ())), "dirs": dirs(spec.get("dirs", ())), "packages": packages(spec.get("packages", ())),
           "services": services(spec.get("services", ())), "users": users(spec.get("users", ())),
           "commands": {k: _run(cmd, shell=True) for k, cmd in spec.get("commands", {}).items()}}
    if spec.get("listening"):
        out["listening"] = listening()
    return out


if __name__ == "__main__":
    print(json.dumps(gather(json.loads(base64.b64decode(sys.argv[1])))))
