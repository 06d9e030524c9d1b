"""Helpers of the symbolic-engine tests: replaying traces on the reference engine's compiled
successor function, and evaluating properties on concrete states with its compiled expressions
(both independent of the z3 translation under test)."""

from __future__ import annotations

from typing import Any

from statebound.checker import Always, NeverAfter, OnStep, Outcome, System, Trace, Verdict
from statebound.checker._compile import Compiled, compile_system

State = tuple[Any, ...]


def states_of(trace: Trace, system: System) -> list[State]:
    out = []
    for values in trace.states:
        assert tuple(k for k, _ in values) == system.slots
        out.append(tuple(v for _, v in values))
    return out


def replay(c: Compiled, trace: Trace, *, from_initial: bool) -> list[State]:
    """The trace's states, after checking every step is one the model allows (the same sender,
    receivers and successor state as one of the reference engine's successors)."""
    states = states_of(trace, c.system)
    if from_initial:
        assert states[0] in c.initial_states(), "the trace does not start in an initial state"
    for i, step in enumerate(trace.steps):
        options = []
        for label, t in c.successors(states[i]):
            a, recv = c.label_parts(label)
            options.append(((a.inst.name, a.transition.name, recv), t))
        assert ((step.instance, step.transition, step.receivers), states[i + 1]) in options, \
            f"step {i + 1} ({step.label}) is not a step of the model"
    return states


def holds_in(c: Compiled, p: Always, s: State) -> bool:
    return bool(c.expr_fn(p.expr, None)(s))


def step_ok(c: Compiled, p: OnStep, trace: Trace, i: int, s: State, t: State) -> bool:
    """Step *i* (0-based) of *trace*, from *s* to *t*, meets the step rule *p*."""
    step = trace.steps[i]
    fired = [(step.instance, step.transition), *step.receivers]
    for inst, tname in fired:
        tr = c.system.instance(inst).machine.transition(tname)
        assert tr is not None
        if tr.tags & p.tags and not (c.expr_fn(p.before, inst)(s) and c.step_fn(p.after, inst)(s, t)):
            return False
    return True


def stuck(c: Compiled, s: State) -> bool:
    if c.successors(s):
        return False
    return c.system.terminal is None or not c.expr_fn(c.system.terminal, None)(s)


def check_counterexample_to_induction(system: System, o: Outcome) -> None:
    """*o* is inconclusive with a counterexample to induction: a real execution (from any state)
    on which the property holds until its last state (or step) breaks it."""
    assert o.verdict is Verdict.INCONCLUSIVE and o.trace is not None
    c = compile_system(system)
    trace = o.trace
    states = replay(c, trace, from_initial=False)
    if o.kind == "deadlock":
        assert all(not stuck(c, s) for s in states[:-1]) and stuck(c, states[-1])
        return
    if o.kind == "never-after":
        return  # the observer's state is not part of the trace
    p = system.property(o.property)
    if isinstance(p, Always):
        assert all(holds_in(c, p, s) for s in states[:-1]), "the property fails before the last state"
        assert not holds_in(c, p, states[-1]), "the last state does not break the property"
    elif isinstance(p, OnStep):
        assert len(trace.steps) >= 1
        last = len(trace.steps) - 1
        assert all(step_ok(c, p, trace, i, states[i], states[i + 1]) for i in range(last))
        assert not step_ok(c, p, trace, last, states[last], states[last + 1])
    else:
        assert isinstance(p, NeverAfter), p
