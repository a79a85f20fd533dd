"""`preflight_probe`: the central side of `gbtt preflight` (Art. 7), on the
SIP registrar's host: `probe_slots` baresip instances (systemd template
gbtt-probe@N) that call the bridge rooms through Kamailio, their media
anchored on rtpengine, each controlled over loopback (ctrl_tcp). The probe
offers every codec of the province's profiles; the room answers with its own."""
from __future__ import annotations

from ...codecs import CODECS

from ..model import ComponentState, FileSpec, Port, ServiceSpec
from .media_relay import tos
from .room_pc import device_modules, device_set, outbound_params

CONFIG_DIR = "/etc/gbtt/probe"
USER = "gbtt-probe"


def slots(knobs: dict) -> list[dict]:
    """Each slot's ports: SIP, local control, its share of the RTP range."""
    n = knobs["probe_slots"]
    share = (knobs["probe_rtp_max"] - knobs["probe_rtp_min"] + 1) // n
    return [{"slot": i, "sip_port": knobs["probe_sip_port_base"] + 2 * i,
             "ctrl_port": knobs["probe_ctrl_port_base"] + i,
             "rtp_ports": f"{knobs['probe_rtp_min'] + (i - 1) * share}-{knobs['probe_rtp_min'] + i * share - 1}"}
            for i in range(1, n + 1)]


def build(ctx) -> ComponentState:
    knobs = ctx.defaults("preflight_probe")
    room = ctx.defaults("room_pc")
    registrar = ctx.defaults("sip_registrar")
    devices = device_set(ctx, room)
    codecs = {(kind, p[kind]["codec"]) for p in ctx.inv.codec_profiles.values() for kind in ("audio", "video")}
    modules = {CODECS[c].baresip_module for _, c in codecs}
    units = [f"gbtt-probe@{s['slot']}" for s in slots(knobs)]
    domain = ctx.inv.province["sip_domain"]
    account = ctx.render("preflight_probe/accounts.j2", user=knobs["probe_sip_user"], domain=domain,
                         password=ctx.secrets["probe_sip_password"],
                         # its calls through the Kamailio beside it (each registrar's host has its probe)
                         outbound=outbound_params(ctx, registrar["kamailio_sip_port"], [ctx.address]))
    files = [FileSpec("/etc/systemd/system/gbtt-probe@.service",
                      ctx.render("preflight_probe/gbtt-probe@.service.j2", user=USER, config_dir=CONFIG_DIR),
                      restart=["daemon-reload", *units])]
    for s, unit in zip(slots(knobs), units):
        slot_dir = f"{CONFIG_DIR}/{s['slot']}"
        files += [
            FileSpec(f"{slot_dir}/accounts", account, mode="0640", group=USER, secret=True, restart=[unit]),
            FileSpec(f"{slot_dir}/contacts", ctx.render("preflight_probe/contacts.j2"), restart=[unit]),
            FileSpec(f"{slot_dir}/config", ctx.render(
                "room_pc/baresip.config.j2", component="preflight_probe",
                purpose=f"slot {s['slot']} of the central preflight probe",
                address=ctx.address, sip_port=s["sip_port"], max_calls=1, devices=devices, opus_kbps=None,
                video=knobs["probe_video"], rtp_tos=tos(ctx.inv), rtp_ports=s["rtp_ports"],
                jitter_buffer=room["baresip_jitter_buffer"], rtp_timeout=room["baresip_rtp_timeout"],
                ctrl_port=s["ctrl_port"],
                modules=sorted(modules | set(device_modules(devices)))), restart=[unit]),
        ]
    packages = ["baresip-core"] + (["baresip-ffmpeg"] if "avcodec" in modules else [])
    sip_ports = f"{slots(knobs)[0]['sip_port']}-{slots(knobs)[-1]['sip_port'] + 1}"  # each slot: SIP, then TLS
    return ComponentState(
        name="preflight_probe",
        packages=packages,
        users=[USER],
        files=files,
        services=[ServiceSpec(u) for u in units],
        ports=[Port("udp", f"{knobs['probe_rtp_min']}-{knobs['probe_rtp_max']}", "media_relay",
                    "RTP and RTCP of the preflight calls from the media relay"),
               Port("udp", sip_ports, "sip_registrar", "SIP of the probe's slots, from the registrar"),
               Port("tcp", sip_ports, "sip_registrar", "SIP over TCP and TLS of the probe's slots, from the registrar")],
    )
