"""`gbtt topology`: the system as a picture (SVG, drawn by Graphviz's `dot`
from Debian): the centre's hosts and network gear, each bridge room's edge
router and room systems, the links of the dedicated network with their
bandwidth and the conference's share of it, and each room system coloured by
its last pre-meeting check (`gbtt preflight`'s newest report)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .remote import read_reports
from .rules import objects

OK, FAILED, UNKNOWN = "#2e7d32", "#c62828", "#9e9e9e"  # green, red, grey


class TopologyError(Exception):
    pass


def last_preflight(folder: Path | None) -> tuple[dict[str, bool], str | None]:
    """room -> passed, from the newest preflight report in `folder`, and when it ran."""
    for _, data in read_reports(folder, "preflight")[:1]:
        return {r["room"]: bool(r.get("ok")) for r in data.get("rooms", []) if "room" in r}, data.get("when")
    return {}, None


def _q(text: str) -> str:
    return '"' + str(text).replace("\\", "\\\\").replace('"', '\\"') + '"'


def dot_source(inv, preflight: dict[str, bool], when: str | None = None) -> str:
    share = inv.network.get("conference_share_percent", 0)
    title = f"Hệ thống giao ban trực tuyến {inv.province['name']}" + (f" — kiểm tra gần nhất: {when}" if when else "")
    lines = ["graph gbtt {",
             f"  graph [rankdir=LR, fontname=\"Liberation Sans\", fontsize=11, label={_q(title)}, labelloc=t];",
             "  node [fontname=\"Liberation Sans\", fontsize=10, shape=box, style=\"rounded,filled\", fillcolor=white];",
             "  edge [fontname=\"Liberation Sans\", fontsize=9];"]
    devices = dict(objects(inv.network.get("devices")))
    by_site: dict[str, list[str]] = {}
    for name, dev in devices.items():
        by_site.setdefault(dev.get("site"), []).append(name)
    centre = inv.centre.get("id")
    lines.append(f"  subgraph cluster_{centre.replace('-', '_')} {{")
    lines.append(f"    label={_q(inv.centre.get('name', centre))}; style=rounded; color=\"#0b3d91\";")
    for name, host in sorted(objects(inv.hosts)):
        label = "\n".join((name, host.get("role", ""), host.get("address", "")))
        lines.append(f"    {_q(name)} [label={_q(label)}, fillcolor=\"#e3f2fd\"];")
        gateway = next((d for d in by_site.get(centre, []) if devices[d].get("kind") == "router"), None)
        if gateway:
            lines.append(f"    {_q(gateway)} -- {_q(name)};")
    for name in sorted(by_site.get(centre, [])):
        lines.append(f"    {_q(name)} [label={_q(name + chr(10) + devices[name].get('model', ''))}, shape=component];")
    lines.append("  }")
    for sid, site in sorted(objects(inv.sites)):
        router = site.get("network", {}).get("router")
        lines.append(f"  subgraph cluster_{sid.replace('-', '_')} {{")
        lines.append(f"    label={_q(site.get('name', sid))}; style=rounded; color=\"#90a4ae\";")
        if router:
            lines.append(f"    {_q(router)} [label={_q(router + chr(10) + devices.get(router, {}).get('model', ''))},"
                         " shape=component];")
        for ep in site.get("endpoints", []):
            ok = preflight.get(ep["id"])
            colour = UNKNOWN if ok is None else OK if ok else FAILED
            verdict = "chưa kiểm tra" if ok is None else "đạt" if ok else "không đạt"
            label = f"{ep['id']}\n{ep['platform']}, {ep['profile']}\n{verdict}"
            lines.append(f"    {_q(ep['id'])} [label={_q(label)}, fillcolor={_q(colour)}, fontcolor=white];")
            if router:
                lines.append(f"    {_q(router)} -- {_q(ep['id'])};")
        lines.append("  }")
    for link in inv.network.get("links", []):
        mbps = link.get("bandwidth_mbps")
        label = f"{mbps} Mbps\\nGBTT {share}% = {mbps * share / 100:g} Mbps" if isinstance(mbps, (int, float)) else ""
        lines.append(f"  {_q(link['a'])} -- {_q(link['b'])} [label=\"{label}\", penwidth=2, color=\"#0b3d91\"];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def render_svg(dot: str) -> str:
    exe = shutil.which("dot")
    if not exe:
        raise TopologyError("Graphviz's `dot` is not installed (Debian package graphviz; scripts/setup.sh installs it)")
    proc = subprocess.run([exe, "-Tsvg"], input=dot, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise TopologyError(f"dot: {proc.stderr.strip()[:300]}")
    return proc.stdout


def write_topology(inv, out: Path, preflight_dir: Path | None) -> Path:
    results, when = last_preflight(preflight_dir)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_svg(dot_source(inv, results, when)), encoding="utf-8")
    return out
