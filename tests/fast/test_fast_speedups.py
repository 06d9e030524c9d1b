"""The fast engine's shortcuts (issue 13) decide exactly what the plain evaluation decides.

Successors are looked up in tables filled from the compiled guards and updates (``_step``); the
same systems checked with the tables switched off (every action evaluated over the batch) and by
the reference engine must give the same reports, and the table-driven expansion of a batch must
be the evaluated one, successor for successor.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import atoms, systems
from test_fast_against_reference import SMALL, assert_same, summary
from zoo import ZOO

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

from statebound.checker import System, check, leads_to
from statebound.checker._compile import compile_system
from statebound.checker.engines import fast
from statebound.checker.engines.fast import _step
from statebound.checker.engines.fast._explore import Packed


def _expansions(system: System, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any, Any]:
    """The expansion of every reachable state, with the tables and without them."""
    ex = fast.explore(system)
    words = ex.words()
    with_tables = Packed(system, compile_system(system))
    monkeypatch.setattr(_step, "KEY_BITS", -1)
    without = Packed(system, compile_system(system))
    monkeypatch.undo()
    a = with_tables.stepper.expand(with_tables.frame(words))
    b = without.stepper.expand(without.frame(words))
    return a, b, (with_tables, without)


@settings(max_examples=40, deadline=None)
@given(st.one_of(SMALL, systems(max_instances=4, max_transitions=5, force_broadcast=True)))
def test_a_batch_expands_to_the_same_successors_with_and_without_tables(system: System) -> None:
    with pytest.MonkeyPatch.context() as mp:
        a, b, (pa, pb) = _expansions(system, mp)
    assert np.array_equal(a.counts, b.counts)
    assert np.array_equal(a.keys, b.keys)
    refs_a = [pa.stepper.labels.refs[int(x)] for x in a.labels]
    refs_b = [pb.stepper.labels.refs[int(x)] for x in b.labels]
    assert refs_a == refs_b
    assert a.error == b.error


@settings(max_examples=40, deadline=None)
@given(SMALL)
def test_without_tables_the_fast_engine_still_reports_what_the_reference_reports(system: System) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(_step, "KEY_BITS", -1)
        assert_same(system)


@pytest.mark.parametrize("entry", [e for e in ZOO if e.error is None], ids=lambda e: e.name)
def test_without_tables_every_zoo_verdict_is_the_reference_one(entry: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_step, "KEY_BITS", -1)
    assert summary(fast.check(entry.build(), budget=entry.budget)) == summary(check(entry.build(), budget=entry.budget))


def test_the_benchmark_model_is_stepped_by_tables_only() -> None:
    import scalable  # benchmarks/ is not a package on the path

    s = scalable.system(3, liveness=True)
    stepper = Packed(s, compile_system(s)).stepper
    plain = [a for a in stepper.plan if isinstance(a, _step.Act) and a.receivers is None]
    emitting = [a for a in stepper.plan if isinstance(a, _step.Act) and a.receivers is not None]
    assert not plain
    assert emitting and all(a.sender is not None and a.groups is not None for a in emitting)
    assert_same(s)


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_several_leads_to_in_one_check_are_each_decided_as_the_reference_decides_them(data: st.DataObject) -> None:
    """The leads_to properties of one check share the steps and the enabled obligations, and each
    keeps to the region its p-states reach inside not-q: the verdicts and lassos stay the reference's."""
    system = data.draw(systems(max_instances=3, max_transitions=4, with_properties=False), label="system")
    props = tuple(leads_to(f"live-{k}", data.draw(atoms(system), label=f"p{k}"), data.draw(atoms(system), label=f"q{k}"))
                  for k in range(3))
    assert_same(replace(system, properties=props))
