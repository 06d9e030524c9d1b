"""The reachable state graph of a system: :func:`explore` and its result, :class:`Exploration`."""

from __future__ import annotations

import time
from collections.abc import Callable

from ..._compile import Compiled, Label, OutOfDomain, State, compile_system
from ...machine import System
from ...result import Coverage, StateValues, Step, Trace
from ..base import Budget, Progress
from .search import Search, Visit

__all__ = ["Exploration", "explore"]


class Exploration:
    """The explored state graph: states numbered in BFS order, shortest-path parents, depths and
    (when kept) every step.

    The public surface, for diagrams and other readers: :attr:`complete`, :attr:`stopped`,
    ``len()``, :meth:`values`, :meth:`is_initial`, :meth:`depth_of`, :meth:`successors`,
    :meth:`trace` and :meth:`coverage`. The engine's analyses also read the search itself.
    """

    def __init__(self, compiled: Compiled, search: Search[State, Label]) -> None:
        self.compiled = compiled
        self.search = search
        self.fired: set[Label] = set()

    # -- the public surface

    @property
    def complete(self) -> bool:
        """True when every reachable state was found (no budget stopped the search)."""
        return self.search.complete

    @property
    def stopped(self) -> str | None:
        """Which limit stopped the search, when one did."""
        return self.search.stopped

    @property
    def states(self) -> list[State]:
        """The states as tuples in system slot order (see :meth:`values` for named values)."""
        return self.search.nodes

    @property
    def has_edges(self) -> bool:
        return self.search.edges is not None

    def __len__(self) -> int:
        return len(self.search.nodes)

    def values(self, sid: int) -> StateValues:
        """State *sid* as ``((instance, variable), value)`` pairs."""
        return self.compiled.values(self.search.nodes[sid])

    def is_initial(self, sid: int) -> bool:
        return self.search.parent[sid] is None

    def depth_of(self, sid: int) -> int:
        """The number of steps of the shortest path from an initial state to *sid*."""
        return self.search.depth[sid]

    def successors(self, sid: int) -> list[tuple[Step, int]]:
        """Every step out of *sid* (named, with what it changed) and the state it leads to.

        Needs an exploration that kept its edges (``explore(..., keep_edges=True)``).
        """
        edges = self.search.edges
        if edges is None:
            raise ValueError("this exploration kept no edges; explore with keep_edges=True")
        s = self.search.nodes[sid]
        return [(self.compiled.step(label, s, self.search.nodes[tid]), tid) for label, tid in edges[sid]]

    def trace(self, sid: int) -> Trace:
        """The shortest execution from an initial state to *sid*."""
        states, labels = self.search.path(sid)
        return self.compiled.trace(states, labels)

    def unfired(self) -> tuple[str, ...]:
        """``instance.transition`` of every transition that fired in no explored step."""
        fired: set[tuple[str, str]] = set()
        for label in self.fired:
            for iname, t in self.compiled.label_transitions(label):
                fired.add((iname, t.name))
        return tuple(
            f"{inst.name}.{t.name}" for inst, t in self.compiled.system.transitions() if (inst.name, t.name) not in fired
        )

    def coverage(self) -> Coverage:
        s = self.search
        return Coverage(
            states=len(s.nodes),
            steps=s.steps,
            depth=max(s.depth, default=0),
            seconds=s.seconds,
            complete=s.complete,
            stopped=s.stopped,
            unfired=self.unfired() if s.complete else (),
        )


def explore(
    system: System | Compiled,
    *,
    budget: Budget = Budget(),
    keep_edges: bool = False,
    progress: Progress | None = None,
) -> Exploration:
    """Explore the reachable states of *system* breadth-first.

    Parameters
    ----------
    system : System
        What to explore (or an already compiled system).
    budget : Budget
        Stop early at this many states, this depth or after this many seconds; the result then
        has ``complete == False``.
    keep_edges : bool
        Keep every step (needed for liveness and state-graph diagrams).

    Returns
    -------
    Exploration
        States in BFS order with shortest-path parents.

    Examples
    --------
    >>> from statebound import Enum, Machine, Transition, Var, System, Instance
    >>> x = Var("state", Enum("a", "b"))
    >>> m = Machine(name="m", variables=(x,), transitions=(Transition("go", guard=x == "a", updates={x: "b"}),))
    >>> len(explore(System(name="s", instances=(Instance("m", m),), check_deadlock=False)))
    2
    """
    return run_exploration(system, budget=budget, keep_edges=keep_edges, progress=progress)


def run_exploration(
    system: System | Compiled,
    *,
    budget: Budget,
    keep_edges: bool,
    progress: Progress | None = None,
    deadline: float | None = None,
    on_new: Callable[[int, State], None] | None = None,
    visit: Visit[State, Label] | None = None,
) -> Exploration:
    """:func:`explore` with the hooks the engine's analyses watch the search through."""
    c = system if isinstance(system, Compiled) else compile_system(system)
    if deadline is None and budget.timeout is not None:
        deadline = time.perf_counter() + budget.timeout
    search: Search[State, Label] = Search(budget, deadline=deadline, keep_edges=keep_edges)
    ex = Exploration(c, search)
    fired = ex.fired
    successors = c.successors

    def succ(s: State) -> list[tuple[Label, State]]:
        try:
            got = successors(s)
        except OutOfDomain:
            raise _domain_error(ex, s) from None
        for label, _ in got:
            fired.add(label)
        return got

    search.run(c.initial_states(), succ, on_new=on_new, visit=visit, progress=progress)
    return ex


def _domain_error(ex: Exploration, s: State) -> Exception:
    """The model error of an update that leaves its domain from *s*, with the trace reaching it."""
    c = ex.compiled
    states, labels = ex.search.path(ex.search.index[s])
    for _label, result in c.find_step(s):
        if isinstance(result, OutOfDomain):
            return c.domain_error(result, c.trace(states, labels))
    raise AssertionError("an update left its domain but no single action reproduces it")
