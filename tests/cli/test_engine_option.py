"""check --engine: every registered engine answers through the same outputs; unknown names are bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statebound.checker.engines import ENGINES
from statebound.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "lamps.py"


def _json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["check", f"{FIXTURES}:lamps", "--no-out", "--format", "json", *args])
    out, _ = capsys.readouterr()
    return code, json.loads(out)


def test_auto_is_the_default_and_decides_a_small_space_with_the_explicit_engine(
        capsys: pytest.CaptureFixture[str]) -> None:
    # issues 13 and 14: --engine auto is the default; a space within its cap is the reference engine's alone
    assert main(["check", "--help"]) == 0
    assert "[default: auto]" in " ".join(capsys.readouterr()[0].split())
    code, doc = _json(capsys)
    assert code == 1
    assert {o["engine"] for o in doc["properties"]} == {"explicit"}  # type: ignore[union-attr, index]
    _, explicit = _json(capsys, "--engine", "explicit")
    assert _timeless(doc) == _timeless(explicit)


def _timeless(doc: dict[str, object]) -> list[object]:
    """The outcomes of *doc* without their timings."""
    return [{**o, "coverage": {**o["coverage"], "seconds": 0}} for o in doc["properties"]]  # type: ignore[attr-defined, dict-item]


@pytest.mark.parametrize("name", ["fast", "bmc"])
def test_another_engine_finds_the_same_shortest_counterexample(capsys: pytest.CaptureFixture[str], name: str) -> None:
    if name not in ENGINES:
        pytest.skip(f"engine {name} is not registered")
    _, reference = _json(capsys, "--property", "not-all-on")
    code, doc = _json(capsys, "--property", "not-all-on", "--engine", name)
    assert code == 1
    (ref,) = reference["properties"]  # type: ignore[misc]
    (got,) = doc["properties"]  # type: ignore[misc]
    assert got["engine"] == name and got["verdict"] == "violated"
    assert len(got["trace"]["steps"]) == len(ref["trace"]["steps"])


def test_an_unknown_engine_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["check", f"{FIXTURES}:lamps", "--no-out", "--engine", "quantum"])
    _, err = capsys.readouterr()
    assert code == 2
    assert "--engine" in err and "quantum" in err and "Traceback" not in err


def test_auto_names_who_decided_and_never_counts_an_undecided_property_as_decided(
        capsys: pytest.CaptureFixture[str]) -> None:
    # the 'decided by' line listed the inconclusive leads_to as "explicit: 1 property" decided
    pytest.importorskip("z3")
    code = main(["check", f"{FIXTURES}:counter", "-p", "live=true", "--max-states", "10", "--no-out"])
    out, _ = capsys.readouterr()
    assert code == 3
    assert "??   comes-back  inconclusive (leads-to)" in out
    last = out.rstrip().splitlines()[-1]
    assert last == "decided by induction: bounded, deadlock-free", last
