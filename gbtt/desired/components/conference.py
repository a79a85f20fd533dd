"""`conference`: Janus 1.1 (VideoRoom SFU and AudioBridge mixer) behind nginx
with TLS.  The admin secret and API secret come from the vault (the package
default never stays), the RTP port range and NAT/TURN settings from the
model, and one standing VideoRoom + AudioBridge room per central bridge room
(Art. 6.1-6.2), with the codecs and bitrate cap of that room's codec profile
and a PIN derived from the vault; and one room per booked meeting not yet
over (meetings/), with the meeting's profile. The WebRTC room PCs join a
meeting from the page nginx serves (`/phong-hop/`, templates/conference/
phong-hop.*) with a link `gbtt meeting link` gives: a Janus token signed
for that meeting's rooms, valid until its end (Janus's `token_auth_secret`,
derived from the vault), and its PIN. The hardware codecs' phone book is an
LDAP directory beside it (slapd, LDAPS: room_directory.py)."""
from __future__ import annotations

import base64
import hashlib
import hmac
import zoneinfo

from ...codecs import CODECS
from ...meetings import meetings
from ..model import ComponentState, FileSpec, Port, ServiceSpec
from .room_directory import directory_files
from .room_provisioning import BACKGROUND_DIR, PROVISIONING_DIR, background_files, provisioning_files

WEB_DIR = "/srv/gbtt/phong-hop"  # the WebRTC room PCs' page (nginx: /phong-hop/)
WEB_PLUGINS = ("janus.plugin.audiobridge", "janus.plugin.videoroom")  # what a room PC's token opens
READINESS_DIR = "/srv/gbtt/readiness"  # the operators' page, published there by `gbtt readiness --publish`
# Janus's own long-lived TURN REST credential: 2038-01-19, the last second coturn 4.6 takes (it reads the
# username's time as a signed 32-bit number: a credential "until 2100" was refused, Janus had no relay)
TURN_CREDENTIAL_EXPIRY = 2**31 - 1
UNUSED_PLUGINS = ["duktape", "echotest", "lua", "nosip", "recordplay", "sip", "streaming", "textroom", "videocall",
                  "voicemail"]
UNUSED_TRANSPORTS = ["mqtt", "nanomsg", "pfunix", "rabbitmq"]


def _derived(secret: str, purpose: str) -> str:
    return hmac.new(secret.encode(), purpose.encode(), hashlib.sha256).hexdigest()


def room_pin(secrets: dict, room_id: int) -> str:
    """A room's 6-digit PIN, derived from the vault's Janus admin secret."""
    return str(int(_derived(secrets["janus_admin_secret"], f"pin:{room_id}"), 16) % 10**6).zfill(6)


def room_secret(secrets: dict, room_id: int) -> str:
    """A room's Janus secret (who may change it: the bridge, to publish its picture and take the browsers')."""
    return _derived(secrets["janus_admin_secret"], f"room:{room_id}")[:24]


def token_secret(secrets: dict) -> str:
    """Janus's `token_auth_secret`: it signs the WebRTC room PCs' tokens."""
    return _derived(secrets["janus_admin_secret"], "token-auth")[:32]


def web_token(secrets: dict, expiry: int) -> str:
    """A Janus signed token (1.1's auth.c: `expiry,janus,plugin...:base64(HMAC-SHA1(secret, that))`) valid until
    `expiry` (Unix seconds) for the plugins a WebRTC room PC uses."""
    data = ",".join([str(expiry), "janus", *WEB_PLUGINS])
    signature = hmac.new(token_secret(secrets).encode(), data.encode(), hashlib.sha1).digest()
    return f"{data}:{base64.b64encode(signature).decode()}"


def turn_credential(secret: str, user: str = "janus", expiry: int = TURN_CREDENTIAL_EXPIRY) -> tuple[str, str]:
    """coturn REST credential (use-auth-secret): username = expiry:user, password = base64(HMAC-SHA1)."""
    username = f"{expiry}:{user}"
    return username, base64.b64encode(hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()).decode()


def _room(inv, secrets: dict, room_id: int, description: str, profile: dict, publishers: int) -> dict:
    """A VideoRoom/AudioBridge room with `profile`'s bitrate cap and its codecs first."""
    video_codecs = sorted({CODECS[p["video"]["codec"]].janus for p in inv.codec_profiles.values() if p.get("video")})
    audio_codecs = sorted({CODECS[p["audio"]["codec"]].janus for p in inv.codec_profiles.values()})
    own_video = CODECS[profile["video"]["codec"]].janus if profile.get("video") else None
    own_audio = CODECS[profile["audio"]["codec"]].janus
    return {
        "id": room_id,
        "description": description.replace('"', "'"),  # a jcfg string
        "pin": room_pin(secrets, room_id),
        "secret": room_secret(secrets, room_id),
        "publishers": publishers,
        "bitrate": sum(profile[k]["kbps"] for k in ("video", "audio") if profile.get(k)) * 1000,
        "videocodec": ",".join(sorted(video_codecs, key=lambda c: c != own_video)),
        "audiocodec": ",".join(sorted(audio_codecs, key=lambda c: c != own_audio)),
        "opus_fec": profile["audio"]["codec"] == "opus",
    }


def central_rooms(inv) -> list[str]:
    return sorted(k for k, v in inv.sites.items() if v["kind"] == "central-room")


def rehearsal_room_id(inv) -> int:
    """The standing room of `gbtt rehearse --rooms all`: every room of the province (after the central rooms' ids)."""
    return inv.province["code"] * 100 + 99


def standing_rooms(inv, secrets: dict, participants: int) -> list[dict]:
    """One standing room per central bridge room, with that room's SIP profile; and the rehearsal room."""
    rooms = []
    for n, sid in enumerate(central_rooms(inv), 1):
        site = inv.sites[sid]
        profile = inv.codec_profiles[next(ep["profile"] for ep in site["endpoints"] if ep["kind"] == "sip-room-system")]
        rooms.append(_room(inv, secrets, inv.province["code"] * 100 + n, f"Giao ban trực tuyến - {site['name']}",
                           profile, min(inv.province["max_rooms_per_meeting"], participants)))
        if n == 1:
            rehearsal = _room(inv, secrets, rehearsal_room_id(inv), "Tổng duyệt - mọi điểm cầu", profile,
                              min(inv.province["max_rooms_per_meeting"], participants))
    return rooms + [rehearsal] if rooms else rooms


def meeting_room_id(inv, m) -> int:
    """province code, the start (local time, yymmddHHMM), the hosting central room's number:
    unique, since a central room hosts one meeting at a time."""
    start = m.start.astimezone(zoneinfo.ZoneInfo(inv.province["timezone"]))
    return int(f"{inv.province['code']}{start:%y%m%d%H%M}{central_rooms(inv).index(m.host_room) + 1}")


PIN_SEPARATOR = "*"  # sip:<meeting number>*<PIN>@<domain>: a caller that gives the meeting's PIN as it dials


def meeting_numbers(inv) -> str:
    """A regular expression matching every meeting number meeting_room_id makes, with or without a PIN."""
    digits = len(str(len(central_rooms(inv))))
    return f"^{inv.province['code']}[0-9]{{{10 + digits}}}([{PIN_SEPARATOR}][0-9]{{4,12}})?$"


def meeting_rooms(inv, secrets: dict, participants: int, now) -> list[dict]:
    """A room per booked meeting not yet over (meetings/), with the meeting's profile. The WebRTC room PCs join a
meeting from the page nginx serves (`/phong-hop/`, templates/conference/
phong-hop.*) with a link `gbtt meeting link` gives: a Janus token signed
for that meeting's rooms, valid until its end (Janus's `token_auth_secret`,
derived from the vault), and its PIN."""
    return [_room(inv, secrets, meeting_room_id(inv, m), m.title, inv.codec_profiles[m.profile],
                  min(len(m.rooms), participants))
            for m in meetings(inv) if m.end > now]


def derived_secrets(inv, secrets: dict) -> list[str]:
    """What the model derives from the vault and files hold: every room's PIN and secret, the plugins' admin keys
    (gbtt render and plan mask them as they mask the vault's values)."""
    ids = [r["id"] for r in standing_rooms(inv, secrets, 1)] + [meeting_room_id(inv, m) for m in meetings(inv)]
    return [_derived(secrets["janus_admin_secret"], f"{p}-admin-key")[:32] for p in ("videoroom", "audiobridge")] + \
        [token_secret(secrets)] + [v for i in ids for v in (room_pin(secrets, i), room_secret(secrets, i))]


def build(ctx) -> ComponentState:
    knobs = ctx.defaults("conference")
    host = ctx.inv.hosts[ctx.host.name]["conference"]
    secrets = ctx.secrets
    turn_hosts = ctx.hosts_with_role("turn")
    turn_port = ctx.defaults("turn")["coturn_port"]
    turn_user, turn_pwd = turn_credential(secrets["turn_static_secret"])
    rooms = standing_rooms(ctx.inv, secrets, host["max_participants"]) + \
        meeting_rooms(ctx.inv, secrets, host["max_participants"], ctx.now)
    management = ctx.source_sets()["management"]
    common = dict(address=ctx.address, **knobs)
    restart = ["janus"]
    provisioning, codec_acl = provisioning_files(ctx, "www-data", knobs["slapd_ldaps_port"])
    return ComponentState(
        name="conference",
        packages=["janus", "nginx-light", "ssl-cert", "slapd", "ldap-utils"],
        files=[
            FileSpec("/etc/janus/janus.jcfg", ctx.render(
                "conference/janus.jcfg.j2", rtp=host["rtp_ports"], admin_secret=secrets["janus_admin_secret"],
                api_secret=secrets["janus_api_secret"], dscp=ctx.inv.network["qos_classes"]["video"]["dscp"],
                turn_address=ctx.addr(turn_hosts[0].address) if turn_hosts else None, turn_port=turn_port,
                turn_user=turn_user, turn_pwd=turn_pwd, plugins=UNUSED_PLUGINS, transports=UNUSED_TRANSPORTS,
                token_auth_secret=token_secret(secrets),
                **common), mode="0640", secret=True, restart=restart),
            FileSpec("/etc/janus/janus.transport.http.jcfg", ctx.render("conference/janus.transport.http.jcfg.j2", **common),
                     restart=restart),
            FileSpec("/etc/janus/janus.transport.websockets.jcfg",
                     ctx.render("conference/janus.transport.websockets.jcfg.j2", **common), restart=restart),
            FileSpec("/etc/janus/janus.plugin.videoroom.jcfg", ctx.render(
                "conference/janus.plugin.videoroom.jcfg.j2", rooms=rooms,
                admin_key=_derived(secrets["janus_admin_secret"], "videoroom-admin-key")[:32], **common),
                mode="0640", secret=True, restart=restart),
            FileSpec("/etc/janus/janus.plugin.audiobridge.jcfg", ctx.render(
                "conference/janus.plugin.audiobridge.jcfg.j2", rooms=rooms,
                admin_key=_derived(secrets["janus_admin_secret"], "audiobridge-admin-key")[:32], **common),
                mode="0640", secret=True, restart=restart),
            *ctx.tls_files("conference", ["nginx", "slapd"]),
            FileSpec("/etc/nginx/nginx.conf", ctx.render(
                "conference/nginx.conf.j2", management=management, rooms=ctx.source_sets()["rooms"],
                codecs=codec_acl, provisioning_dir=PROVISIONING_DIR, background_dir=BACKGROUND_DIR,
                readiness_dir=READINESS_DIR, web_dir=WEB_DIR, **common),
                validate="/usr/sbin/nginx -t -q -c %s", restart=["nginx"]),
            *(FileSpec(f"{WEB_DIR}/{name}", ctx.render(f"conference/phong-hop.{name.split('.')[-1]}.j2", **common))
              for name in ("index.html", "phong-hop.js")),
            *provisioning,
            *background_files(ctx),
            *directory_files(ctx, knobs["slapd_ldaps_port"], knobs["janus_tls_certificate"],
                             knobs["janus_tls_private_key"]),
        ],
        services=[ServiceSpec("janus"), ServiceSpec("nginx"), ServiceSpec("slapd")],
        ports=[
            Port("tcp", str(knobs["janus_https_port"]), "rooms", "Janus API and WebSockets over TLS (nginx)", tls=True),
            Port("tcp", str(knobs["janus_https_port"]), "management",
                 "the operators: readiness page, Janus admin (nginx allows them these paths only)"),
            Port("tcp", str(knobs["slapd_ldaps_port"]), "rooms",
                 "the hardware codecs' phone book (slapd: LDAPS, read-only)", tls=True),
            Port("udp", f"{host['rtp_ports']['min']}-{host['rtp_ports']['max']}", "rooms", "WebRTC media of the rooms"),
            Port("udp", f"{knobs['janus_audiobridge_rtp_port_min']}-{knobs['janus_audiobridge_rtp_port_max']}", "rooms",
                 "plain RTP of AudioBridge participants"),
            Port("udp", knobs["janus_remote_publisher_ports"], "multipoint_bridge",
                 "the bridge's composed picture into the meetings' VideoRooms (RTP, RTCP)"),
        ],
    )
