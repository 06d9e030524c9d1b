"""What the replay remembers about each property along one explanation of the log: a monitor per
property that a finite recorded run can break (``always``, ``on_step``, ``never_after``,
``on_every_step``).

A monitor's memory is a small hashable value. Once a property is broken its monitor stays at
:data:`BROKEN`, whatever follows, so explanations that differ only in what came after the break
merge into one candidate. ``sometimes`` (a witness of the model, not of one run), ``leads_to`` (a
finite run can always be continued) and deadlock freedom are not monitored: a recorded run cannot
break them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..._compile import Compiled, Label, State
from ...expr import unchanged
from ...property import Always, NeverAfter, OnEveryStep, OnStep, Property
from ...result import Side
from ..reference.observer import Observer

__all__ = [
    "BROKEN", "Monitor", "StateMonitor", "StepMonitor", "EveryStepMonitor", "ObserverMonitor", "monitor_for", "unmonitored",
]

#: the memory of a monitor whose property is broken
BROKEN = "broken"


class Monitor:
    """The memory of one property along a run: :meth:`start` in an initial state, :meth:`step`
    for each step; :meth:`is_broken` says whether the property is broken so far."""

    prop: Property

    def start(self, s: State) -> Any:
        raise NotImplementedError

    def step(self, m: Any, label: Label, s: State, t: State) -> Any:
        raise NotImplementedError

    @staticmethod
    def is_broken(m: Any) -> bool:
        return m is BROKEN


class StateMonitor(Monitor):
    """``always(expr)``: broken in the first state of the run where *expr* is false."""

    def __init__(self, c: Compiled, p: Always) -> None:
        self.prop = p
        self.fn = c.expr_fn(p.expr, None)

    def start(self, s: State) -> Any:
        return None if self.fn(s) else BROKEN

    def step(self, m: Any, label: Label, s: State, t: State) -> Any:
        return m if m is BROKEN or self.fn(t) else BROKEN


class StepMonitor(Monitor):
    """``on_step(tag, before, after)``: broken by the first tagged step that starts outside
    *before* or ends outside *after* (evaluated for each tagged instance that fired)."""

    def __init__(self, c: Compiled, p: OnStep) -> None:
        self.prop = self.rule = p
        self.c = c
        self.fns = {inst.name: (c.expr_fn(p.before, inst.name), c.step_fn(p.after, inst.name))
                    for inst in c.system.tagged_instances(p.tags)}
        self.cache: dict[Label, list[tuple[Callable[[State], Any], Callable[[State, State], Any]]]] = {}

    def checks(self, label: Label) -> list[tuple[Callable[[State], Any], Callable[[State, State], Any]]]:
        got = self.cache.get(label)
        if got is None:
            got = self.cache[label] = [self.fns[i] for i, t in self.c.label_transitions(label) if t.tags & self.rule.tags]
        return got

    def start(self, s: State) -> Any:
        return None

    def step(self, m: Any, label: Label, s: State, t: State) -> Any:
        if m is BROKEN:
            return m
        for before, after in self.checks(label):
            if not (before(s) and after(s, t)):
                return BROKEN
        return m

    def side(self, label: Label, s: State) -> Side:
        """Which condition the breaking step *label* from *s* broke."""
        p = self.prop
        assert isinstance(p, OnStep)
        insts = [i for i, t in self.c.label_transitions(label) if t.tags & p.tags]
        return Side.BEFORE if any(not self.fns[i][0](s) for i in insts) else Side.AFTER


class EveryStepMonitor(Monitor):
    """``on_every_step(after, unless_unchanged)``: broken by the first step that changes the
    subscript and ends outside *after* (the reference engine's rule, :mod:`..reference.every_step`)."""

    def __init__(self, c: Compiled, p: OnEveryStep) -> None:
        self.prop = p
        self.holds = c.step_fn(p.after, None)
        self.exempt: Callable[[State, State], Any] = (
            (lambda s, t: s == t) if p.unless_unchanged is None else c.step_fn(unchanged(*p.unless_unchanged), None))

    def start(self, s: State) -> Any:
        return None

    def step(self, m: Any, label: Label, s: State, t: State) -> Any:
        if m is BROKEN or self.exempt(s, t) or self.holds(s, t):
            return m
        return BROKEN


class ObserverMonitor(Monitor):
    """``never_after``: the reference engine's observer (one semantics for both engines), run
    along the log's explanation; broken by a forbidden step while a trigger is remembered."""

    def __init__(self, c: Compiled, p: NeverAfter) -> None:
        self.prop = p
        self.obs = Observer(c, p)
        self.calm: tuple[bool, ...] = tuple(False for _ in self.obs.watched)

    def start(self, s: State) -> Any:
        return self.calm

    def step(self, m: Any, label: Label, s: State, t: State) -> Any:
        if m is BROKEN:
            return m
        if True in m and any(m[k] for k in self.obs.classify(label)[1]):
            return BROKEN
        return self.obs.after(m, label, t)

    def armed_by(self, labels: list[Label]) -> int | None:
        """The 1-based step of *labels* (ending with the forbidden step) that armed the rule."""
        p = self.prop
        assert isinstance(p, NeverAfter)
        c = self.obs.c
        culprits = {i for i, t in c.label_transitions(labels[-1]) if t.tags & p.forbidden}
        for k in range(len(labels) - 2, -1, -1):
            names = {i for i, t in c.label_transitions(labels[k]) if t.tags & p.trigger}
            if names and (not p.per_instance or culprits & names):
                return k + 1
        return None


def monitor_for(c: Compiled, p: Property) -> Monitor | None:
    """The monitor of *p*, or None when a recorded run cannot break it."""
    if isinstance(p, Always):
        return StateMonitor(c, p)
    if isinstance(p, OnStep):
        return StepMonitor(c, p)
    if isinstance(p, NeverAfter):
        return ObserverMonitor(c, p)
    if isinstance(p, OnEveryStep):
        return EveryStepMonitor(c, p)
    return None


def unmonitored(p: Property) -> str:
    """Why a recorded run cannot break *p* (for a property without a monitor)."""
    if p.kind == "sometimes":
        return "a sometimes property asks for a witness among all runs of the model; one recorded run cannot break it"
    if p.kind == "leads-to":
        return "a leads-to property is about infinite runs; a finite recorded run can always be continued"
    return "not a property of one finite run"
