"""Regressions of the symbolic engines on second-edition systems, each once a falsifying example of
tests/symbolic/test_symbolic_v2.py, written by hand and small.

A model error at the depth bound. ``test_bmc_finds_the_model_errors_the_reference_finds_at_its_length``
failed on a family whose broadcast ``ev`` sets off a receiver emitting ``relay``, which two
instances receive, both writing ``shared.g``: with ``Budget(max_depth=4)`` bmc raised that model
error with a 4-step trace while the reference engine returned a report. bmc was right: every step
of its trace is a step of the reference engine's successor function, which raises the same model
error from the trace's last state, and the reference engine finds it, with a 4-step trace too,
under ``max_depth=5``. The reference engine (and the fast one, which copies it) visits the states
at the depth bound only up to the first that has successors (``reference/search.py``,
``fast/_search.py``'s ``_beyond``), so a model error or a deadlock of a later state at the bound
depends on the order it found its states in; bmc looks at every state up to the bound.
"""

from __future__ import annotations

import pytest
from symbolic_checks import replay

from statebound.checker import (
    SELF,
    TRUE,
    Bool,
    Budget,
    Enum,
    Family,
    Instance,
    Int,
    Machine,
    ModelError,
    Report,
    System,
    Trace,
    Transition,
    Var,
    Verdict,
    always,
    check,
    exists,
    ref,
    shared,
)
from statebound.checker._compile import OutOfDomain, compile_system
from statebound.checker.engines.symbolic import BmcEngine

#: two ways out of s0: p1..p5 (declared first, so found first) and q1..q4; q4 is 4 steps deep
_CHAIN = (("s0", "p1"), ("p1", "p2"), ("p2", "p3"), ("p3", "p4"), ("p4", "p5"), ("p5", "p5"),
          ("s0", "q1"), ("q1", "q2"), ("q2", "q3"), ("q3", "q4"))


def _chain(*, send: bool) -> Machine:
    st = Var("st", Enum("s0", "p1", "p2", "p3", "p4", "p5", "q1", "q2", "q3", "q4"), initial="s0")
    ts = [Transition(f"t{k}", guard=st == a, updates={st: b}) for k, (a, b) in enumerate(_CHAIN)]
    if send:
        ts.append(Transition("send", guard=st == "q4", emit="ev"))
    return Machine(name="chain", variables=(st,), transitions=tuple(ts))


def _cascade() -> System:
    """``a`` broadcasts ``ev`` in q4 only; ``r`` relays it; ``w1`` and ``w2`` both write
    ``shared.g`` on ``relay``: expanding q4 is a model error, 4 steps from the initial state."""
    g = shared("g", Int(0, 2), initial=0)
    relay = Machine(name="relay", variables=(), transitions=(Transition("pass", on="ev", emit="relay"),))
    writer = Machine(name="writer", variables=(), transitions=(Transition("w", on="relay", updates={g: 1}),))
    return System(name="cascade", instances=(Instance("a", _chain(send=True)), Instance("r", relay),
                                             Instance("w1", writer), Instance("w2", writer)),
                  shared=(g,), check_deadlock=False, properties=(always("true", TRUE),))


def _reference(system: System, depth: int) -> Report | ModelError:
    try:
        return check(system, budget=Budget(max_depth=depth))
    except ModelError as err:
        return err


def test_a_model_error_bmc_finds_at_the_bound_is_a_step_the_reference_engine_takes() -> None:
    system = _cascade()
    with pytest.raises(ModelError) as info:
        BmcEngine().check(system, budget=Budget(max_depth=4))
    err = info.value
    assert "both write shared.g in one step" in str(err)
    assert isinstance(err.trace, Trace) and len(err.trace) == 4
    c = compile_system(system)
    last = replay(c, err.trace, from_initial=True)[-1]
    with pytest.raises(OutOfDomain):
        c.successors(last)  # the reference engine's step out of the last state fails alike
    # the reference engine reports it at the same length once the bound lets it expand every
    # state 4 steps deep (at max_depth=4 it stops at p4, the first of them with successors)
    ref_ = _reference(system, 5)
    assert isinstance(ref_, ModelError) and isinstance(ref_.trace, Trace) and len(ref_.trace) == 4
    assert "both write shared.g in one step" in str(ref_)


def test_the_falsifying_family_of_the_property_test() -> None:
    """The shape of the falsifying example itself: a family member's broadcast, a relaying
    receiver of member 0, and a member and a plain instance both writing ``shared.g``."""
    state = Var("state", Enum("s0", "s1"), initial="s0")
    n = Var("n", Int(0, 2), initial=0)
    b = Var("b", Bool(), initial=True)
    g = shared("g", Int(0, 2), initial=0)
    other_b = exists("f", lambda j: (j != SELF) & ref("f", "b", j))
    member = Machine(name="m0", variables=(state, n, b), transitions=(
        Transition("v0", guard=(state == "s1") & other_b & (n < 2), updates={n: n + 1}, emit="ev"),
        Transition("v1", on="ev", guard=(state == "s0") & other_b & (n < 2), updates={n: n + 1, b: ~b}),
        Transition("v2", guard=state == "s0", updates={state: "s1"}),
        Transition("c0", on="ev", guard=SELF == 0, updates={b: ~b}, emit="relay"),
        Transition("c1", on="relay", guard=state != "s1", updates={n: 0, g: 1}),
    ))
    lone = Machine(name="m1", variables=(), transitions=(Transition("c3", on="relay", updates={g: 1}),))
    system = System(name="random", instances=(Family("f", member, n=3), Instance("i0", lone)), shared=(g,),
                    check_deadlock=False, properties=(always("true", TRUE),))
    with pytest.raises(ModelError) as info:
        BmcEngine().check(system, budget=Budget(max_depth=4))
    err = info.value
    assert isinstance(err.trace, Trace) and len(err.trace) == 4
    c = compile_system(system)
    last = replay(c, err.trace, from_initial=True)[-1]
    with pytest.raises(OutOfDomain):
        c.successors(last)
    ref_ = _reference(system, 5)
    assert isinstance(ref_, ModelError) and isinstance(ref_.trace, Trace) and len(ref_.trace) == 4


def test_a_deadlock_at_the_bound_is_found_by_bmc_and_at_the_same_length_one_step_deeper() -> None:
    """The same at the bound for deadlock freedom: q4 has no enabled transition."""
    system = System(name="dead", instances=(Instance("a", _chain(send=False)),), check_deadlock=True)
    got = BmcEngine().check(system, budget=Budget(max_depth=4)).outcomes[-1]
    assert got.verdict is Verdict.VIOLATED and got.trace is not None and len(got.trace) == 4
    replay(compile_system(system), got.trace, from_initial=True)
    ref_ = _reference(system, 5)
    assert isinstance(ref_, Report)
    theirs = ref_.outcomes[-1]
    assert theirs.verdict is Verdict.VIOLATED and theirs.trace is not None and len(theirs.trace) == 4
