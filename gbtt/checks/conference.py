"""Checks of the `conference` component: the files (so the admin secret is
the vault's: the package's default, 13 characters, cannot pass the secrets
schema's 16); Janus answering `info` through nginx's TLS; the admin API
refusing a request without the secret and accepting it with; the standing
rooms and those of the meetings booked present in VideoRoom and AudioBridge;
the hardware codecs' phone book served over LDAPS as the model wrote it, and
no anonymous write taken."""
from __future__ import annotations

import shlex

from ..desired.components.conference import meeting_rooms, standing_rooms
from ..desired.components.room_directory import LDIF, base_dn, parse_ldif
from ..inventory import default_inventory, load
from ..meetings import now_utc
from ..pki import CA_FILE
from . import check_applied, model_knobs, model_state, run_probe

JCFG = "/etc/janus/janus.jcfg"


def check_conference(host, model_host: str, lab: bool, address: str, peer=None,
                     inventory=None, facts: dict | None = None) -> None:
    """`peer` (default: the server itself) is where the API calls come from (a room)."""
    state = model_state(model_host, "conference", lab, inventory, address=address)
    check_applied(host, state, facts)
    knobs = model_knobs(model_host, "conference", inventory)
    public = f"https://{address}:{knobs['janus_https_port']}/janus"
    info = run_probe(peer or host, "janus", "info", public)
    assert info.get("janus") == "server_info", f"Janus info through nginx: {info}"
    admin = f"http://127.0.0.1:{knobs['janus_admin_port']}/admin"
    refused = run_probe(host, "janus", "admin", admin)
    assert refused.get("error", {}).get("code") == 403, f"admin API without the secret: {refused}"
    granted = run_probe(host, "janus", "admin", admin, JCFG)
    assert granted.get("janus") == "success", f"admin API with the secret: {granted}"
    inv = load(inventory or default_inventory())
    participants = inv.hosts[model_host]["conference"]["max_participants"]
    rooms = standing_rooms(inv, inv.secrets(), participants) + meeting_rooms(inv, inv.secrets(), participants, now_utc())
    found = run_probe(host, "janus", "rooms", public, JCFG, *[r["id"] for r in rooms])
    assert found and all(found.values()), f"conference rooms missing: {found}"
    check_directory(host, parse_ldif(next(f.content for f in state.files if f.path == LDIF)),
                    f"ldaps://{address}:{knobs['slapd_ldaps_port']}", base_dn(inv.province["sip_domain"]))


def check_directory(host, model: dict, url: str, base: str) -> None:
    """What slapd serves at `url` (its certificate verified against the province's CA) is `model` (the
    phone book's entries, parse_ldif), entry for entry; an anonymous delete is refused."""
    ldap = f"LDAPTLS_CACERT={CA_FILE} LDAPTLS_REQCERT=demand"
    served = host.run(f"{ldap} ldapsearch -H {url} -x -LLL -o ldif-wrap=no -b {shlex.quote(base)}")
    assert served.rc == 0, (f"the phone book at {url} (no answer, or a certificate not signed by the province's CA): "
                           f"ldapsearch exit {served.rc}: {served.stderr.strip()[:200]}")
    got = parse_ldif(served.stdout)
    missing, extra = sorted(set(model) - set(got)), sorted(set(got) - set(model))
    differ = sorted(dn for dn in set(model) & set(got)
                    if {k: sorted(v) for k, v in model[dn].items()} != {k: sorted(v) for k, v in got[dn].items()})
    assert not (missing or extra or differ), (f"the phone book at {url} is not the model's: missing {missing[:3]}, "
                                              f"not in the model {extra[:3]}, different {differ[:3]}")
    victim = next(dn for dn in model if dn.startswith("uid="))
    delete = host.run(f"printf 'dn: %s\\nchangetype: delete\\n' {shlex.quote(victim)} | {ldap} ldapmodify -H {url} -x")
    assert delete.rc in (8, 50, 53), f"an anonymous delete of {victim} at {url}: exit {delete.rc} {delete.stderr.strip()[:200]}"
