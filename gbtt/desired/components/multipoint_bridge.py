"""`multipoint_bridge`: the bridge that connects the SIP rooms of a meeting
(Art. 2.3). Its program (`gbtt/bridge/`, shipped as the package
`gbtt_bridge`) is a SIP user agent (sippy, from PyPI, in its own virtualenv
with hash-pinned requirements) that puts each room of a meeting into the
meeting's Janus AudioBridge room on the conference server as a plain-RTP
participant; Janus mixes (mix-minus). The model gives it every booked meeting
not yet over (its number, PIN, title and rooms with their codecs), the
registrar it calls the rooms through (with its own SIP account), the
conference server's Janus API, and the central engineer's loopback control
port. The meetings' WebRTC room PCs join the same Janus rooms from their
browsers; the bridge publishes its composed picture there and takes theirs
(gbtt_bridge.web)."""
from __future__ import annotations

import json
from pathlib import Path

from ...codecs import CODECS
from ...lab.aptcache import PORT as APT_CACHE_PORT, WHEELS_PATH
from ...meetings import meetings
from ...pki import CA_FILE
from ..model import ComponentState, FileSpec, Port, ServiceSpec
from .conference import meeting_room_id, rehearsal_room_id, room_pin, room_secret

PROGRAM = Path(__file__).resolve().parents[2] / "bridge"
MODULES = ("__init__", "sdp", "janus_client", "service", "control", "gst", "video", "tiles", "voice", "speakers", "web")
LIB_DIR = "/usr/local/lib/gbtt-bridge"
CONFIG = "/etc/gbtt/bridge/bridge.json"
STATE_FILE = "/var/lib/gbtt-bridge/started.json"  # the meetings running (systemd's StateDirectory)
USER = "gbtt-bridge"
LAB_WHEELS = f"http://host.containers.internal:{APT_CACHE_PORT}/{WHEELS_PATH}/index.html"


def bridge_user(inv) -> str:
    return inv.province.get("bridge_sip_user", "gbtt-bridge")


def room_systems(inv, site_ids, kind: str, lab_video: dict | None = None) -> list[dict]:
    """The room systems of `kind` of these sites, in their order: {id, name (the site's), site, video (what it
    sends and receives: codec as SDP names it, width, height, fps, kbps; `lab_video` the lab's knob)}."""
    from .room_pc import room_video
    out = []
    for sid in site_ids:
        for ep in inv.sites[sid]["endpoints"]:
            if ep["kind"] != kind:
                continue
            video = room_video(inv.codec_profiles[ep["profile"]]["video"], lab_video)
            out.append({"id": ep["id"], "name": inv.sites[sid]["name"], "site": sid,
                        "video": {**video, "codec": CODECS[video["codec"]].sdp}})
    return out


def sip_rooms(inv, site_ids, lab_video: dict | None = None) -> list[dict]:
    """The SIP room systems of these sites (the bridge calls them, and they it)."""
    return room_systems(inv, site_ids, "sip-room-system", lab_video)


def web_rooms(inv, site_ids, lab_video: dict | None = None) -> list[dict]:
    """The WebRTC room PCs of these sites (browsers: they join the meeting's Janus rooms themselves)."""
    return room_systems(inv, site_ids, "webrtc-pc", lab_video)


def lab_video(ctx) -> dict | None:
    return ctx.defaults("room_pc")["baresip_lab_video"] if ctx.lab else None


def video_codecs() -> dict[str, dict]:
    """GStreamer's chains of every video codec, by SDP name (gbtt.codecs)."""
    return {c.sdp: {"decode": c.gst_decode, "encode": c.gst_encode} for c in CODECS.values()
            if c.kind == "video" and c.gst_encode}


def audio_decoders() -> dict[str, str]:
    """GStreamer's decoding chain of every audio codec, by Janus's name (the bridge measures levels)."""
    return {c.janus: c.gst_decode for c in CODECS.values() if c.kind == "audio" and c.gst_decode}


# GStreamer for the sound's levels and the pictures; each codec's own plugins come from its entry
GSTREAMER_PACKAGES = ("python3-gst-1.0", "gstreamer1.0-plugins-base", "gstreamer1.0-plugins-good")


REHEARSAL_TITLE = "Tổng duyệt - mọi điểm cầu"


def bridge_meetings(ctx) -> dict[str, dict]:
    """Every booked meeting not yet over: its number (the Janus room), PIN, title and SIP rooms; and the
    rehearsal of every room (gbtt rehearse --rooms all), in its standing room."""
    out, video = {}, lab_video(ctx)
    for m in meetings(ctx.inv):
        if m.end <= ctx.now:
            continue
        number = meeting_room_id(ctx.inv, m)
        out[str(number)] = {**_janus_room(ctx, number), "title": m.title, "start": m.start.isoformat(),
                            "end": m.end.isoformat(), "layout": m.layout, "rooms": sip_rooms(ctx.inv, m.rooms, video),
                            "web_rooms": web_rooms(ctx.inv, m.rooms, video)}
    number = rehearsal_room_id(ctx.inv)
    everyone = sorted(ctx.inv.sites)
    out[str(number)] = {**_janus_room(ctx, number), "title": REHEARSAL_TITLE, "start": None, "end": None,
                        "layout": "grid", "rooms": sip_rooms(ctx.inv, everyone, video),
                        "web_rooms": web_rooms(ctx.inv, everyone, video)}
    return out


def _janus_room(ctx, number: int) -> dict:
    """The meeting's Janus rooms (AudioBridge and VideoRoom share the number), their PIN and secret."""
    return {"room": number, "pin": room_pin(ctx.secrets, number), "secret": room_secret(ctx.secrets, number)}


def build(ctx) -> ComponentState:
    knobs = ctx.defaults("multipoint_bridge")
    sip_port = ctx.defaults("sip_registrar")["kamailio_sip_port"]
    conference = ctx.hosts_with_role("conference")[0]
    config = {
        "sip": {"address": ctx.address, "port": knobs["multipoint_bridge_sip_port"],
                "domain": ctx.inv.province["sip_domain"], "user": bridge_user(ctx.inv),
                "password": ctx.secrets["bridge_sip_password"],
                "registrars": [[a, sip_port] for a in ctx.service_addresses("sip_registrar")],
                "registrar_timeout": knobs["multipoint_bridge_registrar_timeout_seconds"]},
        "janus": {"url": f"https://{ctx.addr(conference.address)}:{ctx.defaults('conference')['janus_https_port']}/janus",
                  "api_secret": ctx.secrets["janus_api_secret"], "cafile": CA_FILE,
                  # the composed picture into the meetings' VideoRooms (gbtt_bridge.web)
                  "address": ctx.addr(conference.address),
                  "remote_ports": [int(p) for p in ctx.defaults("conference")["janus_remote_publisher_ports"].split("-")]},
        "control_port": knobs["multipoint_bridge_control_port"],
        "state_file": STATE_FILE,
        "prebuffer": knobs["multipoint_bridge_prebuffer_packets"],
        "redial": {"seconds": knobs["multipoint_bridge_redial_seconds"],
                   "for_seconds": knobs["multipoint_bridge_redial_for_seconds"]},
        "media_ports": [int(p) for p in knobs["multipoint_bridge_media_ports"].split("-")],
        "video": {"codecs": video_codecs()},
        "voice": {"codecs": audio_decoders(),
                  **{k: knobs[f"multipoint_bridge_{k}"] for k in ("talk_db", "talk_ms", "quiet_ms", "hold_ms",
                                                                   "margin_db")}},
        "guests": [ctx.defaults("preflight_probe")["probe_sip_user"]],  # the central probe: rehearsals and tests
        # the lab's rooms send steady full-scale tones: each enters the mix at this gain (%), so that 13 of them
        # do not clip (production: 100, speech)
        "volume": knobs["multipoint_bridge_lab_volume"] if ctx.lab else 100,
        "meetings": bridge_meetings(ctx),
    }
    # the lab's hosts take the pinned files from the machine's package cache (gbtt.lab.wheelhouse): plain
    # HTTP inside the machine, each file still checked against its pinned SHA-256
    pip_source = f"--no-index --find-links {LAB_WHEELS} --trusted-host host.containers.internal" if ctx.lab else \
        f"--index-url {knobs['multipoint_bridge_pip_index']}"
    restart = ["gbtt-bridge"]
    program = [FileSpec(f"{LIB_DIR}/gbtt_bridge/{name}.py", (PROGRAM / f"{name}.py").read_text(encoding="utf-8"),
                        restart=restart) for name in MODULES]
    return ComponentState(
        name="multipoint_bridge",
        packages=["python3-venv", *GSTREAMER_PACKAGES, *sorted({p for c in CODECS.values() for p in c.gst_packages})],
        users=[USER],
        files=[
            *program,
            FileSpec(f"{LIB_DIR}/requirements.txt", (PROGRAM / "requirements.txt").read_text(encoding="utf-8"),
                     restart=["gbtt-bridge-venv", *restart]),
            FileSpec("/etc/systemd/system/gbtt-bridge-venv.service", ctx.render(
                "multipoint_bridge/gbtt-bridge-venv.service.j2", lib_dir=LIB_DIR, pip_source=pip_source),
                restart=["daemon-reload", "gbtt-bridge-venv", *restart]),
            FileSpec("/etc/systemd/system/gbtt-bridge.service", ctx.render(
                "multipoint_bridge/gbtt-bridge.service.j2", lib_dir=LIB_DIR, config=CONFIG, user=USER),
                restart=["daemon-reload", *restart]),
            FileSpec(CONFIG, json.dumps(config, indent=1, ensure_ascii=False, sort_keys=True) + "\n",
                     mode="0640", group=USER, secret=True, restart=restart),
        ],
        services=[ServiceSpec("gbtt-bridge-venv"), ServiceSpec("gbtt-bridge")],
        ports=[Port("udp", str(knobs["multipoint_bridge_sip_port"]), "sip_registrar",
                    "SIP of the meetings' calls, from the registrar"),
               Port("udp", knobs["multipoint_bridge_media_ports"], "media_relay",
                    "RTP and RTCP of the rooms' sound and pictures, from the media relay"),
               Port("udp", knobs["multipoint_bridge_media_ports"], "conference",
                    "RTP and RTCP of the rooms' mix-minus, from Janus AudioBridge")],
    )
