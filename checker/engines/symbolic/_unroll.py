"""Unrollings on an incremental z3 solver: forward from the initial states (bounded model checking,
the base case of k-induction) and backward from an arbitrary state (the induction step)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import z3

from ..._compile import OutOfDomain
from ...errors import InternalError, ModelError
from ._encode import Encoding, Frame, Term, solve

T = TypeVar("T")

__all__ = ["Clock", "Forward", "Backward", "Unknown", "sweep"]


class Unknown(Exception):
    """z3 answered ``unknown`` (a timeout, or a query outside what it decides); ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Clock:
    """The wall-clock budget of one check."""

    def __init__(self, timeout: float | None) -> None:
        self.started = time.perf_counter()
        self.timeout = timeout
        self.deadline = None if timeout is None else self.started + timeout

    def elapsed(self) -> float:
        return time.perf_counter() - self.started

    def left_ms(self) -> int | None:
        """Milliseconds left (at least 1), or None without a timeout; raises :class:`Unknown` when spent."""
        if self.deadline is None:
            return None
        left = self.deadline - time.perf_counter()
        if left <= 0:
            raise Unknown(self.spent())
        return max(1, int(left * 1000))

    def spent(self) -> str:
        return f"timeout ({self.timeout:g} s) reached"


class _Constraints:
    """The constraints of an unrolling, asked afresh for each query: z3 solves a single check far
    faster than an incremental one (its preprocessing is off in incremental mode; on the Phase 3
    audit, depth 12 took 13 s incrementally and 0.1 s afresh)."""

    def __init__(self, ctx: Any, clock: Clock) -> None:
        self.ctx = ctx
        self.clock = clock
        self.constraints: list[Term] = []
        self._last: Any = None

    def add(self, *terms: Term) -> None:
        self.constraints.extend(terms)

    def check(self, *extra: Term) -> bool:
        """Satisfiable with *extra*? Raises :class:`Unknown` when z3 cannot tell (in time)."""
        ms = self.clock.left_ms()
        solver = z3.Then("simplify", "propagate-values", "solve-eqs", "smt", ctx=self.ctx).solver()
        if ms is not None:
            solver.set("timeout", ms)
        solver.add(*self.constraints)
        solver.add(*extra)
        got = solve(solver)
        self._last = solver
        if got == z3.sat:
            return True
        if got == z3.unsat:
            return False
        if self.clock.deadline is not None and time.perf_counter() >= self.clock.deadline:
            raise Unknown(self.clock.spent())
        raise Unknown(f"z3 answered unknown ({solver.reason_unknown()})")

    def model(self) -> Any:
        return self._last.model()


def sweep(check: Callable[[Term], bool], model: Callable[[], Any], conditions: Sequence[tuple[T, Term]],
          learn: Callable[[Term], None] | None = None) -> Iterator[tuple[list[T], Any]]:
    """Which of *conditions* can hold, in as few queries as possible: ask for any of them, yield
    the ones the model meets (with the model), and ask again for the rest, until none can. What
    is left cannot hold: *learn* is told so (``Not(condition)``), which changes no answer but
    spares later queries the work of finding it out again."""
    rest = list(conditions)
    while rest:
        if not check(z3.Or(*[c for _, c in rest])):
            if learn is not None:
                for _, c in rest:
                    learn(z3.Not(c))
            return
        got = model()
        met = [z3.is_true(got.eval(c, model_completion=True)) for _, c in rest]
        if not any(met):
            raise InternalError("z3 model meets none of the conditions it was asked for; please report it")
        yield [key for (key, _), hit in zip(rest, met, strict=True) if hit], got
        rest = [kc for kc, hit in zip(rest, met, strict=True) if not hit]


class Forward(_Constraints):
    """Frames ``0..d`` from an initial state: frame ``i`` is the state after ``i`` steps."""

    def __init__(self, enc: Encoding, clock: Clock) -> None:
        super().__init__(enc.ctx, clock)
        self.enc = enc
        self.frames: list[Frame] = []
        self.facts: list[tuple[bool, Callable[[Frame, Frame | None], Term]]] = []
        self.extend()
        enc.initial_problems(self.check, self.frames[0])

    def extend(self) -> Frame:
        f = self.enc.frame(str(len(self.frames)))
        self.add(*self.enc.domain(f))
        if self.frames:
            self.add(*self.enc.trans(self.frames[-1], f))
        else:
            self.add(*self.enc.init(f))
        self.frames.append(f)
        for on_step, build in self.facts:
            self._assert(on_step, build, len(self.frames) - 1)
        return f

    def _assert(self, on_step: bool, build: Callable[[Frame, Frame | None], Term], j: int) -> None:
        if on_step:
            if j >= 1:
                self.add(build(self.frames[j - 1], self.frames[j]))
        else:
            self.add(build(self.frames[j], None))

    def add_fact(self, on_step: bool, build: Callable[[Frame, Frame | None], Term]) -> None:
        """Assume, at every frame (or step), what *build(frame, next)* says holds there: a proved
        invariant holds in every reachable state, and helps the solver prove the rest."""
        self.facts.append((on_step, build))
        for j in range(len(self.frames)):
            self._assert(on_step, build, j)

    @property
    def depth(self) -> int:
        return len(self.frames) - 1

    def domain_error(self, model: Any, depth: int) -> ModelError:
        """The model error of an update leaving its domain in the state *model* reaches in
        *depth* steps (its condition is ``enc.out_of_domain(frames[depth])``), with that trace."""
        enc = self.enc
        states, labels = enc.path(model, self.frames[: depth + 1])
        trace = enc.compiled.trace(states, labels)
        for _, result in enc.compiled.find_step(states[-1]):
            if isinstance(result, OutOfDomain):
                return enc.compiled.domain_error(result, trace)
        raise InternalError("z3 found an update leaving its domain that the reference engine does not; please report it")


class Backward(_Constraints):
    """Frames ``0..m`` of an arbitrary execution read backwards: frame ``j+1`` steps to frame ``j``
    (the induction step looks at the last frames of an execution, the counterexample in frame 0).

    Frames ``1..m`` are pairwise different product states (a shortest path to a first violation
    has no loop); frame 0 is kept apart from the others by :meth:`distinct0` only where the
    argument allows it (a state goal, not the target of a step goal).
    """

    def __init__(self, enc: Encoding, clock: Clock) -> None:
        super().__init__(enc.ctx, clock)
        self.enc = enc
        self.frames: list[Frame] = []
        self.facts: list[tuple[bool, Callable[[Frame, Frame | None], Term]]] = []
        self.extend()

    def extend(self) -> Frame:
        enc = self.enc
        f = enc.frame(f"t-{len(self.frames)}")
        self.add(*enc.domain(f))
        if self.frames:
            self.add(*enc.trans(f, self.frames[-1]))
            for g in self.frames[1:]:
                self.add(enc.differs(f, g))
        self.frames.append(f)
        for on_step, build in self.facts:
            self._assert(on_step, build, len(self.frames) - 1)
        return f

    def _assert(self, on_step: bool, build: Callable[[Frame, Frame | None], Term], j: int) -> None:
        if on_step:
            if j >= 1:
                self.add(build(self.frames[j], self.frames[j - 1]))
        else:
            self.add(build(self.frames[j], None))

    def add_fact(self, on_step: bool, build: Callable[[Frame, Frame | None], Term]) -> None:
        """Assume, at every frame (or step) from now on, what *build(frame, next)* says holds there:
        a proved invariant holds in every reachable state."""
        self.facts.append((on_step, build))
        for j in range(len(self.frames)):
            self._assert(on_step, build, j)

    @property
    def depth(self) -> int:
        return len(self.frames) - 1

    def distinct0(self) -> Term:
        f0 = self.frames[0]
        return self.enc.all(self.enc.differs(f0, g) for g in self.frames[1:])
