"""A compiled yes/no predicate for the subset of Cerberus rules that
schemas/ uses, to recognise valid documents without Cerberus's per-rule
machinery (Cerberus: ~0.3 ms a site record; this: a few microseconds).

It only answers "valid or not"; every invalid document is then validated
by Cerberus, which names the problems.  Its semantics follow Cerberus 1.3
rule by rule (nullable, type, empty, allowed, min/max, minlength/maxlength,
check_with, schema, keysrules, valuesrules, dependencies, required,
unknown keys); tests/test_fastcheck.py proves the two agree.  A schema rule
it does not know makes compiling fail, never a silent pass.

The rules become Python source: one function per schema, each field's
checks written out in it, only the checks its rules have (a closure per
rule, tried on every value, cost three times as much at 10,000 rooms).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence, Sized
from datetime import datetime

SUPPORTED = {"type", "required", "nullable", "empty", "allowed", "min", "max", "minlength", "maxlength",
             "check_with", "schema", "keysrules", "valuesrules", "dependencies"}

# Each type's test of a value named {v}; the first alternative is the common exact type, tried first.
TYPES = {
    "string": "(type({v}) is str or isinstance({v}, str))",
    "integer": "(type({v}) is int or (isinstance({v}, int) and not isinstance({v}, bool)))",
    "boolean": "isinstance({v}, bool)",
    "number": "(type({v}) in _NUMBER or (isinstance({v}, (int, float)) and not isinstance({v}, bool)))",
    "dict": "(type({v}) is dict or isinstance({v}, Mapping))",
    "list": "(type({v}) is list or (isinstance({v}, Sequence) and not isinstance({v}, str)))",
    "datetime": "isinstance({v}, datetime)",
}
_SIZED_TYPES = {"string", "dict", "list"}  # a value that passed these tests has a length
_NUMERIC_TYPES = {"integer", "number"}  # compared with numeric bounds without a TypeError


class UnsupportedRule(Exception):
    pass


class _Source:
    """The generated module: its lines, the constants its code names, one function per named schema."""

    def __init__(self, lookup, checks: dict):
        self.lookup, self.checks = lookup, checks
        self.lines: list[str] = []
        self.env: dict = {"Mapping": Mapping, "Sequence": Sequence, "Sized": Sized, "datetime": datetime,
                          "_MISSING": object(), "_NUMBER": (int, float)}
        self.named: dict[str, str] = {}  # registry name -> its function
        self.count = 0

    def const(self, value) -> str:
        self.count += 1
        name = f"_c{self.count}"
        self.env[name] = value
        return name

    def var(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def define(self, name: str, emit_body) -> str:
        """Function `name(x)`: True unless a check that emit_body(out, indent) writes returns False."""
        body: list[str] = []
        emit_body(body, "    ")
        self.lines += [f"def {name}(x):", *body, "    return True", ""]
        return name

    # -- one value -----------------------------------------------------------
    def value(self, rules: dict, v: str, out: list, ind: str) -> None:
        """Lines that `return False` unless value `v` meets `rules`."""
        unknown = set(rules) - SUPPORTED
        if unknown:
            raise UnsupportedRule(f"fastcheck does not implement Cerberus rule(s) {sorted(unknown)}")
        typ = rules.get("type")
        if typ is not None and typ not in TYPES:
            raise UnsupportedRule(f"fastcheck does not implement type {typ!r}")
        inner: list[str] = []
        i2 = ind + "    "
        if typ is not None:
            inner.append(f"{i2}if not {TYPES[typ].format(v=v)}: return False")
        sized = f"isinstance({v}, Sized)" if typ not in _SIZED_TYPES else "True"
        length_rules: list[str] = []
        i3 = i2 + "    " if "empty" in rules else i2
        self._length_rules(rules, typ, v, sized, length_rules, i3)
        if "empty" in rules:
            inner.append(f"{i2}if {sized} and len({v}) == 0:")
            # Cerberus drops allowed, lengths and check_with for an allowed empty value
            inner.append(f"{i3}{'pass' if rules['empty'] else 'return False'}")
            if length_rules:
                inner.append(f"{i2}else:")
                inner += length_rules
        else:
            inner += length_rules
        for bound, op in (("min", "<"), ("max", ">")):
            if bound in rules:
                limit = self.const(rules[bound])
                if typ in _NUMERIC_TYPES and isinstance(rules[bound], (int, float)):
                    inner.append(f"{i2}if {v} {op} {limit}: return False")
                else:
                    inner += [f"{i2}try:", f"{i2}    if {v} {op} {limit}: return False",
                              f"{i2}except TypeError: return False"]
        self._nested(rules, typ, v, inner, i2)
        if rules.get("nullable", False):
            if inner:
                out.append(f"{ind}if {v} is not None:")
                out += inner
        else:
            out.append(f"{ind}if {v} is None: return False")
            out += [line[4:] for line in inner]

    def _length_rules(self, rules, typ, v, sized, out, ind) -> None:
        if "allowed" in rules:
            allowed = rules["allowed"]
            try:
                pool = self.const(frozenset(allowed))
            except TypeError:
                pool = self.const(list(allowed))
            if typ == "string":
                out.append(f"{ind}if {v} not in {pool}: return False")
            else:
                out += [f"{ind}if isinstance({v}, str) or not isinstance({v}, Sequence):",
                        f"{ind}    try:",
                        f"{ind}        if {v} not in {pool}: return False",
                        f"{ind}    except TypeError: return False",
                        f"{ind}else:",
                        f"{ind}    for item in {v}:",
                        f"{ind}        try:",
                        f"{ind}            if item not in {pool}: return False",
                        f"{ind}        except TypeError: return False"]
        for rule, op in (("minlength", "<"), ("maxlength", ">")):
            if rule in rules:
                out.append(f"{ind}if {sized} and len({v}) {op} {self.const(rules[rule])}: return False")
        if "check_with" in rules:
            fmt = self.const(self.checks[rules["check_with"]])
            test = "True" if typ == "string" else f"isinstance({v}, (str, datetime))"
            out.append(f"{ind}if {test} and not {fmt}({v}): return False")

    def _nested(self, rules, typ, v, out, ind) -> None:
        sub = rules.get("schema")
        if sub is not None and typ == "list":
            item = self.var()
            body: list[str] = []
            self.value(self._resolve(sub), item, body, ind + "    ")
            if body:
                out += [f"{ind}for {item} in {v}:", *body]
        elif sub is not None:
            if isinstance(sub, str):
                out.append(f"{ind}if not {self.named_mapping(sub)}({v}): return False")
            else:
                self.mapping(sub, v, out, ind)
        for rule, iterate in (("keysrules", v), ("valuesrules", f"{v}.values()")):
            if rule in rules:
                item = self.var()
                body = []
                self.value(rules[rule], item, body, ind + "    ")
                if body:
                    out += [f"{ind}for {item} in {iterate}:", *body]

    def _resolve(self, sub):
        return self.lookup(sub) if isinstance(sub, str) else sub

    # -- one mapping ---------------------------------------------------------
    def named_mapping(self, name: str) -> str:
        """The function for a registry schema (its own function: schemas may refer to themselves)."""
        if name not in self.named:
            self.named[name] = f"_m_{len(self.named)}"  # named before its body, which may call it
            self.define(self.named[name], lambda out, ind: self.mapping(self.lookup(name), "x", out, ind))
        return self.named[name]

    def mapping(self, schema: dict, m: str, out: list, ind: str) -> None:
        for name, field in schema.items():
            dep = field.get("dependencies")
            if dep is not None and not isinstance(dep, Mapping):
                raise UnsupportedRule(f"fastcheck implements dependencies as a mapping only ({name})")
        out.append(f"{ind}if not {TYPES['dict'].format(v=m)}: return False")
        try:
            known = self.const(frozenset(schema))
        except TypeError:
            raise UnsupportedRule("fastcheck needs hashable field names") from None
        # an unhashable key is not a known field either: the C-level superset test raises for it
        out += [f"{ind}try:", f"{ind}    if not {known}.issuperset({m}): return False",
                f"{ind}except TypeError: return False"]
        for name, field in schema.items():
            v = self.var()
            body: list[str] = []
            self.value(field, v, body, ind + "    ")
            out.append(f"{ind}{v} = {m}.get({self.const(name)}, _MISSING)")
            if field.get("required"):
                out.append(f"{ind}if {v} is _MISSING: return False")
                out += [line[4:] for line in body]
            elif body:
                out += [f"{ind}if {v} is not _MISSING:", *body]
            for other, values in (field.get("dependencies") or {}).items():
                wanted = self.const(values)
                out += [f"{ind}if {v} is not _MISSING and ({m}.get({self.const(other)}, _MISSING) is _MISSING"
                        f" or {m}[{self.const(other)}] not in {wanted}): return False"]


def compile_rules(rules: dict, lookup, checks: dict):
    """A predicate for one field's rules.  `lookup(name)` resolves registry
    references; `checks[name](str) -> truthy` are the check_with formats."""
    source = _Source(lookup, checks)
    name = source.define("_check", lambda out, ind: source.value(rules, "x", out, ind))
    namespace = dict(source.env)
    exec(compile("\n".join(source.lines), "<gbtt.fastcheck>", "exec"), namespace)  # noqa: S102
    return namespace[name]
