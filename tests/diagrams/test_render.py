"""Rendering through Graphviz (skipped only when ``dot`` is absent) and the docs/diagrams check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import zoo

from statebound import diagrams
from statebound.checker import InputError, check
from statebound.diagrams import from_system, render, to_dot
from statebound.docs import DOCS_DIR, stale

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")


@needs_dot
def test_graphviz_renders_svg_and_png(tmp_path: Path) -> None:
    source = to_dot(from_system(zoo.by_name("broadcast-broken").build()))
    svg = render(source, tmp_path / "system.svg", fmt="svg")
    png = render(source, tmp_path / "system.png", fmt="png")
    assert "<svg" in svg.read_text(encoding="utf-8")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@needs_dot
def test_every_view_and_format_is_written(tmp_path: Path) -> None:
    system = zoo.by_name("broadcast-broken").build()
    for view in ("machine", "system", "graph"):
        for fmt in diagrams.FORMATS:
            files, notes = diagrams.write_view(system, view=view, fmt=fmt, out_dir=tmp_path)
            assert files and all(f.stat().st_size > 0 for f in files)
            assert notes == []
    outcome = check(system).outcome("c1-live-only-when-active")
    files, notes = diagrams.write_view(system, view="sequence", fmt="png", out_dir=tmp_path, trace=outcome.trace)
    assert [f.name for f in files] == ["sequence.png"]


@needs_dot
def test_a_counterexample_is_written_as_dot_svg_and_mermaid(tmp_path: Path) -> None:
    system = zoo.by_name("broadcast-broken").build()
    outcome = check(system).outcome("c1-live-only-when-active")
    files, notes = diagrams.write_counterexample(system, outcome, out_dir=tmp_path, stem="c1-live")
    assert notes == []
    assert sorted(f.name for f in files) == sorted(
        f"c1-live-{part}.{ext}" for part in ("session", "c1", "sequence") for ext in ("dot", "svg", "mmd"))
    assert "<svg" in (tmp_path / "c1-live-c1.svg").read_text(encoding="utf-8")


@needs_dot
def test_a_layout_that_takes_too_long_is_an_input_error(tmp_path: Path) -> None:
    source = to_dot(from_system(zoo.by_name("broadcast-broken").build()))
    with pytest.raises(InputError, match="took longer than"):
        render(source, tmp_path / "slow.svg", fmt="svg", timeout=1e-6)


def test_docs_diagrams_are_current() -> None:
    problems = stale(DOCS_DIR)
    assert problems == [], "docs/diagrams is stale; run: python -m statebound.docs\n" + "\n".join(problems)
