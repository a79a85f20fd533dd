"""Where each room's picture goes on the meeting's canvas (standard library
only): continuous presence (`grid`: every room, in rows and columns) or
voice-activated switching (`speaker`: the room speaking large, the others
small around it, most recent speakers first). Every tile keeps the canvas's
aspect ratio and is centred in its cell; coordinates are even (the encoders'
4:2:0 chroma)."""
from __future__ import annotations

import math
from typing import NamedTuple

LAYOUTS = ("grid", "speaker")


class Tile(NamedTuple):
    x: int
    y: int
    width: int
    height: int


def _even(v: float) -> int:
    return int(v) // 2 * 2


def _fit(x: float, y: float, w: float, h: float, aspect: float) -> Tile:
    """The largest box of `aspect` (width/height) centred in the cell."""
    if w / h > aspect:
        fw, fh = h * aspect, h
    else:
        fw, fh = w, w / aspect
    return Tile(_even(x + (w - fw) / 2), _even(y + (h - fh) / 2), _even(fw), _even(fh))


def grid(n: int, width: int, height: int) -> list[Tile]:
    """n tiles in ceil(sqrt(n)) columns, filled row by row; the last row centred."""
    if n <= 0:
        return []
    cols = math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    cw, ch = width / cols, height / rows
    out = []
    for i in range(n):
        row, col = divmod(i, cols)
        in_row = min(cols, n - row * cols)
        offset = (cols - in_row) * cw / 2
        out.append(_fit(offset + col * cw, row * ch, cw, ch, width / height))
    return out


def speaker(n: int, width: int, height: int) -> list[Tile | None]:
    """The first tile (the speaker) on 3/4 of each side at the top left; then up to 7 small ones, a quarter of
    each side, down the right edge and along the bottom; the rest are not shown (None)."""
    if n <= 0:
        return []
    if n == 1:
        return [Tile(0, 0, _even(width), _even(height))]
    qw, qh = width / 4, height / 4
    small = [(3 * qw, r * qh) for r in range(4)] + [(c * qw, 3 * qh) for c in (2, 1, 0)]
    out: list[Tile | None] = [_fit(0, 0, 3 * qw, 3 * qh, width / height)]
    for i in range(1, n):
        out.append(_fit(*small[i - 1], qw, qh, width / height) if i - 1 < len(small) else None)
    return out


def layout(kind: str, rooms: list[str], width: int, height: int, speakers: list[str] = ()) -> dict[str, Tile | None]:
    """Each room's tile: `rooms` in their meeting order; for `speaker`, the most recent speakers first
    (`speakers`, latest first), then the others in meeting order."""
    if kind == "grid":
        return dict(zip(rooms, grid(len(rooms), width, height)))
    if kind == "speaker":
        order = [r for r in speakers if r in rooms] + [r for r in rooms if r not in speakers]
        return dict(zip(order, speaker(len(order), width, height)))
    raise ValueError(f"unknown layout {kind!r} (allowed: {', '.join(LAYOUTS)})")
