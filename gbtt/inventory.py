"""Loading an inventory directory: every file parsed, schema-checked and
placed in the model, with every problem kept (never raised).

Per-file results (parsed data, that file's problems, a
site's facts for the cross-site rules, and a site's own rule findings) are
cached by file content, so that re-validating a large inventory in which one
file changed re-parses and re-checks only that file.  A cached file's data is
unpickled only when something reads it.  The vault's cached form is redacted:
secrets never reach the cache.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import struct
from dataclasses import dataclass, field
from pathlib import Path

from . import schemas
from .layout import FILE_KINDS, IGNORED_FILES, VAULT_FILE, FileKind, allowed_files, kind_for
from .paths import INVENTORY_DIR, REPO, SCHEMA_DIR
from .problems import Problem, join_path
from .rules.facts import site_facts
from .vault import VaultError, decrypt, redact
from .yamlload import LineDict, LineList, YamlError, line_of, load_plain, load_text

CACHE_FORMAT = 7
ROLES_DIR = REPO / "roles"
CODE_DIR = REPO / "gbtt"
RULES_ENTRY = "\0rules"  # the cache's entry for the rules that read no site file
_STAT = struct.Struct("4q")  # what tells a file unchanged without reading it (as git's index): mtime, size, inode, ctime


class FileResult:
    """One file's parse: its data (unpickled from the cache only when read),
    its problems, a site's facts and the findings of the per-site rules
    (`checked`: the key of what they read besides the site, and the problems)."""

    __slots__ = ("_data", "_blob", "usable", "problems", "facts", "checked")
    _UNREAD = object()

    def __init__(self, data, problems: list[Problem], facts=None):
        self._data, self._blob, self.problems, self.facts, self.checked = data, None, problems, facts, None
        self.usable = data is not None  # the file could be read as YAML

    @property
    def data(self):
        if self._data is FileResult._UNREAD:
            self._data = pickle.loads(self._blob)
        return self._data

    def __getstate__(self):
        if self._blob is None and self._data is not None:
            self._blob = pickle.dumps(self._data, protocol=pickle.HIGHEST_PROTOCOL)
        return self._blob, self.problems, self.facts, self.checked

    def __setstate__(self, state):
        self._blob, self.problems, self.facts, self.checked = state
        self.usable = self._blob is not None
        self._data = FileResult._UNREAD if self.usable else None


@dataclass
class Inventory:
    root: Path
    files: dict = field(default_factory=dict)  # (kind.key, id or None) -> relpath
    broken: set = field(default_factory=set)  # kind keys whose files could not be read
    problems: list[Problem] = field(default_factory=list)
    results: dict = field(default_factory=dict)  # kind.key -> {id or None: FileResult}, in file order
    digests: dict = field(default_factory=dict)  # relpath -> sha256 of its content
    _docs: dict = field(default_factory=dict, repr=False)
    _lines: dict = field(default_factory=dict, repr=False)  # relpath -> its data with lines, read when asked
    _prefix: str | None = field(default=None, repr=False)
    _cache: tuple | None = field(default=None, repr=False)  # what save_cache needs

    # -- the content, read as it is asked for --------------------------------
    @property
    def docs(self) -> dict:
        """kind.key -> content (sites: {id: site})."""
        for key in self.results:
            self._read(key)
        return self._docs

    def _read(self, key: str) -> None:
        if key in self._docs or key not in self.results:
            return
        items = self.results[key]
        if None in items:
            if items[None].usable:
                self._docs[key] = items[None].data
        else:
            self._docs[key] = {stem: r.data for stem, r in items.items() if r.usable}

    def item(self, key: str, stem: str):
        """One object of a directory kind (one site), without reading the others."""
        if key in self._docs:
            return self._docs[key].get(stem)
        result = self.results.get(key, {}).get(stem)
        return result.data if result is not None and result.usable else None

    # -- where things are --------------------------------------------------
    def display(self, relpath: str) -> str:
        """How problems name a file: relative to the working directory when
        the inventory lies below it, absolute otherwise."""
        if self._prefix is None:
            rel = os.path.relpath(self.root)
            self._prefix = str(self.root.resolve()) if rel.startswith("..") else rel
        if self._prefix == ".":
            return relpath
        return os.path.join(self._prefix, relpath) if relpath == "." else self._prefix.rstrip("/") + "/" + relpath

    def where(self, path: tuple) -> tuple[str, int]:
        """File and line of a model path such as ('sites', 'quy-nhon', 'endpoints', 0)."""
        key = path[0]
        if len(path) > 1 and (key, path[1]) in self.files:
            rel = self.files[(key, path[1])]
            return self.display(rel), line_of(self._with_lines(rel, self.item(key, path[1])), path[2:])
        rel = self.files.get((key, None))
        if rel is None:
            return self.display("."), 0
        self._read(key)
        return self.display(rel), line_of(self._with_lines(rel, self._docs.get(key)), path[1:])

    def _with_lines(self, rel: str, data):
        """`data` as read with its lines: a file read on the fast path (plain dicts, no lines) is read
        again, once, when a problem in it needs a line."""
        if data is None or isinstance(data, (LineDict, LineList)):
            return data
        if rel not in self._lines:
            kind = kind_for(rel)
            try:
                raw = (self.root / rel).read_bytes()
                self._lines[rel] = redact(load_text(decrypt(raw))[0]) if kind and kind.secret else load_text(raw)[0]
            except (OSError, YamlError, VaultError):
                self._lines[rel] = None
        return self._lines[rel]

    def problem(self, path: tuple, message: str) -> Problem:
        file, line = self.where(path)
        return Problem(file, line, join_path(*path), message)

    # -- the model's collections -------------------------------------------
    def get(self, key: str) -> dict:
        self._read(key)
        value = self._docs.get(key)
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
    for path in sorted(CODE_DIR.rglob("*.py")):  # the rules' findings are cached too: a new gbtt, a new cache
        st = path.stat()
        h.update(f"{path}:{st.st_mtime_ns}:{st.st_size}".encode())
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


def _list_files(root: Path) -> list[tuple[str, bytes]]:
    """(path relative to root, what tells it unchanged) of every file, sorted; hidden ones and caches left out."""
    out = []
    pack = _STAT.pack

    def walk(folder: str, prefix: str) -> None:
        with os.scandir(folder) as entries:
            for entry in entries:
                name = entry.name
                if name.startswith(".") or name == "__pycache__":
                    continue
                if entry.is_dir():
                    walk(entry.path, prefix + name + "/")
                else:
                    st = entry.stat()
                    out.append((prefix + name, pack(st.st_mtime_ns, st.st_size, st.st_ino, st.st_ctime_ns)))

    walk(str(root), "")
    out.sort()
    return out




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
    plain, data = load_plain(raw)
    duplicates = []
    if not plain:
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
    found = schemas.check(kind, document)
    lines = load_text(raw)[0] if found and plain else data  # a file with problems is read again for its lines
    for path, message in found:
        line = line_of(lines, path[depth:]) if len(path) >= depth else getattr(lines, "line", 1)
        problems.append(problem(line or 1, message, path))
    if secret:
        data = redact(data)
    return FileResult(data, problems, site_facts(data) if kind.key == "sites" else None)


def load(root: Path | str, use_cache: bool = True) -> Inventory:
    """Every file parsed (or taken from the cache) and placed; the cache is
    written by `save_cache` once the rules have added their findings."""
    root = Path(root)
    inv = Inventory(root=root)
    if not root.is_dir():
        what = "is not a directory" if root.exists() else "does not exist"
        inv.problems.append(Problem(str(root), 0, "inventory", f"the inventory directory {what}"))
        return inv

    # problems name files as seen from here: another working directory, another cache
    fingerprint = _fingerprint() + inv.display(".").encode() if use_cache else b""
    cache_file = _cache_path(root)
    cache, delta = _read_cache(cache_file, fingerprint) if use_cache else ({}, {})
    fresh: dict = {}
    root_s = str(root) + os.sep
    seen_kinds = set()
    kinds: dict = {}  # a folder's or a file's kind, looked up once

    for rel, stat_key in _list_files(root):
        if rel in IGNORED_FILES or rel.lower().startswith("readme"):
            continue
        folder, slash, name = rel.partition("/")
        plain = slash and "/" not in name and name.endswith(".yml")  # sites/<id>.yml and the like
        kind = kinds[folder] if plain and folder in kinds else kind_for(rel)
        if plain and kind is not None:
            kinds[folder] = kind
        if kind is None:
            inv.problems.append(Problem(inv.display(rel), 1, rel.rsplit(".", 1)[0].replace("/", "."),
                                        f"unknown inventory file (allowed: {allowed_files()})"))
            continue
        seen_kinds.add(kind.key)
        entry = cache.get(rel)
        if entry is not None and entry[0] == stat_key:
            fresh[rel] = entry  # unchanged since it was parsed: not even read
        else:
            try:
                with open(root_s + rel, "rb") as f:  # os-level: pathlib costs as much as reading, 10,000 times
                    raw = f.read()
            except OSError as exc:
                inv.problems.append(Problem(inv.display(rel), 0, kind.key, f"cannot read the file: {exc.strerror}"))
                inv.broken.add(kind.key)
                continue
            digest = hashlib.sha256(raw).digest()
            if entry is not None and entry[1] == digest:
                fresh[rel] = (stat_key, digest, entry[2])  # touched, same content
            else:
                fresh[rel] = (stat_key, digest, parse_file(kind, rel, raw, inv.display(rel)))
        _, inv.digests[rel], result = fresh[rel]
        if result.problems:
            inv.problems.extend(result.problems)
        stem = name[:-4] if plain and kind.shape == "directory" else None  # sites/<stem>.yml
        results = inv.results.get(kind.key) or inv.results.setdefault(kind.key, {})
        results[stem] = result
        if result.usable:
            inv.files[(kind.key, stem)] = rel
        else:
            inv.broken.add(kind.key)
            if stem is None:
                inv.files[(kind.key, None)] = rel

    for kind in FILE_KINDS:
        if kind.required and kind.key not in seen_kinds:
            what = "no bridge room file (sites/<id>.yml)" if kind.shape == "directory" else f"{kind.pattern} is missing"
            inv.problems.append(Problem(inv.display(kind.pattern.split("/")[0]), 0, kind.key,
                                        f"{what}: every inventory needs it (see schemas/{kind.schema}.yml)"))
            inv.broken.add(kind.key)
    if use_cache:
        if RULES_ENTRY in cache:
            fresh[RULES_ENTRY] = cache[RULES_ENTRY]
        inv._cache = (cache_file, fingerprint, fresh, cache, delta)
    return inv


def rules_cache(inv: Inventory):
    """The cached findings of the rules that read no site file: (key, problems) or None."""
    return inv._cache[2].get(RULES_ENTRY) if inv._cache else None


def set_rules_cache(inv: Inventory, value) -> None:
    if inv._cache:
        inv._cache[2][RULES_ENTRY] = value


def rechecked(inv: Inventory, key: str, stem: str) -> None:
    """A file's cached entry changed (its rule findings): written with the cache."""
    if inv._cache:
        fresh, rel = inv._cache[2], inv.files[(key, stem)]
        fresh[rel] = fresh[rel][:2] + (fresh[rel][2],)  # a new entry: written with the cache's delta


def save_cache(inv: Inventory) -> None:
    if not inv._cache:
        return
    cache_file, fingerprint, fresh, cache, delta = inv._cache
    changed = any(cache.get(rel) is not entry for rel, entry in fresh.items())
    if changed or fresh.keys() != cache.keys():
        _write_cache(cache_file, fingerprint, fresh, cache, delta)


def default_inventory() -> Path:
    return INVENTORY_DIR / "binh-dinh"
