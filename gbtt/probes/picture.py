"""Picture probe (stdlib only): what a room system's call receives of video,
from baresip's own `video_debug` (its video receiver: the decoded size and the
frames displayed) read twice, SECONDS apart. As a script it prints one JSON
object:

    python3 picture.py CTRL_PORT SECONDS
    {"size": "320x180", "fps": 9.8, "frames": 312, "keyframes": 4, "decoder": "H264"}  (or {"error": ...})
"""
import json
import re
import sys
import time

from baresip import command

RX = re.compile(r"rx: decode: (\S+).*?vidisp: \S+ (\d+) x (\d+) frames=(\d+)\s+n_keyframes=(\d+)", re.S)


def received(callstat: str) -> dict | None:
    """The video receiver's decoder, size, frames and key frames from a `video_debug` text (None: no video)."""
    m = RX.search(callstat)
    if m is None:
        return None
    return {"decoder": m.group(1), "width": int(m.group(2)), "height": int(m.group(3)),
            "frames": int(m.group(4)), "keyframes": int(m.group(5))}


def measure(port: int, seconds: float) -> dict:
    first = received(command(port, "video_debug").get("data", ""))
    t0 = time.monotonic()
    if first is None:
        return {"error": "no video stream in the room's call"}
    time.sleep(seconds)
    last = received(command(port, "video_debug").get("data", ""))
    elapsed = time.monotonic() - t0
    if last is None:
        return {"error": "the call ended while measuring"}
    return {"size": f"{last['width']}x{last['height']}" if last["width"] else None,
            "fps": round((last["frames"] - first["frames"]) / elapsed, 1), "frames": last["frames"],
            "keyframes": last["keyframes"], "decoder": last["decoder"]}


def main(argv: list) -> int:
    try:
        result = measure(int(argv[0]), float(argv[1]))
    except (OSError, ValueError) as exc:
        result = {"error": f"{type(exc).__name__}: {exc}"}
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
