"""Action `gbtt_roomos_config`: a Cisco RoomOS codec's configuration, as
gbtt's model renders it (`xConfiguration` lines), set through the codec's
xAPI over HTTPS (gbtt/roomos.py). Runs on the controller; nothing is copied
to the codec.

Then the phone book: the codec's local contacts numbered in the province's
SIP domain are made the model's (added, deleted), every other contact left.

It reads the configuration back first: a setting the codec does not have
(a misspelt name, an older RoomOS) fails the task before anything is sent;
in check mode the differences are the result (with --diff, as
`xConfiguration` lines, the password masked); otherwise only what differs is
sent, then read back and compared. Its arguments hold no secret: the settings
(with the SIP password) come from gbtt's model, the API password from the
inventory's vault (`codec_api_passwords`), so the task can show its diff."""
from __future__ import annotations

from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("host", "inventory", "url", "username", "certificate_sha256", "timeout"))

    def run(self, tmp=None, task_vars=None):
        from gbtt.desired.knobs import run_time_knobs
        from gbtt.problems import InventoryInvalid
        from gbtt.roomos import RoomOSError, review_codec

        result = super().run(tmp, task_vars)
        args = self._task.args
        knobs, problems = run_time_knobs(task_vars, self._templar.template)
        if problems:
            raise AnsibleActionFail("knob overrides (group_vars, host_vars, -e):\n" + "\n".join(problems))
        try:
            todo = review_codec(args["inventory"], args["host"], args["url"], args["username"],
                                args.get("certificate_sha256") or "", args.get("timeout") or 10, knobs)
            result.update(changed=todo.changed, settings=sorted(todo.config.changes),
                          phonebook={"add": [n for n, _ in todo.adds], "delete": [n for _, n, _ in todo.deletes]})
            if self._task.diff and todo.changed:
                result["diff"] = todo.diff
            if todo.changed and not self._task.check_mode:
                todo.apply()
        except InventoryInvalid as exc:
            raise AnsibleActionFail(f"gbtt inventory is invalid:\n{exc}") from None
        except RoomOSError as exc:
            raise AnsibleActionFail(str(exc)) from None
        return result
