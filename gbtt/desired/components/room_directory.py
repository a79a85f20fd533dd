"""The phone book the hardware codecs read (Poly Video OS takes its directory
from an LDAP server, "LDAP with H.350 or Active Directory"): OpenLDAP's slapd on
the conference host, LDAPS only, read-only, anonymous reads, holding what
gbtt/phonebook.py lists (every SIP room system and every meeting not yet over).

Each name is an ITU-T H.350 pair (schema: RFC 3944, which carries H.350 and
H.350.4): a white-pages entry (`inetOrgPerson` + `commURIObject`, in
ou=danh-ba: cn, sn and displayName are the room's or meeting's name, with a
second cn without Vietnamese diacritics for codecs' on-screen keyboards)
whose `commURI` points at its endpoint (`commObject` + `SIPIdentity`, in
ou=thiet-bi: `commUniqueId`, `SIPIdentitySIPURI`). The database is rebuilt
from the LDIF each time slapd starts (slapadd), so the file is the whole
truth and a changed phone book is a restart."""
from __future__ import annotations

import base64

from ...vietnamese import unaccented
from ..model import FileSpec

CONF = "/etc/ldap/gbtt-danh-ba.conf"
SCHEMA = "/etc/ldap/schema/h350.schema"
LDIF = "/etc/ldap/gbtt-danh-ba.ldif"
UNIT = "/etc/systemd/system/slapd.service"  # replaces the package's init script (systemd prefers a native unit)
# the package's database directory (it exists before the first start, so slaptest can check the
# configuration): the phone book's database instead of the package's example one (dc=nodomain)
DATA_DIR = "/var/lib/ldap"
PEOPLE = "ou=danh-ba"  # the white pages: what a codec searches by name
ENDPOINTS = "ou=thiet-bi"  # the H.350 commObjects the white pages point to


def base_dn(domain: str) -> str:
    """The directory's suffix: the province's SIP domain as dc= parts."""
    return ",".join(f"dc={part}" for part in domain.split("."))


def white_pages_dn(domain: str) -> str:
    """Where a codec searches by name (its base DN)."""
    return f"{PEOPLE},{base_dn(domain)}"


def _line(name: str, value: str) -> str:
    """An LDIF attribute line (RFC 2849): base64 for what is not a SAFE-STRING."""
    safe = value.isascii() and value.isprintable() and not value.startswith((" ", ":", "<")) \
        and not value.endswith(" ")
    return f"{name}: {value}" if safe else f"{name}:: {base64.b64encode(value.encode()).decode()}"


def _entry(dn: str, *attributes: tuple[str, str]) -> str:
    return "\n".join([_line("dn", dn), *(_line(k, v) for k, v in attributes)])


def parse_ldif(text: str) -> dict[str, dict[str, list[str]]]:
    """LDIF (RFC 2849: folded lines, base64 values; comments and version lines skipped) as
    {dn: {attribute: [values]}}: the model's file, or what ldapsearch reads back."""
    out = {}
    for block in text.strip().split("\n\n"):
        lines: list[str] = []
        for raw in block.splitlines():
            if raw.startswith(" ") and lines:
                lines[-1] += raw[1:]
            elif raw and not raw.startswith(("#", "version:")):
                lines.append(raw)
        attrs: dict[str, list[str]] = {}
        for line in lines:
            name, _, value = line.partition(":")
            value = base64.b64decode(value[1:].strip()).decode() if value.startswith(":") else value.strip()
            attrs.setdefault(name, []).append(value)
        if "dn" in attrs:
            out[attrs.pop("dn")[0]] = attrs
    return out


def records(inv, now) -> list[dict]:
    """What the directory holds, one dict per name: id (the SIP URI's user part), name, uri."""
    from ...phonebook import entries  # here: the phone book numbers meetings as conference.py, which imports us

    domain = inv.province["sip_domain"]
    return [{"id": uri.removeprefix("sip:").split("@")[0], "name": name, "uri": uri}
            for name, uri in entries(inv, now, domain)]


def ldif(inv, now) -> str:
    base = base_dn(inv.province["sip_domain"])
    top = inv.province["sip_domain"].split(".")[0]
    out = [_entry(base, ("objectClass", "dcObject"), ("objectClass", "organization"), ("dc", top),
                  ("o", f"Hệ thống giao ban trực tuyến tỉnh {inv.province['name']}")),
           _entry(f"{PEOPLE},{base}", ("objectClass", "organizationalUnit"), ("ou", PEOPLE.split("=")[1]),
                  ("description", "Danh bạ: các điểm cầu và các cuộc họp")),
           _entry(f"{ENDPOINTS},{base}", ("objectClass", "organizationalUnit"), ("ou", ENDPOINTS.split("=")[1]),
                  ("description", "H.350 commObject: địa chỉ SIP của từng mục danh bạ"))]
    for r in records(inv, now):
        person, endpoint = f"uid={r['id']},{PEOPLE},{base}", f"commUniqueId={r['id']},{ENDPOINTS},{base}"
        names = list(dict.fromkeys([r["name"], unaccented(r["name"])]))
        out.append(_entry(person, ("objectClass", "inetOrgPerson"), ("objectClass", "commURIObject"),
                          ("uid", r["id"]), *(("cn", n) for n in names), ("sn", r["name"]),
                          ("displayName", r["name"]),
                          ("commURI", f"ldap:///{ENDPOINTS},{base}??one?(commUniqueId={r['id']}) SIP")))
        out.append(_entry(endpoint, ("objectClass", "commObject"), ("objectClass", "SIPIdentity"),
                          ("commUniqueId", r["id"]), ("commOwner", f"ldap:///{person}"), ("commPrivate", "false"),
                          ("SIPIdentitySIPURI", r["uri"])))
    return "\n\n".join(out) + "\n"


def directory_files(ctx, port: int, certificate: str, key: str) -> list[FileSpec]:
    """slapd's schema, configuration, phone book and unit (slapd is restarted when any changes); it
    serves TLS with `certificate` and `key` (the conference host's)."""
    restart = ["slapd"]
    base = base_dn(ctx.inv.province["sip_domain"])
    return [
        FileSpec(SCHEMA, ctx.render("conference/directory/h350.schema.j2"), restart=restart),
        FileSpec(CONF, ctx.render("conference/directory/slapd.conf.j2", schema=SCHEMA, base=base, data_dir=DATA_DIR,
                                  certificate=certificate, key=key),
                 validate="/usr/sbin/slaptest -u -Q -f %s", restart=restart),
        FileSpec(LDIF, ldif(ctx.inv, ctx.now), restart=restart),
        FileSpec(UNIT, ctx.render("conference/directory/slapd.service.j2", conf=CONF, ldif=LDIF, data_dir=DATA_DIR,
                                  address=ctx.address, port=port),
                 restart=["daemon-reload", *restart]),
    ]
