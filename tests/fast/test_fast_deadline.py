"""The fast engine stops close to its deadline (issue 13: a 2.85 s budget stopped at 3.39 s).

No test here reads the real clock: the engine's modules get a simulated clock that advances as the
engine works (a fixed cost per expanded state), so "how late" is a count of simulated work, the
same on every machine.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

import statebound.checker.engines.fast as fast_engine
from statebound.checker import Verdict
from statebound.checker.engines.base import Budget
from statebound.checker.engines.fast import _liveness, _search
from statebound.checker.engines.fast._safety import Watch
from statebound.checker.engines.reference import liveness as reference_liveness

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import scalable  # noqa: E402  (benchmarks/ is not a package on the path)

#: simulated seconds per expanded state
COST = 0.001


class Clock:
    """A stand-in for the ``time`` module: it only moves when the engine expands states."""

    def __init__(self) -> None:
        self.t = 1000.0

    def perf_counter(self) -> float:
        return self.t

    def monotonic(self) -> float:
        return self.t


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    for module in (fast_engine, _search, _liveness, reference_liveness):
        monkeypatch.setattr(module, "time", c)
    expand = Watch.expand

    def costly(self: Watch, ex: Any, lo: int, hi: int, beyond: bool) -> Any:
        c.t += (hi - lo) * COST
        return expand(self, ex, lo, hi, beyond)

    monkeypatch.setattr(Watch, "expand", costly)
    return c


@pytest.mark.parametrize("timeout", [3.0, 20.0, 41.5, 77.7])
def test_the_search_stops_within_one_smallest_batch_of_its_deadline(clock: Clock, timeout: float) -> None:
    # MODEL.md N=5 (103,072 states, about 103 simulated seconds): whole breadth-first levels of
    # thousands of states were one batch, begun before the deadline and finished seconds after it
    system = scalable.system(5)
    started = clock.t
    report = fast_engine.check(system, budget=Budget(timeout=timeout))
    late = clock.t - started - timeout
    assert late <= _search.MIN_BATCH * COST
    assert not report.coverage.complete
    assert report.coverage.stopped == f"timeout ({timeout:g} s) reached"
    assert 0 < report.coverage.states < 10**5 + 3 * 4**5
    assert {o.verdict for o in report.outcomes} == {Verdict.INCONCLUSIVE}


def test_without_a_deadline_the_batches_keep_their_size(clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    expand = Watch.expand

    def counted(self: Watch, ex: Any, lo: int, hi: int, beyond: bool) -> Any:
        sizes.append(hi - lo)
        return expand(self, ex, lo, hi, beyond)

    monkeypatch.setattr(Watch, "expand", counted)
    report = fast_engine.check(scalable.system(4), budget=Budget(timeout=10**6))
    assert report.coverage.complete
    # one batch per breadth-first level: the deadline, far away, shrank none of them
    assert len(sizes) == report.coverage.depth + 1


def test_liveness_is_inconclusive_when_the_deadline_passes_after_the_exploration(
        clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    system = scalable.system(3, liveness=True)
    explored = fast_engine.run_exploration

    def then_late(*args: Any, **kwargs: Any) -> Any:
        ex = explored(*args, **kwargs)
        clock.t += 10**6  # the whole budget went by during the last batch
        return ex

    monkeypatch.setattr(fast_engine, "run_exploration", then_late)
    report = fast_engine.check(system, budget=Budget(timeout=10**5))
    assert report.coverage.complete
    live = [o for o in report.outcomes if o.kind.value == "leads-to"]
    assert live and all(o.verdict is Verdict.INCONCLUSIVE for o in live)


def test_scipy_is_not_imported_when_the_import_would_overrun_the_deadline(
        clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delitem(sys.modules, "scipy.sparse.csgraph", raising=False)
    with pytest.raises(reference_liveness.OutOfTime):
        _liveness._csgraph(clock.t + _liveness._SCIPY_IMPORT / 2)
