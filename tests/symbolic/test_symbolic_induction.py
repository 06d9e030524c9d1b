"""k-induction, lemmas, PDR and scale: proofs on models far too large to enumerate (a counter to
2^40, the benchmark model of ../shared/benchmarks/MODEL.md at N=30), a family of N chat panes for
N up to 20, counterexamples to induction that are real, lemmas that are proved before they are
assumed, and budgets that never turn into ``holds``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from panes import lemmas as pane_lemmas
from panes import system as panes
from symbolic_checks import check_counterexample_to_induction, replay

from statebound.checker import (
    Budget,
    Instance,
    Int,
    Machine,
    PropertyError,
    System,
    Transition,
    Var,
    Verdict,
    always,
    check,
    count,
    is_in,
    ref,
    sometimes,
)
from statebound.checker._compile import compile_system
from statebound.checker.engines.symbolic import BmcEngine, InductionEngine

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
from scalable import system as benchmark  # noqa: E402

TOP = 2**40


def _counters() -> System:
    x, y = Var("x", Int(0, TOP)), Var("y", Int(0, TOP))
    m = Machine(name="counters", variables=(x, y), transitions=(
        Transition("tick", guard=x < TOP, updates={x: x + 1, y: y + 1}),
        Transition("wrap", guard=x == TOP, updates={x: 0, y: 0}),
    ))
    c = Instance("c", m)
    return System(name="counter-2^40", instances=(c,), properties=(
        always("in-step", ref("c", "x") == ref("c", "y")),
        sometimes("counts", ref("c", "y") == 3),
    ))


def test_a_counter_to_2_to_the_40_is_proved_in_seconds() -> None:
    report = InductionEngine().check(_counters())  # about 0.1 s (timings: docs/symbolic.md, not tests)
    proof = report.outcome("in-step")
    assert proof.verdict is Verdict.HOLDS and proof.message.startswith("proved by 1-induction")
    assert report.outcome("counts").verdict is Verdict.HOLDS and len(report.outcome("counts").trace or ()) == 3
    assert report.outcome("deadlock-free").verdict is Verdict.HOLDS


def test_the_benchmark_model_at_n_30_is_proved_in_seconds() -> None:
    system = benchmark(30)  # 10^30 + 3 * 4^30 reachable states
    report = InductionEngine().check(system)  # about 1 s
    assert [(o.property, o.verdict) for o in report.outcomes] == [
        ("p1-live-only-when-active", Verdict.HOLDS), ("deadlock-free", Verdict.HOLDS)]
    assert "1-induction" in report.outcome("p1-live-only-when-active").message


def _two_live_clients(n: int) -> System:
    system = benchmark(n)
    live = [is_in(ref(f"client{i}", "sock"), "Connecting", "Open") for i in range(n)]
    return System(name=system.name, instances=system.instances, check_deadlock=False,
                  properties=(always("one-live-client", count(live) <= 1),))


def test_bmc_finds_a_shortest_counterexample_in_the_benchmark_model_at_n_30() -> None:
    # the same length as the explicit engine's at N=3 (login, auth_ok, connect, connect); at N=30
    # the explicit engine cannot enumerate the space
    assert len(check(_two_live_clients(3)).outcome("one-live-client").trace or ()) == 4
    broken = _two_live_clients(30)
    o = BmcEngine(depth=6).check(broken).outcome("one-live-client")
    assert o.verdict is Verdict.VIOLATED and o.trace is not None and len(o.trace) == 4
    replay(compile_system(broken), o.trace, from_initial=True)


@pytest.mark.parametrize("n", [1, 8, 20])
def test_a_family_of_n_chat_panes_is_proved_with_lemmas_built_by_the_same_loop(n: int) -> None:
    report = InductionEngine(lemmas=pane_lemmas(n), pdr=False).check(panes(n))
    assert {o.property: o.verdict for o in report.outcomes} == {
        "no-live-socket-when-not-active": Verdict.HOLDS, "new-socket-only-when-closed": Verdict.HOLDS,
        "a-socket-opens": Verdict.HOLDS, "deadlock-free": Verdict.HOLDS}
    step = report.outcome("new-socket-only-when-closed").message
    assert step.startswith("proved by 1-induction together with pane0-coherent")
    assert all(not o.warnings for o in report.outcomes)


def test_without_its_lemma_the_step_rule_gets_a_real_counterexample_to_induction() -> None:
    system = panes(2)
    report = InductionEngine(max_k=2, pdr=False).check(system)
    o = report.outcome("new-socket-only-when-closed")
    assert o.verdict is Verdict.INCONCLUSIVE and o.trace is not None and len(o.trace) == 2
    assert "counterexample to induction" in o.message and "lemma" in o.message
    assert o.breach is not None and o.breach.step == 2
    check_counterexample_to_induction(system, o)


def test_pdr_finds_the_missing_lemma_and_shows_it() -> None:
    report = InductionEngine(max_k=1).check(panes(1))
    o = report.outcome("new-socket-only-when-closed")
    assert o.verdict is Verdict.HOLDS
    assert o.message.startswith("proved by PDR (z3 Spacer); the inductive invariant (")
    assert "checked): [" in o.message
    assert "pane0.client.state" in o.message and "pane0.ws.ready" in o.message


def test_a_false_lemma_is_reported_and_never_assumed() -> None:
    wrong = always("never-open", ref("pane0.ws", "ready") != "OPEN")
    report = InductionEngine(lemmas=(wrong, *pane_lemmas(1)), pdr=False).check(panes(1))
    assert report.outcome("new-socket-only-when-closed").verdict is Verdict.HOLDS
    for o in report.outcomes:
        if o.verdict is Verdict.HOLDS and o.kind != "sometimes":
            assert any("lemma 'never-open' is false" in w for w in o.warnings)
            assert "never-open" not in o.message


def test_a_lemma_must_be_well_typed() -> None:
    with pytest.raises(PropertyError, match="no variable 'nope'"):
        InductionEngine(lemmas=(always("bad", ref("pane0.ws", "nope") == 1),)).check(panes(1))


@pytest.mark.parametrize("name", ["bmc", "induction"])
def test_a_spent_budget_is_inconclusive_never_holds(name: str) -> None:
    engine = BmcEngine() if name == "bmc" else InductionEngine(lemmas=pane_lemmas(6))
    report = engine.check(panes(6), budget=Budget(timeout=0.01))
    for o in report.outcomes:
        assert o.verdict is not Verdict.HOLDS or o.kind == "sometimes", o.property
    assert report.coverage.stopped is not None and "timeout" in report.coverage.stopped
