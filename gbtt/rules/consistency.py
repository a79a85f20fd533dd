"""Values that must agree with each other: the regulation's roles, QoS code
points, vendor platforms, endpoint kinds, the room standard, and a path from
every site to the centre."""
from __future__ import annotations

from ..codecs import webrtc_names
from . import global_rule, objects, rule, site_rule

# RFC 4594 / RFC 2597 code points of the per-hop behaviours the schema allows.
PHB_DSCP = {"EF": 46, "AF41": 34, "AF42": 36, "AF43": 38, "CS3": 24, "CS4": 32, "CS5": 40}
QOS_CLASSES = ("audio", "video", "signalling")
VENDOR_PLATFORM = {"cisco": "ios-xe", "huawei": "vrp", "linux": "frr"}
PLATFORM_KIND = {"baresip": "sip-room-system", "poly-g7500": "sip-room-system",
                 "cisco-room-kit": "sip-room-system", "browser": "webrtc-pc"}
WEBRTC_VIDEO = {"vp8", "vp9", "h264"}
SITE_KIND_ROLE = {"central-room": "central-room", "district-room": "room-host"}


@global_rule
def qos_classes_complete(inv, idx):
    classes = inv.network.get("qos_classes")
    if not isinstance(classes, dict):
        return
    for name in QOS_CLASSES:
        if name not in classes:
            yield ("network", "qos_classes"), f"class '{name}' is missing (audio, video and signalling are all marked)"
    for name, cls in objects(classes):
        phb, dscp = cls.get("phb"), cls.get("dscp")
        if phb in PHB_DSCP and isinstance(dscp, int) and PHB_DSCP[phb] != dscp:
            yield ("network", "qos_classes", name, "dscp"), f"DSCP {dscp} does not match {phb} (which is {PHB_DSCP[phb]})"


@global_rule
def certificates_renewed_before_the_audit_warns(inv, idx):
    from ..pki import settings  # noqa: PLC0415

    if not isinstance(inv.province.get("pki"), dict):
        return
    s = settings(inv)
    days = (s["renew_days"], s["warn_days"], s["certificate_days"])
    if all(type(d) is int for d in days) and days[0] + days[1] >= days[2]:  # wrong types: the schema says so
        yield ("province", "pki", "renew_days"), (
            f"a certificate renewed every {s['renew_days']} days and valid {s['certificate_days']} would fall under "
            f"the audit's {s['warn_days']} days left before its renewal: renew_days + warn_days must be below "
            f"certificate_days")


@global_rule
def device_platform_matches_vendor(inv, idx):
    for did, dev in idx.devices.items():
        want = VENDOR_PLATFORM.get(dev.get("vendor"))
        if want and dev.get("platform") not in (None, want):
            yield ("network", "devices", did, "platform"), f"platform '{dev.get('platform')}' does not run on {dev.get('vendor')} gear (use '{want}')"


@site_rule
def endpoint_platform_matches_kind(inv, idx, sid, site):
    profiles = inv.codec_profiles
    for i, *_ in idx.facts[sid].endpoints:
        ep, path = site["endpoints"][i], ("sites", sid, "endpoints", i)
        want = PLATFORM_KIND.get(ep.get("platform"))
        if want and ep.get("kind") not in (None, want):
            yield path + ("kind",), f"platform '{ep.get('platform')}' is a {want}, not a {ep.get('kind')}"
        prof = profiles.get(ep.get("profile"))
        if ep.get("kind") == "webrtc-pc" and isinstance(prof, dict):
            audio = prof.get("audio") if isinstance(prof.get("audio"), dict) else {}
            webrtc = webrtc_names("audio")
            if audio.get("codec") not in (None, *webrtc):
                yield (path + ("profile",), f"profile '{ep.get('profile')}' uses {audio.get('codec')}; "
                       f"WebRTC endpoints need {' or '.join(webrtc)} audio")


@global_rule
def one_operator(inv, idx):
    orgs = dict(objects(inv.organisations))
    operators = [oid for oid, org in orgs.items() if "operator" in (org.get("roles") or [])]
    if orgs and len(operators) != 1:
        yield ("organisations",), f"exactly one organisation must have role 'operator' (Art. 9: Sở TT&TT); found {len(operators)}"


def _roles(inv, idx) -> dict:
    """organisation id -> its roles (as the file has them)."""
    return {oid: tuple(roles) if isinstance(roles := org.get("roles"), list) else roles
            for oid, org in objects(inv.organisations)}


@site_rule
def site_kept_by_an_organisation_of_its_kind(inv, idx, sid, site):
    roles = idx.kept(_roles)
    role = SITE_KIND_ROLE.get(site.get("kind"))
    if site.get("organisation") in roles and role and role not in (roles[site["organisation"]] or []):
        yield ("sites", sid, "organisation"), (
            f"a {site.get('kind')} must be kept by an organisation with role '{role}'; "
            f"'{site.get('organisation')}' has {', '.join(roles[site['organisation']] or []) or 'none'}")


@rule
def central_rooms_exist(inv, idx):
    if idx.site_ids and not idx.central_rooms and "sites" not in inv.broken:
        yield ("sites",), "no central-room: Art. 6.1-6.2 need the central bridge rooms (VP UBND tỉnh, Sở TT&TT)"


@rule
def rooms_share_one_background(inv, idx):
    """Art. 4.3: every room shows the same size, background and text colour."""
    first = None
    for sid, facts in idx.facts.items():
        bg = facts.background
        if not isinstance(bg, str):
            continue
        if first is None:
            first = (sid, bg)
        elif bg != first[1]:
            yield ("sites", sid, "room", "background"), f"background '{bg}' differs from '{first[1]}' of {first[0]}: Art. 4.3 wants one standard for all rooms"


@global_rule
def central_hosts_at_centre(inv, idx):
    centre = inv.centre.get("id")
    for hid, host in objects(inv.hosts):
        if isinstance(centre, str) and host.get("site") not in (None, centre):
            yield ("hosts", hid, "site"), f"central hosts stand at the centre '{centre}', not at '{host.get('site')}'"


@global_rule
def redundancy_the_centre_declares(inv, idx):
    declared = inv.centre.get("redundancy")
    if not isinstance(declared, dict):
        return
    for role, want in declared.items():
        have = sorted(hid for hid, host in objects(inv.hosts) if host.get("role") == role)
        if isinstance(want, int) and len(have) < want:
            yield ("centre", "redundancy", role), (
                f"the centre keeps {want} '{role}' hosts so that one can fail (Art. 7.3.c), hosts.yml has "
                f"{len(have)}{': ' + ', '.join(have) if have else ''}")


@global_rule
def several_hosts_of_a_role_move_their_addresses(inv, idx):
    """Two hosts of a role or more (relays, registrars): each has a service address, which the next takes
    over (with what runs through it) when it fails (gbtt/desired/components/takeover.py)."""
    from ..service_addresses import ADDRESS_KEYS  # noqa: PLC0415

    for role, key in ADDRESS_KEYS.items():
        hosts = [(hid, host) for hid, host in objects(inv.hosts) if host.get("role") == role]
        for hid, host in hosts if len(hosts) > 1 else []:
            settings = host.get(role)
            if isinstance(settings, dict) and not settings.get(key):
                yield ("hosts", hid, role), (
                    f"a '{role}' host of several needs a {key} (an address of the centre's subnet that no host has): "
                    f"another takes it over, with what goes through it, when this one fails (Art. 7.3.c)")


def reached_from_the_centre(inv, idx) -> tuple[str | None, set]:
    """(the centre's router, every device a path of links joins to it)."""
    links = inv.network.get("links")
    net = inv.centre.get("network")
    start = net.get("router") if isinstance(net, dict) else None
    if start not in idx.device_table or not isinstance(links, list):
        return None, set()
    adjacent: dict[str, set] = {}
    for link in links:
        if isinstance(link, dict):
            adjacent.setdefault(link.get("a"), set()).add(link.get("b"))
            adjacent.setdefault(link.get("b"), set()).add(link.get("a"))
    reached, todo = {start}, [start]
    while todo:
        for nxt in adjacent.get(todo.pop(), ()):
            if nxt not in reached:
                reached.add(nxt)
                todo.append(nxt)
    return start, reached


@site_rule
def site_reaches_the_centre(inv, idx, sid, site):
    start, reached = idx.kept(reached_from_the_centre)
    snet = site.get("network")
    router = snet.get("router") if isinstance(snet, dict) else None
    if start is not None and router in idx.device_table and router not in reached:
        yield ("sites", sid, "network", "router"), f"router '{router}' has no path of links to the centre router '{start}' (add a link in network.links)"
