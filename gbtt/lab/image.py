"""The lab's base image, built locally from lab/image.recipe with mmdebstrap
and `podman import`; rebuilt when the recipe changes (its hash is the tag) and
when the package indexes it carries are MAX_AGE_HOURS old (the recipe says why
it keeps them)."""
from __future__ import annotations

import hashlib
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from ..paths import LAB_DIR
from . import aptcache
from .podman import LabError, exists, podman

RECIPE = LAB_DIR / "image.recipe"
REPOSITORY = "localhost/gbtt-base"
LATEST = f"{REPOSITORY}:latest"  # what molecule scenarios name; always the current recipe's image
# Deploys update apt when its last update is a day old (cache_valid_time / cache_time 86400): an image this
# old is built again before a lab or scenario starts from it, so no host of a fresh lab refreshes indexes.
MAX_AGE_HOURS = 12


def parse_recipe(text: str) -> dict:
    recipe = {"customize": [], "copy": []}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        key, _, value = line.partition(":")
        if key in ("customize", "copy"):
            recipe[key].append(value.strip())
        else:
            recipe[key.strip()] = value.strip()
    return recipe


def copied_files(recipe: dict) -> list[tuple[Path, str]]:
    """The recipe's `copy: SRC DEST_DIR` lines: files of lab/ put into the image."""
    out = []
    for line in recipe["copy"]:
        src, dest = line.split()
        out.append((LAB_DIR / src, dest))
    return out


def tag() -> str:
    """The recipe's hash, and that of every file it copies in."""
    digest = hashlib.sha256(RECIPE.read_bytes())
    for src, _ in copied_files(parse_recipe(RECIPE.read_text())):
        digest.update(src.read_bytes())
    return f"{REPOSITORY}:{digest.hexdigest()[:12]}"


def mmdebstrap_command(recipe: dict, target: Path) -> list[str]:
    cmd = ["mmdebstrap", f"--variant={recipe['variant']}", "--include=" + ",".join(recipe["packages"].split())]
    if recipe.get("skip"):
        cmd.append(f"--skip={recipe['skip']}")
    for src, dest in copied_files(recipe):
        cmd.append(f"--customize-hook=copy-in {shlex.quote(str(src))} {shlex.quote(dest)}")
    for step in recipe["customize"]:
        cmd.append(f'--customize-hook=chroot "$1" /bin/sh -c {shlex.quote(step)}')
    cmd += [recipe["suite"], str(target)]
    return cmd


def ensure_image(log=print) -> str:
    """The base image's tag, building it first if this recipe has none yet or its indexes are old."""
    name = tag()
    old = None
    if exists("image", name):
        created, image_id = podman("image", "inspect", "--format", "{{.Created.Unix}} {{.Id}}", name).stdout.split()
        if time.time() - int(created) < MAX_AGE_HOURS * 3600:
            podman("tag", name, LATEST)
            return name
        old = image_id
        log(f"lab: the base image's package indexes are {MAX_AGE_HOURS} h old or more: building it again")
    if shutil.which("mmdebstrap") is None:
        raise LabError("mmdebstrap is not installed: run scripts/setup.sh")
    recipe = parse_recipe(RECIPE.read_text())
    log(f"lab: building the base image {name} with mmdebstrap (about a minute)")
    with tempfile.TemporaryDirectory(prefix="gbtt-image-") as tmp:
        tar = Path(tmp) / "base.tar"
        # the build's own downloads go through the package cache too, when it runs
        env = dict(os.environ, http_proxy=proxy) if (proxy := aptcache.local_url()) else None
        proc = subprocess.run(mmdebstrap_command(recipe, tar), capture_output=True, text=True, env=env, timeout=1200)
        if proc.returncode != 0:
            tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
            raise LabError("mmdebstrap failed: " + " | ".join(tail))
        podman("import", "--change", 'CMD ["/sbin/init"]', "--change", "LABEL gbtt.recipe=" + name.split(":")[1],
               str(tar), name)
    podman("tag", name, LATEST)
    if old:  # kept while containers still run from it
        podman("rmi", old, check=False)
    return name
