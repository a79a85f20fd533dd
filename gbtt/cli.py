"""The `gbtt` command."""
from __future__ import annotations

import argparse
from datetime import date
import sys
from pathlib import Path

from .inventory import default_inventory
from .problems import InventoryInvalid, format_problems


def cmd_validate(args) -> int:
    from .validate import validate

    inv, problems = validate(args.inventory, use_cache=not args.no_cache)
    if problems:
        print(format_problems(problems), file=sys.stderr)
        return 1
    n_ep = sum(len(s.get("endpoints", [])) for s in inv.sites.values())
    print(f"{args.inventory}: valid ({len(inv.sites)} bridge rooms, {n_ep} endpoints, "
          f"{len(inv.hosts)} central hosts, {len(inv.network.get('devices', {}))} network devices)")
    return 0


def cmd_vault_fill(args) -> int:
    from .secrets import fill_vault

    added = fill_vault(Path(args.inventory))
    print(f"vault.yml: {len(added)} secret(s) added" + (f": {', '.join(added)}" if added else ""))
    return 0


def cmd_render(args) -> int:
    from .render import render

    written = render(Path(args.inventory), Path(args.out), args.host or None, lab=args.lab)
    print(f"{len(written)} file(s) written under {args.out} (secrets masked)")
    return 0


def cmd_plan(args) -> int:
    from .plan import PlanError, plan, print_plan

    try:
        plans = plan(Path(args.inventory), args.rev, lab=args.lab)
    except PlanError as exc:
        print(f"gbtt plan: {exc}", file=sys.stderr)
        return 1
    print_plan(plans, args.rev, show_diff=not args.no_diff)
    return 0


def cmd_topology(args) -> int:
    from .topology import TopologyError, write_topology
    from .validate import load_valid

    try:
        out = write_topology(load_valid(args.inventory), Path(args.out), Path(args.preflight_dir))
    except TopologyError as exc:
        print(f"gbtt topology: {exc}", file=sys.stderr)
        return 1
    print(f"topology: {out}")
    return 0


def cmd_readiness(args) -> int:
    from .readiness import write_page
    from .validate import load_valid

    inv = load_valid(args.inventory)
    out = write_page(inv, Path(args.out), Path(args.preflight_dir), Path(args.audit_dir),
                     rehearsal_dir=Path(args.rehearsal_dir))
    print(f"readiness page: {out.resolve()}")
    if args.publish:
        import subprocess

        from .desired.model import host_knobs
        from .readiness import PublishError, publish
        from .remote import Fleet

        fleet = Fleet(Path(args.inventory), lab=not args.production)
        try:
            hosts = publish(fleet, out)
        except (PublishError, subprocess.TimeoutExpired) as exc:
            print(f"gbtt readiness: {exc}", file=sys.stderr)
            return 1
        for name in hosts:
            port = host_knobs(args.inventory, name, "conference")["janus_https_port"]
            address = fleet.by_name[name].vars["ansible_host"]
            print(f"published: https://{address}{'' if port == 443 else f':{port}'}/readiness/ ({name}, "
                  "management networks only)")
    return 0


def cmd_known_hosts(args) -> int:
    from .known_hosts import collect, report

    path, pins = collect(Path(args.inventory), lab=args.lab, only=args.host, replace=args.replace)
    print("\n".join(report(pins)))
    print(f"{path}: {sum(p.outcome in ('pinned', 'replaced', 'unchanged') for p in pins)} of {len(pins)} host(s) pinned")
    return 0 if all(p.outcome in ("pinned", "replaced", "unchanged") for p in pins) else 1


def cmd_audit(args) -> int:
    from .audit import audit, print_table

    rows, report = audit(Path(args.inventory), lab=not args.production, out_dir=Path(args.out))
    print_table(rows)
    if report:
        print(f"report: {report}")
    return 0 if rows and all(r["ok"] for r in rows) else 1


def cmd_preflight(args) -> int:
    from .preflight import PreflightError, meeting_rooms, preflight, print_table

    sites = [s for arg in args.sites or [] for s in arg.split(",") if s]
    try:
        if args.meeting:
            sites += meeting_rooms(Path(args.inventory), args.meeting)
        results, report, elapsed = preflight(Path(args.inventory), lab=not args.production, sites=sites or None,
                                             out_dir=Path(args.out))
    except PreflightError as exc:
        print(f"gbtt preflight: {exc}", file=sys.stderr)
        return 2
    print_table(results, elapsed)
    if report:
        print(f"report: {report}")
    return 0 if all(r["ok"] for r in results) else 1


def cmd_meeting(args) -> int:
    from .inventory import load
    from .meeting import MeetingError, print_reply, run

    try:
        reply = run(Path(args.inventory), not args.production, args.verb, args.meeting, args.room, Path(args.out))
    except MeetingError as exc:
        print(f"gbtt meeting {args.verb}: {exc}", file=sys.stderr)
        return 1
    print_reply(load(Path(args.inventory)), args.verb, reply)
    return 0


def cmd_rehearse(args) -> int:
    from .meeting import MeetingError
    from .rehearsal import print_table, rehearse

    if bool(args.meeting) == bool(args.rooms):
        print("gbtt rehearse: name a meeting, or --rooms all", file=sys.stderr)
        return 2
    try:
        results, report, elapsed = rehearse(Path(args.inventory), not args.production, args.meeting, Path(args.out))
    except MeetingError as exc:
        print(f"gbtt rehearse: {exc}", file=sys.stderr)
        return 2
    print_table(results, elapsed)
    print(f"report: {report}")
    return 0 if all(r["ok"] is not False for r in results) else 1


def cmd_backgrounds(args) -> int:
    from .backgrounds import BackgroundError, write_backgrounds
    from .desired.components.room_provisioning import DEFAULT_TITLE

    try:
        written = write_backgrounds(Path(args.inventory), Path(args.out), args.site or None,
                                    title=args.title or DEFAULT_TITLE, png=not args.no_png)
    except BackgroundError as exc:
        print(f"gbtt backgrounds: {exc}", file=sys.stderr)
        return 2
    print(f"{len(written)} file(s) written under {args.out}")
    return 0


def cmd_report(args) -> int:
    from .annual_report import gather, write_reports
    from .validate import load_valid

    inv = load_valid(args.inventory)
    evidence = gather(args.year, Path(args.preflight_dir), Path(args.audit_dir))
    written = write_reports(inv, args.year, evidence, Path(args.out))
    print(f"{len(written)} file(s) of the {args.year} reports (Markdown, .docx) written under {args.out} "
          f"({len(evidence.preflight)} preflight run(s), {len(evidence.audit)} audit run(s) of the year)")
    return 0


def cmd_calendar(args) -> int:
    from .ics import calendar
    from .validate import load_valid

    inv = load_valid(args.inventory)
    if args.site and args.site not in inv.sites:
        print(f"gbtt calendar: unknown site {args.site!r} (known: {', '.join(sorted(inv.sites))})", file=sys.stderr)
        return 2
    out = Path(args.out or f"out/calendar/{args.site or 'binh-dinh'}.ics")
    out.parent.mkdir(parents=True, exist_ok=True)
    text = calendar(inv, args.site)
    out.write_text(text, encoding="utf-8", newline="")
    print(f"{out}: {text.count('BEGIN:VEVENT')} meeting(s)")
    return 0


def cmd_new_component(args) -> int:
    from .scaffold import new_component, registry_line, write_playbook

    if args.playbook:
        print(f"{write_playbook()}: rendered from gbtt/components.py")
        return 0
    if not args.name:
        print("gbtt new-component: name the component (or --playbook)", file=sys.stderr)
        return 2
    try:
        written = new_component(args.name)
    except ValueError as exc:
        print(f"gbtt new-component: {exc}", file=sys.stderr)
        return 2
    print("\n".join(written))
    print(f"{len(written)} file(s) written. Then:\n"
          f"  1. add its line to COMPONENTS in gbtt/components.py (the host group it runs on, its wording):\n"
          f"     {registry_line(args.name)}\n"
          f"  2. gbtt new-component --playbook   (playbooks/site.yml from the table)\n"
          f"  3. fill in the files; HOST in its molecule scenario is the model's host it plays\n"
          f"  4. .venv/bin/pytest tests/test_components.py")
    return 0


def cmd_lab(args) -> int:
    from .lab import cli as lab_cli

    return lab_cli.run(args)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="gbtt", description="Provision and verify the Bình Định online meeting system (GBTT).")
    sub = p.add_subparsers(dest="command", required=True)

    def command(name: str, func, help: str) -> argparse.ArgumentParser:
        """A subcommand reading an inventory directory (--inventory)."""
        cmd = sub.add_parser(name, help=help)
        cmd.add_argument("--inventory", default=str(default_inventory()))
        cmd.set_defaults(func=func)
        return cmd

    v = sub.add_parser("validate", help="check an inventory: schemas and cross-references, every problem at once")
    v.add_argument("inventory", nargs="?", default=str(default_inventory()))
    v.add_argument("--no-cache", action="store_true", help="ignore the per-file cache")
    v.set_defaults(func=cmd_validate)

    r = command("render", cmd_render, "write every host's files for review (secrets masked)")
    r.add_argument("--host", action="append", help="only this host (repeatable)")
    r.add_argument("--out", default="out/render")
    r.add_argument("--lab", action="store_true", help="as deployed into the lab (198.18.0.0/15 addresses)")

    pl = command("plan", cmd_plan, "what a deploy of the working tree would change against a git revision "
                 "(no host contacted; secrets masked)")
    pl.add_argument("--rev", default="HEAD", help="the git revision to compare with (default: HEAD)")
    pl.add_argument("--lab", action="store_true", help="as deployed into the lab (198.18.0.0/15 addresses)")
    pl.add_argument("--no-diff", action="store_true", help="name the files only")

    tp = command("topology", cmd_topology, "the system as an SVG picture: hosts, routers, rooms, links, last preflight")
    tp.add_argument("--out", default="out/topology.svg")
    tp.add_argument("--preflight-dir", default="out/preflight", help="where gbtt preflight wrote its reports")

    rd = command("readiness", cmd_readiness, "the readiness page (static HTML): meetings, rooms' last checks, "
                 "hosts' last audit, topology")
    rd.add_argument("--out", default="out/readiness.html")
    rd.add_argument("--preflight-dir", default="out/preflight", help="where gbtt preflight wrote its reports")
    rd.add_argument("--audit-dir", default="out/audit", help="where gbtt audit wrote its reports")
    rd.add_argument("--rehearsal-dir", default="out/rehearsal", help="where gbtt rehearse wrote its reports")
    rd.add_argument("--publish", action="store_true",
                    help="also onto the conference hosts (nginx serves it at /readiness/ to the management networks)")
    rd.add_argument("--production", action="store_true", help="publish to the production hosts (default: the lab)")

    kh = command("known-hosts", cmd_known_hosts, "pin the Linux hosts' SSH host keys (the engines accept no other)")
    kh.add_argument("action", choices=["collect"])
    kh.add_argument("--host", action="append", help="only this host (repeatable)")
    kh.add_argument("--replace", action="store_true", help="replace a changed key (after checking it on the console)")
    kh.add_argument("--lab", action="store_true", help="the lab's hosts (their keys as gbtt lab up recorded them)")

    a = command("audit", cmd_audit, "check the live hosts against the model (Art. 5.5); dated JSON report")
    a.add_argument("--production", action="store_true", help="the production hosts (default: the lab)")
    a.add_argument("--out", default="out/audit", help="where the dated report goes")

    pf = command("preflight", cmd_preflight, "pre-meeting check (Art. 7): a real call to every bridge room; JSON report")
    pf.add_argument("--sites", action="append", help="only these sites (comma-separated, repeatable)")
    pf.add_argument("--meeting", help="the rooms taking part in this booked meeting (meetings/<id>.yml)")
    pf.add_argument("--production", action="store_true", help="the production hosts (default: the lab)")
    pf.add_argument("--out", default="out/preflight", help="where the JSON report goes")

    from .meeting import VERBS

    mt = command("meeting", cmd_meeting, "conference control on the multipoint bridge (Art. 7.5.a): list, show, "
                 "start, mute, unmute, drop, redial, layout, end; logged; link: a WebRTC room PC's link to the meeting")
    mt.add_argument("verb", choices=VERBS)
    mt.add_argument("meeting", nargs="?", help="the booking (meetings/<id>.yml) or its number")
    mt.add_argument("room", nargs="?", help="a room system's id, or its site's (layout: grid or speaker; link: a "
                    "WebRTC room PC)")
    mt.add_argument("--production", action="store_true", help="the production hosts (default: the lab)")
    mt.add_argument("--out", default="out/meeting", help="where the log of commands goes")

    rh = command("rehearse", cmd_rehearse, "dress rehearsal (Art. 6.4, 7): the bridge calls every room of a meeting; "
                 "who hears whom; JSON report")
    rh.add_argument("meeting", nargs="?", help="the booking (meetings/<id>.yml), its number, or next (the next not over)")
    rh.add_argument("--rooms", choices=["all"], help="every room of the province, in the rehearsal room")
    rh.add_argument("--production", action="store_true", help="the production hosts (default: the lab)")
    rh.add_argument("--out", default="out/rehearsal", help="where the JSON report goes")

    bg = command("backgrounds", cmd_backgrounds, "the rooms' backgrounds of Art. 4.3 (phông nền) as SVG and PNG")
    bg.add_argument("--site", action="append", help="only this site (repeatable)")
    bg.add_argument("--title", help="the meeting's title, in its slot")
    bg.add_argument("--no-png", action="store_true", help="SVG only")
    bg.add_argument("--out", default="out/phong-nen")

    rp = command("report", cmd_report, "the annual report of Art. 17.1 (Vietnamese): province and each district")
    rp.add_argument("--year", type=int, default=date.today().year)
    rp.add_argument("--preflight-dir", default="out/preflight", help="where gbtt preflight wrote its reports")
    rp.add_argument("--audit-dir", default="out/audit", help="where gbtt audit wrote its reports")
    rp.add_argument("--out", default="out/reports")

    cal = command("calendar", cmd_calendar, "the booked meetings as iCalendar for the rooms' technicians")
    cal.add_argument("--site", help="only the meetings this bridge room takes part in")
    cal.add_argument("--out", help="the .ics file (default: out/calendar/<site or binh-dinh>.ics)")

    vault = sub.add_parser("vault", help="manage the inventory's ansible-vault file")
    vsub = vault.add_subparsers(dest="vault_command", required=True)
    fill = vsub.add_parser("fill", help="add random secrets for every endpoint or service that lacks one")
    fill.add_argument("inventory", nargs="?", default=str(default_inventory()))
    fill.set_defaults(func=cmd_vault_fill)

    nc = sub.add_parser("new-component", help="the files of a new component, from a working skeleton")
    nc.add_argument("name", nargs="?", help="e.g. multipoint_bridge")
    nc.add_argument("--playbook", action="store_true", help="only render playbooks/site.yml from gbtt/components.py")
    nc.set_defaults(func=cmd_new_component)

    from .lab.cli import add_parser as add_lab

    add_lab(sub, cmd_lab)
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except InventoryInvalid as exc:
        print(exc, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
