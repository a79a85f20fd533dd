"""The Cerberus schemas of `schemas/` and the messages their errors give.

Each file in `schemas/` is the schema of one kind of object; they refer to
each other by name through a schema registry.  `validator_for(kind)` builds
(once) a strict validator for one inventory file kind; `check(kind, doc)`
returns the errors as (path, message) pairs, every one of them.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo

from . import codecs, ipv4
from .bridge.tiles import LAYOUTS
from .layout import FILE_KINDS, FileKind
from .paths import SCHEMA_DIR
from .yamlload import load_text

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$")
PHONE = re.compile(r"^\+84 ?\d{2,3}(?: ?\d{3,4}){2}$")
EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)+$")
COLOUR = re.compile(r"^#[0-9a-f]{6}$")

FORMATS = {
    "slug": "a lowercase slug (a-z, 0-9, single '-' between words)",
    "group_name": "a group name (a-z, 0-9 and '_', as gbtt names its groups)",
    "hostname": "a lowercase DNS name",
    "phone": "a Vietnamese phone number in international form, e.g. '+84 256 3822 123'",
    "email": "an e-mail address",
    "colour": "a colour as '#rrggbb' (lowercase hex)",
    "ipv4": "an IPv4 address, e.g. '10.52.0.11'",
    "cidr": "an IPv4 network in CIDR form with no host bits, e.g. '10.52.11.0/26'",
    "host_or_ipv4": "an IPv4 address or a lowercase DNS name",
    "timezone": "an IANA time zone, e.g. 'Asia/Ho_Chi_Minh'",
    "moment": "a date and time with its UTC offset, e.g. 2026-12-07T08:00:00+07:00",
    "interface_address": "an IPv4 address with its prefix length, e.g. '10.52.19.1/26'",
    "ec_private_key": "a P-256 private key in PEM, as `gbtt vault fill` makes",
    "sha256_fingerprint": "a SHA-256 fingerprint: 64 hex digits, or 32 hex pairs joined by ':' as openssl prints it",
}


@functools.lru_cache(maxsize=None)
def _is_timezone(value: str) -> bool:
    try:
        zoneinfo.ZoneInfo(value)
        return True
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return False


_CHECKS = {
    "slug": SLUG.match,
    "group_name": re.compile(r"^[a-z][a-z0-9_]*$").match,
    "hostname": HOSTNAME.match,
    "phone": PHONE.match,
    "email": EMAIL.match,
    "colour": COLOUR.match,
    "ipv4": lambda v: ipv4.address(v) is not None,
    "cidr": lambda v: ipv4.network(v) is not None,
    "host_or_ipv4": lambda v: ipv4.address(v) is not None or HOSTNAME.match(v),
    "timezone": _is_timezone,
    "moment": lambda v: isinstance(v, dt.datetime) and v.tzinfo is not None,
    "interface_address": lambda v: "/" in v and ipv4.interface(v),
    "ec_private_key": lambda v: _is_p256_key(v),
    "sha256_fingerprint": re.compile(r"^(?:[0-9A-Fa-f]{64}|(?:[0-9A-Fa-f]{2}:){31}[0-9A-Fa-f]{2})$").match,
}


def _is_p256_key(value: str) -> bool:
    from .pki import PkiError, load_ca_key  # noqa: PLC0415 (cryptography: only for the vault)

    try:
        load_ca_key(value)
    except PkiError:
        return False
    return True


def _make_check(name):
    test = _CHECKS[name]

    def check(self, field, value):
        if isinstance(value, (str, dt.datetime)) and not test(value):
            shown = value.isoformat() if isinstance(value, dt.datetime) else repr(value)
            self._error(field, f"{shown} is not {FORMATS[name]}")

    return check


@functools.lru_cache(maxsize=None)
def _validator_class():
    """Cerberus with the inventory's formats as `check_with` rules (its metaclass
    collects the `_check_with_*` methods when the class is created).
    YAML's `true` is a bool, which Python counts as an int: not here.
    Imported only when a file fails the compiled check (fastcheck.py)."""
    import cerberus  # noqa: PLC0415

    types = dict(cerberus.Validator.types_mapping, integer=cerberus.TypeDefinition("integer", (int,), (bool,)))
    return type("Validator", (cerberus.Validator,),
                {"types_mapping": types, **{f"_check_with_{n}": _make_check(n) for n in _CHECKS}})


class _Schemas:
    """The schemas of `schemas/` by name, each read when first named (checking
    one site file needs neither the knobs' schema, built from every role's
    defaults, nor the others)."""

    def __init__(self):
        self._storage: dict = {}

    def get(self, name, default=None):
        if name not in self._storage and (SCHEMA_DIR / f"{name}.yml").is_file():
            value, _ = load_text((SCHEMA_DIR / f"{name}.yml").read_bytes())
            self._storage[name] = _plain(value)
        return self._storage.get(name, default)

    def all(self) -> dict:
        for path in sorted(SCHEMA_DIR.glob("*.yml")):
            self.get(path.stem)
        return dict(self._storage)


@functools.lru_cache(maxsize=None)
def registry() -> _Schemas:
    return _Schemas()


@functools.lru_cache(maxsize=None)
def _cerberus_registry():
    """The same schemas for Cerberus (whose registry expands them; for these schemas that changes nothing)."""
    import cerberus  # noqa: PLC0415

    reg = cerberus.schema.SchemaRegistry()
    reg.extend(registry().all())
    return reg


# `allowed_from: NAME` in a schema: an allowed list kept in one of gbtt's registries.
ALLOWED_FROM = {"codecs.audio": lambda: codecs.names("audio"), "codecs.video": lambda: codecs.names("video"),
                "bridge.layouts": lambda: list(LAYOUTS)}


def _knobs_schema() -> dict:
    """Every component's knob, of its default's type (roles/*/defaults/main.yml)."""
    from .desired.knobs import knobs

    types = {bool: "boolean", int: "integer", str: "string", list: "list", dict: "dict", float: "number"}
    return {name: {"type": types[type(default)]} for name, (_, default) in sorted(knobs().items())}


def _plain(value):
    if isinstance(value, dict):
        if value.keys() == {"knobs_from"}:  # schemas/knobs.yml: generated from the roles' defaults
            return _knobs_schema()
        if "allowed_from" in value:
            value = {**{k: v for k, v in value.items() if k != "allowed_from"},
                     "allowed": ALLOWED_FROM[value["allowed_from"]]()}
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def root_rule(kind: FileKind) -> dict:
    if kind.shape == "object":
        return {"type": "dict", "required": True, "schema": kind.schema}
    return {
        "type": "dict",
        "required": True,
        "keysrules": {"type": "string", "check_with": kind.key_format},
        "valuesrules": {"type": "dict", "schema": kind.schema},
    }


@functools.lru_cache(maxsize=None)
def fast_predicate(kind: FileKind):
    from .fastcheck import compile_rules

    return compile_rules({"type": "dict", "schema": {kind.key: root_rule(kind)}}, registry().get, _CHECKS)


@functools.lru_cache(maxsize=None)
def validator_for(kind: FileKind):
    return _validator_class()({kind.key: root_rule(kind)}, schema_registry=_cerberus_registry())


def check(kind: FileKind, document: dict, fast: bool = True) -> list[tuple[tuple, str]]:
    """Validate `document` (already wrapped as {kind.key: ...}) without
    normalisation; return every error as (document path, message).

    Valid documents are recognised by the compiled predicate (fastcheck.py),
    which tests prove agrees with Cerberus; Cerberus itself runs on the
    others, to name every problem in its own words."""
    if fast and fast_predicate(kind)(document):
        return []
    v = validator_for(kind)
    if v.validate(document, normalize=False):
        return []
    out: list[tuple[tuple, str]] = []
    for error in v._errors:
        _flatten(error, kind, kind.secret, out)
    return out


def _flatten(error, kind, secret, out):
    if error.is_group_error:
        for child in error.child_errors:
            _flatten(child, kind, secret, out)
        return
    out.append((tuple(error.document_path), _message(error, kind, secret)))


def _show(value, secret):
    return "(value hidden)" if secret else repr(value)


def _message(error, kind: FileKind, secret: bool) -> str:
    from cerberus import errors as E  # noqa: N812,PLC0415

    code, c, value = error.code, error.constraint, error.value
    if code == E.REQUIRED_FIELD.code:
        return "required key is missing"
    if code == E.UNKNOWN_FIELD.code:
        allowed = allowed_keys(kind, tuple(error.document_path[:-1]))
        return f"unknown key '{error.field}'" + (f" (allowed: {', '.join(allowed)})" if allowed else "")
    if code == E.BAD_TYPE.code:
        # the same words whichever reader read the file (its line-keeping dict and list are subclasses)
        kind = "dict" if isinstance(value, dict) else "list" if isinstance(value, list) else type(value).__name__
        return f"must be of type {c}, not {kind} {_show(value, secret)}"
    if code == E.UNALLOWED_VALUE.code:
        return f"unallowed value {_show(value, secret)} (allowed: {', '.join(map(str, c))})"
    if code == E.MIN_VALUE.code:
        return f"{value} is below the minimum {c}"
    if code == E.MAX_VALUE.code:
        return f"{value} is above the maximum {c}"
    if code == E.MIN_LENGTH.code:
        return f"too short: at least {c} {'characters' if isinstance(value, str) else 'items'} needed"
    if code == E.MAX_LENGTH.code:
        return f"too long: at most {c} {'characters' if isinstance(value, str) else 'items'} allowed"
    if code == E.EMPTY_NOT_ALLOWED.code:
        return "must not be empty"
    if code == E.NOT_NULLABLE.code:
        return "must have a value (it is empty/null)"
    if code == E.DEPENDENCIES_FIELD_VALUE.code:
        conds = "; ".join(f"{k} is {' or '.join(map(str, v))}" for k, v in c.items())
        return f"only allowed when {conds}"
    if code == E.CUSTOM.code:
        return error.info[0] if not secret else "has an invalid format"
    return f"{error.rule or 'rule'} failed ({c})"


def _resolve(rules):
    """Follow a registry reference in a 'schema' rule."""
    schema = rules.get("schema")
    if isinstance(schema, str):
        schema = registry().get(schema)
    return schema


def allowed_keys(kind: FileKind, parent_path: tuple) -> list[str]:
    """The keys the schema allows in the mapping at `parent_path`."""
    rules = {"type": "dict", "schema": {kind.key: root_rule(kind)}}
    for part in parent_path:
        if rules.get("type") == "list":
            rules = rules.get("schema") or {}
        elif "valuesrules" in rules:
            rules = rules["valuesrules"]
        else:
            rules = (_resolve(rules) or {}).get(part, {})
    schema = _resolve(rules)
    return sorted(schema) if isinstance(schema, dict) else []


def check_object(schema: str, obj) -> list[str]:
    """Errors of one object against one schema of schemas/, as 'path: message'
    (the form the schema tests state their expectations in)."""
    secret = any(k.secret for k in FILE_KINDS if k.schema == schema)
    kind = FileKind(pattern="", key="object", schema=schema, shape="object", secret=secret)
    return sorted(f"{'.'.join(map(str, path[1:]))}: {msg}" for path, msg in check(kind, {"object": obj}))
