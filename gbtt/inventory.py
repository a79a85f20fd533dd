"""Loading an inventory directory: every file parsed, schema-checked and
placed in the model, with every problem kept (never raised).

Per-file results (parsed data with line numbers, and that file's problems)
are cached by file content, so that re-validating a large inventory in which
one file changed re-parses only that file.  The vault's cached form is
redacted: secrets never reach the cache.
"""
from __future__ import annotations

import hashlib
import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path

from . import schemas
from .layout import FILE_KINDS, IGNORED_FILES, VAULT_FILE, FileKind, allowed_files, kind_for
from .paths import INVENTORY_DIR, REPO, SCHEMA_DIR
from .problems import Problem, join_path
from .vault import VaultError, decrypt, redact
from .yamlload import YamlError, line_of, load_text

CACHE_FORMAT = 4
ROLES_DIR = REPO / "roles"


@dataclass
class FileResult:
    data: object  # the file's content with line numbers, None if unusable
    problems: list[Problem]


@dataclass
class Inventory:
    root: Path
    docs: dict = field(default_factory=dict)  # kind.key -> content (sites: {id: site})
    files: dict = field(default_factory=dict)  # (kind.key, id or None) -> relpath
    broken: set = field(default_factory=set)  # kind keys whose files could not be read
    problems: list[Problem] = field(default_factory=list)
    _prefix: str | None = field(default=None, repr=False)

    # -- where things are --------------------------------------------------
    def display(self, relpath: str) -> str:
        """How problems name a file: relative to the working directory when
        the inventory lies below it, absolute otherwise."""
        if self._prefix is None:
            rel = os.path.relpath(self.root)
            self._prefix = str(self.root.resolve()) if rel.startswith("..") else rel
        return relpath if self._prefix == "." and relpath != "." else os.path.join(self._prefix, relpath)

    def where(self, path: tuple) -> tuple[str, int]:
        """File and line of a model path such as ('sites', 'quy-nhon', 'endpoints', 0)."""
        key = path[0]
        if len(path) > 1 and (key, path[1]) in self.files:
            rel = self.files[(key, path[1])]
            return self.display(rel), line_of(self.docs[key][path[1]], path[2:])
        rel = self.files.get((key, None))
        if rel is None:
            return self.display("."), 0
        return self.display(rel), line_of(self.docs.get(key), path[1:])

    def problem(self, path: tuple, message: str) -> Problem:
        file, line = self.where(path)
        return Problem(file, line, join_path(*path), message)

    # -- the model's collections -------------------------------------------
    def get(self, key: str) -> dict:
        value = self.docs.get(key)
        return value if isinstance(value, dict) else {}

    @property
    def province(self):
        return self.get("province")

    @property
    def sites(self):
        return self.get("sites")

    @property
    def hosts(self):
        return self.get("hosts")

    @property
    def network(self):
        return self.get("network")

    @property
    def centre(self):
        return self.get("centre")

    @property
    def organisations(self):
        return self.get("organisations")

    @property
    def codec_profiles(self):
        return self.get("codec_profiles")

    @property
    def meetings(self):
        return self.get("meetings")

    def secrets(self) -> dict:
        """The vault's content, decrypted now (never cached)."""
        data, _ = load_text(decrypt((self.root / VAULT_FILE).read_bytes()))
        return data


def _fingerprint() -> bytes:
    h = hashlib.sha256(str(CACHE_FORMAT).encode())
    for path in sorted(SCHEMA_DIR.glob("*.yml")) + sorted(ROLES_DIR.glob("*/defaults/main.yml")):
        h.update(str(path).encode() + path.read_bytes())  # knobs' schema: from the roles' defaults
    return h.digest()


def _cache_path(root: Path) -> Path:
    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "gbtt"
    return base / (hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16] + ".pickle")


# The cache is a base file of every entry and a small delta of what changed
# since (None: a file gone), so that one edited file does not rewrite the
# entries of ten thousand; the base is rewritten when the delta grows.
DELTA_LIMIT = 256


def _delta_path(path: Path) -> Path:
    return path.with_suffix(".delta")


def _load(path: Path, fingerprint: bytes) -> dict | None:
    try:
        with path.open("rb") as fh:
            stored = pickle.load(fh)
        return stored["entries"] if stored.get("fingerprint") == fingerprint else None
    except Exception:  # a missing, stale or damaged cache is just a cold start
        return None


def _read_cache(path: Path, fingerprint: bytes) -> tuple[dict, dict]:
    """(every entry, the delta's entries)."""
    base = _load(path, fingerprint)
    if base is None:
        return {}, {}
    delta = _load(_delta_path(path), fingerprint) or {}
    entries = dict(base)
    for rel, entry in delta.items():
        if entry is None:
            entries.pop(rel, None)
        else:
            entries[rel] = entry
    return entries, delta


def _dump(path: Path, fingerprint: bytes, entries: dict) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("wb") as fh:
        pickle.dump({"fingerprint": fingerprint, "entries": entries}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)


def _write_cache(path: Path, fingerprint: bytes, entries: dict, previous: dict, delta: dict) -> None:
    """Record `entries` (what was read now) against `previous` (what the cache held)."""
    changes = dict(delta)
    changes.update({rel: e for rel, e in entries.items() if previous.get(rel) is not e})
    changes.update({rel: None for rel in previous.keys() - entries.keys()})
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if previous and len(changes) <= DELTA_LIMIT:
            _dump(_delta_path(path), fingerprint, changes)
        else:
            _dump(path, fingerprint, entries)
            _delta_path(path).unlink(missing_ok=True)
    except OSError:
        pass  # a read-only home only costs speed


def _list_files(root: Path) -> list[tuple[str, os.stat_result]]:
    """(path relative to root, its stat) of every file, sorted; hidden ones and caches left out."""
    out = []

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.startswith(".") or entry.name == "__pycache__":
                    continue
                if entry.is_dir():
                    walk(entry.path, prefix + entry.name + "/")
                else:
                    out.append((prefix + entry.name, entry.stat()))

    walk(str(root), "")
    return sorted(out, key=lambda item: item[0])


def _stat_key(st: os.stat_result) -> tuple:
    """What tells a file unchanged without reading it (as git's index does)."""
    return (st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)


def parse_file(kind: FileKind, relpath: str, raw: bytes, display: str) -> FileResult:
    """Parse and schema-check one file of the inventory."""
    stem = relpath.rsplit("/", 1)[-1][: -len(".yml")]
    prefix = (kind.key, stem) if kind.shape == "directory" else (kind.key,)
    secret = kind.secret

    def problem(line, message, path=prefix):
        return Problem(display, line, join_path(*path), message)

    if secret:
        try:
            raw = decrypt(raw)
        except VaultError as exc:
            return FileResult(None, [problem(1, f"{VAULT_FILE} {exc}")])
    try:
        data, duplicates = load_text(raw)
    except YamlError as exc:
        return FileResult(None, [problem(exc.line, exc.message)])
    problems = [problem(line, msg) for line, msg in duplicates]
    if data is None:
        problems.append(problem(1, f"the file is empty (expected the {kind.schema.replace('_', ' ')} described in schemas/{kind.schema}.yml)"))
        return FileResult(None, problems)
    document = {kind.key: {stem: data} if kind.shape == "directory" else data}
    depth = len(prefix)
    for path, message in schemas.check(kind, document):
        line = line_of(data, path[depth:]) if len(path) >= depth else getattr(data, "line", 1)
        problems.append(problem(line or 1, message, path))
    if secret:
        data = redact(data)
    return FileResult(data, problems)


def load(root: Path | str, use_cache: bool = True) -> Inventory:
    root = Path(root)
    inv = Inventory(root=root)
    if not root.is_dir():
        what = "is not a directory" if root.exists() else "does not exist"
        inv.problems.append(Problem(str(root), 0, "inventory", f"the inventory directory {what}"))
        return inv

    fingerprint = _fingerprint()
    cache_file = _cache_path(root)
    cache, delta = _read_cache(cache_file, fingerprint) if use_cache else ({}, {})
    fresh: dict = {}
    changed = False
    seen_kinds = set()

    for rel, st in _list_files(root):
        if rel in IGNORED_FILES or rel.lower().startswith("readme"):
            continue
        kind = kind_for(rel)
        display = inv.display(rel)
        if kind is None:
            inv.problems.append(Problem(display, 1, rel.rsplit(".", 1)[0].replace("/", "."),
                                        f"unknown inventory file (allowed: {allowed_files()})"))
            continue
        seen_kinds.add(kind)
        stat_key = _stat_key(st)
        entry = cache.get(rel)
        if entry is not None and entry[0] == stat_key and entry[2] == display:
            fresh[rel] = entry  # unchanged since it was parsed: not even read
            result = entry[3]
        else:
            try:
                raw = (root / rel).read_bytes()
            except OSError as exc:
                inv.problems.append(Problem(display, 0, kind.key, f"cannot read the file: {exc.strerror}"))
                inv.broken.add(kind.key)
                continue
            digest = hashlib.sha256(raw).digest()
            if entry is not None and entry[1] == digest and entry[2] == display:
                result = entry[3]  # touched, same content
            else:
                result = parse_file(kind, rel, raw, display)
            changed = True
            fresh[rel] = (stat_key, digest, display, result)
        inv.problems.extend(result.problems)
        _place(inv, kind, rel, result.data)

    for kind in FILE_KINDS:
        if kind.required and kind not in seen_kinds:
            what = "no bridge room file (sites/<id>.yml)" if kind.shape == "directory" else f"{kind.pattern} is missing"
            inv.problems.append(Problem(inv.display(kind.pattern.split("/")[0]), 0, kind.key,
                                        f"{what}: every inventory needs it (see schemas/{kind.schema}.yml)"))
            inv.broken.add(kind.key)
    if use_cache and (changed or fresh.keys() != cache.keys()):
        _write_cache(cache_file, fingerprint, fresh, cache, delta)
    return inv


def _place(inv: Inventory, kind: FileKind, rel: str, data) -> None:
    if kind.shape == "directory":
        stem = rel.rsplit("/", 1)[-1][: -len(".yml")]
        inv.docs.setdefault(kind.key, {})
        if data is None:
            inv.broken.add(kind.key)
            return
        inv.docs[kind.key][stem] = data
        inv.files[(kind.key, stem)] = rel
    else:
        inv.files[(kind.key, None)] = rel
        if data is None:
            inv.broken.add(kind.key)
        else:
            inv.docs[kind.key] = data


def default_inventory() -> Path:
    return INVENTORY_DIR / "binh-dinh"
