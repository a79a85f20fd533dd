"""The compiled predicate (gbtt/fastcheck.py) must agree with Cerberus on
every document: on the schema cases, and on thousands of random mutations of
the real inventory's files."""
from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REAL
from gbtt import schemas
from gbtt.fastcheck import UnsupportedRule, compile_rules
from gbtt.layout import FileKind, kind_for
from test_schemas import _cases
from test_validate_properties import _mutate, _paths, values


def agree(kind, document):
    fast = schemas.fast_predicate(kind)(document)
    slow = not schemas.check(kind, document, fast=False)
    assert fast == slow, f"fastcheck says {'valid' if fast else 'invalid'}, Cerberus disagrees: {document}"


@pytest.mark.parametrize("schema,obj", [c.values[:2] for c in _cases("valid") + _cases("invalid")])
def test_agrees_on_schema_cases(schema, obj):
    agree(FileKind(pattern="", key="object", schema=schema, shape="object"), {"object": obj})


FILES = sorted(str(p.relative_to(REAL)) for p in REAL.rglob("*.yml") if p.name not in ("vault.yml", "gbtt.yml"))


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_agrees_on_mutated_inventory_files(data):
    rel = data.draw(st.sampled_from(FILES))
    kind = kind_for(rel)
    doc = yaml.safe_load((REAL / rel).read_bytes())
    path = data.draw(st.sampled_from(list(_paths(doc))))
    doc = _mutate(doc, path, data.draw(st.sampled_from(["replace", "delete", "add"])), data.draw(values))
    stem = rel.rsplit("/", 1)[-1][:-4]
    agree(kind, {kind.key: {stem: doc} if kind.shape == "directory" else doc})


def test_unknown_rule_is_refused():
    with pytest.raises(UnsupportedRule):
        compile_rules({"type": "string", "regex": "^a$"}, lambda n: None, {})
