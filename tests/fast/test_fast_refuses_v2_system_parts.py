"""A system with an initial predicate or a state constraint is refused by the fast engine with a
clear InputError (not a crash), and auto explores it with the reference engine instead."""

from __future__ import annotations

import pytest

from statebound.checker import InputError, Instance, Int, Machine, System, Transition, Var, always, check, ref
from statebound.checker.engines import fast
from statebound.checker.engines.auto import AutoEngine


def _counter(**extra: object) -> System:
    x = Var("x", Int(0, 30))
    m = Machine(name="c", variables=(x,), transitions=(Transition("tick", guard=x < 30, updates={x: x + 1}),))
    return System(name="counter", instances=(Instance("c", m),), check_deadlock=False,
                  properties=(always("small", ref("c", "x") < 25),), **extra)  # type: ignore[arg-type]


@pytest.mark.parametrize(("part", "value", "said"), [
    ("constraint", ref("c", "x") < 20, "a state constraint (System(constraint=...)): not supported"),
    ("initial", ref("c", "x") <= 3, "an initial predicate (System(initial=...)): not supported"),
])
def test_initial_and_constraint_are_refused_by_name_and_auto_uses_the_reference(part: str, value: object,
                                                                                said: str) -> None:
    system = _counter(**{part: value})
    assert fast.unsupported(system) == said
    with pytest.raises(InputError, match="use --engine explicit"):
        fast.check(system)
    expected = check(system)
    got = AutoEngine(small_states=0).check(system)  # past the small step: where the fast engine would run
    assert [(o.property, o.verdict, o.engine) for o in got.outcomes] == [
        (o.property, o.verdict, "explicit") for o in expected.outcomes]
