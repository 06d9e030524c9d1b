"""Properties judged along one execution, step by step: the judge shared by the random engine's runs,
the Hypothesis state machine and :func:`statebound.checker.replay.replay`.

An execution is a path from an initial state. Along it, an ``always`` fails in a state, a step rule
or a ``never_after`` observer on a step, a ``sometimes`` is witnessed in a state, deadlock freedom
fails in a state with no successor that is not terminal, and ``leads_to`` fails when the path shows
a lasso: a p-state followed by states where q never holds, ending either in a state where nothing
fair is enabled (the execution may stop there) or on a return to an earlier state that closes a
fair cycle (weak: a transition enabled in every state of the cycle is taken on it; strong: one
enabled anywhere on it is taken on it). Everything found is a real execution of the model.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass

from ..._compile import Compiled, Label, OutOfDomain, State
from ...property import Always, LeadsTo, NeverAfter, OnStep, Property, Sometimes
from ...result import DEADLOCK, Breach, Kind, Side, Trace
from ..reference.common import step_tags, when
from ..reference.liveness import obligations
from ..reference.observer import Observer, never_after_story

__all__ = ["Finding", "Monitor", "Run", "sender"]

Succ = Sequence[tuple[Label, State]]


def sender(label: Label) -> int:
    """The action (index into ``Compiled.actions``) that sent a step."""
    return label if isinstance(label, int) else int(label[0])


@dataclass(frozen=True, slots=True)
class Finding:
    """A property broken (or, for ``sometimes``, witnessed) by an execution.

    The trace is the execution's first ``end`` steps; ``loop`` is set for a ``leads_to`` lasso
    (as in :class:`~statebound.checker.result.Trace`).
    """

    index: int  # the property's position in Monitor.names
    name: str
    kind: Kind
    witness: bool
    end: int
    message: str
    breach: Breach | None = None
    loop: int | None = None

    def trace(self, c: Compiled, run: Run) -> Trace:
        return c.trace(run.states[: self.end + 1], run.labels[: self.end], loop=self.loop)


class Run:
    """One execution in progress and what the observers remember of it.

    Mutable on purpose: it grows by one state per step of one run (or replay) and nobody else holds it.
    """

    __slots__ = ("states", "labels", "fair", "armed", "pending", "last_q", "seen", "reported")

    def __init__(self, monitor: Monitor, s: State) -> None:
        self.states: list[State] = [s]
        self.labels: list[Label] = []
        #: per state: the fair actions enabled there (for the fairness of a cycle)
        self.fair: list[frozenset[int]] = []
        self.armed: list[tuple[bool, ...]] = [tuple(False for _ in o.watched) for _, _, o in monitor.observers]
        #: per leads_to: where the p-state that is still waiting for q is (or None), and the last q-state
        self.pending: list[int | None] = [None] * len(monitor.leads)
        self.last_q: list[int] = [-1] * len(monitor.leads)
        #: state -> its last position on the path (to close cycles)
        self.seen: dict[State, int] = {}
        #: properties already found on this run (each is reported once per run)
        self.reported: set[int] = set()

    @property
    def state(self) -> State:
        return self.states[-1]

    def __len__(self) -> int:
        return len(self.labels)


class Monitor:
    """Compiled checks of *props* (and deadlock freedom when *deadlock*) over executions of *c*."""

    def __init__(self, c: Compiled, props: Sequence[Property], *, deadlock: bool) -> None:
        self.c = c
        system = c.system
        self.props = list(props)
        self.names = [p.name for p in self.props] + ([DEADLOCK] if deadlock else [])
        self.kinds = [Kind(p.kind) for p in self.props] + ([Kind.DEADLOCK] if deadlock else [])
        self.deadlock = len(self.props) if deadlock else None
        self.terminal = c.expr_fn(system.terminal, None) if system.terminal is not None else None
        self.always: list[tuple[int, Callable[[State], bool]]] = []
        self.sometimes: list[tuple[int, Callable[[State], bool]]] = []
        self.step_rules: list[tuple[int, OnStep, dict[str, tuple[Callable[[State], bool], Callable[[State, State], bool]]]]] = []
        self.observers: list[tuple[int, NeverAfter, Observer]] = []
        self.leads: list[tuple[int, Callable[[State], bool], Callable[[State], bool]]] = []
        for k, p in enumerate(self.props):
            if isinstance(p, Always):
                self.always.append((k, c.expr_fn(p.expr, None)))
            elif isinstance(p, Sometimes):
                self.sometimes.append((k, c.expr_fn(p.expr, None)))
            elif isinstance(p, OnStep):
                fns = {i.name: (c.expr_fn(p.before, i.name), c.step_fn(p.after, i.name)) for i in system.tagged_instances(p.tags)}
                self.step_rules.append((k, p, fns))
            elif isinstance(p, NeverAfter):
                self.observers.append((k, p, Observer(c, p)))
            elif isinstance(p, LeadsTo):
                self.leads.append((k, c.expr_fn(p.p, None), c.expr_fn(p.q, None)))
        # fairness obligations (issue 9, TLA+'s WF_vars/SF_vars): each fair transition's own and each
        # group of System(fairness=...), enabled or taken when one of its transitions is
        obligations_ = obligations(c)
        self.obligations: list[str] = [o.kind for o in obligations_]
        member_of: dict[int, list[int]] = {}
        for k, o in enumerate(obligations_):
            for a in sorted(o.actions):
                member_of.setdefault(a, []).append(k)
        self.member_of = {a: tuple(ks) for a, ks in member_of.items()}
        self._step_cache: dict[Label, list[tuple[int, OnStep, Callable[[State], bool], Callable[[State, State], bool]]]] = {}

    # ------------------------------------------------------------------ walking

    def breaks(self, run: Run, label: Label, t: State, which: Collection[int]) -> bool:
        """Would the step *label* into *t* break one of the properties *which* (an ``always`` in *t*, a
        step rule, or an armed ``never_after``)? A one-step look-ahead that takes no step."""
        for k, fn in self.always:
            if k in which and k not in run.reported and not fn(t):
                return True
        pre = run.state
        checks = self._step_cache.get(label)
        if checks is None:
            checks = self._checks_for(label)
        for k, _rule, before, after in checks:
            if k in which and k not in run.reported and not (before(pre) and after(pre, t)):
                return True
        for j, (k, _never, obs) in enumerate(self.observers):
            if k in which and k not in run.reported and True in run.armed[j]:
                forb = obs.classify(label)[1]
                if any(run.armed[j][w] for w in forb):
                    return True
        return False

    def start(self, s: State, succ: Succ) -> tuple[Run, list[Finding]]:
        """Begin an execution in the initial state *s* (whose successors are *succ*)."""
        run = Run(self, s)
        return run, self._state(run, succ)

    def step(self, run: Run, label: Label, t: State, succ: Succ) -> list[Finding]:
        """Extend *run* by the step *label* into *t* (whose successors are *succ*); what it breaks or witnesses."""
        pre = run.state
        run.labels.append(label)
        run.states.append(t)
        n = len(run.labels)
        found: list[Finding] = []
        checks = self._step_cache.get(label)
        if checks is None:
            checks = self._checks_for(label)
        for k, rule, before, after in checks:
            if k in run.reported:
                continue
            side = Side.BEFORE if not before(pre) else Side.AFTER if not after(pre, t) else None
            if side is not None:
                which = ("the state before it breaks the rule's before-condition" if side is Side.BEFORE
                         else "it breaks the rule's after-condition")
                tags = "/".join(sorted(rule.tags & step_tags(self.c, label)))
                found.append(self._found(run, k, n, f"step {n} is tagged {tags} and {which}", Breach(step=n, side=side)))
        for j, (k, p, obs) in enumerate(self.observers):
            armed = run.armed[j]
            forb = obs.classify(label)[1]
            if forb and True in armed and any(armed[w] for w in forb) and k not in run.reported:
                trigger, story = never_after_story(self.c, p, run.labels)
                found.append(self._found(run, k, n, story, Breach(step=n, trigger=trigger)))
            run.armed[j] = obs.after(armed, label, t)
        found += self._state(run, succ)
        return found

    def _checks_for(self, label: Label) -> list[tuple[int, OnStep, Callable[[State], bool], Callable[[State, State], bool]]]:
        out = []
        fired = self.c.label_transitions(label)
        for k, p, fns in self.step_rules:
            for iname, t in fired:
                if t.tags & p.tags:
                    before, after = fns[iname]
                    out.append((k, p, before, after))
        self._step_cache[label] = out
        return out

    def _found(self, run: Run, k: int, end: int, message: str, breach: Breach | None = None, *,
               witness: bool = False, loop: int | None = None) -> Finding:
        run.reported.add(k)
        return Finding(k, self.names[k], self.kinds[k], witness, end, message, breach, loop)

    def _state(self, run: Run, succ: Succ) -> list[Finding]:
        """Checks of the state just reached (position ``len(run)``)."""
        s = run.state
        j = len(run.labels)
        reported = run.reported
        found: list[Finding] = []
        for k, fn in self.always:
            if k not in reported and not fn(s):
                where = "the initial state breaks it" if j == 0 else f"the state after step {j} breaks it"
                found.append(self._found(run, k, j, where, Breach(state=j)))
        for k, fn in self.sometimes:
            if k not in reported and fn(s):
                found.append(self._found(run, k, j, "witness: the last state satisfies it", witness=True))
        fair = self._enabled(s, succ)
        run.fair.append(fair)
        if self.leads:
            self._leads_to(run, fair, found)
        if (self.deadlock is not None and not succ and self.deadlock not in reported and self.c.expands(s)
                and (self.terminal is None or not self.terminal(s))):
            found.append(self._found(run, self.deadlock, j, "a reachable state has no enabled transition and is not "
                                     "declared terminal", Breach(state=j)))
        run.seen[s] = j
        return found

    def _leads_to(self, run: Run, fair: frozenset[int], found: list[Finding]) -> None:
        s = run.state
        j = len(run.labels)
        back = run.seen.get(s)  # the state was already on the path: a cycle back..j
        for m, (k, p_fn, q_fn) in enumerate(self.leads):
            if q_fn(s):
                run.pending[m] = None
                run.last_q[m] = j
                continue
            if run.pending[m] is None and p_fn(s):
                run.pending[m] = j
            w = run.pending[m]
            if w is None or k in run.reported:
                continue
            if not fair:
                found.append(self._found(run, k, j, f"{when(w)} the condition holds; from there the execution may stop "
                                         "(nothing fair is enabled) and the goal never holds", Breach(state=w), loop=j))
            elif back is not None and run.last_q[m] < back and self._fair_cycle(run, back, j):
                found.append(self._found(run, k, j, f"{when(w)} the condition holds; from there steps {back + 1}-{j} "
                                         "repeat forever, fairly, and the goal never holds", Breach(state=w), loop=back))

    def close_lasso(self, run: Run, back: int) -> list[Finding]:
        """The ``leads_to`` properties broken by a recorded lasso whose cycle returns from the last
        state of *run* to position *back* (a replayed liveness counterexample)."""
        j = len(run.labels)
        found: list[Finding] = []
        if not back < j or run.states[back] != run.states[j]:
            return found
        for m, (k, _p_fn, _q_fn) in enumerate(self.leads):
            w = run.pending[m]
            if w is not None and k not in run.reported and run.last_q[m] < back and self._fair_cycle(run, back, j):
                found.append(self._found(run, k, j, f"{when(w)} the condition holds; from there steps {back + 1}-{j} "
                                         "repeat forever, fairly, and the goal never holds", Breach(state=w), loop=back))
        return found

    def _enabled(self, s: State, succ: Succ) -> frozenset[int]:
        """The fairness obligations enabled in *s*: those with a step from it that changes something.
        In a state outside ``System(constraint=...)``, which is not expanded, those with a
        transition whose guard holds (as the reference engine and TLC have it)."""
        member_of = self.member_of
        if not member_of:
            return frozenset()
        c = self.c
        if getattr(c, "in_constraint", None) is not None and not c.expands(s):
            return frozenset(k for a, ks in member_of.items() if c.guards[a](s) for k in ks)
        return frozenset(k for lab, t in succ if t != s for k in member_of.get(sender(lab), ()))

    def _fair_cycle(self, run: Run, i: int, j: int) -> bool:
        """The steps i..j-1 of *run* (from states[i] back to the same state) meet every fairness
        obligation: weak, one enabled in every state of the cycle is taken on it; strong, one
        enabled in some state of it is taken on it. Only a step that changes something takes one,
        and a cycle of steps that change nothing is not a cycle but a stop (see ``_leads_to``)."""
        states = run.states
        changing = [m for m in range(i, j) if states[m] != states[m + 1]]
        if not changing:
            return False
        taken = {k for m in changing for k in self.member_of.get(sender(run.labels[m]), ())}
        cycle = run.fair[i:j]
        for k, kind in enumerate(self.obligations):
            if k in taken:
                continue
            enabled = [k in f for f in cycle]
            if all(enabled) or (kind == "strong" and any(enabled)):
                return False
        return True


def replay_labels(monitor: Monitor, s: State, labels: Sequence[Label],
                  successors: Callable[[State], Succ] | None = None) -> tuple[Run, list[Finding]] | None:
    """Walk *labels* from *s* through the model; None when some step is not enabled where it is taken."""
    succ_of = successors or monitor.c.successors
    succ = succ_of(s)
    run, found = monitor.start(s, succ)
    for label in labels:
        t = _target(succ, label)
        if t is None:
            return None
        succ = succ_of(t)
        found += monitor.step(run, label, t, succ)
    return run, found


def _target(succ: Succ, label: Label) -> State | None:
    for lab, t in succ:
        if lab == label:
            return t
    return None


#: states a shrinking search from the initial state may visit (from any later state: a tenth of it)
SHRINK_SEARCH = 20_000


def shrink(monitor: Monitor, k: int, s: State, labels: Sequence[Label],
           successors: Callable[[State], Succ] | None = None) -> tuple[Run, Finding]:
    """A shorter execution from *s* that still breaks (or witnesses) property *k*.

    Until nothing helps: replace the way to a state of the path by a shortest one (a bounded
    breadth-first search from the initial state, then short ones from each later state), cut the
    cycles of the path, drop single steps; each candidate is replayed and kept only when it still
    shows *k*. Deterministic; the path given must show *k*.
    """
    succ_of = successors or monitor.c.successors

    def shows(cand: Sequence[Label]) -> tuple[Run, Finding] | None:
        try:
            got = replay_labels(monitor, s, cand, succ_of)
        except OutOfDomain:  # a shortcut through a state where an update leaves its domain
            return None
        if got is None:
            return None
        run, found = got
        hit = next((f for f in found if f.index == k), None)
        return None if hit is None else (run, hit)

    best = shows(labels)
    if best is None:
        raise AssertionError(f"shrink: the path does not show {monitor.names[k]}")

    def cut(got: tuple[Run, Finding]) -> list[Label]:
        return list(got[0].labels[: got[1].end])

    cur = cut(best)
    tried: set[tuple[int, State]] = set()
    while True:
        got = None
        states = best[0].states[: len(cur) + 1]
        # shortcuts: a shorter way from state i to a later state j of the path
        for i in range(len(cur) - 1):
            if (i, states[i]) in tried:
                continue
            tried.add((i, states[i]))
            ways = _ways(succ_of, states[i], len(cur) - i - 1, SHRINK_SEARCH if i == 0 else SHRINK_SEARCH // 10)
            for j in range(len(cur), i + 1, -1):
                way = ways.get(states[j])
                if way is not None and len(way) < j - i:
                    got = shows(cur[:i] + way + cur[j:])
                    if got is not None:
                        break
            if got is not None:
                break
        if got is None:  # cycles: a state seen twice makes the steps between optional
            first_at: dict[State, int] = {}
            for i, st in enumerate(states):
                if st in first_at:
                    got = shows(cur[: first_at[st]] + cur[i:])
                    if got is not None:
                        break
                else:
                    first_at[st] = i
        if got is None:  # single steps
            for i in range(len(cur) - 1, -1, -1):
                got = shows(cur[:i] + cur[i + 1:])
                if got is not None:
                    break
        if got is None:  # pairs of steps (a logout and the login after it)
            for i in range(len(cur) - 1, 0, -1):
                for h in range(i - 1, -1, -1) if len(cur) <= 40 else (i - 1,):
                    got = shows(cur[:h] + cur[h + 1:i] + cur[i + 1:])
                    if got is not None:
                        break
                if got is not None:
                    break
        if got is None:  # a window of steps replaced by a shorter way to another state
            got = _substitute(shows, succ_of, states, cur)
        if got is None or got[1].end >= len(cur):
            return best
        best, cur = got, cut(got)


def _substitute(shows: Callable[[Sequence[Label]], tuple[Run, Finding] | None], succ_of: Callable[[State], Succ],
                states: Sequence[State], cur: list[Label]) -> tuple[Run, Finding] | None:
    """Replace steps i..j-1 by a shorter way from state i to any state where step j can be taken,
    biggest saving first (the ways are searched near each state only: a few hundred states)."""
    n = len(cur)
    limit = max(50, 4000 // max(n, 1))
    options: list[tuple[int, int, int, list[Label]]] = []
    for i in range(n):
        ways = _ways(succ_of, states[i], min(n - i - 1, 4), limit)
        for j in range(i + 2, n + 1):
            need = cur[j] if j < n else None
            for v, way in ways.items():
                if len(way) < j - i and v != states[j] and (need is None or _target(_safe(succ_of, v), need) is not None):
                    options.append((len(way) - (j - i), i, j, way))
    options.sort(key=lambda o: (o[0], o[1], o[2], len(o[3])))
    for _saving, i, j, way in options:
        got = shows(cur[:i] + way + cur[j:])
        if got is not None:
            return got
    return None


def _safe(succ_of: Callable[[State], Succ], s: State) -> Succ:
    try:
        return succ_of(s)
    except OutOfDomain:
        return []


def _ways(succ_of: Callable[[State], Succ], start: State, depth: int, limit: int) -> dict[State, list[Label]]:
    """Shortest label paths from *start* to the states within *depth* steps (at most *limit* states)."""
    parent: dict[State, tuple[State, Label] | None] = {start: None}
    frontier = [start]
    for _ in range(depth):
        nxt = []
        for u in frontier:
            for lab, v in _safe(succ_of, u):
                if v not in parent:
                    parent[v] = (u, lab)
                    nxt.append(v)
                    if len(parent) >= limit:
                        break
            if len(parent) >= limit:
                break
        frontier = nxt
        if not frontier or len(parent) >= limit:
            break
    out: dict[State, list[Label]] = {}
    for v in parent:
        path: list[Label] = []
        link = parent[v]
        while link is not None:
            u, lab = link
            path.append(lab)
            link = parent[u]
        path.reverse()
        out[v] = path
    return out
