"""The SDP the bridge reads and writes (RFC 4566/3264), standard library only.

The bridge carries one audio stream per room to Janus AudioBridge (opus,
PCMU or PCMA) and one video stream to and from its compositor (the codecs of
its configuration); a room's other media lines are refused (port 0) in the
answer, as RFC 3264 asks."""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field

# What Janus AudioBridge mixes, by SDP encoding name, in the bridge's order of preference.
MIXABLE = ("opus", "PCMU", "PCMA")


@dataclass
class Media:
    kind: str  # audio | video | …
    port: int
    proto: str
    formats: list[str]
    address: str | None = None  # its own c= line, else the session's
    rtpmap: dict[str, str] = field(default_factory=dict)  # payload type -> "opus/48000/2"
    fmtp: dict[str, str] = field(default_factory=dict)
    extmap: dict[str, int] = field(default_factory=dict)  # extension URI -> id
    rtcp: int | None = None  # a=rtcp (RFC 3605), else the RTP port + 1

    @property
    def rtcp_port(self) -> int:
        return self.rtcp or self.port + 1


@dataclass
class Offer:
    address: str
    media: list[Media]

    def audio(self) -> Media | None:
        return next((m for m in self.media if m.kind == "audio" and m.port), None)

    def video(self) -> Media | None:
        return next((m for m in self.media if m.kind == "video" and m.port), None)


def parse(text: str) -> Offer:
    """The session's connection address and its media lines (ValueError if it has none)."""
    session_address, media = None, []
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("m="):
            kind, port, proto, *formats = line[2:].split()
            media.append(Media(kind, int(port.split("/")[0]), proto, formats))
        elif line.startswith("c="):
            address = line.split()[-1].split("/")[0]
            if media:
                media[-1].address = address
            else:
                session_address = address
        elif media and line.startswith("a=rtpmap:"):
            pt, _, enc = line[9:].partition(" ")
            media[-1].rtpmap[pt] = enc
        elif media and line.startswith("a=fmtp:"):
            pt, _, params = line[7:].partition(" ")
            media[-1].fmtp[pt] = params
        elif media and line.startswith("a=rtcp:"):
            media[-1].rtcp = int(line[7:].split()[0])
        elif media and line.startswith("a=extmap:"):
            m = re.match(r"a=extmap:(\d+)(?:/\S+)? (\S+)", line)
            if m:
                media[-1].extmap[m.group(2)] = int(m.group(1))
    if not media:
        raise ValueError("no media line")
    for m in media:
        m.address = m.address or session_address
        if m.address is None:
            raise ValueError(f"{m.kind}: no connection address")
    return Offer(session_address or media[0].address, media)


AUDIO_LEVEL = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"


@dataclass(frozen=True)
class Choice:
    codec: str  # Janus's name: opus | pcmu | pcma
    payload_type: int
    rtpmap: str
    fmtp: str | None
    audiolevel_ext: int | None


def choose(audio: Media, order: tuple[str, ...] = MIXABLE) -> Choice | None:
    """The first codec of `order` the room offers (by rtpmap, or the static payload type)."""
    by_name = {}
    for pt in audio.formats:
        enc = audio.rtpmap.get(pt) or {"0": "PCMU/8000", "8": "PCMA/8000"}.get(pt)
        if enc:
            by_name.setdefault(enc.split("/")[0].lower(), (int(pt), enc))
    for name in order:
        if name.lower() in by_name:
            pt, enc = by_name[name.lower()]
            return Choice(name.lower(), pt, enc, audio.fmtp.get(str(pt)), audio.extmap.get(AUDIO_LEVEL))
    return None


@dataclass(frozen=True)
class VideoChoice:
    codec: str  # as SDP names it: VP8, H264 …
    payload_type: int
    rtpmap: str
    fmtp: str | None


def choose_video(video: Media, order: list[str]) -> VideoChoice | None:
    """The first codec of `order` the room offers; for H.264 the payload type in packetization mode 1
    (the bridge's payloader fragments), else the first."""
    offered = []
    for pt in video.formats:
        enc = video.rtpmap.get(pt)
        if enc:
            offered.append((enc.split("/")[0].upper(), int(pt), enc, video.fmtp.get(pt)))
    for name in order:
        mine = [o for o in offered if o[0] == name.upper()]
        if mine:
            mode1 = [o for o in mine if "packetization-mode=1" in (o[3] or "")]
            codec, pt, enc, fmtp = (mode1 or mine)[0]
            return VideoChoice(name, pt, enc, fmtp)
    return None


def _origin(address: str) -> str:
    sid = int(time.time())
    return f"o=gbtt-bridge {sid} {sid} IN IP4 {address}"


def answer(offer: Offer, choice: Choice, address: str, port: int,
           video: tuple[VideoChoice, str, int] | None = None) -> str:
    """The bridge's answer: Janus's RTP address and port for the chosen audio codec; `video` (the choice, the
    compositor's address and port) for the first video line; every other line refused."""
    lines = ["v=0", _origin(address), "s=gbtt-bridge", f"c=IN IP4 {address}", "t=0 0"]
    chosen = offer.audio()
    for m in offer.media:
        if video is not None and m is offer.video():
            vc, vaddress, vport = video
            lines += [f"m=video {vport} {m.proto} {vc.payload_type}", f"c=IN IP4 {vaddress}",
                      f"a=rtpmap:{vc.payload_type} {vc.rtpmap}"]
            if vc.fmtp:
                lines.append(f"a=fmtp:{vc.payload_type} {vc.fmtp}")
            lines += [f"a=rtcp-fb:{vc.payload_type} nack pli", f"a=rtcp-fb:{vc.payload_type} ccm fir", "a=sendrecv"]
            continue
        if m is not chosen:
            lines.append(f"m={m.kind} 0 {m.proto} {m.formats[0]}")
            continue
        lines += [f"m=audio {port} {m.proto} {choice.payload_type}", f"a=rtpmap:{choice.payload_type} {choice.rtpmap}"]
        if choice.fmtp:
            lines.append(f"a=fmtp:{choice.payload_type} {choice.fmtp}")
        if choice.audiolevel_ext:
            lines.append(f"a=extmap:{choice.audiolevel_ext} {AUDIO_LEVEL}")
        lines += ["a=sendrecv", "a=ptime:20"]
    return "\r\n".join(lines) + "\r\n"
