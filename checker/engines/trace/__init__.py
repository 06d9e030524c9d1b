"""Trace checking: a log recorded from a real run, replayed through the model (issue 15).

Layout: :mod:`.log` reads and validates the JSON-lines log (``docs/trace-format.md``);
:mod:`.replay` carries the set of model states consistent with the log from event to event;
:mod:`.monitors` follows each property along every explanation; :mod:`.explain` says why the model
cannot explain an event; :mod:`.output` writes the result as text and JSON. :func:`check_trace`
puts them together.

What the verdicts mean here. An *explanation* of the log is a run of the model whose recorded
steps are the log's events, in order, with what each event observed; unrecorded steps (of
instances the log does not record, or of silent transitions) may come between them.

- ``log-conforms`` *holds* when every event has an explanation, and is *violated* at the first
  event that has none (the report names its line, the candidates just before it and what ruled
  out each transition that could have produced it).
- A property (``always``, ``on_step``, ``never_after``) is *violated* when every explanation of
  the log (of the part the model explains) breaks it, *holds* when none does, and is
  *inconclusive* when some do and some do not: the log cannot see what decides it (a hidden
  variable, an unrecorded step). ``sometimes``, ``leads_to`` and deadlock freedom are not checked:
  one finite run cannot break them.
- A budget (``max_states`` bounds the candidates at one event; ``timeout``) that stops the
  replay leaves everything undecided ``inconclusive``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..._compile import Compiled, Label, State, compile_system
from ...errors import InputError, suggest
from ...machine import System
from ...property import NeverAfter, OnEveryStep, OnStep, Property
from ...result import DEADLOCK, Breach, Coverage, ExitCode, Kind, Outcome, Report, Side, Trace, Verdict
from ..base import Budget
from .explain import RuledOut, Unexplained, explain
from .log import FORMAT, UNLOGGED, VERSION, Event, Log, matches, parse_log, read_log
from .monitors import Monitor, ObserverMonitor, StepMonitor, monitor_for, unmonitored
from .replay import Node, Replayed, replay

__all__ = [
    "CONFORMS", "ENGINE", "FORMAT", "UNLOGGED", "VERSION", "Event", "Log", "RuledOut", "TraceResult", "Unexplained",
    "check_trace", "matches", "parse_log", "read_log",
]

#: the name of the outcome that says whether the model explains the whole log
CONFORMS = "log-conforms"
#: the engine name trace outcomes carry
ENGINE = "trace"


@dataclass(frozen=True, slots=True, kw_only=True)
class TraceResult:
    """What checking one log gave: the report (``log-conforms`` first, then each property a
    recorded run can break) and the replay's own findings."""

    report: Report
    log: Log
    unexplained: Unexplained | None
    #: one explanation of the part of the log the model explains
    run: Trace
    #: per outcome with a trace (and ``log-conforms``: the run): the log line each step explains (None: not in the log)
    lines: tuple[tuple[str, tuple[int | None, ...]], ...]
    #: (name, kind, why) of each property a recorded run cannot break
    not_checked: tuple[tuple[str, str, str], ...]
    unrecorded: tuple[str, ...]
    explained: int
    candidates_max: int
    candidates_mean: float
    candidates_final: int
    seconds: float

    def exit_code(self) -> ExitCode:
        return self.report.exit_code()

    def step_lines(self, name: str) -> tuple[int | None, ...]:
        """The log line of each step of outcome *name*'s trace (empty when it has none)."""
        for n, lines in self.lines:
            if n == name:
                return lines
        return ()


def check_trace(system: System, log: Log, *, properties: Sequence[str] | None = None,
                budget: Budget = Budget()) -> TraceResult:
    """Replay *log* through *system* and judge its properties on the recorded run.

    Parameters
    ----------
    system : System
        The model, with its properties.
    log : Log
        A log validated against *system* (:func:`read_log`, :func:`parse_log`).
    properties : sequence of str, optional
        The properties to judge (``log-conforms`` is always decided); by default every property
        a recorded run can break. Naming one it cannot break is an :class:`InputError`.
    budget : Budget
        ``max_states`` bounds the candidates kept at one event, ``timeout`` the whole replay;
        ``max_depth`` is not used.

    Returns
    -------
    TraceResult

    Examples
    --------
    >>> from statebound import Enum, Instance, Machine, System, Transition, Var, always, ref
    >>> s = Var("state", Enum("Off", "On", "Broken"))
    >>> lamp = Machine(name="lamp", variables=(s,), transitions=(
    ...     Transition("on", guard=s == "Off", updates={s: "On"}),
    ...     Transition("off", guard=s == "On", updates={s: "Off"}),
    ...     Transition("fail", guard=s == "On", updates={s: "Broken"})))
    >>> system = System(name="lamp", instances=(Instance("lamp", lamp),),
    ...                 properties=(always("never-broken", ref("lamp", "state") != "Broken"),))
    >>> log = parse_log('{"ts": 1, "instance": "lamp", "event": "on"}\\n'
    ...                 '{"ts": 2, "instance": "lamp", "event": "fail"}\\n', system)
    >>> [(o.property, str(o.verdict)) for o in check_trace(system, log).report.outcomes]
    [('log-conforms', 'holds'), ('never-broken', 'violated')]
    """
    started = time.perf_counter()
    deadline = started + budget.timeout if budget.timeout is not None else None
    chosen, not_checked = _select(system, properties)
    c = compile_system(system, deadline=deadline)
    monitors = [m for m in (monitor_for(c, p) for p in chosen) if m is not None]
    rep = replay(c, log, monitors, max_candidates=budget.max_states, deadline=deadline)
    return _result(system, c, log, monitors, rep, not_checked, started)


def _select(system: System, names: Sequence[str] | None) -> tuple[list[Property], tuple[tuple[str, str, str], ...]]:
    if any(p.name == CONFORMS for p in system.properties):
        raise InputError(f"property {CONFORMS!r}: the name is taken by trace checking; rename the property")
    skipped = [(p.name, p.kind, unmonitored(p)) for p in system.properties if not _checkable(p)]
    if system.check_deadlock:
        skipped.append((DEADLOCK, "deadlock", "deadlock freedom is about every reachable state of the model; "
                                              "one recorded run cannot break it"))
    if names is None:
        return [p for p in system.properties if _checkable(p)], tuple(skipped)
    known = [CONFORMS] + [p.name for p in system.properties] + ([DEADLOCK] if system.check_deadlock else [])
    for n in names:
        if n not in known:
            raise InputError(f"--property {n!r}: no such property in {system.name}; "
                             + suggest(n, known, default="properties: " + ", ".join(known)))
        why = next((w for name, _, w in skipped if name == n), None)
        if why is not None:
            raise InputError(f"--property {n!r}: cannot be checked on a recorded run: {why}; check it with 'statebound check'")
    return [p for p in system.properties if p.name in names], ()


def _checkable(p: Property) -> bool:
    """True for the kinds of property a recorded run can break."""
    return p.kind in ("always", "step", "never-after", "every-step")


def _outcome(name: str, kind: Kind, verdict: Verdict, cov: Coverage, trace: Trace | None, message: str,
             breach: Breach | None = None) -> Outcome:
    return Outcome(property=name, kind=kind, verdict=verdict, engine=ENGINE, coverage=cov, trace=trace,
                   message=message, breach=breach)


class _Story:
    """Names steps of one explanation by their log lines."""

    def __init__(self, c: Compiled, log: Log, labels: list[Label], lines: list[int | None]) -> None:
        self.c, self.labels, self.lines = c, labels, lines
        self.by_line = {e.line: e for e in log.events}

    def step(self, k: int) -> str:
        """Step *k* (1-based) as ``step 3 (socket: connect, line 4)``."""
        a, _ = self.c.label_parts(self.labels[k - 1])
        line = self.lines[k - 1]
        where = f"line {line}" if line is not None else "not in the log"
        return f"step {k} ({a.inst.name}: {a.transition.name}, {where})"

    def state(self, j: int) -> str:
        if j == 0:
            return "the initial state"
        return f"the state after {self.step(j)}"


def _result(system: System, c: Compiled, log: Log, monitors: list[Monitor], rep: Replayed,
            not_checked: tuple[tuple[str, str, str], ...], started: float) -> TraceResult:
    table = rep.table
    seconds = time.perf_counter() - started
    n = len(log.events)
    cov = Coverage(states=len(table), steps=rep.steps, depth=rep.explained, seconds=seconds,
                   complete=rep.stopped is None, stopped=rep.stopped)
    states, labels, lines, _ = table.path(rep.final[0])
    run = c.trace(states, labels)
    unexplained = explain(c, log, rep.stuck, table, _parts_of(c, log)) if rep.stuck is not None else None
    step_lines: list[tuple[str, tuple[int | None, ...]]] = [(CONFORMS, tuple(lines))]
    upto = ""
    if rep.stopped is not None:
        nxt = log.events[rep.explained].line if rep.explained < n else log.lines
        conforms = _outcome(CONFORMS, Kind.STEP, Verdict.INCONCLUSIVE, cov, run,
                            f"not decided: {rep.stopped} at line {nxt}; {rep.explained} of {n} events explained")
    elif unexplained is not None:
        conforms = _outcome(CONFORMS, Kind.STEP, Verdict.VIOLATED, cov, run, f"line {unexplained.line}: {unexplained.summary}",
                            Breach(state=len(run.steps)))
        last = log.events[rep.explained - 1].line if rep.explained else None
        upto = f" (over lines 1-{last}, the part of the log the model explains)" if last else " (no event was explained)"
    else:
        sizes = rep.sizes
        conforms = _outcome(CONFORMS, Kind.STEP, Verdict.HOLDS, cov, run,
                            f"all {n} events explained; at most {max(sizes, default=0)} candidate states before an event")
    outcomes = [conforms]
    for k, m in enumerate(monitors):
        p = m.prop
        kind = Kind(p.kind)
        if rep.stopped is not None:
            outcomes.append(_outcome(p.name, kind, Verdict.INCONCLUSIVE, cov, None,
                                     f"not decided: the replay stopped ({rep.stopped})"))
            continue
        broken = [i for i in rep.final if m.is_broken(table.nodes[i][1][k])]
        if not broken:
            outcomes.append(_outcome(p.name, kind, Verdict.HOLDS, cov, None, upto.strip(" ()")))
            continue
        trace, breach, story, step_of = _counterexample(c, log, m, k, table.path(broken[0]))
        step_lines.append((p.name, step_of))
        if len(broken) == len(rep.final):
            outcomes.append(_outcome(p.name, kind, Verdict.VIOLATED, cov, trace,
                                     f"{story}; every explanation of the log breaks it{upto}", breach))
        else:
            outcomes.append(_outcome(p.name, kind, Verdict.INCONCLUSIVE, cov, trace,
                                     "the log does not decide it: some explanations of the log break it and others do "
                                     "not (they differ in what the log does not record: hidden variables, unrecorded "
                                     f"steps){upto}; in the one shown, {story}"))
    report = Report(system=system.name, params=system.params, outcomes=tuple(outcomes), coverage=cov)
    sizes = rep.sizes
    return TraceResult(
        report=report, log=log, unexplained=unexplained, run=run, lines=tuple(step_lines), not_checked=not_checked,
        unrecorded=tuple(i.name for i in system.instances if i.name not in log.recorded),
        explained=rep.explained, candidates_max=max(sizes, default=0),
        candidates_mean=sum(sizes) / len(sizes) if sizes else 0.0,
        candidates_final=len({table.nodes[i][0] for i in rep.final}), seconds=seconds,
    )


def _parts_of(c: Compiled, log: Log) -> Callable[[Label], frozenset[tuple[str, str]]]:
    recorded = frozenset(log.recorded)

    def parts(label: Label) -> frozenset[tuple[str, str]]:
        return frozenset((i, t.name) for i, t in c.label_transitions(label)
                         if i in recorded and (i, t.name) not in log.silent)

    return parts


Path = tuple[list[State], list[Label], list[int | None], list[Node]]


def _counterexample(c: Compiled, log: Log, m: Monitor, k: int, path: Path) -> tuple[Trace, Breach, str, tuple[int | None, ...]]:
    """The explanation *path*, cut where monitor *m* (number *k*) first breaks: (trace, breach,
    what broke it, the log line of each step)."""
    states, labels, lines, nodes = path
    j = next(j for j, node in enumerate(nodes) if m.is_broken(node[1][k]))
    story = _Story(c, log, labels, lines)
    trace = c.trace(states[: j + 1], labels[:j])
    p = m.prop
    if isinstance(p, OnStep):
        assert isinstance(m, StepMonitor)
        side = m.side(labels[j - 1], states[j - 1])
        which = ("the state before it breaks the rule's before-condition" if side is Side.BEFORE
                 else "it breaks the rule's after-condition")
        text = f"{story.step(j)} is tagged {'/'.join(sorted(p.tags))} and {which}"
        return trace, Breach(step=j, side=side), text, tuple(lines[:j])
    if isinstance(p, NeverAfter):
        assert isinstance(m, ObserverMonitor)
        trig = m.armed_by(labels[:j])
        head = f"{story.step(trig)} is tagged {'/'.join(sorted(p.trigger))}" if trig else "a trigger happened"
        until = ""
        if isinstance(p.until, frozenset) and p.until:
            until = f", with no {'/'.join(sorted(p.until))} between"
        elif not isinstance(p.until, frozenset):
            until = ", and the until-condition never held between"
        text = f"{head}; {story.step(j)} is tagged {'/'.join(sorted(p.forbidden))}{until}"
        return trace, Breach(step=j, trigger=trig), text, tuple(lines[:j])
    if isinstance(p, OnEveryStep):
        return trace, Breach(step=j, side=Side.AFTER), f"{story.step(j)} breaks the rule's condition", tuple(lines[:j])
    return trace, Breach(state=j), f"{story.state(j)} breaks it", tuple(lines[:j])
