"""Tone probe (stdlib only): how loud each of some tones is in what a lab
room system heard, from the newest decoded-audio dump baresip's sndfile
wrote (`*-dec.wav`; its header's sizes stay 0 while the call runs). The level
of each frequency (Goertzel, Hann window) over the last SECONDS, in dB relative to a
full-scale sine. As a script it prints one JSON object:

    python3 tones.py DIR SECONDS FREQ... [--remove]   # --remove: delete the dumps afterwards
"""

import array
import glob
import json
import math
import os
import struct
import sys
import time


def read_dump(path: str) -> tuple[int, array.array]:
    """(sample rate, the first channel's 16-bit samples) of a WAV file still being written."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:4] != b"RIFF" or raw[8:12] != b"WAVE":
        raise ValueError(f"{path}: not a WAV file")
    channels, rate = struct.unpack("<HI", raw[22:28])
    bits = struct.unpack("<H", raw[34:36])[0]
    if bits != 16:
        raise ValueError(f"{path}: {bits}-bit samples (16 expected)")
    start = raw.index(b"data", 36) + 8
    samples = array.array("h", raw[start:start + (len(raw) - start) // 2 * 2])
    if sys.byteorder != "little":
        samples.byteswap()
    return rate, samples[::channels]


def level(samples, freq: float, rate: int) -> float:
    """dB of `freq` relative to a full-scale sine (Goertzel over a Hann window, so that a strong
    neighbouring tone does not leak into the bin)."""
    n = len(samples)
    if n < 2:
        return -120.0
    k = 2 * math.cos(2 * math.pi * freq / rate)
    step = 2 * math.pi / (n - 1)
    s1 = s2 = 0.0
    for i, v in enumerate(samples):
        s1, s2 = v * (0.5 - 0.5 * math.cos(step * i)) + k * s1 - s2, s1
    power = max(s1 * s1 + s2 * s2 - k * s1 * s2, 1e-12)
    gain = (n - 1) / 2  # the window's sum: a full-scale sine gives 32768 x gain / 2 at its frequency
    return round(10 * math.log10(power * 4 / (gain ** 2 * 32768.0 ** 2)), 1)


def measure(folder: str, seconds: float, freqs: list[float]) -> dict:
    dumps = sorted(glob.glob(os.path.join(folder, "*-dec.wav")), key=os.path.getmtime)
    if not dumps:
        return {"error": f"no decoded audio in {folder}: the room received no audio in any call"}
    rate, samples = read_dump(dumps[-1])
    window = samples[-int(rate * seconds):]
    return {"file": dumps[-1], "rate": rate, "seconds": round(len(window) / rate, 2),
            "age": round(time.time() - os.path.getmtime(dumps[-1]), 2),
            "levels": {str(f): level(window, f, rate) for f in freqs}}


def main(argv: list[str]) -> int:
    remove = "--remove" in argv
    args = [a for a in argv if a != "--remove"]
    try:
        result = measure(args[0], float(args[1]), [float(f) for f in args[2:]])
    except (OSError, ValueError, IndexError) as exc:
        result = {"error": f"{type(exc).__name__}: {exc}"}
    if remove:
        for path in glob.glob(os.path.join(args[0], "dump-*.wav")):
            os.remove(path)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
