"""The random engine and the generated Hypothesis state machine (issue 11), against the exhaustive engine.

Expected verdicts come from the reference engine at test time (the Phase 3 models change under
other issues), never from hard-coded rule names.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test
from zoo import ZOO, Expect

from statebound.checker import Budget, ModelError, Report, System, Verdict, check
from statebound.checker.engines import engine
from statebound.checker.engines.random import PropertyViolation, RandomEngine, machine_for, simulate
from statebound.checker.load import load_system
from statebound.checker.replay import replay

ROOT = Path(__file__).resolve().parents[2]
PHASE3 = ROOT / "models" / "phase3.py"
#: "at most a few steps longer than the shortest"
SLACK = 3


@pytest.fixture(scope="module")
def before() -> tuple[System, Report]:
    system = load_system(f"{PHASE3}:before")
    return system, check(system)


@pytest.fixture(scope="module")
def after() -> tuple[System, Report]:
    system = load_system(f"{PHASE3}:after")
    return system, check(system)


def violated(report: Report) -> dict[str, int]:
    """property -> length of its counterexample, for every violation with a trace."""
    return {o.property: len(o.trace) for o in report.outcomes if o.verdict is Verdict.VIOLATED and o.trace is not None}


# --------------------------------------------------------------------------- Phase 3


@pytest.mark.parametrize("seed", [0, 1])
def test_simulate_finds_every_violation_of_before_with_a_short_counterexample(before: tuple[System, Report], seed: int) -> None:
    system, ref = before
    expected = violated(ref)
    assert expected, "the before model is expected to break some rule"
    got = simulate(system, runs=200, steps=50, seed=seed)
    for name, shortest in expected.items():
        o = got.outcome(name)
        assert o.verdict is Verdict.VIOLATED, f"{name}: {o.message}"
        assert o.trace is not None and o.engine == "random"
        assert len(o.trace) <= shortest + SLACK, f"{name}: {len(o.trace)} steps, the shortest has {shortest}"
        assert replay(system, o.trace, name).is_violated(name)
    # and nothing the exhaustive engine proves is reported broken
    for o in got.outcomes:
        if ref.outcome(o.property).verdict is Verdict.HOLDS:
            assert o.verdict is not Verdict.VIOLATED, o.property


def test_simulate_finds_nothing_on_after_and_reports_its_coverage(after: tuple[System, Report]) -> None:
    system, ref = after
    assert not ref.violated
    got = simulate(system, runs=200, steps=50, seed=0)
    assert not got.violated
    cov = got.coverage
    assert not cov.complete and 0 < cov.states <= ref.coverage.states
    assert cov.steps > 0 and cov.stopped == "200 random runs of up to 50 steps"
    for o in got.outcomes:
        if o.kind == "sometimes":
            assert o.verdict in (Verdict.HOLDS, Verdict.INCONCLUSIVE)
        else:  # random runs never prove a rule
            assert o.verdict is Verdict.INCONCLUSIVE
            assert o.message.startswith("no violation found in 200 runs of 50 steps; visited ")
            assert "transitions fired" in o.message
    assert got.exit_code() == 3


def test_the_same_seed_gives_the_same_report(before: tuple[System, Report]) -> None:
    system, _ = before
    one, two = (simulate(system, runs=30, steps=30, seed=7) for _ in range(2))
    assert [(o.property, o.verdict, o.trace, o.message) for o in one.outcomes] == \
           [(o.property, o.verdict, o.trace, o.message) for o in two.outcomes]
    assert (one.coverage.states, one.coverage.steps) == (two.coverage.states, two.coverage.steps)


def test_guided_runs_cover_more_than_uniform_ones(after: tuple[System, Report]) -> None:
    system, _ = after
    uniform = simulate(system, runs=100, steps=30, seed=0, guided=False)
    guided = simulate(system, runs=100, steps=30, seed=0)
    assert guided.coverage.states > uniform.coverage.states


# --------------------------------------------------------------------------- the zoo

RUNNABLE = [e for e in ZOO if e.error is None and e.budget == Budget()]


@pytest.mark.parametrize("entry", RUNNABLE, ids=lambda e: e.name)
def test_every_zoo_model_gets_a_verdict_the_exhaustive_engine_agrees_with(entry: Expect) -> None:
    system = entry.build()
    ref = check(system)
    got = simulate(system, runs=60, steps=15, seed=0)
    for o in got.outcomes:
        want = ref.outcome(o.property)
        if o.verdict is Verdict.VIOLATED:
            assert want.verdict is Verdict.VIOLATED, o.property
        elif o.verdict is Verdict.HOLDS:
            assert o.kind == "sometimes" and want.verdict is Verdict.HOLDS, o.property
        if want.verdict is Verdict.VIOLATED and want.trace is not None:  # reachable: the runs find it
            assert o.verdict is Verdict.VIOLATED, f"{o.property}: {o.message}"
            assert o.trace is not None and len(o.trace) <= len(want.trace) + 1


def test_an_update_out_of_its_domain_is_the_model_error_with_the_trace_that_reaches_it() -> None:
    entry = next(e for e in ZOO if e.name == "out-of-domain")
    with pytest.raises(ModelError, match="update n := 3 is outside Int") as info:
        simulate(entry.build(), runs=20, steps=10)
    assert info.value.trace is not None and len(info.value.trace) == entry.error_trace  # type: ignore[attr-defined]


def test_a_state_budget_stops_the_runs_and_decides_nothing_more(before: tuple[System, Report]) -> None:
    system, _ = before
    got = simulate(system, runs=1000, steps=50, budget=Budget(max_states=40))
    assert got.coverage.stopped == "state budget (40) reached"
    undecided = [o for o in got.outcomes if o.verdict is Verdict.INCONCLUSIVE]
    assert undecided and all(o.message.startswith("not decided: state budget (40) reached") for o in undecided)


def test_max_depth_bounds_the_runs(after: tuple[System, Report]) -> None:
    system, _ = after
    assert simulate(system, runs=20, steps=50, budget=Budget(max_depth=5)).coverage.depth <= 5


def test_the_engine_is_registered_as_random(after: tuple[System, Report]) -> None:
    e = engine("random")
    assert isinstance(e, RandomEngine) and e.name == "random"
    report = RandomEngine(runs=5, steps=5).check(after[0], properties=["deadlock-free"])
    assert [o.property for o in report.outcomes] == ["deadlock-free"]
    assert report.outcomes[0].engine == "random"


def test_statebound_check_does_not_import_hypothesis() -> None:
    code = "import sys, statebound.cli, statebound.hypothesis; assert 'hypothesis' not in sys.modules, 'imported'"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT)


# --------------------------------------------------------------------------- machine_for


def test_the_generated_state_machine_fails_before_with_a_real_counterexample(before: tuple[System, Report]) -> None:
    system, ref = before
    cls = machine_for(system)
    with pytest.raises(PropertyViolation) as info:
        run_state_machine_as_test(cls, settings=settings(max_examples=100, stateful_step_count=20, database=None,
                                                         derandomize=True, deadline=None))
    v = info.value
    assert v.property in violated(ref)
    assert replay(system, v.trace, v.property).is_violated(v.property)
    assert f"{v.property} is violated:" in str(v) and "counterexample:" in str(v)


def test_the_generated_state_machine_runs_after_and_records_witnesses(after: tuple[System, Report]) -> None:
    system, _ = after
    cls = machine_for(system)
    run_state_machine_as_test(cls, settings=settings(max_examples=30, stateful_step_count=20, database=None,
                                                     derandomize=True, deadline=None))
    witnesses = cls.witnesses  # type: ignore[attr-defined]
    assert witnesses
    for name, trace in witnesses.items():
        assert name in replay(system, trace, name).witnessed


def test_the_generated_state_machine_has_a_named_rule_per_transition_and_an_invariant_per_state_property(
        after: tuple[System, Report]) -> None:
    system, _ = after
    cls = machine_for(system)
    setup = cls.setup_state()
    rules = {r.function.__name__ for r in setup.rules}
    senders = {(i.machine.name, t.name) for i, t in system.transitions() if t.on is None}
    assert len(rules) == len(senders) + 1  # + the rule that stays in a terminal state
    assert all(getattr(cls, name).__name__ == name for name in rules)
    invariants = {i.function.__name__ for i in setup.invariants}
    state_props = [p for p in system.properties if p.kind in ("always", "sometimes", "leads-to")]
    assert len(invariants) == len(state_props) + (1 if system.check_deadlock else 0)
