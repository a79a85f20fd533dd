"""Loading an inventory: the real one is valid; every kind of bad file gives
one clear line naming file, line and key path, exit 1 and no traceback."""
from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
import yaml_rs
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import REAL, edit, rel_lines
from gbtt.validate import validate
from gbtt.yamlload import load_text


def problems_of(root: Path) -> list[str]:
    _, problems = validate(root, use_cache=False)
    return rel_lines(root, problems)


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "gbtt", *args], capture_output=True, text=True)


def test_real_inventory_is_valid():
    assert problems_of(REAL) == []


def test_cli_valid_exit_0():
    proc = run_cli("validate", str(REAL))
    assert proc.returncode == 0, proc.stderr
    assert "valid (13 bridge rooms" in proc.stdout


def test_yaml_syntax_error(inv_dir):
    (inv_dir / "sites" / "quy-nhon.yml").write_text("name: [Quy Nhơn\nkind: district-room\n", encoding="utf-8")
    [line] = problems_of(inv_dir)
    assert line.startswith("sites/quy-nhon.yml:2 sites.quy-nhon: YAML syntax error: while parsing a flow sequence")


def test_empty_file(inv_dir):
    (inv_dir / "codec-profiles.yml").write_text("# nothing yet\n")
    assert problems_of(inv_dir) == [
        "codec-profiles.yml:1 codec_profiles: the file is empty (expected the codec profile described in schemas/codec_profile.yml)"
    ]


def test_non_utf8_file(inv_dir):
    (inv_dir / "sites" / "an-lao.yml").write_bytes("name: An Lão\n".encode("cp1258", errors="replace") + b"\xff\n")
    [line] = problems_of(inv_dir)
    assert line == "sites/an-lao.yml:2 sites.an-lao: not valid UTF-8 (byte 13); save the file as UTF-8"


def test_missing_directory(tmp_path):
    _, problems = validate(tmp_path / "nowhere", use_cache=False)
    assert [str(p) for p in problems] == [f"{tmp_path / 'nowhere'}:0 [PROPERTY] inventory: the inventory directory does not exist"]


def test_missing_and_unknown_files(inv_dir):
    (inv_dir / "hosts.yml").unlink()
    (inv_dir / "sites" / "phu-my.yaml").write_text("name: x\n")
    lines = problems_of(inv_dir)
    assert "hosts.yml:0 hosts: hosts.yml is missing: every inventory needs it (see schemas/host.yml)" in lines
    assert any(l.startswith("sites/phu-my.yaml:1 sites.phu-my: unknown inventory file (allowed: province.yml") for l in lines)


def test_duplicate_key(inv_dir):
    edit(inv_dir / "centre.yml", "vlan: 100\n", "vlan: 100\n  vlan: 101\n")
    assert problems_of(inv_dir) == ["centre.yml:11 centre: duplicate key 'vlan' (first at line 10)"]


def test_site_file_that_is_a_list(inv_dir):
    (inv_dir / "sites" / "tay-son.yml").write_text("- name: Tây Sơn\n")
    assert "sites/tay-son.yml:1 sites.tay-son: must be of type dict, not list [{'name': 'Tây Sơn'}]" in problems_of(inv_dir)


def test_site_file_name_must_be_a_slug(inv_dir):
    (inv_dir / "sites" / "quy-nhon.yml").rename(inv_dir / "sites" / "Quy_Nhon.yml")
    lines = problems_of(inv_dir)
    assert "sites/Quy_Nhon.yml:2 sites.Quy_Nhon: 'Quy_Nhon' is not a lowercase slug (a-z, 0-9, single '-' between words)" in lines


def test_all_problems_at_once(inv_dir):
    edit(inv_dir / "sites" / "quy-nhon.yml", "vlan: 111", "vlan: 5000")
    edit(inv_dir / "sites" / "phu-cat.yml", "profile: hd720", "profile: hd4k")
    edit(inv_dir / "province.yml", "code: 52", "code: 520")
    assert problems_of(inv_dir) == [
        "province.yml:4 province.code: 520 is above the maximum 99",
        "sites/phu-cat.yml:21 sites.phu-cat.endpoints.0.profile: unknown codec profile 'hd4k' (known: hd1080, hd720, hd720-vp8, sd480)",
        "sites/quy-nhon.yml:14 sites.quy-nhon.network.vlan: 5000 is above the maximum 4094",
    ]


def test_cli_reports_lines_exit_1_no_traceback(inv_dir):
    edit(inv_dir / "sites" / "quy-nhon.yml", "vlan: 111", "vlan: 0")
    (inv_dir / "network.yml").write_bytes(b"\xc3\x28 broken")
    proc = run_cli("validate", str(inv_dir))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert f"{inv_dir}/sites/quy-nhon.yml:14 [PROPERTY] sites.quy-nhon.network.vlan: 0 is below the minimum 1" in lines
    assert any(l.startswith(f"{inv_dir}/network.yml:1 [PROPERTY] network: not valid UTF-8") for l in lines)
    assert lines[-1].endswith("problem(s) found; nothing was deployed.")


def test_cli_missing_directory():
    proc = run_cli("validate", "/nonexistent/gbtt-inventory")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "/nonexistent/gbtt-inventory:0 [PROPERTY] inventory: the inventory directory does not exist" in proc.stderr


def test_vault_must_be_encrypted(inv_dir):
    (inv_dir / "vault.yml").write_text("turn_static_secret: in-clear-text-secret-000000\n")
    lines = problems_of(inv_dir)
    assert lines == ["vault.yml:1 vault: vault.yml is not encrypted: secrets must be kept with ansible-vault (ansible-vault encrypt vault.yml)"]


def test_vault_wrong_password(inv_dir, tmp_path, monkeypatch):
    wrong = tmp_path / "wrong-password"
    wrong.write_text("not the lab password\n")
    monkeypatch.setenv("ANSIBLE_VAULT_PASSWORD_FILE", str(wrong))
    [line] = problems_of(inv_dir)
    assert line.startswith(f"vault.yml:1 vault: vault.yml cannot be decrypted with {wrong}")


def test_vault_schema_errors_hide_values(inv_dir):
    from gbtt.vault import decrypt, encrypt

    data = yaml.safe_load(decrypt((inv_dir / "vault.yml").read_bytes()))
    data["sip_passwords"]["quy-nhon-pc"] = "tooshort"
    text = yaml.safe_dump(data)
    (inv_dir / "vault.yml").write_bytes(encrypt(text.encode()))
    line = text.splitlines().index("  quy-nhon-pc: tooshort") + 1
    lines = problems_of(inv_dir)
    assert lines == [f"vault.yml:{line} vault.sip_passwords.quy-nhon-pc: too short: at least 12 characters needed"]
    assert "tooshort" not in "".join(lines)


def test_cache_follows_file_content(inv_dir):
    assert validate(inv_dir)[1] == []
    edit(inv_dir / "sites" / "hoai-an.yml", "uplink_mbps: 30", "uplink_mbps: 3")
    _, problems = validate(inv_dir)
    assert [p.path for p in problems] == ["sites.hoai-an.network.uplink_mbps"] * 2  # too narrow; not its link
    edit(inv_dir / "sites" / "hoai-an.yml", "uplink_mbps: 3\n", "uplink_mbps: 30\n")
    assert validate(inv_dir)[1] == []


def test_cache_holds_no_secret(inv_dir):
    from gbtt.inventory import _cache_path
    from gbtt.vault import decrypt, encrypt

    validate(inv_dir)
    secrets = yaml.safe_load(decrypt((inv_dir / "vault.yml").read_bytes()))
    raw = _cache_path(inv_dir).read_bytes()
    entries = pickle.loads(raw)["entries"]
    assert "vault.yml" in entries
    for value in [secrets["turn_static_secret"], secrets["janus_admin_secret"], *secrets["sip_passwords"].values()]:
        assert value.encode() not in raw
    # nor its delta, after the vault is rewritten (same secrets, new ciphertext)
    (inv_dir / "vault.yml").write_bytes(encrypt(yaml.safe_dump(secrets).encode()))
    validate(inv_dir)
    delta = _cache_path(inv_dir).with_suffix(".delta").read_bytes()
    assert "vault.yml" in pickle.loads(delta)["entries"]
    for value in [secrets["turn_static_secret"], *secrets["sip_passwords"].values()]:
        assert value.encode() not in delta


def test_cache_follows_edits_removals_and_additions_through_its_delta(inv_dir):
    from gbtt.inventory import DELTA_LIMIT, _cache_path

    validate(inv_dir)
    site = inv_dir / "sites" / "hoai-an.yml"
    text = site.read_text(encoding="utf-8")
    site.unlink()
    assert any("hoai-an" in p.message for p in validate(inv_dir)[1])  # its router and links now dangle
    assert _cache_path(inv_dir).with_suffix(".delta").exists()
    site.write_text(text, encoding="utf-8")
    assert validate(inv_dir)[1] == []
    for i in range(DELTA_LIMIT + 1):  # many changes: the base is rewritten, the delta goes
        (inv_dir / "meetings" / f"x{i}.yml").write_text("title: x\n", encoding="utf-8")
    validate(inv_dir)
    assert not _cache_path(inv_dir).with_suffix(".delta").exists()


def test_cached_findings_equal_a_fresh_run_through_every_kind_of_edit(inv_dir):
    """The rules' findings are cached per site (and, for the files that are not sites, until one changes):
    after each edit, a run with the cache finds exactly what a run without it finds."""
    site, network = inv_dir / "sites" / "an-lao.yml", inv_dir / "network.yml"
    steps = [
        (site, "address: 10.52.19.11", "address: 10.52.255.29"),  # a site's endpoint takes a router's address
        (site, "address: 10.52.255.29", "address: 10.52.19.11"),
        (site, "router: r-an-lao", "router: r-an-nhon"),  # another site's router
        (site, "router: r-an-nhon", "router: r-an-lao"),
        (network, "r-ttht, b: r-an-lao, bandwidth_mbps: 20", "r-ttht, b: r-an-lao, bandwidth_mbps: 30"),  # not the site's
        (site, "uplink_mbps: 20", "uplink_mbps: 30"),  # the site follows: one figure again
        (network, "    site: an-lao\n", "    site: an-nhon\n"),  # the router moves: the unchanged site is wrong now
        (network, "    site: an-nhon\n    mgmt_address: 10.52.255.29", "    site: an-lao\n    mgmt_address: 10.52.255.29"),
        (inv_dir / "organisations.yml", "ubnd-an-lao:", "ubnd-an-lao-cu:"),  # a site's organisation renamed away
        (site, "organisation: ubnd-an-lao", "organisation: ubnd-an-lao-cu"),
        (site, "background: phong-nen-chuan", "background: phong-khac"),
        (site, "kind: district-room", "kind: [district-room]"),  # schema problem: crashes are explained
    ]
    assert validate(inv_dir)[1] == []
    for i, (path, old, new) in enumerate(steps):
        edit(path, old, new)
        cached, fresh = validate(inv_dir)[1], validate(inv_dir, use_cache=False)[1]
        assert cached == fresh, (i, rel_lines(inv_dir, cached), rel_lines(inv_dir, fresh))
        assert validate(inv_dir)[1] == fresh  # and from the cache written by that run
    assert any("phong-khac" in p.message for p in fresh)
    extra = inv_dir / "sites" / "an-lao-2.yml"  # a site comes (with a duplicate of everything) and goes
    extra.write_text(site.read_text(encoding="utf-8"), encoding="utf-8")
    assert validate(inv_dir)[1] == validate(inv_dir, use_cache=False)[1]
    extra.unlink()
    assert validate(inv_dir)[1] == validate(inv_dir, use_cache=False)[1]


def test_the_line_keeping_loader_reads_yaml_as_pyyaml_does():
    """gbtt's loader resolves plain scalars itself (not PyYAML's resolver): same values as yaml.safe_load, for
    every kind of scalar, quoting, block, flow, anchor and merge, and for every file of the real inventory."""
    from gbtt.yamlload import load_text

    doc = """\
a: true
b: [yes, No, off, ~, null, '', "", 5, 0x1f, 0o17, 1_000, -3.5e2, .inf, .nan, 2026-11-30, "5", '7', 10.52.0.1]
c: |
  5
d: >
  true
e:
f: &base {p: 1, q: [x, y]}
g: {<<: *base, q: 2}
h:
  <<: [*base, {r: 3}]
  s: "<<"
"<<": quoted key, not a merge
12: an int key
2026-11-30 10:00:00: a timestamp key
"""
    value, duplicates = load_text(doc.encode())
    expected = yaml.safe_load(doc)
    assert duplicates == []
    assert repr(value) == repr(expected)  # nan != nan: compared as text
    for path in sorted(REAL.rglob("*.yml")):
        if path.name != "vault.yml":
            assert load_text(path.read_bytes())[0] == yaml.safe_load(path.read_text()), path


TRICKY = ["yes", "No", "on", "OFF", "~", "null", "Null", "", "0x1F", "0o17", "017", "1_000", "1:20", "190:20:30",
          ".inf", "-.5", "+1", "1e3", "2026-12-01", "2026-12-01 10:00:00", "=", "<<", "true", "y", "n", "10.0.0.1",
          "10.0.0.0/29", "+84 201 3800 000", "Điểm cầu", "p01-xa-00000", "kythuat@example.gov.vn", "NaN", ".NaN"]


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.sampled_from(TRICKY), st.text(alphabet="0123456789.:-+_eExobTtYyNnOo~ a/@", max_size=12)))
def test_plain_scalars_read_as_the_safe_loader_reads_them(value):
    """The loader's own tag resolution (once per distinct text, outside PyYAML's constructor) gives
    every plain scalar the value and type PyYAML's safe loader gives it."""
    text = f"k: {value}\n"
    try:
        expected = yaml.safe_load(text)
    except yaml.YAMLError:
        return
    got, _ = load_text(text.encode())
    assert got == expected and [type(v) for v in got.values()] == [type(v) for v in expected.values()]


# -- the fast path (yaml-rs, YAML 1.2) reads as PyYAML (1.1) does, or declines ------------------------------

def _typed(value):
    """A value with every scalar's type spelled out: 1 == 1.0 == True, and nan != nan, must not hide a difference."""
    if isinstance(value, dict):
        return ("dict", [(_typed(k), _typed(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [_typed(v) for v in value])
    return (type(value).__name__, repr(value))


READ_APART = ["010", "0o17", "-.5", "+.5", "yes", "No", "on", "OFF", "1e3", "1.0e3", "1.e5", "1:20", "_1",
              "2026-01-01 10:00", "=", "-010"]


@pytest.mark.parametrize("text", [f"k: {v}\n" for v in READ_APART] + [f"- {v}\n" for v in READ_APART]
                         + [f"k: [a, {v}]\n" for v in READ_APART] + [f"{v}: k\n" for v in READ_APART[:9]])
def test_the_fast_reader_declines_what_yaml_1_2_reads_apart(text):
    """Each of these reads differently in YAML 1.2 (yaml-rs) and 1.1 (PyYAML, Ansible): the fast path must
    leave them to the full loader. The first assertion shows the guard is needed."""
    from gbtt.yamlload import load_plain

    assert _read(yaml_rs.loads, text) != _read(yaml.safe_load, text)
    assert load_plain(text.encode()) == (False, None)


def _read(load, text):
    try:
        return _typed(load(text))
    except Exception as exc:  # noqa: BLE001 - PyYAML refuses "=" (its value tag has no constructor)
        return ("refused", type(exc).__name__)


def test_the_fast_reader_takes_plain_inventory_files_and_declines_what_it_must_not_read():
    from gbtt.yamlload import load_plain

    site = (REAL / "sites" / "quy-nhon.yml").read_bytes()
    ok, value = load_plain(site)
    assert ok and _typed(value) == _typed(yaml.safe_load(site))
    for text in ["a: 1\na: 2\n", "a: 1\n---\nb: 2\n", "a: &x 1\nb: *x\n", "<<: {a: 1}\n", "a: [1\n", "a:\tb\n",
                 "a: x\x01y\n", "a: x\u0085y\n", "[1]: 2\n", "a: !!str 5\n"]:
        assert load_plain(text.encode()) == (False, None), text
    assert load_plain(b"\xff: 1\n") == (False, None)


SCALARS = st.one_of(st.sampled_from(TRICKY + READ_APART + ["", "a b", "- x", "#c", "x#y", "'q'", '"d"', "[1, 2]",
                                                           "{a: 1}", "|", ">", "? k", "a: b", "&a", "*a", "!t"]),
                    st.text(alphabet="0123456789.:-+_eExobTtYyNnOo~ a/@&*!?#,[]{}<=%|>'\"\\", max_size=10))


@st.composite
def _documents(draw, depth=0):
    """YAML text in block and flow style, each scalar written as drawn (plain, so that it may read apart)."""
    kind = draw(st.sampled_from(["map", "list", "flow"] if depth < 2 else ["map", "flow"]))
    indent = "  " * depth
    if kind == "flow":
        items = draw(st.lists(SCALARS, min_size=1, max_size=3))
        return f"[{', '.join(items)}]" if draw(st.booleans()) else "{" + ", ".join(f"{s}: {s}" for s in items) + "}"
    lines = []
    for _ in range(draw(st.integers(1, 3))):
        nested = draw(st.booleans()) and depth < 2
        value = draw(_documents(depth + 1)) if nested else draw(SCALARS)
        head = f"{indent}- " if kind == "list" else f"{indent}{draw(SCALARS)}: "
        lines.append(head + ("\n" + value if nested and not value.startswith(("[", "{")) else value))
    return "\n".join(lines)


@settings(max_examples=600, deadline=None)
@given(_documents())
def test_the_fast_reader_reads_every_document_as_pyyaml_does_or_declines(text):
    """Whatever the text, the fast path's value is PyYAML's, type for type; where PyYAML refuses the text
    (a syntax error, a duplicate key PyYAML would keep silently), the fast path declines."""
    from gbtt.yamlload import load_plain

    ok, value = load_plain(text.encode())
    if not ok:
        return
    expected = yaml.safe_load(text)  # raises, and fails the test, if the fast path took what PyYAML refuses
    assert _typed(value) == _typed(expected), text


@pytest.mark.parametrize("vault_id", [None, "gbtt-lab"])
def test_the_vault_is_read_without_ansibles_library_as_ansible_reads_it(vault_id):
    """gbtt reads the vault with the primitives Ansible's library uses, without importing it (a third of a
    second): the same plaintext for what Ansible encrypts (formats 1.1 and 1.2); a wrong password is left
    to Ansible's library, which says why."""
    from gbtt import vault

    lib = vault._ansible_vault()
    secret = lib.VaultSecret(b"a password")
    for plaintext in [b"", b"k: v\n", "mật khẩu: 'x'\n".encode() * 50, bytes(range(256))]:
        encrypted = lib.VaultLib([(vault_id or "default", secret)]).encrypt(plaintext, secret, vault_id=vault_id)
        assert encrypted.startswith(b"$ANSIBLE_VAULT;1.2;AES256;gbtt-lab" if vault_id else b"$ANSIBLE_VAULT;1.1;AES256")
        assert vault._decrypt_aes256(encrypted, b"a password") == plaintext
        assert vault._decrypt_aes256(encrypted, b"another password") is None
    assert vault._decrypt_aes256(b"$ANSIBLE_VAULT;1.1;AES256\nzz\n", b"a password") is None


def test_the_fast_reader_takes_no_malformed_text_that_pyyaml_refuses():
    """Real inventory files with random small damage (characters deleted, YAML indicators put in): where the
    fast path takes the text, PyYAML reads it too, to the same values. (Found this way: yaml-rs reads a flow
    over two lines, a ">" in a flow and a value starting with ":", where PyYAML names a syntax error.)"""
    import random

    from gbtt.yamlload import load_plain

    files = [p.read_bytes() for p in sorted(REAL.rglob("*.yml")) if p.name != "vault.yml"]
    marks = [b" ", b"\n", b":", b"- ", b"[", b"]", b"{", b"}", b",", b"#", b"'", b'"', b"|", b">", b"\n  ", b"0",
             b".", b"e", b"&", b"!", b"%", b"\\"]
    rnd, taken = random.Random(2026), 0
    for _ in range(2000):
        text = bytearray(rnd.choice(files))
        for _ in range(rnd.randint(1, 3)):
            at = rnd.randrange(len(text) + 1)
            if rnd.random() < 0.4:
                del text[at:at + rnd.randint(1, 3)]
            else:
                text[at:at] = rnd.choice(marks)
        ok, value = load_plain(bytes(text))
        if ok:
            taken += 1
            assert _typed(value) == _typed(yaml.safe_load(bytes(text).decode())), bytes(text)
    assert taken > 200  # the fast path took enough of them for the comparison to mean something
