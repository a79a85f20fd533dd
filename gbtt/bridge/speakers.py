"""Who speaks in a meeting, from the rooms' sound levels (gbtt_bridge.voice
measures them every 100 ms); standard library only. A room speaks while its
level stays above `talk_db` for `talk_ms`, and stops after `quiet_ms` below it
(or at once when muted); the loudest room speaking takes the floor once the
speaker has held it for `hold_ms` and is out-spoken by `margin_db`, or has
stopped speaking. The speaker layout puts the floor's room large."""
from __future__ import annotations

import threading
import time


class Speakers:
    """Who speaks in one meeting, from the rooms' levels (knobs: talk_db, talk_ms, quiet_ms, hold_ms,
    margin_db). Fed from GLib's thread, read from sippy's: one lock."""

    def __init__(self, knobs: dict, on_speaker):
        self.knobs, self.on_speaker = knobs, on_speaker
        self.loud_since: dict[str, float] = {}  # room -> since when above talk_db (continuously)
        self.quiet_since: dict[str, float] = {}
        self.talking: set[str] = set()
        self.levels: dict[str, float] = {}
        self.speaker: str | None = None
        self.speaker_since = 0.0
        self.lock = threading.Lock()

    def level(self, room: str, db: float, muted: bool, now: float | None = None) -> None:
        now = time.monotonic() if now is None else now
        k = self.knobs
        with self.lock:
            self.levels[room] = db
            if db >= k["talk_db"] and not muted:
                self.loud_since.setdefault(room, now)
                self.quiet_since.pop(room, None)
                if now - self.loud_since[room] >= k["talk_ms"] / 1000:
                    self.talking.add(room)
            else:
                self.loud_since.pop(room, None)
                self.quiet_since.setdefault(room, now)
                if muted or now - self.quiet_since[room] >= k["quiet_ms"] / 1000:
                    self.talking.discard(room)
            chosen = self._choose(now)
        if chosen:
            self.on_speaker(chosen)

    def state(self, room: str) -> dict:
        with self.lock:
            return {"talking": room in self.talking, "level_db": round(self.levels.get(room, -127.0), 1)}

    def forget(self, room: str) -> None:
        with self.lock:
            for table in (self.loud_since, self.quiet_since, self.levels):
                table.pop(room, None)
            self.talking.discard(room)
            if self.speaker == room:
                self.speaker = None

    def _choose(self, now: float) -> str | None:
        """The new speaker, if it changes: the loudest other room speaking, once the speaker has held the floor
        for hold_ms and is out-spoken by margin_db, or has stopped speaking."""
        others = [r for r in self.talking if r != self.speaker]
        if not others:
            return None
        best = max(others, key=lambda r: self.levels.get(r, -127.0))
        if self.speaker in self.talking and (
                now - self.speaker_since < self.knobs["hold_ms"] / 1000
                or self.levels[best] < self.levels.get(self.speaker, -127.0) + self.knobs["margin_db"]):
            return None
        self.speaker, self.speaker_since = best, now
        return best
