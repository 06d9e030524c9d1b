"""``never_after``: the system composed with an observer that remembers, per watched instance (or
globally), whether a trigger happened since the last reset; a forbidden step while it remembers one
is a violation, found by the same budgeted search (so its counterexample is a shortest one)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, cast

from ..._compile import Compiled, Label, State
from ...expr import to_text
from ...property import NeverAfter
from ...result import Breach, Coverage, Outcome, Verdict
from ..base import Budget
from .common import outcome, tagged
from .explore import Exploration
from .search import Search

__all__ = ["Observer", "check_never_after", "never_after_story"]

Armed = tuple[bool, ...]
Node = tuple[Any, Armed]  # (a state, or a state id of the explored graph; what the observer remembers)


def check_never_after(c: Compiled, p: NeverAfter, budget: Budget, deadline: float | None,
                      ex: Exploration | None = None) -> Outcome:
    """Search the product of the system and *p*'s observer.

    With a complete exploration that kept its edges (*ex*), the product walks the explored state
    graph (state ids, no successor recomputation); otherwise it computes successors itself, within
    *budget* and *deadline*.
    """
    if ex is not None and ex.complete and ex.search.edges is not None:
        # walk the explored graph: nodes are state ids
        initial: list[Any] = [sid for sid in range(len(ex)) if ex.is_initial(sid)]
        edges, states = ex.search.edges, ex.states

        def succ(sid: Any) -> Sequence[tuple[Label, Any]]:
            return edges[sid]

        def decode(sid: Any) -> State:
            return cast(State, states[sid])
    else:
        initial = list(c.initial_states())
        succ, decode = c.successors, _identity  # type: ignore[assignment]  # nodes are states
    obs = Observer(c, p)
    start: Armed = tuple(False for _ in obs.watched)
    violation: list[tuple[int, Label, Any]] = []

    def product(node: Node) -> list[tuple[Label, Node]]:
        s, armed = node
        return [(label, (t, obs.after(armed, label, decode(t)))) for label, t in succ(s)]

    def visit(nid: int, node: Node, out: Sequence[tuple[Label, Node]], expanding: bool) -> bool:
        armed = node[1]
        if not expanding or True not in armed:
            return False
        for label, (t, _) in out:
            forb = obs.classify(label)[1]
            if any(armed[k] for k in forb):
                violation.append((nid, label, t))
                return True
        return False

    search: Search[Node, Label] = Search(budget, deadline=deadline)
    search.run(((s, start) for s in initial), product, visit=visit)
    cov = Coverage(states=len(search.nodes), steps=search.steps, depth=max(search.depth, default=0),
                   seconds=search.seconds, complete=search.complete, stopped=search.stopped)
    if violation:
        nid, label, t = violation[0]
        nodes, labels = search.path(nid)
        labels.append(label)
        tr = c.trace([decode(n[0]) for n in nodes] + [decode(t)], labels)
        trigger, story = never_after_story(c, p, labels)
        return outcome(p, Verdict.VIOLATED, cov, tr, story, breach=Breach(step=len(labels), trigger=trigger))
    if not search.complete:
        return outcome(p, Verdict.INCONCLUSIVE, cov, None,
                       f"not decided: {search.stopped} after {len(search.nodes)} states of the system composed with the "
                       "rule's observer (which remembers triggers, so it needs more states than the system)")
    warnings = [] if obs.triggered else [f"holds vacuously: no step tagged {', '.join(sorted(p.trigger))} is ever taken"]
    return outcome(p, Verdict.HOLDS, cov, None, "", warnings)


def _identity(s: State) -> State:
    return s


class Observer:
    """The observer's transition function: which watched instances a step arms, breaks, resets."""

    def __init__(self, c: Compiled, p: NeverAfter) -> None:
        self.c, self.p = c, p
        self.watched = [i.name for i in c.system.tagged_instances(p.trigger | p.forbidden)] if p.per_instance else ["*"]
        self.pos = {n: k for k, n in enumerate(self.watched)}
        self.until_tags: frozenset[str] = frozenset()
        self.until_fns: dict[str, Callable[[State], bool]] = {}
        if isinstance(p.until, frozenset):
            self.until_tags = p.until
        else:
            self.until_fns = {n: c.expr_fn(p.until, None if n == "*" else n) for n in self.watched}
        self.cache: dict[Label, tuple[list[int], list[int], list[int]]] = {}
        self.triggered = False

    def classify(self, label: Label) -> tuple[list[int], list[int], list[int]]:
        """(armed by, broken by, reset by) the step *label*, as watched-instance positions."""
        got = self.cache.get(label)
        if got is None:
            got = self.cache[label] = (self._where(label, self.p.trigger), self._where(label, self.p.forbidden),
                                       self._where(label, self.until_tags, reset=True) if self.until_tags else [])
        return got

    def _where(self, label: Label, tags: frozenset[str], *, reset: bool = False) -> list[int]:
        names = tagged(self.c, label, tags)
        if not self.p.per_instance:
            return [0] if names else []
        if reset and any(n not in self.pos for n in names):
            # an until step of an instance the observer does not watch (the session's login,
            # say) resets every watched instance
            return list(range(len(self.watched)))
        return sorted({self.pos[n] for n in names if n in self.pos})

    def after(self, armed: Armed, label: Label, t: State) -> Armed:
        """What the observer remembers after the step *label* into *t*."""
        trig, _, reset = self.classify(label)
        any_armed = True in armed
        if not (trig or (any_armed and (reset or self.until_fns))):
            return armed
        self.triggered = self.triggered or bool(trig)
        new = list(armed)
        for k in range(len(new)):
            if self.until_fns:
                # until a state satisfies the expression: the state right after the trigger counts too
                new[k] = (new[k] or k in trig) and not self.until_fns[self.watched[k]](t)
            elif k in trig:
                new[k] = True  # a step that both triggers and resets leaves the rule armed
            elif new[k] and k in reset:
                new[k] = False
        return tuple(new)


def never_after_story(c: Compiled, p: NeverAfter, labels: list[Label]) -> tuple[int | None, str]:
    """(the trigger's step number, the message): which step armed the observer and which broke the rule."""
    last = len(labels)
    culprits = set(tagged(c, labels[-1], p.forbidden))
    trigger_at = None
    for k in range(len(labels) - 2, -1, -1):
        names = tagged(c, labels[k], p.trigger)
        if names and (not p.per_instance or culprits & set(names)):
            trigger_at = k + 1
            break

    def carrier(k: int, tags: frozenset[str]) -> str:
        hits = [f"{i}: {t.name}" for i, t in c.label_transitions(labels[k]) if t.tags & tags]
        return f" ({', '.join(hits)})" if hits else ""

    head = (f"step {trigger_at}{carrier(trigger_at - 1, p.trigger)} is tagged {'/'.join(sorted(p.trigger))}"
            if trigger_at else "a trigger happened")
    if isinstance(p.until, frozenset):
        until = f", with no {'/'.join(sorted(p.until))} between" if p.until else ""
    else:
        until = f", and {to_text(p.until)} never held between"
    return trigger_at, f"{head}; step {last}{carrier(last - 1, p.forbidden)} is tagged {'/'.join(sorted(p.forbidden))}{until}"

