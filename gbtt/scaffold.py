"""`gbtt new-component NAME`: the files a new component needs, from a
skeleton that already works end to end (one package, one file, one service),
so that the author fills in what the component is and nothing else; and the
one line to add to gbtt/components.py. `--playbook` renders
playbooks/site.yml from the table again."""
from __future__ import annotations

import re
from pathlib import Path

from .components import COMPONENTS, playbook
from .paths import REPO

NAME = re.compile(r"^[a-z][a-z0-9_]*$")


def skeleton(name: str) -> dict[str, str]:
    """relative path -> content of every file of a new component."""
    dash = name.replace("_", "-")
    return {
        f"gbtt/desired/components/{name}.py": f'''"""`{name}`: WHAT IT IS (one paragraph: the program, what the model sets)."""
from __future__ import annotations

from ..model import ComponentState, FileSpec, Port, ServiceSpec


def build(ctx) -> ComponentState:
    knobs = ctx.defaults("{name}")
    conf = ctx.render("{name}/{dash}.conf.j2", address=ctx.address, **knobs)
    return ComponentState(
        name="{name}",
        packages=knobs["{name}_packages"],
        files=[FileSpec("/etc/gbtt/{dash}.conf", conf, restart=["{dash}"])],
        services=[ServiceSpec("{dash}")],
        ports=[Port("tcp", str(knobs["{name}_port"]), "rooms", "WHO CONNECTS, AND WHY")],
    )
'''.replace("{dash}", dash),
        f"templates/{name}/{dash}.conf.j2": f"# Managed by gbtt ({name}): edits are overwritten.\n"
                                           f"listen {{{{ address }}}}:{{{{ {name}_port }}}}\n",
        f"roles/{name}/defaults/main.yml": f"""# Knobs of the `{name}` component. gbtt's model reads this file for both
# engines (Ansible and pyinfra). Every knob is named {name}_*.

# Debian packages of the component.
{name}_packages: [{dash}]
# The port it listens on.
{name}_port: 8000
""",
        f"roles/{name}/meta/main.yml": """galaxy_info:
  author: gbtt
  description: WHAT IT IS.
  license: MIT
  min_ansible_version: "2.17"
  platforms:
    - name: Debian
      versions: [bookworm]
dependencies: []
""",
        f"roles/{name}/tasks/main.yml": f"""# The `{name}` component (knobs: defaults/main.yml; files: templates/{name}/).
- name: {name.replace("_", " ").capitalize()} component  # ansible-lint: names start with a capital
  ansible.builtin.import_role:
    name: gbtt_component
  vars:
    gbtt_component: {name}
""",
        f"roles/{name}/molecule/default/molecule.yml": f"""# Molecule scenario of the `{name}` role (what every scenario shares:
# .config/molecule/config.yml).
# The container plays the model's host `HOST` of inventory/binh-dinh.
platforms:
  - name: gbtt-molecule-{dash}
    image: localhost/gbtt-base:latest
    pre_build_image: true
    command: /sbin/init
    systemd: always
    capabilities: [NET_ADMIN, NET_RAW]
provisioner:
  inventory:
    host_vars:
      gbtt-molecule-{dash}:
        gbtt_host: HOST
verifier:
  options:
    hosts: gbtt-molecule-{dash}  # testinfra on the instance itself (podman exec), not through Ansible
""",
        f"roles/{name}/molecule/default/converge.yml": f"""- name: Converge
  hosts: all
  gather_facts: true  # the instance's own address: it plays HOST there
  gather_subset: ["!all", "!min", "network"]  # only that (all facts: 3 s more per run)
  strategy: mitogen_linear  # .config/molecule/config.yml: one interpreter per instance
  vars:
    gbtt_instance_address: "{{{{ ansible_default_ipv4.address }}}}"
  pre_tasks:
    - name: Lab guard
      ansible.builtin.import_tasks: ../../../../playbooks/tasks/lab_guard.yml
  roles:
    - role: common
    - role: {name}
""",
        f"roles/{name}/molecule/default/tests/test_{name}.py": f'''"""testinfra checks of the {name} component."""
from gbtt.checks.{name} import check_{name}


def test_{name}(host):
    address = host.check_output("hostname -I").split()[0]
    check_{name}(host, model_host="HOST", lab=True, address=address)
''',
        f"gbtt/checks/{name}.py": f'''"""Checks of the `{name}` component against the model: its files, packages
and services as the model says, and its protocol spoken for real."""
from __future__ import annotations

from . import check_applied, model_state


def check_{name}(host, model_host: str, lab: bool, address: str, inventory=None, facts=None) -> None:
    """`facts`: what the audit gathered of the host in one call (else check_applied gathers them)."""
    state = model_state(model_host, "{name}", lab, inventory=inventory, address=address)
    check_applied(host, state, facts)
    # TODO: speak its protocol (gbtt/probes/), e.g. run_probe(host, "...", address, port)
''',
    }


def registry_line(name: str) -> str:
    return f'    Component("{name}", "WHAT IT IS (program)", "GROUP", "TÊN TIẾNG VIỆT", probe=True),'


def new_component(name: str, root: Path = REPO) -> list[str]:
    """Writes the skeleton under `root`; returns the files written. Refuses a
    bad name, a component of the table, or any file that exists already."""
    if not NAME.match(name):
        raise ValueError(f"'{name}' is not a component name (lower case, digits and _; e.g. multipoint_bridge)")
    if name in COMPONENTS:
        raise ValueError(f"'{name}' is a component already (gbtt/components.py)")
    files = skeleton(name)
    existing = [rel for rel in files if (root / rel).exists()]
    if existing:
        raise ValueError(f"would overwrite {', '.join(existing)}")
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    return sorted(files)


def write_playbook(root: Path = REPO) -> Path:
    path = root / "playbooks" / "site.yml"
    path.write_text(playbook(), encoding="utf-8")
    return path
