"""examples/graphql_ws_provider.py: written from the library in at most 60 lines, checked in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from statebound.checker import Verdict, check
from statebound.checker.load import load_system

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "graphql_ws_provider.py"
SLOW = pytest.mark.skipif(
    not (os.environ.get("CI") or os.environ.get("STATEBOUND_SLOW") or os.environ.get("HYPOTHESIS_PROFILE") == "ci"),
    reason="a few seconds: runs in CI (STATEBOUND_SLOW=1 runs it here)")


def test_the_example_is_short_and_built_from_the_library() -> None:
    text = EXAMPLE.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 60
    assert "from statebound.models.app import" in text and "Machine(" not in text and "Transition(" not in text


@pytest.mark.parametrize(("params", "states"), [
    ({"views": 1}, 24112),
    ({"views": 1, "refresh": False}, 2848),
    pytest.param({}, 62720, marks=SLOW),
    pytest.param({"strict_mode": True}, 62720, marks=SLOW),
])
def test_every_rule_of_the_example_holds(params: dict[str, str], states: int) -> None:
    target = f"{EXAMPLE}:graphql_ws"
    system = load_system(target, [f"{k}={str(v).lower()}" for k, v in params.items()])
    report = check(system)
    assert [o.property for o in report.outcomes if o.verdict is not Verdict.HOLDS] == []
    assert [o.property for o in report.outcomes if o.warnings] == []
    assert report.coverage.states == states
    names = {o.property for o in report.outcomes}
    assert "forbidden-4403-keeps-the-session" in names
    assert ("rotated-token-4401-keeps-the-session" in names) == params.get("refresh", True)


def test_a_client_that_reconnects_with_its_first_token_is_caught() -> None:
    system = load_system(f"{EXAMPLE}:graphql_ws", ["views=1", "policy=stale-token"])
    report = check(system)
    broken = {o.property: len(o.trace) for o in report.outcomes if o.verdict is Verdict.VIOLATED and o.trace}
    # after a refresh its 4401 stops it for good while the session is fine
    assert broken == {"recovery-subscription1": 8}
