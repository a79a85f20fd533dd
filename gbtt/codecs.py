"""The codecs of the system: one entry per codec, with the name each program
and device knows it by. Everything that names a codec takes it from here:
the codec profiles' schema (`allowed_from: codecs.audio|video`), baresip's
modules and accounts, rtpengine's codec policy, Janus's rooms, SDP (the
preflight's expectations) and the edge routers' marking by RTP payload
type. (The hardware codecs get no codec order: Poly Video OS has none to
provision, and the relay's codec policy holds every call to the profile.)

A new codec is one entry here (and its package, if baresip needs one)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Codec:
    name: str  # as the inventory's codec profiles write it
    kind: str  # audio | video
    sdp: str  # the SDP rtpmap encoding name (also rtpengine's and the preflight's)
    baresip_module: str  # the baresip module that provides it
    baresip: str  # as baresip's accounts (audio_codecs / video_codecs) name it
    payload_types: tuple[int, ...]  # what baresip 1.0 puts on the wire (static, or its modules' dynamic ones)
    janus: str  # Janus VideoRoom / AudioBridge `audiocodec` / `videocodec`
    baresip_package: str = "baresip-core"  # the Debian package holding baresip's module
    webrtc: bool = True  # browsers negotiate it (RFC 7874 / RFC 7742)
    # GStreamer's chains on the multipoint bridge: RTP in to raw sound (its level: gbtt/bridge/voice.py) or
    # pictures (gbtt/bridge/video.py); raw pictures out to RTP ({bps}, {gop} frames between key frames, {pt});
    # the Debian packages holding them beyond -base and -good
    gst_decode: str | None = None
    gst_encode: str | None = None
    gst_packages: tuple[str, ...] = ()


_VPX_ENC = ("deadline=1 cpu-used=8 threads=1 end-usage=cbr target-bitrate={{bps}} keyframe-max-dist={{gop}} "
            "lag-in-frames=0 error-resilient=default ! rtp{0}pay pt={{pt}} picture-id-mode=15-bit mtu=1200")


CODECS: dict[str, Codec] = {c.name: c for c in (
    Codec("opus", "audio", "opus", "opus", "opus/48000/2", (96,), "opus",
          gst_decode="rtpopusdepay ! opusdec plc=true"),
    Codec("g722", "audio", "G722", "g722", "G722/16000/1", (9,), "g722", webrtc=False),
    Codec("pcmu", "audio", "PCMU", "g711", "PCMU/8000/1", (0,), "pcmu", webrtc=False,
          gst_decode="rtppcmudepay ! mulawdec"),
    Codec("pcma", "audio", "PCMA", "g711", "PCMA/8000/1", (8,), "pcma", webrtc=False,
          gst_decode="rtppcmadepay ! alawdec"),
    Codec("h264", "video", "H264", "avcodec", "H264", (96, 97), "h264",
          baresip_package="baresip-ffmpeg",
          gst_decode="rtph264depay request-keyframe=true wait-for-keyframe=true ! avdec_h264",
          gst_encode="x264enc tune=zerolatency speed-preset=ultrafast bitrate={kbps} key-int-max={gop} threads=1 "
                     "! video/x-h264,profile=constrained-baseline,stream-format=byte-stream "
                     "! rtph264pay pt={pt} config-interval=-1 aggregate-mode=zero-latency mtu=1200",
          gst_packages=("gstreamer1.0-plugins-ugly", "gstreamer1.0-libav")),
    Codec("vp8", "video", "VP8", "vp8", "VP8", (100,), "vp8",
          gst_decode="rtpvp8depay request-keyframe=true wait-for-keyframe=true ! vp8dec",
          gst_encode="vp8enc " + _VPX_ENC.format("vp8"), gst_packages=("gstreamer1.0-plugins-good",)),
    Codec("vp9", "video", "VP9", "vp9", "VP9", (101,), "vp9",
          gst_decode="rtpvp9depay request-keyframe=true wait-for-keyframe=true ! vp9dec",
          gst_encode="vp9enc " + _VPX_ENC.format("vp9"), gst_packages=("gstreamer1.0-plugins-good",)),
)}


def names(kind: str) -> list[str]:
    """The codecs of one kind, in the table's order (the schema's allowed list)."""
    return [c.name for c in CODECS.values() if c.kind == kind]


def webrtc_names(kind: str) -> list[str]:
    return [c.name for c in CODECS.values() if c.kind == kind and c.webrtc]
