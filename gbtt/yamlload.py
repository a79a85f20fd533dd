"""YAML loading that remembers where every key and list item stands.

`load_text` returns plain dict/list subclasses (`LineDict`, `LineList`) that
carry the 1-based line of each key / item, so that any problem found later
(by a schema or a cross-reference rule) can name its line.  Duplicate keys,
which PyYAML would silently overwrite, are reported.
"""
from __future__ import annotations

import yaml

_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


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


class _Builder:
    """Turns a composed node tree into LineDict/LineList/scalars.  Faster than
    PyYAML's generic constructor (no generators, strings taken as they are),
    and it records lines and duplicate keys on the way."""

    def __init__(self):
        self.duplicates: list[tuple[int, str]] = []
        self.seen: dict[int, object] = {}  # aliases resolve to the same object

    def build(self, node):
        if isinstance(node, yaml.ScalarNode):
            if node.tag == _STR:
                return node.value
            return _scalars.yaml_constructors.get(node.tag, _scalars.construct_undefined)(_scalars, node)
        known = self.seen.get(id(node))
        if known is not None:
            return known
        if isinstance(node, yaml.SequenceNode):
            seq = self.seen[id(node)] = LineList()
            seq.line = node.start_mark.line + 1
            for item in node.value:
                seq.append(self.build(item))
                seq.lines.append(item.start_mark.line + 1)
            return seq
        mapping = self.seen[id(node)] = LineDict()
        mapping.line = node.start_mark.line + 1
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:
                _scalars.flatten_mapping(node)
                break
        for key_node, value_node in node.value:
            key = self.build(key_node)
            line = key_node.start_mark.line + 1
            try:
                hash(key)
            except TypeError:
                self.duplicates.append((line, "a key must be a plain value, not a list or mapping"))
                continue
            if key in mapping:
                self.duplicates.append((line, f"duplicate key '{key}' (first at line {mapping.lines[key]})"))
                continue
            mapping[key] = self.build(value_node)
            mapping.lines[key] = line
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
        node = yaml.compose(text, Loader=_Base)
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
