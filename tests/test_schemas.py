"""Every schema of schemas/ is tested like code: its valid examples pass, and
each invalid case (a valid example with one change) fails with exactly the
expected messages.  A schema without a case file fails the suite."""
from __future__ import annotations

import copy
from pathlib import Path

import pytest
import yaml

from gbtt.paths import SCHEMA_DIR
from gbtt.schemas import check_object

CASES = Path(__file__).parent / "schemas"
SCHEMAS = sorted(p.stem for p in SCHEMA_DIR.glob("*.yml"))


def _apply(obj, set_=None, unset=()):
    obj = copy.deepcopy(obj)
    for dotted, value in (set_ or {}).items():
        *parents, leaf = dotted.split(".")
        node = obj
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        node[int(leaf) if isinstance(node, list) else leaf] = value
    for key in unset:
        del obj[key]
    return obj


def _cases(kind):
    out = []
    for schema in SCHEMAS:
        path = CASES / f"{schema}.yml"
        if not path.exists():
            continue
        spec = yaml.safe_load(path.read_text())
        if kind == "valid":
            out += [pytest.param(schema, obj, id=f"{schema}-valid{i}") for i, obj in enumerate(spec["valid"])]
        else:
            for i, case in enumerate(spec["invalid"]):
                obj = _apply(spec["valid"][0], case.get("set"), case.get("unset", ()))
                out.append(pytest.param(schema, obj, case["errors"], id=f"{schema}-invalid{i}"))
    return out


@pytest.mark.parametrize("schema", SCHEMAS)
def test_every_schema_has_cases(schema):
    spec = yaml.safe_load((CASES / f"{schema}.yml").read_text())
    assert spec["valid"] and spec["invalid"], f"tests/schemas/{schema}.yml needs valid and invalid cases"


@pytest.mark.parametrize("schema,obj", _cases("valid"))
def test_valid_examples_pass(schema, obj):
    assert check_object(schema, obj) == []


@pytest.mark.parametrize("schema,obj,errors", _cases("invalid"))
def test_invalid_cases_fail_with_their_messages(schema, obj, errors):
    assert check_object(schema, obj) == sorted(errors)
