"""Action `gbtt_component_state`: everything roles/gbtt_component needs to
know before it acts, in one task.  The first component of a host computes,
for all the host's components at once: their desired state (gbtt's model,
with the knob overrides of the host's variables, as the lookup `gbtt_state`),
the change freeze of Art. 7.5.b (gbtt.freeze, as the lookup `gbtt_freeze`; an
override is logged there and shown here), what the host holds of them, in one
call (module `gbtt_host_facts`: gbtt/probes/hoststate.py), and what differs
(gbtt.desired.drift, the code the pyinfra deploys use); the host's other
components take theirs from that.  As pyinfra does, what the host holds is
learnt before anything is applied.

Sets the host facts `_gbtt_state`, `_gbtt_freeze` and `_gbtt_todo` for the
component (and `_gbtt_host_plan` for the others).  Without a component (the
playbook's first play, tasks/packages.yml): `_gbtt_ahead`, the packages missing
of the components this run applies (by its tags) that are not frozen, so that
every host installs them in one step, all hosts at once.  Run it with `no_log: true`:
the state holds the vault's secrets."""
from __future__ import annotations

from dataclasses import asdict

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("component", "host", "inventory", "lab", "address", "freeze_override", "drill",
                             "run_tags", "skip_tags"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        key = [args["host"], args["inventory"], bool(args.get("lab")), args.get("address") or "",
               args.get("freeze_override") or "", bool(args.get("drill"))]
        plan = task_vars.get("_gbtt_host_plan") or {}
        if plan.get("key") != key or (args.get("component") or "common") not in plan.get("components", {}):
            plan = self._host_plan(args, task_vars, key)
        if not args.get("component"):
            from gbtt.components import run_by_tags

            from gbtt.desired.drift import packages_ahead

            run = {name: plan["components"][name] for name in run_by_tags(args.get("run_tags"), args.get("skip_tags"))
                   if name in plan["components"]}
            ahead = packages_ahead({n: c["missing"] for n, c in run.items()}, {n: c["freeze"]["frozen"] for n, c in run.items()})
            result.update(changed=False, ansible_facts={"_gbtt_host_plan": plan, "_gbtt_ahead": ahead})
            return result
        mine = plan["components"].get(args["component"])
        if mine is None:
            raise AnsibleActionFail(f"{args['host']} does not run component '{args['component']}' "
                                    f"(it runs: {', '.join(plan['components'])})")
        if mine["freeze"]["overridden"]:
            # on standard output with the run's other results (the override is also logged by gbtt.freeze)
            self._display.display(f"{task_vars.get('inventory_hostname')}: {mine['freeze']['message']}")
        result.update(changed=False, ansible_facts={"_gbtt_host_plan": plan, "_gbtt_state": mine["state"],
                                                    "_gbtt_freeze": mine["freeze"], "_gbtt_todo": mine["todo"]})
        return result

    def _host_plan(self, args, task_vars, key) -> dict:
        from gbtt.desired import host_state
        from gbtt.desired.drift import drift, spec_of
        from gbtt.desired.knobs import run_time_knobs
        from gbtt.freeze import OverrideRefused, status
        from gbtt.problems import InventoryInvalid

        knobs, problems = run_time_knobs(task_vars, self._templar.template)
        if problems:
            raise AnsibleActionFail("knob overrides (group_vars, host_vars, -e):\n" + "\n".join(problems))
        try:
            states = host_state(args["inventory"], args["host"], lab=bool(args.get("lab")),
                                address=args.get("address") or None, knobs=knobs).components
            freezes = {name: status(args["inventory"], args["host"], "ansible", name,
                                    override=args.get("freeze_override") or None, lab=bool(args.get("lab")),
                                    drill=bool(args.get("drill"))) for name in states}
        except (InventoryInvalid, OverrideRefused) as exc:
            raise AnsibleActionFail(str(exc)) from None
        except KeyError as exc:
            raise AnsibleActionFail(str(exc)) from None
        held = self._execute_module(module_name="gbtt_host_facts", module_args={"spec": spec_of(*states.values())},
                                    task_vars=task_vars)
        if held.get("failed"):
            raise AnsibleActionFail(f"gbtt_host_facts: {held.get('msg', held)}")
        return {"key": key, "components": {
            name: {"state": asdict(s), "freeze": freezes[name], "todo": d.plan(s), "missing": d.packages}
            for name, s in states.items() for d in (drift(held["host_facts"], s),)}}
