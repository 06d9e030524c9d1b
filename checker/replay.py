"""Replay a recorded trace through a model and judge it again: counterexamples as regression tests.

A counterexample written by ``check`` (a :class:`~statebound.checker.result.Trace`, or the ITF file
``check --out`` writes) names every step: the instance, the transition and the broadcast receivers.
:func:`replay` takes exactly these steps, from the recorded initial state, through the model as it
is *now*, and checks every property along the way, so a test can say whether the bug is still
there: the trace still breaks the property, or it no longer applies (a step the model no longer
allows), or it applies and breaks nothing. ``statebound check --emit-pytest DIR`` writes such tests.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._compile import Label, State, compile_system
from .errors import InputError
from .machine import System
from .output import format_outcome
from .result import DEADLOCK, Change, Coverage, Outcome, StateValues, Step, Trace, Verdict

__all__ = ["Replay", "replay", "trace_from_itf"]

ENGINE = "replay"


@dataclass(frozen=True, slots=True, kw_only=True)
class Replay:
    """What replaying a recorded trace through a model showed.

    ``applies`` when the recorded initial state is an initial state of the model and every
    recorded step could be taken (else ``problem`` says where it stopped); ``trace`` is what was
    replayed, states as the model computes them now. ``outcomes`` holds one ``violated`` outcome
    per property the replayed steps break (its trace ends where the property breaks) and one
    ``holds`` outcome per ``sometimes`` they witness.
    """

    system: System
    applies: bool
    problem: str
    trace: Trace
    outcomes: tuple[Outcome, ...]

    @property
    def violated(self) -> tuple[str, ...]:
        return tuple(o.property for o in self.outcomes if o.verdict is Verdict.VIOLATED)

    @property
    def witnessed(self) -> tuple[str, ...]:
        return tuple(o.property for o in self.outcomes if o.verdict is Verdict.HOLDS)

    def is_violated(self, name: str) -> bool:
        """Do the replayed steps still break property *name*?"""
        return name in self.violated

    def explain(self, name: str) -> str:
        """Why *name* is (or is not) broken by the replay: the counterexample, or what changed."""
        for o in self.outcomes:
            if o.property == name and o.verdict is Verdict.VIOLATED:
                return f"{name} is still violated by the recorded trace:\n" + "\n".join(format_outcome(o, system=self.system))
        if not self.applies:
            return f"{name}: the recorded trace no longer applies: {self.problem}"
        return f"{name}: the recorded trace applies ({len(self.trace)} steps) and no longer breaks it"


def replay(system: System, trace: Trace | Mapping[str, Any] | str | Path, prop: str | None = None) -> Replay:
    """Take the steps of *trace* through *system* and judge its properties along the way.

    Parameters
    ----------
    system : System
        The model as it is now.
    trace : Trace, ITF document, or path of an ITF file
        The recorded execution (a counterexample from ``check``, for instance).
    prop : str, optional
        Judge only this property (``deadlock-free`` included); all by default.

    Returns
    -------
    Replay
        Whether the trace still applies, and which properties it breaks.

    Raises
    ------
    InputError
        An unreadable ITF file, or an unknown property name.

    Examples
    --------
    >>> from statebound import Enum, Instance, Machine, System, Transition, Var, always, ref, check
    >>> s = Var("state", Enum("Off", "On"))
    >>> m = Machine(name="lamp", variables=(s,), transitions=(Transition("on", guard=s == "Off", updates={s: "On"}),))
    >>> lamp = System(name="lamp", instances=(Instance("lamp", m),), check_deadlock=False,
    ...               properties=(always("stays-off", ref("lamp", "state") == "Off"),))
    >>> cex = check(lamp).outcome("stays-off").trace
    >>> replay(lamp, cex, "stays-off").is_violated("stays-off")
    True
    """
    from .engines.random._monitor import Monitor
    from .engines.reference import select

    if not isinstance(trace, Trace):
        trace = trace_from_itf(trace)
    names = None if prop is None else [prop]
    props = select(system, names)
    deadlock = system.check_deadlock and (prop is None or prop == DEADLOCK)
    c = compile_system(system)
    mon = Monitor(c, props, deadlock=deadlock)
    start, problem = _initial(system, c.initial_states(), trace)
    if start is None:
        return Replay(system=system, applies=False, problem=problem, trace=trace, outcomes=())
    succ = c.successors(start)
    run, found = mon.start(start, succ)
    applies = True
    for n, step in enumerate(trace.steps, start=1):
        label = _match(c, succ, step, _state_of(system, trace, n))
        if label is None:
            applies = False
            problem = f"step {n} ({step.instance}: {step.transition}{_receivers(step)}) cannot be taken: {_why(c, succ, step)}"
            break
        t = next(t for lab, t in succ if lab == label)
        succ = c.successors(t)
        found += mon.step(run, label, t, succ)
    if applies and trace.loop is not None and trace.loop < len(trace.steps):
        found += mon.close_lasso(run, trace.loop)
    cov = Coverage(states=len(set(run.states)), steps=len(run.labels), depth=len(run.labels), complete=False,
                   stopped="a replayed trace")
    outcomes = tuple(
        Outcome(property=f.name, kind=f.kind, verdict=Verdict.HOLDS if f.witness else Verdict.VIOLATED, engine=ENGINE,
                coverage=cov, trace=f.trace(c, run), message=f.message, breach=f.breach)
        for f in sorted(found, key=lambda f: f.index)
    )
    loop = trace.loop if applies else None
    return Replay(system=system, applies=applies, problem=problem, trace=c.trace(run.states, run.labels, loop=loop),
                  outcomes=outcomes)


def _initial(system: System, initial: Sequence[State], trace: Trace) -> tuple[State | None, str]:
    if not trace.states:
        return None, "the trace has no state"
    recorded = dict(trace.states[0])
    missing = [f"{i}.{v}" for i, v in system.slots if (i, v) not in recorded]
    if missing:
        return None, f"the model has variables the trace does not: {', '.join(missing)}"
    extra = [f"{i}.{v}" for i, v in recorded if (i, v) not in set(system.slots)]
    if extra:
        return None, f"the trace has variables the model does not: {', '.join(extra)}"
    s = tuple(recorded[slot] for slot in system.slots)
    if s not in set(initial):
        return None, "the recorded initial state is not an initial state of the model"
    return s, ""


def _match(c: Any, succ: Sequence[tuple[Label, State]], step: Step, recorded: State | None) -> Label | None:
    """The step of *succ* that *step* records: same sender and receivers; when the record names no
    receivers (an ITF file's ``loop-action`` does not), the one that reaches the recorded state."""
    # compare whole "instance.transition" names: both parts may hold dots (connect[ChatAssistant.connect])
    sent = f"{step.instance}.{step.transition}"
    want = sorted(f"{i}.{t}" for i, t in step.receivers)
    same = []
    for label, t in succ:
        action, recv = c.label_parts(label)
        if action.label == sent:
            if sorted(f"{i}.{t}" for i, t in recv) == want:
                return label
            same.append((label, t))
    if not want and recorded is not None:
        return next((label for label, t in same if t == recorded), None)
    return None


def _state_of(system: System, trace: Trace, n: int) -> State | None:
    """The recorded state *n* of *trace* in the model's slot order (None when the slots differ)."""
    values = dict(trace.states[n]) if n < len(trace.states) else {}
    if set(values) != set(system.slots):
        return None
    return tuple(values[slot] for slot in system.slots)


def _why(c: Any, succ: Sequence[tuple[Label, State]], step: Step) -> str:
    senders = [c.label_parts(lab) for lab, _ in succ]
    same = [recv for a, recv in senders if a.label == f"{step.instance}.{step.transition}"]
    if same:
        got = "; ".join(", ".join(f"{i}: {t}" for i, t in r) or "none" for r in same)
        return f"the model now answers its broadcast with other receivers ({got})"
    if not any(f"{inst.name}.{t.name}" == f"{step.instance}.{step.transition}" for inst, t in c.system.transitions()):
        return "the model has no such transition"
    return "its guard is false there"


def _receivers(step: Step) -> str:
    return f", received by {', '.join(f'{i}: {t}' for i, t in step.receivers)}" if step.receivers else ""


# --------------------------------------------------------------------------- ITF


def trace_from_itf(doc: Mapping[str, Any] | str | Path) -> Trace:
    """The trace an ITF document (or file) written by ``check`` records (see ``output.to_itf``).

    Variables are ``instance.variable``; each state's ``#meta.action`` names the step that reached
    it (``instance.transition``) and ``#meta.receivers`` its broadcast receivers; a lasso has
    ``loop`` and, when its cycle returns to an earlier state, ``#meta.loop-action``.
    """
    where: str | None = None
    if not isinstance(doc, Mapping):
        where = str(doc)
        try:
            loaded = json.loads(Path(doc).read_text(encoding="utf-8"))
        except OSError as err:
            raise InputError(f"{where}: cannot read the trace: {err.strerror}; check the path", path=where) from None
        except json.JSONDecodeError as err:
            raise InputError(f"{where}:{err.lineno}: not JSON: {err.msg}; give an ITF file written by "
                             "statebound check --out", path=where, line=err.lineno) from None
        if not isinstance(loaded, Mapping):
            raise InputError(f"{where}: not an ITF trace (a JSON object with 'vars' and 'states')", path=where)
        doc = loaded
    label = where or "ITF trace"
    try:
        names = [str(v) for v in doc["vars"]]
        raw_states = list(doc["states"])
        slots = [_split(n, label) for n in names]
        states = [tuple((slot, _decode(st[n])) for slot, n in zip(slots, names, strict=True)) for st in raw_states]
        actions = [_split(str(st["#meta"]["action"]), label) for st in raw_states[1:]]
        receivers = [[_split(str(r), label) for r in st["#meta"].get("receivers", [])] for st in raw_states[1:]]
        loop = doc.get("loop")
        loop_action = doc.get("#meta", {}).get("loop-action")
    except (KeyError, TypeError, ValueError) as err:
        raise InputError(f"{label}: not an ITF trace written by statebound ({type(err).__name__}: {err}); "
                         "give an ITF file written by statebound check --out", path=where) from None
    if not states:
        raise InputError(f"{label}: the trace has no state", path=where)
    if loop is not None and loop_action is not None:
        # the cycle's last step, back to states[loop], is not a state of the file
        if not isinstance(loop, int) or not 0 <= loop < len(states):
            raise InputError(f"{label}: loop {loop!r} is not the index of a state", path=where)
        actions.append(_split(str(loop_action), label))
        receivers.append([])
        states.append(states[loop])
        trace_loop: int | None = loop
    else:
        trace_loop = None if loop is None else len(actions)
    steps = tuple(
        Step(instance=inst, transition=tr, receivers=tuple(recv), changes=_changes(states[k], states[k + 1]))
        for k, ((inst, tr), recv) in enumerate(zip(actions, receivers, strict=True))
    )
    return Trace(states=tuple(states), steps=steps, loop=trace_loop)


def _split(name: str, label: str) -> tuple[str, str]:
    """``instance.name`` split at its last dot outside brackets (instance names hold dots, and so
    do transition names like ``connect[ChatAssistant.connect]``)."""
    depth = 0
    for k in range(len(name) - 1, -1, -1):
        ch = name[k]
        if ch == "]":
            depth += 1
        elif ch == "[":
            depth -= 1
        elif ch == "." and depth == 0 and k > 0:
            return name[:k], name[k + 1:]
    raise ValueError(f"{name!r} is not instance.name")


def _decode(v: Any) -> Any:
    if isinstance(v, Mapping) and "#bigint" in v:
        return int(v["#bigint"])
    if isinstance(v, list):  # an Array value (output._value writes tuples as JSON arrays)
        return tuple(_decode(x) for x in v)
    return v


def _changes(before: StateValues, after: StateValues) -> tuple[Change, ...]:
    return tuple(Change(instance=i, variable=v, before=x, after=y)
                 for ((i, v), x), (_, y) in zip(before, after, strict=True) if x != y)
