"""`common`: what every Linux host of the system gets: time from the
province's NTP sources (chrony), a firewall that opens only the ports the
host's components declare and only to the networks that need them
(nftables), SSH hardening, bounded journald storage, and the province's CA
certificate (gbtt/pki.py)."""
from __future__ import annotations

from ...pki import CA_FILE
from ..model import ComponentState, FileSpec, Port, ServiceSpec

SSH = Port("tcp", "22", "management", "SSH from the operators' management networks")


NFT_DIR = "/etc/nftables.d"  # a component's own nftables tables (a router's ACL, a relay's address translation)


def build(ctx, others: list[ComponentState]) -> ComponentState:
    """`others`: the host's other components, whose ports the firewall opens and whose tables it includes."""
    knobs = ctx.defaults("common")
    ports = [p for c in others for p in c.ports]
    includes = any(f.path.startswith(NFT_DIR + "/") for c in others for f in c.files)
    ntp = [ctx.addr(s) if s[0].isdigit() else s for s in ctx.inv.province["ntp_sources"]]
    if ctx.lab:  # lab hosts send nothing outside the lab: no DNS names, plan addresses mapped
        ntp = [s for s in ntp if s[0].isdigit()]
    rules = [SSH, *ports]
    sets = ctx.source_sets()
    used = {r.sources for r in rules}
    files = [
        FileSpec("/etc/chrony/chrony.conf", ctx.render("common/chrony.conf.j2", ntp_sources=ntp, **knobs),
                 restart=["chrony"]),
        FileSpec("/etc/nftables.conf", ctx.render("common/nftables.conf.j2", rules=rules,
                                                  sets={k: v for k, v in sets.items() if k in used},
                                                  router=ctx.host.vars.get("gbtt_role") == "router",
                                                  includes=includes, nft_dir=NFT_DIR, **knobs),
                 mode="0755", validate="/usr/sbin/nft -c -f %s", restart=["nftables"]),
        FileSpec("/etc/ssh/sshd_config.d/gbtt.conf", ctx.render("common/sshd.conf.j2", **knobs),
                 validate="/usr/sbin/sshd -t -f %s", restart=["ssh:reload"]),
        FileSpec("/etc/systemd/journald.conf.d/gbtt.conf", ctx.render("common/journald.conf.j2", **knobs),
                 restart=["systemd-journald"]),
        # the province's CA: what the host's clients and gbtt's probes verify the central TLS services against
        FileSpec(CA_FILE, ctx.ca_certificate()),
    ]
    if ctx.lab:
        # A container may not set the clock: chrony runs with -x (keeps time, does not steer it).
        files.append(FileSpec("/etc/systemd/system/chrony.service.d/gbtt-lab.conf",
                              ctx.render("common/chrony-lab.conf.j2"), restart=["daemon-reload", "chrony"]))
    return ComponentState(
        name="common",
        # python3-apt: Ansible's apt module needs it in check mode, whichever engine deployed the host;
        # netbase: /etc/protocols and /etc/services, which nft and the daemons read
        packages=["chrony", "nftables", "openssh-server", "python3-apt", "netbase"],
        files=files,
        services=[ServiceSpec("chrony"), ServiceSpec("nftables"), ServiceSpec("ssh")],
    )
