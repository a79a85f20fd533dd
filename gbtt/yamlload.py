"""YAML loading that remembers where every key and list item stands.

`load_text` returns plain dict/list subclasses (`LineDict`, `LineList`) that
carry the 1-based line of each key / item, so that any problem found later
(by a schema or a cross-reference rule) can name its line.  Duplicate keys,
which PyYAML would silently overwrite, are reported.
"""
from __future__ import annotations

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN: dict = {}  # plain scalar -> its tag: the same words recur in every file
_UNRESOLVED = "tag:gbtt,2026:unresolved"
_resolver = yaml.resolver.Resolver()


class _Loader(_Base):
    """The safe loader without its resolver: PyYAML's C parser calls `resolve`
    in Python for every node, a million calls for a nationwide inventory. Here
    `resolve` is a C callable that answers one tag (str.format of a string
    without fields ignores its arguments); _Builder resolves each plain scalar
    itself, once per distinct text (a safe loader has no path resolvers, so a
    plain scalar's tag depends on its text alone; a quoted one is a string)."""

    resolve = _UNRESOLVED.format
    # and it has no path resolvers, so the C composer's two calls per node to enter and leave one do
    # nothing: two million Python calls for a nationwide inventory, here C callables that ignore their arguments
    descend_resolver = ascend_resolver = "".format


def _plain_tag(value: str) -> str:
    tag = _PLAIN.get(value)
    if tag is None:
        if len(_PLAIN) > 200_000:
            _PLAIN.clear()
        tag = _PLAIN[value] = _resolver.resolve(yaml.ScalarNode, value, (True, False))
    return tag


class LineDict(dict):
    """A mapping that knows the line of each key (`lines`) and its own (`line`)."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.line = 0
        self.lines: dict = {}


class LineList(list):
    """A sequence that knows the line of each item (`lines`) and its own (`line`)."""

    def __init__(self, *a):
        super().__init__(*a)
        self.line = 0
        self.lines: list[int] = []


_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_scalars = yaml.constructor.SafeConstructor()


_Scalar, _Sequence = yaml.ScalarNode, yaml.SequenceNode
_CONSTRUCTORS = _scalars.yaml_constructors


def _mark_merges(node) -> bool:
    """Tag the merge keys (plain `<<`) of a mapping node and of the mappings it merges, as the resolver
    would have; whether it has any."""
    found = False
    for key_node, value_node in node.value:
        if key_node.__class__ is _Scalar and not key_node.style and key_node.value == "<<":
            key_node.tag, found = _MERGE, True
            for merged in value_node.value if value_node.__class__ is _Sequence else [value_node]:
                if merged.__class__ is yaml.MappingNode:
                    _mark_merges(merged)
    return found


class _Builder:
    """Turns a composed node tree into LineDict/LineList/scalars.  Faster than
    PyYAML's generic constructor (no generators, strings taken as they are),
    and it records lines and duplicate keys on the way."""

    def __init__(self):
        self.duplicates: list[tuple[int, str]] = []
        self.seen: dict[int, object] = {}  # aliases resolve to the same object

    def scalar(self, node):
        tag = node.tag
        if tag == _UNRESOLVED:
            tag = node.tag = _STR if node.style else _plain_tag(node.value)
        if tag == _STR:
            return node.value
        return _CONSTRUCTORS.get(tag, _scalars.construct_undefined)(_scalars, node)

    def build(self, node):
        if node.__class__ is _Scalar:
            return self.scalar(node)
        known = self.seen.get(id(node))
        if known is not None:
            return known
        build = self.build
        if node.__class__ is _Sequence:
            seq = self.seen[id(node)] = LineList.__new__(LineList)
            items = node.value
            seq.extend([build(item) for item in items])
            seq.line, seq.lines = node.start_mark.line + 1, [item.start_mark.line + 1 for item in items]
            return seq
        mapping = self.seen[id(node)] = LineDict.__new__(LineDict)
        mapping.line, mapping.lines = node.start_mark.line + 1, {}
        merged = 0  # the leading entries that merge keys brought: the mapping's own keys override them
        if _mark_merges(node):
            own_count = sum(key_node.tag != _MERGE for key_node, _ in node.value)
            _scalars.flatten_mapping(node)
            merged, own = len(node.value) - own_count, set()
        lines = mapping.lines
        scalar = self.scalar
        for i, (key_node, value_node) in enumerate(node.value):
            if key_node.__class__ is _Scalar:
                key = scalar(key_node)
            else:
                key = build(key_node)
                try:
                    hash(key)
                except TypeError:
                    self.duplicates.append((key_node.start_mark.line + 1, "a key must be a plain value, not a list or mapping"))
                    continue
            if key in mapping and (not merged or key in own):
                self.duplicates.append((key_node.start_mark.line + 1, f"duplicate key '{key}' (first at line {lines[key]})"))
                continue
            mapping[key] = build(value_node)
            lines[key] = key_node.start_mark.line + 1
            if merged and i >= merged:
                own.add(key)
        return mapping


class YamlError(Exception):
    def __init__(self, line: int, message: str):
        self.line, self.message = line, message
        super().__init__(f"line {line}: {message}")


def load_text(data: bytes):
    """Parse one YAML document.  Returns (value, [(line, message)]) for
    duplicate keys; raises YamlError for anything that is not YAML."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise YamlError(line, f"not valid UTF-8 (byte {exc.start}); save the file as UTF-8") from None
    builder = _Builder()
    try:
        node = yaml.compose(text, Loader=_Loader)
        value = None if node is None else builder.build(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(str(s) for s in (exc.context, exc.problem) if s)
        raise YamlError(line, f"YAML syntax error: {_one_line(what)}") from None
    except yaml.reader.ReaderError as exc:
        line = text[: exc.position].count("\n") + 1
        raise YamlError(line, f"character #x{exc.character:04x} is not allowed in YAML") from None
    except yaml.YAMLError as exc:
        raise YamlError(1, f"YAML error: {_one_line(str(exc))}") from None
    return value, builder.duplicates


def _one_line(text: str) -> str:
    return " ".join(text.split())


def line_of(root, path) -> int:
    """The line of the deepest element of `path` (a sequence of keys and
    indexes) that exists under `root`; the line of its container otherwise."""
    node, line = root, getattr(root, "line", 1) or 1
    for part in path:
        if isinstance(node, LineDict) and part in node:
            line = node.lines.get(part, line)
            node = node[part]
        elif isinstance(node, LineList) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lines[part]
            node = node[part]
        else:
            break
    return line
