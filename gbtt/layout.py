"""Which files make up an inventory directory, and what each one holds.

Each file kind names the top-level key under which its content appears in
problem paths, and the schema (in `schemas/`) of the objects it holds:

* an *object* file holds one object (`province.yml` -> `province.code`);
* a *collection* file maps ids to objects (`hosts.yml` -> `hosts.mcu-sip-01.address`);
* a *directory* of files holds one object per file, the id being the file
  name (`sites/quy-nhon.yml` -> `sites.quy-nhon.network.subnet`).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FileKind:
    pattern: str  # a file name, or "dir/*.yml"
    key: str  # top-level key in problem paths and in the model
    schema: str  # the object schema in schemas/
    shape: str  # "object" | "collection" | "directory"
    required: bool = True
    secret: bool = False  # values are never shown in messages nor cached
    key_format: str = "slug"  # what its ids (file names, keys) must look like (gbtt.schemas.FORMATS)


FILE_KINDS: tuple[FileKind, ...] = (
    FileKind("province.yml", "province", "province", "object"),
    FileKind("organisations.yml", "organisations", "organisation", "collection"),
    FileKind("centre.yml", "centre", "centre", "object"),
    FileKind("hosts.yml", "hosts", "host", "collection"),
    FileKind("network.yml", "network", "network", "object"),
    FileKind("codec-profiles.yml", "codec_profiles", "codec_profile", "collection"),
    FileKind("sites/*.yml", "sites", "site", "directory"),
    FileKind("meetings/*.yml", "meetings", "meeting", "directory", required=False),
    FileKind("vault.yml", "vault", "secrets", "object", secret=True),
    # knob overrides, as Ansible users place them (gbtt.desired.knobs)
    FileKind("group_vars/*.yml", "group_vars", "knobs", "directory", required=False, key_format="group_name"),
    FileKind("host_vars/*.yml", "host_vars", "knobs", "directory", required=False),
)

# Files that live in an inventory directory but are not part of the model:
# the entry files of Ansible (gbtt.yml) and pyinfra (pyinfra.py).
IGNORED_FILES = ("gbtt.yml", "pyinfra.py")

VAULT_FILE = "vault.yml"


def kind_for(relpath: str) -> FileKind | None:
    for kind in FILE_KINDS:
        if kind.shape == "directory":
            folder = kind.pattern.split("/")[0]
            parts = relpath.split("/")
            if len(parts) == 2 and parts[0] == folder and parts[1].endswith(".yml"):
                return kind
        elif relpath == kind.pattern:
            return kind
    return None


def allowed_files() -> str:
    return ", ".join(k.pattern for k in FILE_KINDS)
