"""Property tests: mutate the valid inventory at random (values replaced by
any YAML value, keys removed or added, bytes cut or garbled) and check that
validation never crashes, that every problem is one well-formed line naming
an existing file of the inventory, and that the CLI exits 0 or 1, never with
a traceback."""
from __future__ import annotations

import contextlib
import io
import re
import shutil
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import REAL
from gbtt.cli import main
from gbtt.validate import validate

FILES = sorted(str(p.relative_to(REAL)) for p in REAL.rglob("*.yml") if p.name not in ("vault.yml", "gbtt.yml"))
LINE = re.compile(r'^(?P<file>.+):(?P<line>\d+) \[PROPERTY\] (?P<path>(?:[^\s"]|"(?:[^"\\]|\\.)*")+): (?P<msg>.+)$')

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.text(max_size=12),
                    st.sampled_from(["10.52.0.11", "hd720", "ttht", "10.52.11.0/26", "", "r-ttht"]))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                        st.dictionaries(st.text(max_size=6), inner, max_size=3)),
                      max_leaves=6)


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, prefix + (i,))


def _mutate(data, path, op, value):
    if not path:
        return value if op == "replace" else data
    parent = data
    for part in path[:-1]:
        parent = parent[part]
    leaf = path[-1]
    if op == "replace":
        parent[leaf] = value
    elif op == "delete":
        del parent[leaf]
    elif op == "add" and isinstance(parent, dict):
        parent[f"extra_{abs(hash(str(value))) % 1000}"] = value
    return data


@st.composite
def mutations(draw):
    rel = draw(st.sampled_from(FILES))
    raw = (REAL / rel).read_bytes()
    kind = draw(st.sampled_from(["structure", "structure", "bytes"]))
    if kind == "bytes":
        cut = draw(st.integers(0, len(raw)))
        junk = draw(st.binary(max_size=8))
        return rel, raw[:cut] + junk + raw[cut + draw(st.integers(0, 20)):]
    data = yaml.safe_load(raw)
    paths = list(_paths(data))
    path = draw(st.sampled_from(paths))
    op = draw(st.sampled_from(["replace", "delete", "add"]))
    data = _mutate(data, path, op, draw(values))
    return rel, yaml.safe_dump(data, allow_unicode=True).encode()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutations())
def test_validator_never_crashes_and_names_files(mutation):
    rel, content = mutation
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "binh-dinh"
        shutil.copytree(REAL, root)
        (root / rel).write_bytes(content)
        _, problems = validate(root, use_cache=False)
        for p in problems:
            m = LINE.match(str(p))
            assert m, f"malformed problem line: {p}"
            assert "\n" not in str(p)
            assert Path(p.file).resolve().is_relative_to(root.resolve()), p
            assert Path(p.file).exists(), p
            assert int(m["line"]) >= 0
            assert "internal error" not in p.message, f"a rule crashed on this input: {p}"
        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["validate", "--no-cache", str(root)])
        assert code == (1 if problems else 0)
        assert "Traceback" not in err.getvalue()
        if problems:
            assert err.getvalue().strip().splitlines()[:-1] == [str(p) for p in problems]
