"""Why the model cannot explain an event: the candidates just before it, what the model allowed
instead, and for each transition that could have produced the event the guard or the observed
value that ruled it out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..._compile import Action, Compiled, Label, State
from ...expr import Expr, Op, operands, refs_of, to_text
from ...result import StateValues, show_value
from .log import Event, Log
from .replay import Pending, Stuck, Table

__all__ = ["RuledOut", "Unexplained", "explain", "MAX_CANDIDATES_SHOWN"]

T = TypeVar("T")

#: candidates kept in an explanation (their number is always given)
MAX_CANDIDATES_SHOWN = 50


@dataclass(frozen=True, slots=True, kw_only=True)
class RuledOut:
    """A transition that could have produced the event, and what ruled it out."""

    transition: str  # "socket.connect", or "server.reject -> socket.error" for a broadcast
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Unexplained:
    """The first event of a log that the model cannot explain."""

    line: int  # its line; for the end of the log, the line after the last
    event: str  # "instance.event", or "end of the log"
    summary: str  # one line
    allowed: tuple[str, ...]  # the recorded events the model allowed instead
    candidates: tuple[StateValues, ...]  # the distinct model states just before it (at most MAX_CANDIDATES_SHOWN)
    candidate_count: int
    ruled_out: tuple[RuledOut, ...]
    observed: tuple[tuple[str, Any], ...] = ()  # ("socket.ready", "OPEN"), as the line said


def explain(c: Compiled, log: Log, stuck: Stuck, table: Table, parts: Callable[[Label], Pending]) -> Unexplained:
    """The :class:`Unexplained` of the event where the replay got *stuck*."""
    states = _unique(table.nodes[i][0] for i in stuck.before if not table.nodes[i][2])
    owing = [i for i in stuck.before if table.nodes[i][2]]
    shown = tuple(c.values(s) for s in _unique(table.nodes[i][0] for i in stuck.before)[:MAX_CANDIDATES_SHOWN])
    count = len(_unique(table.nodes[i][0] for i in stuck.before))
    allowed = _allowed(c, states, parts)
    owed = sorted({f"{i}.{t}" for k in owing for i, t in table.nodes[k][2]})
    if stuck.event is None:
        line = max(log.lines, 1) + 1
        names = ", ".join(owed)
        return Unexplained(
            line=line, event="end of the log", candidates=shown, candidate_count=count, allowed=tuple(owed),
            summary=f"the log ends, but its last step also fires {names}, which the log never records",
            ruled_out=(RuledOut(transition=names, reason="the step that explains the last line fires it too, "
                                                         "so the log must record it next"),),
        )
    e = stuck.event
    ruled: list[RuledOut] = []
    if owing:
        for k in owing:
            debt = ", ".join(sorted(f"{i}.{t}" for i, t in table.nodes[k][2]))
            reason = (f"the step that explains line {table.line[k]} also fires {debt}; "
                      "the log must record that next, before any other event")
            if all(r.reason != reason for r in ruled):
                ruled.append(RuledOut(transition=debt, reason=reason))
    ruled += _ruled_out(c, e, states)
    observed = tuple((f"{i}.{v}", x) for (i, v), x in e.observed)
    summary = f"the model cannot explain {e.label}"
    if len(ruled) == 1:
        summary += f": {ruled[0].transition}: {ruled[0].reason}"
    elif ruled:
        summary += f": none of the {len(ruled)} ways it could happen fits (see below)"
    more = allowed + tuple(f"{o} (owed)" for o in owed)
    summary += "; the model allowed " + (_some(more) if more else "no recorded event") + " here"
    return Unexplained(line=e.line, event=e.label, summary=summary, allowed=more, candidates=shown,
                       candidate_count=count, ruled_out=tuple(ruled), observed=observed)


def _unique(items: Iterable[T]) -> list[T]:
    return list(dict.fromkeys(items))


def _some(items: Sequence[str], n: int = 5) -> str:
    head = ", ".join(items[:n])
    return head + (f" and {len(items) - n} more" if len(items) > n else "")


def _allowed(c: Compiled, states: list[State], parts: Callable[[Label], Pending]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for s in states:
        for label, _ in c.successors(s):
            for i, t in sorted(parts(label)):
                seen.setdefault(f"{i}.{t}", None)
    return tuple(sorted(seen))


def _action(c: Compiled, instance: str, transition: str) -> Action | None:
    for a in c.actions:
        if a.inst.name == instance and a.transition.name == transition:
            return a
    return None


def _sender(label: Label) -> int:
    return label if isinstance(label, int) else int(label[0])


def _ruled_out(c: Compiled, e: Event, states: list[State]) -> list[RuledOut]:
    machine = c.system.instance(e.instance).machine
    out: list[RuledOut] = []
    for tname in e.transitions:
        t = machine.transition(tname)
        assert t is not None
        name = f"{e.instance}.{tname}"
        if t.on is None:
            a = _action(c, e.instance, tname)
            assert a is not None
            enabled = [s for s in states if c.guards[a.index](s)]
            if not enabled:
                out.append(RuledOut(transition=name, reason="its guard is false in every candidate: "
                                    + _guard_story(c, t.guard, e.instance, states)))
                continue
            steps = [u for s in enabled for label, u in c.successors(s) if _sender(label) == a.index]
            out.append(RuledOut(transition=name, reason=_observed_story(c, e, steps, len(enabled))))
            continue
        senders = [a for a in c.actions if a.transition.emit == t.on and a.inst.name != e.instance]
        if not senders:
            out.append(RuledOut(transition=name, reason=f"no instance emits {t.on!r}"))
        receive = c.expr_fn(t.guard, e.instance)
        for a in senders:
            via = f"{a.label} -> {name}"
            enabled = [s for s in states if c.guards[a.index](s)]
            if not enabled:
                out.append(RuledOut(transition=via, reason=f"{a.label} (which emits {t.on!r}) cannot fire: its guard "
                                    "is false in every candidate: " + _guard_story(c, a.transition.guard, a.inst.name, states)))
                continue
            ready = [s for s in enabled if receive(s)]
            if not ready:
                out.append(RuledOut(transition=via, reason=f"{a.label} can emit {t.on!r}, but {name}'s guard is false "
                                    "then: " + _guard_story(c, t.guard, e.instance, enabled)))
                continue
            steps = [u for s in ready for label, u in c.successors(s)
                     if _sender(label) == a.index and (e.instance, tname) in _receivers(c, label)]
            out.append(RuledOut(transition=via, reason=_observed_story(c, e, steps, len(ready))))
    return out


def _receivers(c: Compiled, label: Label) -> tuple[tuple[str, str], ...]:
    return c.label_parts(label)[1]


def _observed_story(c: Compiled, e: Event, after: list[State], n: int) -> str:
    """Why the steps that fire (into the states *after*, from *n* candidates) do not fit what *e* observed."""
    where = "every candidate" if n > 1 else "a candidate"
    if not after:
        return f"it is enabled in {where} but the model takes no such step"
    wrong = []
    for (i, v), x in e.observed:
        k = c.system.slot_of(i, v)
        gives = _unique(u[k] for u in after)
        if x not in gives:
            wrong.append(f"{i}.{v} would be {_values(gives)} where the log observed {show_value(x)}")
    if wrong:
        return f"it can fire (from {n} candidate{'s' if n != 1 else ''}), but then " + "; ".join(wrong)
    return "it can fire, but no such step gives all the observed values together"


def _values(values: Sequence[Any]) -> str:
    shown = [show_value(v) for v in values[:4]]
    return " or ".join(shown) + (f" (or {len(values) - 4} more)" if len(values) > 4 else "")


def _conjuncts(expr: Expr) -> tuple[Expr, ...]:
    if isinstance(expr, Op) and expr.op == "and":
        return operands(expr)
    return (expr,)


def _guard_story(c: Compiled, guard: Expr, instance: str, states: list[State]) -> str:
    """The parts of *guard* that are false, with the values of what they read."""
    if not states:
        return "there is no candidate"
    parts = [(p, c.expr_fn(p, instance)) for p in _conjuncts(guard)]
    dead = [p for p, fn in parts if not any(fn(s) for s in states)]
    if dead:
        return "; ".join(_part_story(c, p, instance, states) for p in dead)
    # every part holds somewhere, never all together: say what fails in each candidate
    stories = []
    for s in states[:3]:
        failing = [p for p, fn in parts if not fn(s)]
        stories.append(" and ".join(_part_story(c, p, instance, [s]) for p in failing[:2]))
    more = f" (and {len(states) - 3} more candidates)" if len(states) > 3 else ""
    return "no candidate meets all of it: " + "; or ".join(stories) + more


def _part_story(c: Compiled, part: Expr, instance: str, states: list[State]) -> str:
    values = []
    for r in dict.fromkeys((r.instance or instance, r.name) for r in refs_of(part)):
        k = c.system.slot_of(*r)
        values.append(f"{r[0]}.{r[1]} = {_values(_unique(s[k] for s in states))}")
    text = to_text(part, self_name=instance)
    return f"{text} ({', '.join(values)})" if values else text
