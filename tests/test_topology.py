"""`gbtt topology`: the SVG drawn by Graphviz from the model, read back as XML."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from conftest import REAL
from gbtt.cli import main
from gbtt.topology import FAILED, OK, UNKNOWN
from gbtt.validate import load_valid

SVG = "{http://www.w3.org/2000/svg}"


def _nodes(svg: str) -> dict[str, ET.Element]:
    root = ET.fromstring(svg)
    return {g.find(f"{SVG}title").text: g for g in root.iter(f"{SVG}g") if g.get("class") == "node"}


def test_every_host_router_and_room_with_its_links_and_last_check(tmp_path):
    pre = tmp_path / "preflight"
    pre.mkdir()
    (pre / "preflight-lab-20261101T000000Z.json").write_text(json.dumps(
        {"when": "2026-11-01T00:00:00+00:00", "rooms": [{"room": "an-lao-pc", "ok": False}]}))
    (pre / "preflight-lab-20261128T000000Z.json").write_text(json.dumps(
        {"when": "2026-11-28T00:00:00+00:00", "rooms": [{"room": "an-lao-pc", "ok": True},
                                                        {"room": "vinh-thanh-pc", "ok": False}]}))
    out = tmp_path / "topology.svg"
    assert main(["topology", "--out", str(out), "--preflight-dir", str(pre)]) == 0
    svg = out.read_text()
    nodes = _nodes(svg)
    inv = load_valid(REAL)
    rooms = [ep["id"] for site in inv.sites.values() for ep in site["endpoints"]]
    routers = [site["network"]["router"] for site in inv.sites.values()]
    assert set(inv.hosts) | set(rooms) | set(routers) | {"r-ttht"} <= set(nodes)

    def fill(name):
        return next(shape.get("fill") for shape in nodes[name] if shape.get("fill") not in (None, "none"))

    assert fill("an-lao-pc") == OK  # the newest report counts, not the older failure
    assert fill("vinh-thanh-pc") == FAILED and fill("quy-nhon-pc") == UNKNOWN
    texts = [t.text for t in ET.fromstring(svg).iter(f"{SVG}text")]
    assert "2026-11-28T00:00:00+00:00" in " ".join(texts)  # when that check ran, in the title
    link = next(lk for lk in inv.network["links"] if lk["b"] == "r-an-lao")
    share = inv.network["conference_share_percent"]
    assert f"{link['bandwidth_mbps']} Mbps" in texts
    assert f"GBTT {share}% = {link['bandwidth_mbps'] * share / 100:g} Mbps" in texts


def test_without_a_preflight_every_room_is_grey(tmp_path):
    out = tmp_path / "t.svg"
    assert main(["topology", "--out", str(out), "--preflight-dir", str(tmp_path / "none")]) == 0
    nodes = _nodes(out.read_text())
    assert all(any(s.get("fill") == UNKNOWN for s in nodes[r]) for r in ("an-lao-pc", "vp-ubnd-pc"))
