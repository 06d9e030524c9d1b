"""The random engine: Hypothesis-driven runs of the model, guided towards what they have not reached yet.

A run starts in an initial state and takes up to ``steps`` steps; every choice is a Hypothesis
draw (seeded, so a check is reproducible). The walk is guided, because plain uniform walks see a
few percent of the benchmark model's states (issue 11; the figures are in docs/simulate.md):

1. a step that would break a property not yet found broken is taken at once (a one-step
   look-ahead: every successor of every state reached is checked against the state properties,
   step rules and observers);
2. otherwise the successors visited least often by the runs so far are preferred, then steps never
   taken before (a transition, or a combination of broadcast receivers), then states with the most
   never-visited successors;
3. Hypothesis' draw picks among what is left (unguided: among all successors).

Every run draws the same number of choices whatever the guide says, so Hypothesis' record of the
runs (which keeps it from repeating one) never disagrees with a run. The shortest run to break each
property is kept and shrunk on the model, which beats shrinking Hypothesis' choices here: the
meaning of a choice depends on the guide (docs/simulate.md has the comparison).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..._compile import Label, OutOfDomain, State
from ...errors import InputError
from ...expr import to_text
from ...machine import System
from ...property import Sometimes
from ...result import Coverage, Kind, Outcome, Report, Verdict
from ..base import Budget, Progress
from ._machine import Model
from ._monitor import Finding, Run, shrink

__all__ = ["ENGINE", "RandomEngine", "simulate"]

ENGINE = "random"
#: the range of every step's draw: one shape whatever the number of successors
_CHOICES = 2**16
#: successor lists kept for the look-ahead (bounded: a large model must not fill memory with them)
_SUCC_CACHE = 200_000


class _Stop(KeyboardInterrupt):
    """The budget ran out, or a run met a model error: stop the runs at once. A KeyboardInterrupt
    because that is what Hypothesis lets through without recording the run it interrupts (a
    run cut short would disagree with its record of earlier runs and be reported as flaky)."""


@dataclass
class _Runs:
    """Everything the runs of one check share. Mutable on purpose: the runs report here."""

    model: Model
    steps: int
    guided: bool = True
    deadline: float | None = None
    timeout: float | None = None
    max_states: int | None = None
    progress: Progress | None = None
    on_run: Callable[[Sequence[State], Sequence[Label]], None] | None = None
    #: properties to look for: not yet found broken (the look-ahead steers into them)
    wanted: set[int] = field(default_factory=set)
    #: property index -> the shortest run that broke it: (initial state, labels)
    broken: dict[int, tuple[State, tuple[Label, ...]]] = field(default_factory=dict)
    # coverage, over every run
    states: set[State] = field(default_factory=set)
    seen: set[State] = field(default_factory=set)
    fired: set[Label] = field(default_factory=set)
    steps_taken: int = 0
    runs: int = 0
    depth: int = 0
    witness: dict[int, tuple[State, tuple[Label, ...]]] = field(default_factory=dict)
    stopped: str | None = None
    #: a model error found by a run (an update out of its domain), raised once Hypothesis is done
    error: Exception | None = None
    # the guide: visits of each state and steps taken, by the runs so far
    counts: dict[State, int] = field(default_factory=dict)
    taken: set[Label] = field(default_factory=set)
    succ_cache: dict[State, list[tuple[Label, State]]] = field(default_factory=dict)

    def successors(self, s: State) -> list[tuple[Label, State]]:
        """The successors of *s* (cached); raises OutOfDomain as the compiled function does."""
        got = self.succ_cache.get(s)
        if got is None:
            got = self.model.compiled.successors(s)
            if len(self.succ_cache) >= _SUCC_CACHE:
                self.succ_cache.clear()
            self.succ_cache[s] = got
        return got

    def _expand(self, run: Run | None, s: State, label: Label | None) -> list[tuple[Label, State]]:
        """The successors of a state a run reaches; a model error there ends the check."""
        try:
            return self.successors(s)
        except OutOfDomain:
            self.error = self.model.domain_error(run, s, label)
            raise _Stop from None

    def _peek(self, s: State) -> list[tuple[Label, State]]:
        """The successors of a state the guide looks at (an error there is not this run's)."""
        try:
            return self.successors(s)
        except OutOfDomain:
            return []

    def walk(self, data: Any, choice: Any) -> None:
        """One run, drawing its choices from *data*."""
        model, mon = self.model, self.model.monitor
        if self.error is not None:
            raise _Stop  # a model error ended the check; Hypothesis must not replay runs
        self.runs += 1
        initial = model.initial
        s = initial[data.draw(choice) % len(initial)] if len(initial) > 1 else initial[0]
        succ = self._expand(None, s, None)
        run, found = mon.start(s, succ)
        local: dict[State, int] = {s: 1}
        local_taken: set[Label] = set()
        self._visited(s, None, succ)
        self._report(run, found)
        try:
            for _ in range(self.steps):
                # every run draws the same number of choices, even in a terminal state: Hypothesis'
                # record of the runs must never disagree with the shape of a run
                pick = data.draw(choice)
                if not succ:
                    continue
                label, t = self._choose(run, succ, pick, local, local_taken)
                local_taken.add(label)
                succ = self._expand(run, t, label)
                found = mon.step(run, label, t, succ)
                local[t] = local.get(t, 0) + 1
                self._visited(t, label, succ)
                self._report(run, found)
        finally:
            if self.on_run is not None:
                self.on_run(tuple(run.states), tuple(run.labels))
            self.depth = max(self.depth, len(run))
            counts = self.counts
            for st, n in local.items():
                counts[st] = counts.get(st, 0) + n
            self.taken |= local_taken

    def _choose(self, run: Run, succ: list[tuple[Label, State]], pick: int,
                local: dict[State, int], local_taken: set[Label]) -> tuple[Label, State]:
        if not self.guided or len(succ) == 1:
            return succ[pick % len(succ)]
        mon, wanted = self.model.monitor, self.wanted
        if wanted:
            for label, t in succ:
                if mon.breaks(run, label, t, wanted):
                    return label, t
        counts, taken = self.counts, self.taken
        seen = [counts.get(t, 0) + local.get(t, 0) for _, t in succ]
        least = min(seen)
        cand = [x for x, n in zip(succ, seen, strict=True) if n == least]
        if len(cand) > 1:
            # a step never taken before (a transition, or a combination of broadcast receivers) first
            new = [(lab, t) for lab, t in cand if lab not in taken and lab not in local_taken]
            cand = new or cand
        if len(cand) > 1:
            # then the state with the most never-visited successors
            fresh = [sum(1 for _, u in self._peek(t) if u not in counts and u not in local) for _, t in cand]
            most = max(fresh)
            cand = [x for x, n in zip(cand, fresh, strict=True) if n == most]
        return cand[pick % len(cand)]

    def _visited(self, s: State, label: Label | None, succ: list[tuple[Label, State]]) -> None:
        if s not in self.states:
            self.states.add(s)
            if self.max_states is not None and len(self.states) >= self.max_states:
                self.stopped = f"state budget ({self.max_states}) reached"
                raise _Stop
        self.seen.update(t for _, t in succ)
        if label is not None:
            self.steps_taken += 1
            self.fired.add(label)
            if self.steps_taken & 1023 == 0:
                if self.deadline is not None and time.perf_counter() > self.deadline:
                    self.stopped = f"timeout ({self.timeout:g} s) reached"
                    raise _Stop
                if self.progress is not None:
                    self.progress(len(self.states), self.steps_taken, self.depth, 0)

    def _report(self, run: Run, found: list[Finding]) -> None:
        """Keep the shortest run that breaks (or witnesses) each property."""
        for f in found:
            book = self.witness if f.witness else self.broken
            known = book.get(f.index)
            if known is None or f.end < len(known[1]):
                book[f.index] = (run.states[0], tuple(run.labels[: f.end]))
                self.wanted.discard(f.index)

    def unfired(self) -> tuple[str, ...]:
        c = self.model.compiled
        fired = {(iname, t.name) for label in self.fired for iname, t in c.label_transitions(label)}
        return tuple(f"{inst.name}.{t.name}" for inst, t in c.system.transitions() if (inst.name, t.name) not in fired)


class RandomEngine:
    """Random runs of the model (``statebound simulate``; engine name ``random``).

    Never says ``holds`` for an invariant, a step rule, an observer, liveness or deadlock freedom:
    a property broken in some run is ``violated`` with the shortest such run, shrunk on the model
    (shorter ways between its states, cycles cut, steps dropped, while it stays broken); otherwise it is
    ``inconclusive``: no violation found in the runs made, with their coverage. A ``sometimes``
    reached in some run ``holds`` (the run is a witness). It cannot see what its runs did not
    reach, and ``leads_to`` fails only when a run shows a lasso (a fair cycle, or a state where
    nothing fair is enabled).

    Deterministic for a given *seed*: the same model and arguments give the same report.
    """

    name = ENGINE

    def __init__(self, *, runs: int = 1000, steps: int = 50, seed: int = 0, guided: bool = True) -> None:
        if runs < 1 or steps < 1:
            raise InputError(f"--runs {runs} --steps {steps}: both must be at least 1")
        self.runs, self.steps, self.seed, self.guided = runs, steps, seed, guided

    def check(self, system: System, *, properties: Sequence[str] | None = None, budget: Budget = Budget(),
              progress: Progress | None = None) -> Report:
        return simulate(system, properties=properties, runs=self.runs, steps=self.steps, seed=self.seed,
                        budget=budget, progress=progress, guided=self.guided)


def simulate(system: System, *, properties: Sequence[str] | None = None, runs: int = 1000, steps: int = 50,
             seed: int = 0, budget: Budget = Budget(), progress: Progress | None = None,
             guided: bool = True, on_run: Callable[[Sequence[State], Sequence[Label]], None] | None = None) -> Report:
    """Check *system*'s properties by *runs* random runs of up to *steps* steps (see :class:`RandomEngine`).

    ``budget.max_depth`` caps *steps*; ``budget.max_states`` (distinct states visited) and
    ``budget.timeout`` stop the runs early (what is undecided then is ``inconclusive``). *guided*
    off makes every step a uniform draw among the successors (for comparison). *on_run*, if
    given, sees every run: its states and step labels (``Compiled.trace`` turns them into a trace).
    """
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import seed as with_seed
    from hypothesis import strategies as st

    started = time.perf_counter()
    if budget.max_depth is not None:
        steps = min(steps, max(budget.max_depth, 1))
    model = Model(system, properties)
    mon = model.monitor
    deadline = started + budget.timeout if budget.timeout is not None else None
    state = _Runs(model, steps, guided=guided, deadline=deadline, timeout=budget.timeout, max_states=budget.max_states,
                  progress=progress, on_run=on_run)
    config = settings(
        parent=settings.get_profile("default"),
        max_examples=runs,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
        phases=(Phase.generate,),  # runs are shrunk on the model (see the module docstring)
    )
    choice = st.integers(0, _CHOICES - 1)
    state.wanted = {k for k, kind in enumerate(mon.kinds) if kind is not Kind.SOMETIMES}

    @with_seed(seed)
    @config
    @given(st.data())
    def walk(data: Any) -> None:
        state.walk(data, choice)

    try:
        walk()
    except _Stop:
        if state.error is not None:
            raise state.error from None
    made = state.runs
    cov = Coverage(states=len(state.states), steps=state.steps_taken, depth=state.depth,
                   seconds=time.perf_counter() - started, complete=False,
                   stopped=state.stopped or f"{_plural(made, 'random run')} of up to {steps} steps",
                   unfired=state.unfired())
    done = f"{_plural(made, 'run')} of {_plural(steps, 'step')}"
    total = _count_transitions(system)
    seen = (f"visited {_plural(len(state.states), 'distinct state')} and looked one step ahead at "
            f"{_plural(len(state.seen | state.states), 'state')}; {total - len(cov.unfired)} of "
            f"{_plural(total, 'transition')} fired")
    outcomes: list[Outcome] = []
    for k, name in enumerate(mon.names):
        kind = mon.kinds[k]
        if k in state.broken:
            run, f = shrink(mon, k, *state.broken[k], state.successors)
            outcomes.append(Outcome(property=name, kind=kind, verdict=Verdict.VIOLATED, engine=ENGINE, coverage=cov,
                                    trace=f.trace(model.compiled, run), message=f.message, breach=f.breach))
        elif k in state.witness:
            run, f = shrink(mon, k, *state.witness[k], state.successors)
            outcomes.append(Outcome(property=name, kind=kind, verdict=Verdict.HOLDS, engine=ENGINE, coverage=cov,
                                    trace=f.trace(model.compiled, run), message=f.message))
        else:
            p = mon.props[k] if k < len(mon.props) else None
            outcomes.append(Outcome(property=name, kind=kind, verdict=Verdict.INCONCLUSIVE, engine=ENGINE,
                                    coverage=cov, message=_not_found(p, state, done, seen)))
    return Report(system=system.name, params=system.params, outcomes=tuple(outcomes), coverage=cov)


def _count_transitions(system: System) -> int:
    return sum(1 for _ in system.transitions())


def _not_found(p: Any, state: _Runs, done: str, seen: str) -> str:
    if state.stopped is not None:
        return f"not decided: {state.stopped} after {_plural(state.runs, 'run')}; {seen}"
    if isinstance(p, Sometimes):
        return f"no witness found in {done}: no state reached satisfies {to_text(p.expr)}; {seen}"
    return f"no violation found in {done}; {seen}"


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")
