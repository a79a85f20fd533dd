"""What the conference host serves the bridge rooms (nginx, TLS):

* the Poly codecs' provisioning files, rendered from the same account,
  registrars, codec profile and QoS classes as the Linux room systems, in
  Poly Video OS's format (`<PHONE_CONFIG><ALL .../>` parameters, fetched by
  the codec from its provisioning server setting), each readable by its own
  codec's address only, since it holds the codec's SIP password; their
  directory is this host's LDAP phone book (room_directory.py) (Cisco
  codecs fetch nothing: gbtt sets theirs through their API, component
  `roomos_codec`);
* the room standard of Art. 4.3: one background (phông nền) per room, SVG,
  from the province's standard: same size, background and text colours, the
  room's caption, and a slot for the meeting's title."""
from __future__ import annotations

from ...codecs import CODECS
from ..context import render_template
from ..model import FileSpec
from .room_directory import white_pages_dn

PROVISIONING_DIR = "/srv/gbtt/provisioning"
BACKGROUND_DIR = "/srv/gbtt/phong-nen"
# platform -> (vendor template, file name suffix)
VENDOR_FORMATS = {"poly-g7500": ("poly.cfg.j2", "cfg")}
DEFAULT_TITLE = "HỘI NGHỊ TRỰC TUYẾN"


def hardware_codecs(inv) -> list[tuple[str, dict]]:
    return [(sid, ep) for sid, site in sorted(inv.sites.items()) for ep in site["endpoints"]
            if ep["platform"] in VENDOR_FORMATS]


def provisioning_files(ctx, web_group: str, directory_port: int) -> tuple[list[FileSpec], list[dict]]:
    """The codecs' files, and for nginx: who may fetch each codec's directory. The codecs' phone book is
    the LDAP directory of this host (room_directory.py) on `directory_port`."""
    registrar = ctx.defaults("sip_registrar")
    registrars = ctx.service_addresses("sip_registrar")
    qos = {k: v["dscp"] for k, v in ctx.inv.network["qos_classes"].items()}
    directory = {"address": ctx.address, "port": directory_port,
                 "base": white_pages_dn(ctx.inv.province["sip_domain"])}
    files, acl = [], []
    for site, ep in hardware_codecs(ctx.inv):
        template, suffix = VENDOR_FORMATS[ep["platform"]]
        profile = ctx.inv.codec_profiles[ep["profile"]]
        port = registrar["kamailio_sip_port"]
        content = ctx.render(f"conference/provisioning/{template}", codec=ep, profile_name=ep["profile"],
                             profile=profile, domain=ctx.inv.province["sip_domain"], registrars=registrars,
                             registrar=registrars[0] if port == 5060 else f"{registrars[0]}:{port}",
                             room_name=ctx.inv.sites[site]["name"],
                             sip_port=registrar["kamailio_sip_port"], password=ctx.secrets["sip_passwords"][ep["id"]],
                             expires=ctx.defaults("room_pc")["baresip_register_interval"], qos=qos,
                             codecs=CODECS, ca_certificate=ctx.ca_certificate(), directory=directory,
                             call_rate=profile["video"]["kbps"] + profile["audio"]["kbps"])
        files.append(FileSpec(f"{PROVISIONING_DIR}/{ep['id']}/{ep['id']}.{suffix}", content, mode="0640",
                              group=web_group, secret=True))
        acl.append({"id": ep["id"], "address": ctx.addr(ep["address"])})
    return files, acl


def background(inv, site_id: str, title: str = DEFAULT_TITLE) -> str:
    """The Art. 4.3 background of one room, with `title` in the meeting's slot."""
    site = inv.sites[site_id]
    standard = inv.province["room_backgrounds"][site["room"]["background"]]
    return render_template("conference/phong-nen.svg.j2", host=site_id, standard=standard,
                           caption=site["room"]["caption"], title=title, room_name=site["name"])


def background_files(ctx) -> list[FileSpec]:
    return [FileSpec(f"{BACKGROUND_DIR}/{sid}.svg", background(ctx.inv, sid)) for sid in sorted(ctx.inv.sites)]
