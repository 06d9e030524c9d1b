"""Unrollings on an incremental z3 solver: forward from the initial states (bounded model checking,
the base case of k-induction) and backward from an arbitrary state (the induction step)."""

from __future__ import annotations

import time
from typing import Any

import z3

from ..._compile import OutOfDomain
from ...errors import InternalError, ModelError
from ._encode import Encoding, Frame, Term

__all__ = ["Clock", "Forward", "Backward", "Unknown"]


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


def _check(solver: Any, clock: Clock, *assumptions: Term) -> bool:
    """Satisfiable? Raises :class:`Unknown` when z3 cannot tell (in time)."""
    ms = clock.left_ms()
    solver.set("timeout", ms if ms is not None else 4294967295)
    got = solver.check(*assumptions)
    if got == z3.sat:
        return True
    if got == z3.unsat:
        return False
    reason = solver.reason_unknown()
    if clock.deadline is not None and time.perf_counter() >= clock.deadline:
        raise Unknown(clock.spent())
    raise Unknown(f"z3 answered unknown ({reason})")


class Forward:
    """Frames ``0..d`` from an initial state: frame ``i`` is the state after ``i`` steps."""

    def __init__(self, enc: Encoding, clock: Clock) -> None:
        self.enc = enc
        self.clock = clock
        self.solver = z3.Solver()
        self.frames: list[Frame] = []
        self.extend()

    def extend(self) -> Frame:
        f = self.enc.frame(str(len(self.frames)))
        self.solver.add(*self.enc.domain(f))
        if self.frames:
            self.solver.add(*self.enc.trans(self.frames[-1], f))
        else:
            self.solver.add(*self.enc.init(f))
        self.frames.append(f)
        return f

    @property
    def depth(self) -> int:
        return len(self.frames) - 1

    def check(self, *assumptions: Term) -> bool:
        return _check(self.solver, self.clock, *assumptions)

    def model(self) -> Any:
        return self.solver.model()

    def domain_error(self, depth: int) -> ModelError | None:
        """The model error of an update leaving its domain in a state reachable in *depth* steps
        (with the shortest trace that reaches it), or None."""
        enc = self.enc
        if not self.check(enc.out_of_domain(self.frames[depth])):
            return None
        model = self.model()
        states, labels = enc.path(model, self.frames[: depth + 1])
        trace = enc.compiled.trace(states, labels)
        for _, result in enc.compiled.find_step(states[-1]):
            if isinstance(result, OutOfDomain):
                return enc.compiled.domain_error(result, trace)
        raise InternalError("z3 found an update leaving its domain that the reference engine does not; please report it")


class Backward:
    """Frames ``0..m`` of an arbitrary execution read backwards: frame ``j+1`` steps to frame ``j``
    (the induction step looks at the last frames of an execution, the counterexample in frame 0).

    Frames ``1..m`` are pairwise different product states (a shortest path to a first violation
    has no loop); frame 0 is kept apart from the others by :meth:`distinct0` only where the
    argument allows it (a state goal, not the target of a step goal).
    """

    def __init__(self, enc: Encoding, clock: Clock) -> None:
        self.enc = enc
        self.clock = clock
        self.solver = z3.Solver()
        self.frames: list[Frame] = []
        self.facts: list[tuple[bool, Any]] = []  # (on a step?, builder) of proved invariants
        self.extend()

    def extend(self) -> Frame:
        enc = self.enc
        f = enc.frame(f"t-{len(self.frames)}")
        self.solver.add(*enc.domain(f))
        if self.frames:
            self.solver.add(*enc.trans(f, self.frames[-1]))
            for g in self.frames[1:]:
                self.solver.add(enc.differs(f, g))
        self.frames.append(f)
        for on_step, build in self.facts:
            self._assert(on_step, build, len(self.frames) - 1)
        return f

    def _assert(self, on_step: bool, build: Any, j: int) -> None:
        if on_step:
            if j >= 1:
                self.solver.add(build(self.frames[j], self.frames[j - 1]))
        else:
            self.solver.add(build(self.frames[j], None))

    def add_fact(self, on_step: bool, build: Any) -> None:
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
        return z3.And(*[self.enc.differs(f0, g) for g in self.frames[1:]])

    def check(self, *assumptions: Term) -> bool:
        return _check(self.solver, self.clock, *assumptions)

    def model(self) -> Any:
        return self.solver.model()
