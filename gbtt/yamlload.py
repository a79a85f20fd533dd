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
    __slots__ = ("line", "lines")

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.line = 0
        self.lines: dict = {}

    def __reduce__(self):
        return (_rebuild_dict, (dict(self), self.line, self.lines))


class LineList(list):
    __slots__ = ("line", "lines")

    def __init__(self, *a):
        super().__init__(*a)
        self.line = 0
        self.lines: list[int] = []

    def __reduce__(self):
        return (_rebuild_list, (list(self), self.line, self.lines))


def _rebuild_dict(items, line, lines):
    d = LineDict(items)
    d.line, d.lines = line, lines
    return d


def _rebuild_list(items, line, lines):
    lst = LineList(items)
    lst.line, lst.lines = line, lines
    return lst


class _Loader(_Base):
    def __init__(self, stream):
        super().__init__(stream)
        self.duplicates: list[tuple[int, object]] = []


def _construct_mapping(loader: _Loader, node):
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1
    yield mapping
    loader.flatten_mapping(node)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        try:
            hash(key)
        except TypeError:
            loader.duplicates.append((line, "a key must be a plain value, not a list or mapping"))
            continue
        if key in mapping:
            loader.duplicates.append((line, f"duplicate key '{key}' (first at line {mapping.lines[key]})"))
            continue
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line


def _construct_sequence(loader: _Loader, node):
    seq = LineList()
    seq.line = node.start_mark.line + 1
    yield seq
    for item in node.value:
        seq.append(loader.construct_object(item, deep=True))
        seq.lines.append(item.start_mark.line + 1)


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_sequence)


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
    loader = _Loader(text)
    try:
        value = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        what = " ".join(str(s) for s in (exc.context, exc.problem) if s)
        raise YamlError(line, f"YAML syntax error: {what}") from None
    except yaml.YAMLError as exc:
        raise YamlError(1, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    return value, loader.duplicates


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
