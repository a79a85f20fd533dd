"""`gbtt backgrounds`: the rooms' backgrounds of Art. 4.3 (phông nền) as
files for the screens: the SVG the conference host serves, and a PNG of the
standard's size rendered from it (rsvg-convert; Liberation Serif stands in
for Times New Roman, with the same metrics)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from .desired.components.room_provisioning import DEFAULT_TITLE, background
from .validate import load_valid


class BackgroundError(Exception):
    pass


def write_backgrounds(inventory: Path, out: Path, sites: list[str] | None = None, title: str = DEFAULT_TITLE,
                      png: bool = True) -> list[Path]:
    inv = load_valid(inventory)
    unknown = sorted(set(sites or ()) - set(inv.sites))
    if unknown:
        raise BackgroundError(f"unknown site(s) {', '.join(unknown)} (known: {', '.join(sorted(inv.sites))})")
    converter = shutil.which("rsvg-convert")
    if png and not converter:
        raise BackgroundError("rsvg-convert is missing (Debian package librsvg2-bin; scripts/setup.sh installs it)")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for sid in sites or sorted(inv.sites):
        svg = out / f"{sid}.svg"
        svg.write_text(background(inv, sid, title), encoding="utf-8")
        written.append(svg)
        if png:
            subprocess.run([converter, "--format", "png", "--output", str(svg.with_suffix(".png")), str(svg)],
                           check=True, capture_output=True)
            written.append(svg.with_suffix(".png"))
    return written
