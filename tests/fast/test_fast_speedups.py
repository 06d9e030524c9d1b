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


def _reference_numbers(batches: list[list[tuple[int, ...]]]) -> list[tuple[list[int], list[bool]]]:
    seen: dict[tuple[int, ...], int] = {}
    out = []
    for batch in batches:
        ids, first = [], []
        for key in batch:
            new = key not in seen
            if new:
                seen[key] = len(seen)
            ids.append(seen[key])
            first.append(new)
        out.append((ids, first))
    return out


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3), st.integers(0, 2**32 - 1), st.lists(st.integers(0, 4000), min_size=1, max_size=6),
       st.sampled_from([10, 300, 20000]), st.booleans())
def test_the_visited_sets_number_states_in_order_of_first_occurrence(width: int, seed: int, sizes: list[int],
                                                                      spread: int, with_ids: bool) -> None:
    """Both visited tables against a dict, across batches, duplicates within a batch and growth."""
    from statebound.checker.engines.fast._visited import KeyTable, Visited

    rng = np.random.default_rng(seed)
    batches = []
    for size in sizes:
        raw = rng.integers(0, spread, size=size)
        # spread the numbers over every word (and high bits) so that hashing and probing are exercised
        batches.append([tuple(int(v) if w == 0 else (int(v) * 0x9E3779B1 + w) % (1 << 62) for w in range(width))
                        for v in raw])
    expected = _reference_numbers(batches)
    tables: list[Any] = [Visited()]
    if width == 1:
        tables.append(KeyTable(need_ids=with_ids))
    for table in tables:
        stored = np.empty((sum(len(b) for b in batches), width), dtype=np.uint64)
        n = 0
        for batch, (ids, first) in zip(batches, expected, strict=True):
            keys = np.array(batch, dtype=np.uint64).reshape(len(batch), width)
            got_ids, got_first = table.insert(keys, stored[:n], n)
            assert got_first.tolist() == first
            if got_ids is not None:
                assert got_ids.tolist() == ids
            new = keys[got_first]
            stored[n:n + len(new)] = new
            n += len(new)
