"""Budgets and coverage on the scalable benchmark model (benchmarks/scalable.py): pinned state
counts, and every way a budget can run out ends in ``inconclusive`` with what was covered."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from statebound.checker import Budget, Verdict, check, explore

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import scalable  # noqa: E402


@pytest.mark.parametrize("n", [1, 2, 3])
def test_scalable_model_has_the_documented_number_of_states(n: int) -> None:
    assert len(explore(scalable.system(n)).states) == 10**n + 3 * 4**n


def test_scalable_model_holds_with_liveness() -> None:
    report = check(scalable.system(2, liveness=True))
    assert {o.property: o.verdict for o in report.outcomes} == {
        "p1-live-only-when-active": Verdict.HOLDS,
        "p3-closing-closes-client0": Verdict.HOLDS,
        "p3-closing-closes-client1": Verdict.HOLDS,
        "deadlock-free": Verdict.HOLDS,
    }
    # hs_ok resets the retry counter on Open, so "Open with n >= retries" never happens: a dead
    # transition of the benchmark model that coverage rightly reports
    assert report.coverage.complete
    assert report.coverage.unfired == ("client0.drop_give_up", "client1.drop_give_up")


@pytest.mark.parametrize(("budget", "stopped"), [
    (Budget(max_states=50), "state budget (50) reached"),
    (Budget(max_depth=3), "depth bound (3) reached"),
    (Budget(timeout=0.0), "timeout (0 s) reached"),
])
def test_every_kind_of_budget_ends_inconclusive_with_its_coverage(budget: Budget, stopped: str) -> None:
    report = check(scalable.system(3, liveness=True), budget=budget)
    assert {o.verdict for o in report.outcomes} == {Verdict.INCONCLUSIVE}
    cov = report.coverage
    assert not cov.complete and cov.stopped is not None and cov.stopped.startswith(stopped)
    assert cov.unfired == ()  # never claim a transition is dead after a partial search
    if budget.max_states is not None:
        assert cov.states == budget.max_states
    if budget.max_depth is not None:
        assert cov.depth == budget.max_depth
    for o in report.outcomes:
        assert o.trace is None and o.message.startswith("not decided")


def test_a_budget_as_large_as_the_state_space_is_enough() -> None:
    total = 10**2 + 3 * 4**2
    assert check(scalable.system(2), budget=Budget(max_states=total)).coverage.complete
    assert not check(scalable.system(2), budget=Budget(max_states=total - 1)).coverage.complete


def test_a_timeout_that_runs_out_while_compiling_makes_every_property_inconclusive() -> None:
    from statebound.checker import Bool, Instance, Machine, System, Transition, Var, always, ref

    x = Var("x", Bool())
    m = Machine(name="m", variables=(x,), transitions=(Transition("t", guard=~x, updates={x: True}),))
    system = System(name="big", instances=tuple(Instance(f"i{k}", m) for k in range(3000)),
                    properties=(always("i0-bool", ref("i0", "x") | ~ref("i0", "x")),))
    report = check(system, budget=Budget(timeout=1e-4))
    assert [o.verdict for o in report.outcomes] == [Verdict.INCONCLUSIVE, Verdict.INCONCLUSIVE]
    assert not report.coverage.complete
    assert report.coverage.stopped is not None and "while compiling the model" in report.coverage.stopped
