"""Tone probe (stdlib only): how loud each of some tones is in what a lab
room system heard, from the newest decoded-audio dump baresip's sndfile
wrote (`*-dec.wav`; its header's sizes stay 0 while the call runs). The level
of each frequency (Goertzel, Hann windows of 500 ms, their powers averaged; and
one window over it all) over the last SECONDS, in dB relative to a full-scale sine. Or when one tone began (`onset`): the wall-clock time of the
first 10 ms after SINCE where it is heard, the dump being written in real time
(its last sample at the file's modification time; 10 ms windows tell apart
tones about 200 Hz apart or more: the delay benchmark meets two rooms only). As a script it prints one
JSON object:

    python3 tones.py DIR SECONDS FREQ... [--remove]   # --remove: delete the dumps afterwards
    python3 tones.py onset DIR FREQ SINCE [DB]        # DB: heard from this level (default -35)
"""

import array
import glob
import json
import math
import os
import struct
import sys
import time


def read_dump(path: str, size: int | None = None) -> tuple[int, array.array]:
    """(sample rate, the first channel's 16-bit samples) of a WAV file still being written (its first `size`
    bytes: what it held at some moment)."""
    with open(path, "rb") as f:
        raw = f.read() if size is None else f.read(size)
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


CHUNK_S = 0.5  # Hann windows of 500 ms: tones 40 Hz apart stay apart (20 bins)


def mean_level(samples, freq: float, rate: int, chunk_s: float = CHUNK_S) -> float:
    """The level of `freq` over consecutive windows of `chunk_s`, their powers averaged: a sender whose sound
    jumps (a browser short of CPU, a jitter buffer's skip) is measured at its level, not at what a single
    window spanning the jump keeps of its phase."""
    n = max(2, int(rate * chunk_s))
    powers = [10 ** (level(samples[k:k + n], freq, rate) / 10) for k in range(0, len(samples) - n + 1, n)]
    return round(10 * math.log10(sum(powers) / len(powers)), 1) if powers else level(samples, freq, rate)


def measure(folder: str, seconds: float, freqs: list[float]) -> dict:
    dumps = sorted(glob.glob(os.path.join(folder, "*-dec.wav")), key=os.path.getmtime)
    if not dumps:
        return {"error": f"no decoded audio in {folder}: the room received no audio in any call"}
    rate, samples = read_dump(dumps[-1])
    window = samples[-int(rate * seconds):]
    return {"file": dumps[-1], "rate": rate, "seconds": round(len(window) / rate, 2),
            "age": round(time.time() - os.path.getmtime(dumps[-1]), 2),
            "levels": {str(f): mean_level(window, f, rate) for f in freqs},
            # one window over it all: the lowest noise floor, for a tone that must be absent (a room's own)
            "levels_whole": {str(f): level(window, f, rate) for f in freqs}}


def onset(folder: str, freq: float, since: float, heard_db: float = -35.0, window_s: float = 0.01) -> dict:
    """The wall-clock time `freq` starts being heard (at `heard_db` or more over `window_s`) after `since`."""
    dumps = sorted(glob.glob(os.path.join(folder, "*-dec.wav")), key=os.path.getmtime)
    if not dumps:
        return {"error": f"no decoded audio in {folder}"}
    st = os.stat(dumps[-1])
    rate, samples = read_dump(dumps[-1], st.st_size)  # what the file held at its modification time
    end = st.st_mtime_ns / 1e9
    n = int(rate * window_s)
    first = max(0, len(samples) - int((end - since) * rate))
    for k in range(first, len(samples) - n, n):
        if level(samples[k:k + n], freq, rate) >= heard_db:
            return {"onset": end - (len(samples) - k - n / 2) / rate, "rate": rate, "file": dumps[-1]}
    return {"onset": None, "rate": rate, "file": dumps[-1], "searched_s": round((len(samples) - first) / rate, 2)}


def main(argv: list[str]) -> int:
    if argv[:1] == ["onset"]:
        try:
            result = onset(argv[1], float(argv[2]), float(argv[3]), *(float(a) for a in argv[4:5]))
        except (OSError, ValueError, IndexError) as exc:
            result = {"error": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(result))
        return 0
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
