"""auto and --max-memory-mb: a check whose exploration decided everything is reported complete,
whatever the memory limit (nothing was left for the later steps to need memory for); the small
reference-engine step is watched like the others."""

from __future__ import annotations

import pytest

from statebound.checker import Budget, Instance, Int, Machine, System, Transition, Var, always, ref
from statebound.checker.engines.auto import AutoEngine
from statebound.checker.engines.base import MemoryLimitReached


def _counter(top: int) -> System:
    x = Var("x", Int(0, top))
    m = Machine(name="c", variables=(x,), transitions=(Transition("tick", guard=x < top, updates={x: x + 1}),))
    return System(name="counter", instances=(Instance("c", m),), check_deadlock=False,
                  properties=(always("bounded", ref("c", "x") <= top),))


def test_a_complete_check_stays_complete_under_a_memory_limit_it_never_needed() -> None:
    report = AutoEngine().check(_counter(5), budget=Budget(max_memory_mb=1))
    assert report.coverage.complete and report.coverage.stopped is None
    assert [o.verdict.value for o in report.outcomes] == ["holds"]


def test_the_small_step_is_stopped_by_the_memory_limit_through_its_progress_reports() -> None:
    reports: list[int] = []
    with pytest.raises(MemoryLimitReached):
        AutoEngine().check(_counter(9_000), budget=Budget(max_memory_mb=1),
                           progress=lambda states, *_: reports.append(states))
    assert reports == []  # stopped at the first report, before passing it on


def test_without_a_timeout_induction_gets_a_bounded_time(monkeypatch: pytest.MonkeyPatch) -> None:
    pytest.importorskip("z3")
    from statebound.checker.engines import auto
    from statebound.checker.engines.symbolic import InductionEngine

    given: list[float | None] = []
    real = InductionEngine.check

    def spy(self: InductionEngine, system: System, **kw: object) -> object:
        given.append(kw["budget"].timeout)  # type: ignore[attr-defined]
        return real(self, system, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(InductionEngine, "check", spy)
    report = AutoEngine().check(_counter(50_000), budget=Budget(max_states=100))  # exploration cut short
    assert report.outcome("bounded").engine == "induction"
    assert given and given[0] is not None and given[0] >= auto.PROVE_MIN_SECONDS
