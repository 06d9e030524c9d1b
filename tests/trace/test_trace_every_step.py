"""``on_every_step`` rules are judged on recorded runs as the reference engine judges them on the
model: the first step that changes the subscript and breaks the condition breaks the rule."""

from __future__ import annotations

from statebound.checker import Enum, Instance, Int, Machine, System, Transition, Var, check, on_every_step, prev, ref
from statebound.checker.engines.trace import check_trace, parse_log


def _counter() -> System:
    n = Var("n", Int(0, 3))
    mode = Var("mode", Enum("up", "down"))
    m = Machine(name="c", variables=(n, mode), transitions=(
        Transition("inc", guard=n < 3, updates={n: n + 1}),
        Transition("reset", guard=n == 3, updates={n: 0}),
        Transition("flip", guard=mode == "up", updates={mode: "down"}),
    ))
    n_ = ref("c", "n")
    return System(name="counter", instances=(Instance("c", m),), check_deadlock=False, properties=(
        on_every_step("n-never-decreases", n_ >= prev(n_), unless_unchanged=[n_]),
    ))


def _log(*events: str) -> str:
    return "".join('{"ts": %d, "instance": "c", "event": "%s"}\n' % (k, e) for k, e in enumerate(events))  # noqa: UP031


def test_the_first_step_that_breaks_the_rule_is_reported_like_the_reference_engine() -> None:
    system = _counter()
    reference = check(system).outcome("n-never-decreases")
    assert reference.trace is not None and reference.breach is not None
    logged = [s.transition for s in reference.trace.steps]
    result = check_trace(system, parse_log(_log(*logged, "inc"), system))
    o = result.report.outcome("n-never-decreases")
    assert o.verdict.value == "violated"
    assert o.trace is not None and [s.transition for s in o.trace.steps] == logged
    assert o.breach == reference.breach


def test_steps_outside_the_subscript_and_steps_that_keep_the_condition_pass() -> None:
    system = _counter()
    result = check_trace(system, parse_log(_log("inc", "flip", "inc"), system))
    assert result.report.outcome("n-never-decreases").verdict.value == "holds"
