"""The HTML report's page, without a browser (issue 15): one document, escaped text, one script
allowed by its hash, sanitised SVG, and the data that drives the stepping."""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re

from statebound import Enum, Instance, Machine, System, Transition, Var, always, ref
from statebound.checker import check
from statebound.diagrams.html import sanitise_svg, to_html


def hostile() -> System:
    s = Var("state", Enum("<script>alert(1)</script>", "b</script><b>"))
    m = Machine(name="m<img src=x onerror=alert(2)>", variables=(s,), transitions=(
        Transition("go", guard=s == "<script>alert(1)</script>", updates={s: "b</script><b>"}),))
    return System(name="<script>window.pwned=1</script>", instances=(Instance("x", m),), properties=(
        always("never-b", ref("x", "state") != "b</script><b>"),))


def test_text_from_the_model_is_escaped_and_only_the_page_s_own_script_is_there() -> None:
    system = hostile()
    page = to_html(system, check(system), target="evil.py:evil")
    assert page.count("<script") == 2  # the data block and the one script
    assert "<img" not in page and "<script>alert" not in page and "<script>window" not in page
    assert "&lt;script&gt;window.pwned=1&lt;/script&gt;" in page
    data = re.search(r'<script type="application/json" id="sb-data">(.*?)</script>', page, re.S)
    assert data is not None and "</" not in data.group(1)
    assert json.loads(data.group(1))["traces"][0]["states"][1] == ["b</script><b>"]


def test_the_content_security_policy_allows_exactly_the_page_s_script() -> None:
    system = hostile()
    page = to_html(system, check(system))
    script = re.findall(r"<script>(.*?)</script>", page, re.S)
    assert len(script) == 1
    digest = base64.b64encode(hashlib.sha256(script[0].encode("utf-8")).digest()).decode()
    csp = html.unescape(re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1))  # type: ignore[union-attr]
    assert csp.startswith(f"default-src 'none'; script-src 'sha256-{digest}';")
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
        'xmlns:xlink="http://www.w3.org/1999/xlink"', "")


def test_svg_is_inlined_without_scripts_handlers_links_or_foreign_ids() -> None:
    svg = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
           b'onload="alert(1)"><script>alert(2)</script><g id="node1" class="node" onclick="x()"><title>a</title>'
           b'<a xlink:href="javascript:alert(3)"><text>t</text></a></g><g id="sb_t0_n0"/><foreignObject/></svg>')
    out = sanitise_svg(svg)
    assert "script" not in out and "onload" not in out and "onclick" not in out and "javascript" not in out
    assert "foreignObject" not in out and 'id="node1"' not in out and 'id="sb_t0_n0"' in out


def test_each_step_outlines_the_current_state_and_the_step_taken() -> None:
    system = hostile()
    page = to_html(system, check(system))
    data = json.loads(re.search(r'id="sb-data">(.*?)</script>', page, re.S).group(1))  # type: ignore[union-attr]
    marks = data["traces"][0]["marks"]
    assert len(marks) == 2  # the initial state and one step
    assert all(m in page for step in marks for m in step)
    assert any("_e" in m for m in marks[1]) and not any("_e" in m for m in marks[0])
