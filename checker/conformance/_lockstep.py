"""The lockstep machine: the model's generated ``RuleBasedStateMachine`` (issue 11) driving a real
implementation through an :class:`~.adapter.Adapter`, step by step (issue 12).

:func:`lockstep_machine` subclasses the class :func:`statebound.checker.engines.random.build_machine`
generates: its initial rule, its invariants (the properties), its monitor and its reporting stay;
its one-rule-per-transition choice is replaced by one guided rule (why: in its docstring). The
hooks (:class:`Lockstep`) hand each chosen step to the adapter, observe the implementation, pick
among the outcomes the model allows the one it took (followed by its own ``internal`` steps when
the observation shows them), or record a :class:`Divergence`. :mod:`._shrink` shortens a failure
by replaying candidates on the implementation (:meth:`Lockstep.replay`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .._compile import Label, OutOfDomain, State
from ..engines.random._engine import _CHOICES as CHOICES
from ..engines.random._machine import Hooks, Model, PropertyViolation, build_machine
from ..engines.random._monitor import Finding, Run, sender
from ..errors import InputError, suggest
from ..output import format_trace
from ..result import Kind, Trace, show_value
from .adapter import Adapter, Mismatch, Step

if TYPE_CHECKING:
    from hypothesis.stateful import RuleBasedStateMachine

__all__ = ["Divergence", "DivergenceError", "Lockstep", "lockstep_machine", "MAX_INTERNAL"]

#: how many internal steps the model may take after a drawn step to explain an observation
MAX_INTERNAL = 3


@dataclass(frozen=True, slots=True, kw_only=True)
class Divergence:
    """The implementation did not do what the model's step says: not a property violation, a
    difference between the model and the code.

    ``step`` is the 1-based number of the model's step (0: the initial state), ``label`` its
    ``instance.transition``; ``expected`` and ``actual`` say what the model's step leads to and
    what the implementation did; ``differences`` lists ``(variable, model's value,
    implementation's value)`` when the states differ. ``trace`` is the run up to and including
    the model's step: its last state is the one the model expected.
    """

    step: int
    label: str
    message: str
    expected: str
    actual: str
    differences: tuple[tuple[str, Any, Any], ...]
    trace: Trace

    def lines(self, *, indent: str = "  ") -> list[str]:
        """The divergence as text: what differs, then the run that leads to it."""
        where = "in the initial state" if self.step == 0 else f"at step {self.step}, {self.label}"
        out = [f"DIVERGENCE {where}: {self.message}"]
        out.append(f"{indent}expected (the model):          {self.expected}")
        out.append(f"{indent}actual (the implementation):   {self.actual}")
        out.append(f"{indent}the run, up to the model's step:")
        out += format_trace(self.trace, indent=indent + "   ")
        return out

    def to_json(self) -> dict[str, Any]:
        from ..output import trace_to_json

        return {
            "step": self.step,
            "label": self.label,
            "message": self.message,
            "expected": self.expected,
            "actual": self.actual,
            "differences": [{"variable": v, "expected": _json(e), "actual": _json(a)} for v, e, a in self.differences],
            "trace": trace_to_json(self.trace),
        }


def _json(v: Any) -> Any:
    return v if isinstance(v, (bool, int, str)) or v is None else str(v)


class DivergenceError(AssertionError):
    """Fails a lockstep run: the implementation diverged from the model (``.divergence``); ``start``
    and ``labels`` are the run's initial state and steps, the model's diverging step included."""

    def __init__(self, divergence: Divergence, start: State, labels: Sequence[Label | None]) -> None:
        super().__init__("\n".join(divergence.lines()))
        self.divergence = divergence
        self.start = start
        self.labels = tuple(labels)


class Stop(KeyboardInterrupt):
    """Ends the runs at once: the time budget ran out, or the adapter failed (``error``). A
    KeyboardInterrupt because that is what Hypothesis lets through without shrinking it."""

    def __init__(self, why: str, error: Exception | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.error = error


class Lockstep(Hooks):
    """The hooks of a lockstep machine: reset, perform, observe, compare; the guide; the coverage.

    A failure (a divergence, a property broken) does not stop its run: the run's remaining steps
    do nothing, and the failure is raised when the run ends (:meth:`run_ended`, from the machine's
    teardown). Every run then makes the same draws whatever happened in it, which Hypothesis
    requires of the choices it replays (the random engine's runs do the same).

    Mutable on purpose: it accumulates over the runs of one conformance check (coverage, witnesses,
    the guide's visit counts, the shortest failure seen).
    """

    def __init__(self, model: Model, adapter: Adapter, *, deadline: float | None = None) -> None:
        c = model.compiled
        self.model = model
        self.adapter = adapter
        self.names = [f"{i}.{v}" for i, v in c.system.slots]
        self.slot_of = {n: k for k, n in enumerate(self.names)}
        patterns = [(p, _pattern(p)) for p in getattr(adapter, "internal", ())]
        labels = [a.label for a in c.actions]
        for p, rx in patterns:
            if not any(rx.match(lab) for lab in labels):
                raise InputError(f"the adapter's internal step {p!r} names no transition of {c.system.name!r} that can "
                                 "fire on its own; " + suggest(p, labels, default="give instance.transition patterns"))
        #: the actions the implementation takes on its own (never drawn)
        self.internal = frozenset(a.index for a in c.actions if any(rx.match(a.label) for _, rx in patterns))
        self.deadline = deadline
        #: when the first failure was found (the guide stops learning then)
        self.first_failure: float | None = None
        # coverage, over every run
        self.runs = 0
        self.steps = 0
        self.depth = 0
        self.states: set[State] = set()
        self.fired: set[Label] = set()
        self.witnesses: dict[int, Trace] = {}
        # the guide (see choose): visits of each state and steps taken, by the finished runs and by this one
        self.wanted = frozenset(k for k, kind in enumerate(model.monitor.kinds) if kind is not Kind.SOMETIMES)
        self.counts: dict[State, int] = {}
        self.taken: set[Label] = set()
        self._local: dict[State, int] = {}
        self._local_taken: set[Label] = set()
        self._succ_cache: dict[State, list[tuple[Label, State]]] = {}
        #: the failure of the run in progress, raised when it ends
        self.failure: DivergenceError | PropertyViolation | None = None
        #: the shortest failure seen: (its length, the exception)
        self.best: tuple[int, DivergenceError | PropertyViolation] | None = None

    # ------------------------------------------------------------------ hooks

    def run_started(self) -> None:
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise Stop("the time ran out")
        self.runs += 1
        self.failure = None
        self._local, self._local_taken = {}, set()
        self._call("reset", self.adapter.reset)

    def visited(self, s: State, label: Label | None) -> None:
        self.states.add(s)
        self._local[s] = self._local.get(s, 0) + 1
        if label is None:
            self._check_initial(s)
        else:
            self.steps += 1
            self.fired.add(label)
            self._local_taken.add(label)

    def found(self, model: Model, finding: Finding, run: Run) -> bool:
        if finding.witness:
            known = self.witnesses.get(finding.index)
            if known is None or finding.end < len(known):
                self.witnesses[finding.index] = finding.trace(model.compiled, run)
        else:
            self._fail(finding.end, PropertyViolation(model, finding, run))
        return False  # raised when the run ends

    def run_ended(self, run: Run | None) -> None:
        if run is not None:
            self.depth = max(self.depth, len(run))
        if self.first_failure is None:  # frozen from the first failure on: Hypothesis' replays must not change
            for s, n in self._local.items():
                self.counts[s] = self.counts.get(s, 0) + n
            self.taken |= self._local_taken
        if self.failure is not None:
            raise self.failure

    def choose(self, run: Run, options: list[tuple[Label, State]], pick: int) -> tuple[Label, State]:
        """The step the guide makes of the draw *pick* among *options*: the random engine's guide
        (docs/simulate.md), with steps never taken before ahead of the least-visited states,
        because each new step exercises code of the implementation that no run has:

        1. a step that would break a property (an ``always`` in the next state, a step rule, an armed
           ``never_after``) is taken at once (a one-step look-ahead);
        2. otherwise the steps never taken before (a transition with its broadcast receivers), by
           any run; then the successors visited least often; then those with the most
           never-visited successors;
        3. the draw picks among what is left.
        """
        if len(options) == 1:
            return options[0]
        mon = self.model.monitor
        for o in options:
            if mon.breaks(run, o[0], o[1], self.wanted):
                return o
        counts, local = self.counts, self._local
        cand = [o for o in options if o[0] not in self.taken and o[0] not in self._local_taken] or options
        visits = [counts.get(t, 0) + local.get(t, 0) for _, t in cand]
        least = min(visits)
        cand = [o for o, v in zip(cand, visits, strict=True) if v == least]
        if len(cand) > 1:
            fresh = [sum(1 for _, u in self.successors(t) if u not in counts and u not in local) for _, t in cand]
            most = max(fresh)
            cand = [o for o, f in zip(cand, fresh, strict=True) if f == most]
        return cand[pick % len(cand)]

    def take(self, model: Model, run: Run, drawn: tuple[Label, State],
             options: Sequence[tuple[Label, State]]) -> Sequence[tuple[Label, State]]:
        if self.failure is not None:
            return ()
        if self.deadline is not None and time.perf_counter() > self.deadline:
            raise Stop("the time ran out")
        label, t = drawn
        step = self._step(run, label, t)
        try:
            self._call(f"perform step {step.number} ({step.label})", self.adapter.perform, step)
        except Mismatch as m:
            self._diverge(run, drawn, m.what, expected=m.expected or "the model's step", actual=m.actual or m.what)
            return ()
        seen = self._observe(f"after step {step.number} ({step.label})")
        ordered = [drawn, *(o for o in options if o != drawn)]
        for o in ordered:
            if self._matches(o[1], seen):
                return (o,)
        for o in ordered:
            way = self._internal_way(o[1], seen)
            if way is not None:
                return (o, *way)
        diffs = self._differences(t, seen)
        what = ("the implementation's state is not the one the model's step leads to" if len(ordered) == 1 else
                f"the implementation's state is none of the {len(ordered)} the model's step may lead to")
        self._diverge(run, drawn, what, expected=_values(diffs, 1), actual=_values(diffs, 2), differences=diffs)
        return ()

    def quiet(self, run: Run) -> Sequence[tuple[Label, State]]:
        """No step: the implementation must still be in the run's state, or have taken internal
        steps only (returned, for the machine to take)."""
        if self.failure is not None:
            return ()
        seen = self._observe(f"after step {len(run)} (nothing happened since)")
        if self._matches(run.state, seen):
            return ()
        way = self._internal_way(run.state, seen)
        if way is not None:
            return way
        c = self.model.compiled
        diffs = self._differences(run.state, seen)
        d = Divergence(step=len(run), label=c.label_parts(run.labels[-1])[0].label if run.labels else "",
                       message="the implementation changed on its own, with no step of the model",
                       expected=_values(diffs, 1), actual=_values(diffs, 2), differences=diffs,
                       trace=c.trace(list(run.states), list(run.labels)))
        self._fail(d.step, DivergenceError(d, run.states[0], [*run.labels, QUIET]))
        return ()

    # ------------------------------------------------------------------ comparing

    def _call(self, what: str, fn: Any, *args: Any) -> Any:
        """Call the adapter; a Mismatch passes through, any other exception ends the runs."""
        try:
            return fn(*args)
        except Mismatch:
            raise
        except Exception as err:  # noqa: BLE001 - the adapter's bug is reported as such, not shrunk
            raise Stop(f"the adapter failed to {what}", err) from err

    def _observe(self, when: str) -> dict[int, Hashable]:
        got: Mapping[str, Hashable] = self._call(f"observe {when}", self.adapter.observe)
        out: dict[int, Hashable] = {}
        for name, value in got.items():
            k = self.slot_of.get(name)
            if k is None:
                err = InputError(f"the adapter observes {name!r}, which is not a variable of "
                                 f"{self.model.system.name!r}; " + suggest(name, self.names,
                                                                        default="use instance.variable names"))
                raise Stop("the adapter observes an unknown variable", err)
            out[k] = value
        return out

    def _matches(self, s: State, seen: Mapping[int, Hashable]) -> bool:
        return all(s[k] == v for k, v in seen.items())

    def _internal_way(self, start: State, seen: Mapping[int, Hashable]) -> list[tuple[Label, State]] | None:
        """The shortest run of internal steps from *start* to a state that matches *seen*."""
        if not self.internal:
            return None
        frontier: list[tuple[State, list[tuple[Label, State]]]] = [(start, [])]
        reached = {start}
        for _ in range(MAX_INTERNAL):
            nxt = []
            for s, way in frontier:
                try:
                    succ = self.model.compiled.successors(s)
                except OutOfDomain:
                    continue
                for lab, u in succ:
                    if sender(lab) not in self.internal or u in reached:
                        continue
                    longer = [*way, (lab, u)]
                    if self._matches(u, seen):
                        return longer
                    reached.add(u)
                    nxt.append((u, longer))
            frontier = nxt
        return None

    def _check_initial(self, s: State) -> None:
        seen = self._observe("the initial state")
        if self._matches(s, seen):
            return
        diffs = self._differences(s, seen)
        d = Divergence(step=0, label="", message="the implementation does not start in the model's initial state",
                       expected=_values(diffs, 1), actual=_values(diffs, 2), differences=diffs,
                       trace=self.model.compiled.trace([s], []))
        self._fail(0, DivergenceError(d, s, ()))

    def _differences(self, s: State, seen: Mapping[int, Hashable]) -> tuple[tuple[str, Any, Any], ...]:
        return tuple((self.names[k], s[k], v) for k, v in sorted(seen.items()) if s[k] != v)

    def _diverge(self, run: Run, drawn: tuple[Label, State], message: str, *, expected: str, actual: str,
                 differences: tuple[tuple[str, Any, Any], ...] = ()) -> None:
        c = self.model.compiled
        label, t = drawn
        d = Divergence(step=len(run) + 1, label=c.label_parts(label)[0].label, message=message, expected=expected,
                       actual=actual, differences=differences, trace=c.trace([*run.states, t], [*run.labels, label]))
        self._fail(d.step, DivergenceError(d, run.states[0], [*run.labels, label]))

    def _fail(self, length: int, err: DivergenceError | PropertyViolation) -> None:
        """Record the run's failure (its first one), to be raised when it ends."""
        if self.failure is not None:
            return
        self.failure = err
        if self.first_failure is None:
            self.first_failure = time.perf_counter()
        if self.best is None or length < self.best[0]:
            self.best = (length, err)

    def _step(self, run: Run, label: Label, t: State) -> Step:
        a, recv = self.model.compiled.label_parts(label)
        return Step(number=len(run) + 1, instance=a.inst.name, transition=a.transition.name, event=a.transition.emit,
                    receivers=recv, before=MappingProxyType(dict(zip(self.names, run.state, strict=True))),
                    after=MappingProxyType(dict(zip(self.names, t, strict=True))))

    # ------------------------------------------------------------------ replaying and shrinking

    def replay(self, start: State, stimuli: Sequence[Label | None], *, strict: bool = False
               ) -> DivergenceError | PropertyViolation | None:
        """Run the implementation from a reset through *stimuli* (each a step the test makes happen,
        the implementation's internal steps left to it; ``QUIET``: nothing happens), in lockstep
        with the model; its failure, or None when it has none or a stimulus is not enabled where
        it comes (the implementation went another way; *strict*: an :class:`InputError`)."""
        model, mon = self.model, self.model.monitor
        self.run_started()
        self.visited(start, None)
        succ = model.successors(None, start)
        run, found = mon.start(start, succ)
        for f in found:
            self.found(model, f, run)
        for lab in stimuli:
            if self.failure is not None:
                break
            if lab is QUIET:
                steps = self.quiet(run)
            else:
                same = [x for x in succ if sender(x[0]) == sender(lab)]
                if not same and strict:
                    c = model.compiled
                    allowed = sorted({c.actions[sender(x)].label for x, _ in succ if sender(x) not in self.internal})
                    raise InputError(f"step {len(run) + 1}, {c.actions[sender(lab)].label}: the model does not allow it "
                                     f"after the steps before it; it allows: {', '.join(allowed) or 'nothing'}")
                if not same:
                    return None
                steps = self.take(model, run, next((x for x in same if x[0] == lab), same[0]), same)
            for label, t in steps:
                succ = model.successors(run, t, label)
                for f in mon.step(run, label, t, succ):
                    self.found(model, f, run)
                self.visited(t, label)
        return self.failure

    def outside(self, way: Sequence[Label]) -> list[Label | None]:
        """The stimuli of a model path (its internal steps are the implementation's to take)."""
        return [lab for lab in way if sender(lab) not in self.internal]

    def successors(self, s: State) -> list[tuple[Label, State]]:
        """The successors of *s* (cached; none where an update leaves its domain)."""
        got = self._succ_cache.get(s)
        if got is None:
            try:
                got = self.model.compiled.successors(s)
            except OutOfDomain:
                got = []
            if len(self._succ_cache) >= SUCC_CACHE:
                self._succ_cache.clear()
            self._succ_cache[s] = got
        return got

    def unfired(self) -> tuple[str, ...]:
        """The transitions no run fired (``instance.transition``)."""
        c = self.model.compiled
        fired = {(iname, t.name) for label in self.fired for iname, t in c.label_transitions(label)}
        return tuple(f"{inst.name}.{t.name}" for inst, t in c.system.transitions() if (inst.name, t.name) not in fired)


#: a stimulus that is no step: nothing happens (the implementation must stay where it is)
QUIET = None
#: successor lists kept for the guide and the shrinker
SUCC_CACHE = 100_000


def _pattern(text: str) -> re.Pattern[str]:
    """An ``instance.transition`` pattern: ``*`` matches any text, ``?`` one character, the rest
    itself (``[`` too: transition names have brackets)."""
    return re.compile("".join(".*" if ch == "*" else "." if ch == "?" else re.escape(ch) for ch in text) + r"\Z")


def _values(diffs: tuple[tuple[str, Any, Any], ...], which: int) -> str:
    return ", ".join(f"{d[0]} = {show_value(d[which])}" for d in diffs) or "(the same observed values)"


def lockstep_machine(model: Model, hooks: Lockstep) -> type[RuleBasedStateMachine]:
    """The machine :func:`build_machine` generates for *model*, reporting to *hooks*, in a subclass
    whose rules choose the steps the way the random engine does.

    It keeps the generated machine's initial rule, invariants (the properties), monitor and
    reporting, and replaces its one-rule-per-transition choice by one rule, ``step``, that draws a
    number and lets a guide (:meth:`Lockstep.choose`, after the random engine's) turn it into a
    step: one that would break a property first, else one never taken before, else one into the
    states visited least often by the runs so far. Two reasons:

    - Hypothesis' uniform choice among the rules spends the runs in the first few states: on
      Phase 3 ``after``, 3,000 steps visited about 60 distinct states (the session probe often
      unanswered, the permission withdrawn in the first steps), and its swarm testing (random rules
      disabled for a whole run) left most runs stuck within 5 steps.
    - Hypothesis requires that the same choices always lead to the same kinds of draws; a guide
      that learns across runs changes which rules are enabled, so it cannot live in preconditions.
      One draw of one shape per step can (the random engine's trick). The guide stops learning at
      the first failure, so that Hypothesis' replays of it while shrinking are deterministic.

    The adapter's internal steps are never drawn (the implementation takes them on its own); in a
    state with nothing else to do, ``step`` checks that the implementation stays where it is.
    """
    from hypothesis import strategies as st
    from hypothesis.stateful import rule

    base = build_machine(model, hooks)
    base_arrive = getattr(base, "_arrive")  # noqa: B009 - a generated member, unknown to the type checker
    internal = hooks.internal

    def _arrive(self: Any, found: list[Finding], succ: list[tuple[Label, State]]) -> None:
        base_arrive(self, found, [x for x in succ if sender(x[0]) not in internal])

    def _advance(self: Any, steps: Sequence[tuple[Label, State]]) -> None:
        # what the generated rules do with the steps the hooks return
        for label, t in steps:
            succ = model.successors(self._run, t, label)
            found = model.monitor.step(self._run, label, t, succ)
            hooks.visited(t, label)
            self._arrive(found, succ)

    def step(self: Any, data: Any) -> None:
        pick = data.draw(st.integers(0, CHOICES - 1), label="step")
        if hooks.failure is not None:  # the run failed: its remaining steps do nothing
            return
        if not self._succ:  # nothing the test can make happen: the implementation must stay put
            _advance(self, hooks.quiet(self._run))
            return
        drawn = hooks.choose(self._run, self._succ, pick)
        same = [o for o in self._succ if sender(o[0]) == sender(drawn[0])]
        _advance(self, hooks.take(model, self._run, drawn, same))

    # the generated rules (one per transition, and the terminal-state rule) are hidden
    ns: dict[str, Any] = {name: None for name, value in vars(base).items()
                          if getattr(value, "hypothesis_stateful_rule", None) is not None}
    name = "step"
    while hasattr(base, name) and name not in ns:
        name += "_"
    step.__name__ = step.__qualname__ = name
    ns.update({"_arrive": _arrive, name: rule(data=st.data())(step), "__module__": __name__})
    return type(base.__name__.removesuffix("Machine") + "Conformance", (base,), ns)
