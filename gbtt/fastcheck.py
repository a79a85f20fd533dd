"""A compiled yes/no predicate for the subset of Cerberus rules that
schemas/ uses, to recognise valid documents without Cerberus's per-rule
machinery (Cerberus: ~0.3 ms a site record; this: a few microseconds).

It only answers "valid or not"; every invalid document is then validated
by Cerberus, which names the problems.  Its semantics follow Cerberus 1.3
rule by rule (nullable, type, empty, allowed, min/max, minlength/maxlength,
check_with, schema, keysrules, valuesrules, dependencies, required,
unknown keys); tests/test_fastcheck.py proves the two agree.  A schema rule
it does not know makes compiling fail, never a silent pass.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence, Sized
from datetime import datetime

SUPPORTED = {"type", "required", "nullable", "empty", "allowed", "min", "max", "minlength", "maxlength",
             "check_with", "schema", "keysrules", "valuesrules", "dependencies"}

TYPES = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "dict": lambda v: isinstance(v, Mapping),
    "list": lambda v: isinstance(v, Sequence) and not isinstance(v, str),
    "datetime": lambda v: isinstance(v, datetime),
}


class UnsupportedRule(Exception):
    pass


def compile_rules(rules: dict, lookup, checks: dict):
    """A predicate for one field's rules.  `lookup(name)` resolves registry
    references; `checks[name](str) -> truthy` are the check_with formats."""
    unknown = set(rules) - SUPPORTED
    if unknown:
        raise UnsupportedRule(f"fastcheck does not implement Cerberus rule(s) {sorted(unknown)}")
    nullable = rules.get("nullable", False)
    is_type = TYPES[rules["type"]] if "type" in rules else None
    has_empty = "empty" in rules
    empty_ok = rules.get("empty", True)
    allowed = rules.get("allowed")
    lo, hi = rules.get("min"), rules.get("max")
    minlen, maxlen = rules.get("minlength"), rules.get("maxlength")
    fmt = checks[rules["check_with"]] if "check_with" in rules else None
    sub = rules.get("schema")
    if isinstance(sub, str):
        sub = lookup(sub)
    mapping_check = list_check = None
    if sub is not None and rules.get("type") == "list":
        list_check = compile_rules(sub, lookup, checks)
    elif sub is not None:
        mapping_check = _compile_mapping(sub, lookup, checks)
    keys_check = compile_rules(rules["keysrules"], lookup, checks) if "keysrules" in rules else None
    values_check = compile_rules(rules["valuesrules"], lookup, checks) if "valuesrules" in rules else None

    def check(value) -> bool:
        if value is None:
            return nullable
        if is_type is not None and not is_type(value):
            return False
        length_rules = True
        if has_empty and isinstance(value, Sized) and len(value) == 0:
            if not empty_ok:
                return False
            length_rules = False  # Cerberus drops allowed, lengths and check_with for an allowed empty value
        if length_rules:
            if allowed is not None:
                if isinstance(value, str) or not isinstance(value, Sequence):
                    try:
                        if value not in allowed:
                            return False
                    except TypeError:
                        return False
                elif any(x not in allowed for x in value):
                    return False
            if minlen is not None and isinstance(value, Sized) and len(value) < minlen:
                return False
            if maxlen is not None and isinstance(value, Sized) and len(value) > maxlen:
                return False
            if fmt is not None and isinstance(value, (str, datetime)) and not fmt(value):
                return False
        try:
            if lo is not None and value < lo:
                return False
            if hi is not None and value > hi:
                return False
        except TypeError:
            return False
        if mapping_check is not None and not mapping_check(value):
            return False
        if list_check is not None and not all(list_check(item) for item in value):
            return False
        if keys_check is not None and not all(keys_check(k) for k in value):
            return False
        if values_check is not None and not all(values_check(v) for v in value.values()):
            return False
        return True

    return check


def _compile_mapping(schema: dict, lookup, checks):
    fields = {name: compile_rules(r, lookup, checks) for name, r in schema.items()}
    required = [name for name, r in schema.items() if r.get("required")]
    deps = {name: r["dependencies"] for name, r in schema.items() if "dependencies" in r}
    for name, dep in deps.items():
        if not isinstance(dep, Mapping):
            raise UnsupportedRule(f"fastcheck implements dependencies as a mapping only ({name})")

    def check(mapping) -> bool:
        if not isinstance(mapping, Mapping):
            return False
        for key, value in mapping.items():
            try:
                field = fields.get(key)
            except TypeError:
                return False
            if field is None or not field(value):
                return False
        for name in required:
            if name not in mapping:
                return False
        for name, dep in deps.items():
            if name in mapping:
                for other, values in dep.items():
                    if other not in mapping or mapping[other] not in values:
                        return False
        return True

    return check
