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


def test_quick_address_reading_agrees_with_ipaddress():
    """gbtt.ipv4 reads the usual forms by a pattern: on every input it must judge as `ipaddress` does."""
    import ipaddress
    import random

    from gbtt import ipv4

    def judged(kind, value):
        try:
            return kind(value)
        except ValueError:
            return None

    rng = random.Random(7)
    octets = ["0", "1", "9", "10", "99", "100", "199", "200", "249", "250", "255", "256", "01", "1000", "-1", "١"]
    values = ["", "1.2.3", "1.2.3.4.5", "1.2.3.4 ", " 1.2.3.4", "10.0.0.0/255.255.255.0", "10.0.0.1/0.0.0.255",
              "10.0.0.0/08", "10.0.0.0/", "/24", "10.52.19.0/26", "10.52.19.1/26"]
    for _ in range(5000):
        ip = ".".join(rng.choice(octets) for _ in range(4))
        values += [ip, f"{ip}/{rng.randint(-1, 34)}"]
    for value in values:
        a, n, i = (judged(k, value) for k in (ipaddress.IPv4Address, ipaddress.IPv4Network, ipaddress.IPv4Interface))
        assert ipv4.address(value) == (int(a) if a else None), value
        want = (int(n.network_address), n.prefixlen, int(n.broadcast_address)) if n and "/" in value else None
        assert ipv4.network(value) == want, value
        assert ipv4.interface(value) == (i is not None), value
        if a:
            assert ipv4.text(ipv4.address(value)) == str(a)
        if want:
            assert ipv4.network_text(want) == str(n)
