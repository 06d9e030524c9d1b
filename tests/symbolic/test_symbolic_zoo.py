"""The zoo (tests/zoo.py) through the symbolic engines: each meets every pinned verdict it can
decide, never says ``holds`` where the zoo pins a counterexample, finds every counterexample of a
safety property with its pinned length, catches every broken model it can see (liveness is not
its business), and rejects what must be rejected with the reference engine's message."""

from __future__ import annotations

import pytest
from zoo import ZOO, Expect

from statebound.checker import Budget, ModelError, Report, Verdict, check
from statebound.checker.engines import engine
from statebound.checker.engines.symbolic import BmcEngine, InductionEngine

RUNNABLE = [e for e in ZOO if e.error is None]
REJECTED = [e for e in ZOO if e.error is not None and not e.error[2]]
LIVENESS = {"leads-to"}


def _check(name: str, entry: Expect) -> Report:
    # budgets in states mean nothing symbolically; a depth budget is the bound of both engines
    return engine(name).check(entry.build(), budget=Budget(max_depth=entry.budget.max_depth))


def _truth(entry: Expect) -> dict[str, Verdict]:
    """The zoo's verdicts; where the zoo pins a budget's ``inconclusive``, the reference
    engine's verdict without the budget."""
    if all(v is not Verdict.INCONCLUSIVE for v in entry.verdicts.values()):
        return dict(entry.verdicts)
    return {o.property: o.verdict for o in check(entry.build()).outcomes}


def test_both_engines_are_registered() -> None:
    assert isinstance(engine("bmc"), BmcEngine) and engine("bmc").name == "bmc"
    assert isinstance(engine("induction"), InductionEngine) and engine("induction").name == "induction"


@pytest.mark.parametrize("name", ["bmc", "induction"])
@pytest.mark.parametrize("entry", RUNNABLE, ids=lambda e: e.name)
def test_symbolic_engines_meet_the_zoo(name: str, entry: Expect) -> None:
    report = _check(name, entry)
    truth = _truth(entry)
    bounded = entry.budget.max_depth is not None
    for o in report.outcomes:
        assert o.engine == name
        if o.kind in LIVENESS:
            assert o.verdict is Verdict.INCONCLUSIVE and "liveness" in o.message
            continue
        if o.verdict is not Verdict.INCONCLUSIVE:
            assert o.verdict is truth[o.property], o.property
        if truth[o.property] is Verdict.VIOLATED and o.kind != "sometimes" and not bounded:
            # a safety counterexample is found by both, at the pinned (shortest) length
            assert o.verdict is Verdict.VIOLATED, o.property
        if o.trace is not None and o.verdict is not Verdict.INCONCLUSIVE and o.property in entry.lengths:
            assert len(o.trace) == entry.lengths[o.property], o.property
        if name == "bmc" and o.kind != "sometimes":
            assert o.verdict is not Verdict.HOLDS, "bmc never proves"


@pytest.mark.parametrize("entry", RUNNABLE, ids=lambda e: e.name)
def test_induction_decides_every_safety_property_of_the_zoo(entry: Expect) -> None:
    report = InductionEngine().check(entry.build())  # no depth budget: proofs are not bounded
    truth = _truth(entry)
    for o in report.outcomes:
        if o.kind not in LIVENESS:
            assert o.verdict is truth[o.property], o.property


@pytest.mark.parametrize("name", ["bmc", "induction"])
@pytest.mark.parametrize("entry", [e for e in RUNNABLE if e.broken and e.budget == Budget()], ids=lambda e: e.name)
def test_broken_zoo_models_are_never_passed(name: str, entry: Expect) -> None:
    verdicts = {o.verdict for o in _check(name, entry).outcomes}
    assert verdicts != {Verdict.HOLDS}


@pytest.mark.parametrize("name", ["bmc", "induction"])
@pytest.mark.parametrize("entry", REJECTED, ids=lambda e: e.name)
def test_an_update_leaving_its_domain_is_the_reference_engines_model_error(name: str, entry: Expect) -> None:
    assert entry.error is not None
    kind, text, _ = entry.error
    with pytest.raises(kind) as info:
        engine(name).check(entry.build())
    assert text in str(info.value)
    assert isinstance(info.value, ModelError)
    if entry.error_trace is not None:
        assert info.value.trace is not None and len(info.value.trace) == entry.error_trace  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["bmc", "induction"])
def test_symbolic_reports_are_deterministic(name: str) -> None:
    entry = next(e for e in ZOO if e.name == "broadcast-broken")

    def essence(report: Report) -> list[tuple[object, ...]]:
        return [(o.property, o.verdict, o.trace, o.message, o.breach) for o in report.outcomes]

    assert essence(_check(name, entry)) == essence(_check(name, entry))
