"""Property tests of the symbolic engines against the reference engine on random systems
(tests/strategies.py): bmc agrees with it on every verdict within the depth bound and on the
length of every counterexample and witness; induction never says ``holds`` where it finds a
violation; every counterexample to induction is a real execution whose states satisfy the
invariant until the last one breaks it; the z3 translation of every operator evaluates as the
reference engine's compiled code does."""

from __future__ import annotations

import z3
from hypothesis import given, note, settings
from hypothesis import strategies as st
from strategies import atoms, systems
from symbolic_checks import check_counterexample_to_induction, replay

from statebound.checker import Budget, Kind, Report, System, Verdict, check
from statebound.checker._compile import compile_system
from statebound.checker.engines.symbolic import BmcEngine, InductionEngine
from statebound.checker.engines.symbolic._encode import Encoding

DEPTH = 4
#: a symbolic check costs more than an explicit one: a third of the profile's examples keeps the
#: module well under a minute (dev: 33, ci: 16; HYPOTHESIS_PROFILE=thorough runs 333)
EXAMPLES = max(10, settings().max_examples // 3)


def _show(report: Report) -> str:
    return "\n".join(f"{o.property}: {o.verdict} {len(o.trace) if o.trace else '-'} {o.message}" for o in report.outcomes)


@settings(max_examples=EXAMPLES)
@given(systems())
def test_bmc_agrees_with_the_reference_within_the_depth_bound(system: System) -> None:
    budget = Budget(max_depth=DEPTH)
    ref = check(system, budget=budget)
    got = BmcEngine().check(system, budget=budget)
    note(_show(ref))
    note(_show(got))
    c = compile_system(system)
    assert [o.property for o in got.outcomes] == [o.property for o in ref.outcomes]
    for mine, theirs in zip(got.outcomes, ref.outcomes, strict=True):
        assert mine.engine == "bmc" and mine.kind == theirs.kind
        if mine.kind is Kind.LEADS_TO:
            assert mine.verdict is Verdict.INCONCLUSIVE
            continue
        # what bmc can decide: a counterexample (or a witness) within the bound; the rest is open
        found = Verdict.HOLDS if mine.kind is Kind.SOMETIMES else Verdict.VIOLATED
        if theirs.verdict is found:
            assert mine.verdict is found, mine.property
            assert mine.trace is not None and theirs.trace is not None
            assert len(mine.trace) == len(theirs.trace), mine.property
            replay(c, mine.trace, from_initial=True)
            assert (mine.breach is None) == (found is Verdict.HOLDS)
        else:
            assert mine.verdict is Verdict.INCONCLUSIVE, mine.property
            assert mine.trace is None and not mine.coverage.complete


@settings(max_examples=EXAMPLES)
@given(systems(), st.integers(0, 2))
def test_induction_never_holds_where_the_reference_finds_a_violation(system: System, k: int) -> None:
    ref = check(system)
    got = InductionEngine(max_k=k, pdr=False).check(system)
    note(_show(ref))
    note(_show(got))
    for mine, theirs in zip(got.outcomes, ref.outcomes, strict=True):
        assert mine.engine == "induction"
        if mine.verdict is Verdict.HOLDS:
            assert theirs.verdict is Verdict.HOLDS, mine.property
        if mine.verdict is Verdict.VIOLATED:
            assert theirs.verdict is Verdict.VIOLATED, mine.property
            # a counterexample of the base case is a shortest one; a missing witness has none
            assert (mine.trace is None) == (theirs.trace is None)
            if mine.trace is not None and theirs.trace is not None:
                assert len(mine.trace) == len(theirs.trace)
        if mine.verdict is Verdict.INCONCLUSIVE and mine.trace is not None:
            # ``theirs`` may hold or be violated deeper than k: the trace is only a
            # counterexample to induction, but it must be a real one
            check_counterexample_to_induction(system, mine)


@settings(max_examples=EXAMPLES // 2)
@given(systems())
def test_pdr_never_proves_what_the_reference_refutes(system: System) -> None:
    ref = check(system)
    got = InductionEngine(max_k=1).check(system)
    note(_show(ref))
    note(_show(got))
    for mine, theirs in zip(got.outcomes, ref.outcomes, strict=True):
        if mine.verdict is not Verdict.INCONCLUSIVE:
            assert mine.verdict is theirs.verdict, mine.property
        if mine.verdict is Verdict.VIOLATED and theirs.trace is not None:
            assert mine.trace is not None and len(mine.trace) == len(theirs.trace)


@st.composite
def _expression_on_a_state(draw: st.DrawFn) -> tuple[System, object, tuple[object, ...]]:
    system = draw(systems(with_properties=False, broadcast=False))
    expr = draw(atoms(system))
    state = []
    for inst in system.instances:
        for v in inst.machine.variables:
            state.append(draw(st.sampled_from(list(v.domain.values))))
    return system, expr, tuple(state)


@settings(max_examples=settings().max_examples)
@given(_expression_on_a_state())
def test_every_operator_translates_as_the_reference_evaluates_it(case: tuple[System, object, tuple[object, ...]]) -> None:
    system, expr, state = case
    enc = Encoding(system)
    f = enc.frame("0")
    term = enc.term(expr, f, None)  # type: ignore[arg-type]
    pinned = [x == enc.const(v) for x, v in zip(f.state, state, strict=True)]
    value = z3.simplify(z3.substitute(term, *[(x, enc.const(v)) for x, v in zip(f.state, state, strict=True)]))
    assert pinned
    assert z3.is_true(value) == bool(compile_system(system).expr_fn(expr, None)(state))  # type: ignore[arg-type]
