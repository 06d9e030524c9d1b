"""Fixtures of the diagram tests: golden files, refreshed only with ``--update-golden``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

GOLDEN_DIR = Path(__file__).parent / "golden"


@pytest.fixture
def golden(request: pytest.FixtureRequest) -> Callable[[str, str], None]:
    """``golden(name, text)``: compare *text* with ``golden/<name>`` (or rewrite it)."""
    update = bool(request.config.getoption("--update-golden"))

    def compare(name: str, text: str) -> None:
        path = GOLDEN_DIR / name
        if update:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            return
        if not path.exists():
            pytest.fail(f"{path}: no golden file; run pytest tests/diagrams --update-golden and review it")
        expected = path.read_text(encoding="utf-8")
        assert text == expected, f"{name} differs from its golden file; if the change is intended, run --update-golden"

    return compare
