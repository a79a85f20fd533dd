"""`room_pc`: the SIP room system of a bridge room's Linux PC (baresip 1.0):
its account and password (vault), the registrars as outbound proxies, the
codecs and rates of its codec profile, auto-answer for the central probe's
calls only, local control on loopback, and a hardened systemd unit. The
camera and microphone are real devices in production and generated ones in
the lab."""
from __future__ import annotations

import uuid

from ...codecs import CODECS
from ..model import ComponentState, FileSpec, Port, ServiceSpec
from .media_relay import tos
from ...phonebook import entries as phonebook, quoted
from .multipoint_bridge import bridge_user
CONFIG_DIR = "/etc/gbtt/baresip"
USER = "gbtt-baresip"


def device_set(ctx, knobs: dict) -> dict:
    return knobs["baresip_lab_devices" if ctx.lab else "baresip_production_devices"]


HEARD_DIR = "/run/gbtt-baresip"  # the lab: what the room hears, decoded, per call (baresip's sndfile; gbtt rehearse)
# The lab's tones, one per room system the lab runs (baresip room PCs, and the browsers of the WebRTC
# room PCs, gbtt.lab.browser; the hardware codecs are not emulated):
# 310 Hz + 20 Hz x the marks of a Golomb ruler (every difference of two marks is different), so that no
# product of the mix's distortion (f1 + f2 - f3, 2 f1 - f2: odd multiples of 10 Hz, as the tones) lands on
# a tone, and no f1 +- f2 (even multiples) either. The shortest ruler below for the count is used: the 13
# room PCs and 2 browsers of Binh Dinh sound from 310 to 3610 Hz, at least 40 Hz apart, below G.722's
# 4 kHz band edge (a 4190 Hz tone reached a G.722 room at -52 dBFS through its upper band) and G.711's.
TONE_BASE, TONE_STEP = 310, 20
GOLOMB = {  # Golomb rulers (marks; the test checks that each difference is distinct)
    13: (0, 2, 5, 9, 15, 33, 52, 69, 81, 92, 108, 122, 130),  # no difference of 1 (found by search)
    15: (0, 2, 5, 9, 24, 40, 54, 82, 95, 118, 128, 139, 145, 157, 165),  # no difference of 1 (the shortest a search found)
    # optimal
    20: (0, 1, 8, 11, 68, 77, 94, 116, 121, 156, 158, 179, 194, 208, 212, 228, 240, 253, 259, 283),
}


def tone_marks(n: int) -> list[int]:
    """n marks with distinct pairwise differences: the shortest ruler above with n marks or more (its first
    n), else the longest extended greedily."""
    ruler = GOLOMB[min((k for k in GOLOMB if k >= n), default=max(GOLOMB))]
    marks = list(ruler[:n])
    diffs = {b - a for i, a in enumerate(marks) for b in marks[i + 1:]}
    candidate = marks[-1] + 1 if marks else 0
    while len(marks) < n:
        new = {candidate - m for m in marks}
        if not new & diffs and len(new) == len(marks):
            marks.append(candidate)
            diffs |= new
        candidate += 1
    return marks


def lab_rooms(inv) -> list[str]:
    """The room systems the lab runs (baresip room PCs, and browsers for the WebRTC room PCs), by id."""
    return sorted(ep["id"] for s in inv.sites.values() for ep in s["endpoints"]
                  if ep["kind"] == "webrtc-pc" or (ep["kind"] == "sip-room-system" and ep.get("platform") == "baresip"))


def lab_tone(inv, endpoint_id: str) -> int:
    """The tone a lab room PC sends (Hz): its own, so that a rehearsal tells who hears whom."""
    ids = lab_rooms(inv)
    return TONE_BASE + TONE_STEP * tone_marks(len(ids))[ids.index(endpoint_id)]


def room_video(video: dict, lab_video: dict | None) -> dict:
    """The pictures a room system sends and receives: its codec profile's; in the lab (`lab_video`: the knob
    baresip_lab_video) smaller, slower and thinner, so that a meeting of every room fits the machine."""
    if not lab_video:
        return dict(video)
    def even(v: int) -> int:
        return max(2, round(v / lab_video["divide"] / 2) * 2)
    return {**video, "width": even(video["width"]), "height": even(video["height"]),
            "fps": min(video["fps"], lab_video["fps"]), "kbps": max(32, video["kbps"] // lab_video["divide_kbps"])}


def device_modules(devices: dict) -> list[str]:
    """baresip names a device by its module: "alsa,default" is module alsa."""
    return sorted({v.split(",")[0] for v in devices.values()})


def outbound_params(ctx, port: int, registrars: list[str] | None = None) -> str:
    """baresip's `outbound`, `outbound2` … parameters: every SIP registrar of the model, or the addresses
    given. baresip calls through the first."""
    registrars = registrars or ctx.service_addresses("sip_registrar")
    names = ["outbound"] + [f"outbound{n}" for n in range(2, len(registrars) + 1)]
    return ";".join(f'{name}="sip:{a}:{port};transport=udp"' for name, a in zip(names, registrars))


def instance_uuid(inv, room: str) -> str:
    """The room system's SIP instance id (RFC 5626 +sip.instance), the same on every deploy."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"sip:{room}@{inv.province['sip_domain']}"))


def endpoint(ctx) -> dict:
    site = ctx.inv.sites[ctx.host.site]
    return next(ep for ep in site["endpoints"] if ep["id"] == ctx.host.name)


def build(ctx) -> ComponentState:
    knobs = ctx.defaults("room_pc")
    probe = ctx.defaults("preflight_probe")
    registrar = ctx.defaults("sip_registrar")
    ep = endpoint(ctx)
    profile = ctx.inv.codec_profiles[ep["profile"]]
    audio = profile["audio"]
    video = room_video(profile["video"], knobs["baresip_lab_video"] if ctx.lab else None)
    devices = device_set(ctx, knobs)
    if ctx.lab:  # its own tone in; what it hears, decoded, into a file per call (sndfile), played nowhere
        devices = {**devices, "audio_source": f"ausine,{lab_tone(ctx.inv, ep['id'])}", "audio_player": "aubridge,heard",
                   "audio_alert": "aubridge,alert"}
    domain = ctx.inv.province["sip_domain"]
    restart = ["gbtt-baresip"]
    # with more than one registrar the room registers through each: SIP Outbound (RFC 5626), which needs
    # the instance id of `instance_uuid`
    flows = len(ctx.hosts_with_role("sip_registrar")) > 1
    outbound = outbound_params(ctx, registrar["kamailio_sip_port"]) + (";sipnat=outbound" if flows else "")
    config = ctx.render("room_pc/baresip.config.j2", component="room_pc", sip_outbound=flows,
                        purpose=f"the SIP room system of {ctx.inv.sites[ctx.host.site]['name']}, profile {ep['profile']}",
                        address=ctx.address, sip_port=knobs["baresip_sip_port"], max_calls=1, devices=devices,
                        opus_kbps=audio["kbps"] if audio["codec"] == "opus" else None, video=video,
                        rtp_tos=tos(ctx.inv), rtp_ports=knobs["baresip_rtp_ports"],
                        jitter_buffer=knobs["baresip_jitter_buffer"], rtp_timeout=knobs["baresip_rtp_timeout"],
                        ctrl_port=knobs["baresip_ctrl_port"],
                        dump_dir=HEARD_DIR if ctx.lab else None,
                        modules=sorted({CODECS[audio["codec"]].baresip_module, CODECS[video["codec"]].baresip_module,
                                         *device_modules(devices), *(["sndfile"] if ctx.lab else [])}))
    accounts = ctx.render("room_pc/accounts.j2", user=ep["id"], domain=domain, profile=ep["profile"],
                          password=ctx.secrets["sip_passwords"][ep["id"]],
                          regint=knobs["baresip_register_interval"],
                          outbound=outbound,
                          audio_codec=CODECS[audio["codec"]].baresip, video_codec=CODECS[video["codec"]].baresip)
    packages = sorted({"baresip-core", CODECS[audio["codec"]].baresip_package, CODECS[video["codec"]].baresip_package})
    packages += [] if ctx.lab else ["baresip-x11"]
    return ComponentState(
        name="room_pc",
        packages=packages,
        users=[USER],
        files=[
            FileSpec(f"{CONFIG_DIR}/accounts", accounts, mode="0640", group=USER, secret=True, restart=restart),
            FileSpec(f"{CONFIG_DIR}/config", config, restart=restart),
            FileSpec(f"{CONFIG_DIR}/uuid", instance_uuid(ctx.inv, ep["id"]), restart=restart),
            FileSpec(f"{CONFIG_DIR}/contacts",
                     ctx.render("room_pc/contacts.j2", probe_user=probe["probe_sip_user"], domain=domain,
                                bridge_user=bridge_user(ctx.inv) if ctx.hosts_with_role("multipoint_bridge") else None,
                                phonebook=[(quoted(n), uri) for n, uri in
                                           phonebook(ctx.inv, ctx.now, domain, exclude=ep["id"])]),
                     restart=restart),
            FileSpec("/etc/systemd/system/gbtt-baresip.service",
                     ctx.render("room_pc/gbtt-baresip.service.j2", user=USER, config_dir=CONFIG_DIR, lab=ctx.lab,
                                groups=[] if ctx.lab else ["audio", "video"]),
                     restart=["daemon-reload", *restart]),
        ],
        services=[ServiceSpec("gbtt-baresip")],
        ports=[
            Port("udp", str(knobs["baresip_sip_port"]), "sip_registrar", "SIP from the registrar (calls to the room)"),
            Port("tcp", str(knobs["baresip_sip_port"]), "sip_registrar", "SIP over TCP from the registrar"),
            Port("tcp", str(knobs["baresip_sip_port"] + 1), "sip_registrar", "SIP over TLS from the registrar"),
            Port("udp", knobs["baresip_rtp_ports"], "media_relay", "RTP and RTCP from the media relay"),
        ],
    )
