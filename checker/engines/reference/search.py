"""The budgeted breadth-first search every analysis of the reference engine is built on.

One loop, written once: nodes numbered in BFS order, a parent link and a depth per node, optional
edges, and the budget (states, depth, deadline). The state-space exploration searches the
system's states; the ``never_after`` analysis searches the system composed with an observer; both
get shortest paths from :meth:`Search.path`.
"""

from __future__ import annotations

import gc
import time
from collections import deque
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Generic, TypeVar

from ..base import Budget, Progress

__all__ = ["Search", "bfs_path"]

K = TypeVar("K", bound=Hashable)  # a node of the searched graph
L = TypeVar("L")  # a step label

#: sees each popped node with its successors before it is expanded; True stops the search
Visit = Callable[[int, K, Sequence[tuple[L, K]], bool], bool]


class Search(Generic[K, L]):
    """A breadth-first search within a budget; mutable while :meth:`run` runs, read-only after.

    ``nodes[i]`` is the i-th node found, ``parent[i]`` its BFS parent and the label of the step
    from it (``None`` for an initial node), ``depth[i]`` its distance from an initial node and,
    with ``keep_edges``, ``edges[i]`` every step out of it as ``(label, node number)``.
    ``complete`` is False when the budget stopped the search (``stopped`` says which limit).
    """

    def __init__(self, budget: Budget, *, deadline: float | None = None, keep_edges: bool = False) -> None:
        self.budget = budget
        self.deadline = deadline
        self.nodes: list[K] = []
        self.index: dict[K, int] = {}
        self.parent: list[tuple[int, L] | None] = []
        self.depth: list[int] = []
        self.edges: list[list[tuple[L, int]]] | None = [] if keep_edges else None
        self.complete = True
        self.stopped: str | None = None
        self.steps = 0
        self.seconds = 0.0

    def _stop(self, why: str) -> None:
        self.complete, self.stopped = False, why

    def _add(self, node: K, link: tuple[int, L] | None, d: int) -> int:
        nid = len(self.nodes)
        self.nodes.append(node)
        self.index[node] = nid
        self.parent.append(link)
        self.depth.append(d)
        if self.edges is not None:
            self.edges.append([])
        return nid

    def run(
        self,
        initial: Iterable[K],
        successors: Callable[[K], Sequence[tuple[L, K]]],
        *,
        on_new: Callable[[int, K], None] | None = None,
        visit: Visit[K, L] | None = None,
        progress: Progress | None = None,
    ) -> None:
        """Search from *initial*; *on_new* sees every node when it is first found, *visit* every
        popped node with its successors (``expanding`` False when the depth bound keeps them
        unexplored) and may stop the search by returning True.

        The garbage collector is paused meanwhile: the search makes millions of tuples and no
        cycles, and collection passes over that growing heap took more than half of the search's
        time (issue 13)."""
        paused = gc.isenabled()
        gc.disable()
        try:
            self._run(initial, successors, on_new, visit, progress)
        finally:
            if paused:
                gc.enable()

    def _run(
        self,
        initial: Iterable[K],
        successors: Callable[[K], Sequence[tuple[L, K]]],
        on_new: Callable[[int, K], None] | None,
        visit: Visit[K, L] | None,
        progress: Progress | None,
    ) -> None:
        started = time.perf_counter()
        max_states, max_depth = self.budget.max_states, self.budget.max_depth
        nodes, index, depth, edges = self.nodes, self.index, self.depth, self.edges
        for s in initial:
            if s not in index:
                if max_states is not None and len(nodes) >= max_states:
                    self._stop(f"state budget ({max_states}) reached")
                    break
                nid = self._add(s, None, 0)
                if on_new is not None:
                    on_new(nid, s)
        head = expanded = steps = 0
        while head < len(nodes) and self.complete:
            nid = head
            head += 1
            s = nodes[nid]
            d = depth[nid]
            succ = successors(s)
            beyond = max_depth is not None and d >= max_depth
            if visit is not None and visit(nid, s, succ, not beyond):
                break
            if beyond:
                if succ:
                    self._stop(f"depth bound ({max_depth}) reached")
                continue
            expanded += 1
            if expanded & 1023 == 0:
                if self.deadline is not None and time.perf_counter() > self.deadline:
                    self._stop(f"timeout ({self.budget.timeout:g} s) reached")
                    break
                if progress is not None:
                    progress(len(nodes), steps, d, len(nodes) - head)
            for label, t in succ:
                steps += 1
                tid = index.get(t)
                if tid is None:
                    if max_states is not None and len(nodes) >= max_states:
                        self._stop(f"state budget ({max_states}) reached")
                        break
                    tid = self._add(t, (nid, label), d + 1)
                    if on_new is not None:
                        on_new(tid, t)
                if edges is not None:
                    edges[nid].append((label, tid))
        self.steps = steps
        self.seconds = time.perf_counter() - started

    def path(self, nid: int) -> tuple[list[K], list[L]]:
        """Nodes and step labels of the BFS (shortest) path from an initial node to *nid*."""
        nodes = [self.nodes[nid]]
        labels: list[L] = []
        link = self.parent[nid]
        while link is not None:
            pid, label = link
            nodes.append(self.nodes[pid])
            labels.append(label)
            link = self.parent[pid]
        nodes.reverse()
        labels.reverse()
        return nodes, labels


def bfs_path(edges: Sequence[Sequence[tuple[L, int]]], start: int, goal: Callable[[int], bool],
             allowed: Callable[[int], bool]) -> list[tuple[L, int]] | None:
    """The shortest walk ``[(label, node), ...]`` over *edges* from *start* to a *goal* node,
    through *allowed* nodes only; ``[]`` when *start* is a goal, None when no goal is reachable."""
    if goal(start):
        return []
    prev: dict[int, tuple[int, L] | None] = {start: None}
    queue = deque([start])
    while queue:
        n = queue.popleft()
        for label, t in edges[n]:
            if t in prev or not allowed(t):
                continue
            prev[t] = (n, label)
            if goal(t):
                out: list[tuple[L, int]] = []
                while t != start:
                    link = prev[t]
                    assert link is not None
                    out.append((link[1], t))
                    t = link[0]
                out.reverse()
                return out
            queue.append(t)
    return None
