"""`roomos_codec`: a Cisco Room Kit's configuration (RoomOS), from the same
account, registrars, codec profile and QoS classes as the Linux room systems:
its SIP URI and account, one proxy per registrar, the call rate of its
profile, the camera's quality for the profile's frame rate, and DiffServ
marking. Rendered as `xConfiguration` lines (one "file", the codec's
configuration), and its phone book (every other room and every meeting not
yet over, as the room PCs' directories: gbtt/phonebook.py); Ansible sets
them through the codec's xAPI (plugins/action/gbtt_roomos_config.py,
gbtt/roomos.py)."""
from __future__ import annotations

from ...phonebook import entries
from ...roomos import phonebook_text
from ...service_addresses import service_address
from ..model import ComponentState, FileSpec

# the codec's configuration and local phone book, not files on a Linux host
CONFIG_PATH, PHONEBOOK_PATH = "xConfiguration", "Phonebook"


def build(ctx) -> ComponentState:
    inv, name = ctx.inv, ctx.host.name
    site = ctx.host.site
    ep = next(e for e in inv.sites[site]["endpoints"] if e["id"] == name)
    profile = inv.codec_profiles[ep["profile"]]
    # codecs live in production only: production addresses
    registrars = [service_address(inv, h.name) for h in ctx.hosts_with_role("sip_registrar")]
    commands = ctx.render("roomos_codec/xconfiguration.j2", codec=ep, profile=profile, room_name=inv.sites[site]["name"],
                          domain=inv.province["sip_domain"], registrars=registrars,
                          sip_port=ctx.defaults("sip_registrar")["kamailio_sip_port"],
                          password=ctx.secrets["sip_passwords"][name],
                          qos={k: v["dscp"] for k, v in inv.network["qos_classes"].items()},
                          call_rate=profile["video"]["kbps"] + profile["audio"]["kbps"])
    phonebook = phonebook_text(entries(inv, ctx.now, inv.province["sip_domain"], exclude=name))
    return ComponentState(name="roomos_codec", files=[FileSpec(CONFIG_PATH, commands, secret=True),
                                                      FileSpec(PHONEBOOK_PATH, phonebook)])
