"""YAML loading, as PyYAML's safe loader reads it (YAML 1.1, as Ansible does).

`load_text` returns plain dict/list subclasses (`LineDict`, `LineList`) that
carry the 1-based line of each key / item, so that any problem found later
(by a schema or a cross-reference rule) can name its line.  Duplicate keys,
which PyYAML would silently overwrite, are reported.

`load_plain` is the fast path for the many files that have no problem: plain
dicts and lists, read by yaml-rs (Rust) when the text holds nothing that YAML
1.2 (yaml-rs) and 1.1 (PyYAML) could read differently; otherwise it declines
and the caller takes `load_text`.  Lines are looked up again with `load_text`
only for a file that has a problem to report.
"""
from __future__ import annotations

import re

import yaml

try:
    import yaml_rs
except ImportError:  # a platform without its wheel: load_text alone, slower, same values
    yaml_rs = None

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


def _table(default: bytes, *groups: tuple[bytes, bytes]) -> bytes:
    """A bytes.translate table: each byte to `default`, then each group's bytes to its class (one byte for
    all, or one per byte); later groups win."""
    table = bytearray(default * 256)
    for chars, classes in groups:
        for i, c in enumerate(chars):
            table[c] = classes[i] if len(classes) > 1 else classes[0]
    return bytes(table)


_DIGITS, _LETTERS = b"0123456789", b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
# What could read differently is found by translating the text to a few classes of bytes, then looking
# for fixed sequences (a regular expression over the text itself costs ten times as much at 10,000 files).
# 1. How a plain scalar starts: after a line's start, ":", "[", "{", "," or "- " (all P; spaces dropped).
#    "0" then a digit, base letter or "_" (1.1: "010" octal, "0o17" a string; 1.2: 10 and 15), a leading
#    "_" (1.1: "_1" a string), a sign or "." (1.1: "-.5" a string; ".NaN" keys), an anchor or alias (&), a
#    merge key (<<). (Tags and complex keys: "!" and "?" anywhere, below.)
_STARTS = _table(b"a", (_DIGITS, b"D"), (b"0", b"0"), (b"xXoObB", b"x"), (b"_", b"u"), (b"eE", b"e"),
                 (b"\n:[{,", b"P"), (b"-+", b"-"), (b".", b"."), (b"&*", b"&"), (b"<", b"<"))
_RISKY_ZERO, _RISKY_SIGN = re.compile(rb"P0[0Dxu]"), re.compile(rb"P-(?:0[0Dxu]|u|\.)")
_START_NEEDLES = (b"Pu", b"P&", b"P<", b"P.")
# 2. With every digit alike: a date at a scalar's start (1.1 and 1.2 read date-times apart), digits on
#    both sides of ":" (1.1: base 60, "1:20" is 80), an exponent (1.1 needs a dot and a signed exponent:
#    "1e3" is a string).
_NUMBER_NEEDLES = (b"PDDDD-", b"DPD", b"De", b"D.e")
# 3. After a line's start, "{", "[", "," or "-" (S; spaces dropped): ":", an empty key (1.1: an error),
#    "|" or ">" (1.1: a block scalar, an error in a flow); "::", a value that starts with ":" (1.1 refuses
#    it in a flow).
_KEYS = _table(b"a", (b"\n{[,-", b"S"), (b":", b":"), (b"|>", b"|"))
_KEY_NEEDLES = (b"S:", b"S|", b"::")
# 4. Whole words that 1.1 reads as booleans (1.2: strings), "=" (1.1: a value key), control characters
#    and "!".
_WORDS = _table(b"_", (_LETTERS + bytes(range(128, 256)), b"a"), (b"yesnofYESNOF", b"yesnofyesnof"), (b"=", b"="),
                (bytes([*range(10), *range(11, 32), 127]) + b"!", b"!"))
_WORD_NEEDLES = (b"_yes_", b"_no_", b"_on_", b"_off_", b"_=_", b"!")
# 5. In the text as it is: a second document or a directive, a flow collection as a key, "?"; the bytes that
#    start a byte order mark, non-characters (U+FFFE, U+FFFF) and C1 controls (U+0080-U+009F), which 1.1
#    refuses, looked at closely only when present (Vietnamese text needs neither).
_RISKY_LINE = re.compile(rb"\n(?:---|\.\.\.|%)")
_RAW_NEEDLES = (b"]:", b"}:", b"?")  # "?": 1.1 reads it as a key indicator anywhere in a flow collection
_RARE = re.compile(rb"\xef\xbb\xbf|\xef\xbf[\xbe\xbf]|\xc2[\x80-\x9f]")


def _may_read_apart(data: bytes) -> bool:
    """Whether YAML 1.1 (PyYAML) and 1.2 (yaml-rs) might read `data` differently; errs towards yes."""
    text = b"\n" + data + b"\n"
    starts = text.replace(b"- ", b"\n").translate(_STARTS, b" ")
    if _RISKY_ZERO.search(starts) or _RISKY_SIGN.search(starts) or _RISKY_LINE.search(text):
        return True
    numbers = starts.replace(b"0", b"D")
    words = text.translate(_WORDS)
    for needles, classes in ((_START_NEEDLES, starts), (_NUMBER_NEEDLES, numbers), (_WORD_NEEDLES, words),
                             (_KEY_NEEDLES, text.translate(_KEYS, b" ")), (_RAW_NEEDLES, data)):
        for needle in needles:
            if needle in classes:
                return True
    if (b"\xef" in data or b"\xc2" in data) and _RARE.search(data) is not None:
        return True
    return (b"{" in data or b"[" in data) and _flow_apart(data)


def _flow_apart(data: bytes) -> bool:
    """A flow collection over several lines, or "|" or ">" on a line of one: the readers part on such
    malformed text (1.1 refuses what 1.2 reads), and the inventory writes its flows one to a line."""
    for line in data.split(b"\n"):
        opens = line.count(b"{") + line.count(b"[")
        closes = line.count(b"}") + line.count(b"]")
        if (opens or closes) and (opens != closes or b"|" in line or b">" in line):
            return True
    return False


def load_plain(data: bytes) -> tuple[bool, object]:
    """(True, value) with plain dicts and lists when the fast reader may read `data` and reads it as PyYAML
    would; (False, None) when only `load_text` may (unsure, not UTF-8, not YAML, or a duplicate key)."""
    if yaml_rs is None or _may_read_apart(data):
        return False, None
    try:
        return True, yaml_rs.loads(data.decode("utf-8"), parse_datetime=True)
    except Exception:  # noqa: BLE001 - whatever it cannot read, the full loader reads or names
        return False, None


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
