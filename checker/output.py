"""Serialise results: the JSON report, ITF traces, and the text people read (no printing here)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from .expr import Ref, refs_of, to_text
from .machine import System
from .property import (
    Always,
    Eventually,
    EventuallyAlways,
    InfinitelyOften,
    LeadsTo,
    NeverAfter,
    OnEveryStep,
    OnStep,
    Property,
    Sometimes,
)
from .result import Outcome, Report, Side, Trace, Verdict, show_value

__all__ = [
    "report_to_json", "error_to_json", "trace_to_json", "to_itf", "format_report", "format_trace", "format_outcome",
]

ITF_DESCRIPTION = "https://apalache-mc.org/docs/adr/015adr-trace.html"


def _value(v: Any) -> Any:
    if isinstance(v, bool) or isinstance(v, str):
        return v
    if isinstance(v, int):
        return v if abs(v) < 2**53 else {"#bigint": str(v)}
    if isinstance(v, tuple):  # an Array value: a JSON array (an ITF sequence)
        return [_value(x) for x in v]
    return str(v)


def trace_to_json(trace: Trace) -> dict[str, Any]:
    """A trace as JSON: steps with their changes, the states, and the loop index of a lasso."""
    return {
        "length": len(trace),
        "loop": trace.loop,
        "initial": {f"{i}.{v}": _value(x) for (i, v), x in trace.states[0]},
        "steps": [
            {
                "instance": s.instance,
                "transition": s.transition,
                "event": s.event,
                "receivers": [{"instance": i, "transition": t} for i, t in s.receivers],
                "changes": [
                    {"variable": f"{c.instance}.{c.variable}", "before": _value(c.before), "after": _value(c.after)}
                    for c in s.changes
                ],
            }
            for s in trace.steps
        ],
    }


def _outcome_json(o: Outcome) -> dict[str, Any]:
    return {
        "name": o.property,
        "kind": o.kind,
        "verdict": str(o.verdict),
        "engine": o.engine,
        "message": o.message,
        "warnings": list(o.warnings),
        "coverage": o.coverage.to_json(),
        "trace": trace_to_json(o.trace) if o.trace is not None else None,
    }


def report_to_json(report: Report, *, target: str = "") -> dict[str, Any]:
    """The whole report as a JSON-ready dict (``--format json`` and ``--out``)."""
    return {
        "statebound": 1,
        "target": target,
        "system": report.system,
        "params": {k: _value(v) for k, v in report.params},
        "exit_code": report.exit_code(),
        "coverage": report.coverage.to_json(),
        "properties": [_outcome_json(o) for o in report.outcomes],
        "errors": list(report.errors),
    }


def error_to_json(errors: Sequence[str], *, exit_code: int, target: str = "", system: str | None = None,
                  params: tuple[tuple[str, Any], ...] = (), trace: Trace | None = None,
                  stopped: str | None = None) -> dict[str, Any]:
    """The JSON document of a run that ended without a report: bad input, a model error found
    while exploring (with *trace*, the execution that reaches it), a timeout before any property
    was checked (*stopped* says why), an interruption or an internal error.

    It has the keys of :func:`report_to_json` and ``trace``; ``coverage`` is null unless *stopped*
    is given (nothing was measured to the end), and ``properties`` is empty.
    """
    coverage = None if stopped is None else {"states": 0, "steps": 0, "depth": 0, "seconds": 0.0,
                                             "complete": False, "stopped": stopped, "unfired": []}
    return {
        "statebound": 1,
        "target": target,
        "system": system,
        "params": {k: _value(v) for k, v in params},
        "exit_code": int(exit_code),
        "coverage": coverage,
        "properties": [],
        "errors": list(errors),
        "trace": trace_to_json(trace) if trace is not None else None,
    }


def to_itf(trace: Trace, *, system: str, prop: str, params: tuple[tuple[str, Any], ...] = ()) -> dict[str, Any]:
    """*trace* in the Informal Trace Format read by Apalache and Quint.

    Variables are named ``instance.variable``; each state's ``#meta`` names the step that led to
    it. A lasso has ``loop``: the index of the state the last state continues to.
    """
    names = [f"{i}.{v}" for (i, v), _ in trace.states[0]]
    states = list(trace.states)
    loop = trace.loop
    if loop is not None and loop < len(trace.steps):
        states = states[:-1]  # the last state equals states[loop]
    out_states = []
    for k, st in enumerate(states):
        meta: dict[str, Any] = {"index": k}
        if k > 0:
            step = trace.steps[k - 1]
            meta["action"] = step.label
            if step.receivers:
                meta["receivers"] = [f"{i}.{t}" for i, t in step.receivers]
        entry: dict[str, Any] = {"#meta": meta}
        entry.update({f"{i}.{v}": _value(x) for (i, v), x in st})
        out_states.append(entry)
    doc: dict[str, Any] = {
        "#meta": {
            "format": "ITF",
            "format-description": ITF_DESCRIPTION,
            "source": system,
            "description": f"counterexample to {prop}" if prop else "trace",
            "params": {k: _value(v) for k, v in params},
        },
        "vars": names,
        "states": out_states,
    }
    if loop is not None:
        doc["loop"] = loop if loop < len(trace.steps) else len(states) - 1
        if loop < len(trace.steps):  # the step from the last state back to states[loop]
            doc["#meta"]["loop-action"] = trace.steps[-1].label
    return doc


def dumps(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=False) + "\n"


# --------------------------------------------------------------------------- text


def _initial_lines(trace: Trace, indent: str) -> list[str]:
    init = [f"{i}.{v} = {show_value(x)}" for (i, v), x in trace.states[0]]
    if len(init) <= 4:
        return [f"{indent}initial: " + ", ".join(init)]
    return [f"{indent}initial state:"] + [f"{indent}    {entry}" for entry in _wrap(init, 100 - len(indent) - 4)]


def format_trace(trace: Trace, *, indent: str = "  ", initial: bool = True) -> list[str]:
    """The steps of *trace*, each with its instance, transition, receivers and only the changes.

    With ``initial=False`` the initial state is not printed (the report printed it once).
    """
    lines: list[str] = _initial_lines(trace, indent) if initial else [f"{indent}from the initial state above:"]
    width = len(str(len(trace.steps)))
    pad = indent + " " * (width + 2) + "   "
    for k, step in enumerate(trace.steps):
        if trace.loop is not None and k == trace.loop:
            lines.append(f"{indent}-- the cycle starts here and repeats forever --")
        lines.append(f"{indent}{k + 1:>{width}}. {step.instance}: {step.transition}")
        if step.receivers:
            recv = [f"{i}: {t}" for i, t in step.receivers]
            wrapped = _wrap(recv, 100 - len(pad) - 4)
            lines.append(f"{pad}broadcast {step.event!r}, received by" + (f" {wrapped[0]}" if len(wrapped) == 1 else ":"))
            if len(wrapped) > 1:
                lines += [f"{pad}    {w}" for w in wrapped]
        elif step.event:
            lines.append(f"{pad}broadcast {step.event!r}, received by no one")
        if not step.changes:
            lines.append(f"{pad}(no variable changes)")
        for c in step.changes:
            lines.append(f"{pad}{c}")
    if trace.loop is not None and trace.loop >= len(trace.steps):
        lines.append(f"{indent}-- then nothing fair is enabled: the execution may stay in this state forever --")
    elif trace.loop is not None:
        lines.append(f"{indent}-- back to the state before step {trace.loop + 1} --")
    return lines


def _wrap(items: list[str], width: int) -> list[str]:
    out, cur = [], ""
    for it in items:
        if cur and len(cur) + 2 + len(it) > width:
            out.append(cur + ",")
            cur = it
        else:
            cur = f"{cur}, {it}" if cur else it
    if cur:
        out.append(cur)
    return out


def _prop_refs(p: Property | None) -> list[Ref]:
    if p is None:
        return []
    exprs = []
    if isinstance(p, (Always, Sometimes)):
        exprs = [p.expr]
    elif isinstance(p, OnStep):
        exprs = [p.before, p.after]
    elif isinstance(p, LeadsTo):
        exprs = [p.p, p.q]
    elif isinstance(p, (InfinitelyOften, EventuallyAlways, Eventually)):
        exprs = [p.expr]
    elif isinstance(p, OnEveryStep):
        exprs = [p.after]
    elif isinstance(p, NeverAfter) and not isinstance(p.until, frozenset):
        exprs = [p.until]
    return [r for e in exprs for r in refs_of(e)]


def property_text(p: Property) -> str:
    """A one-line statement of *p*."""
    if isinstance(p, Always):
        return f"always {to_text(p.expr)}"
    if isinstance(p, Sometimes):
        return f"sometimes {to_text(p.expr)}"
    if isinstance(p, OnStep):
        parts = [f"every step tagged {'/'.join(sorted(p.tags))}"]
        if getattr(p.before, "value", None) is not True:
            parts.append(f"starts where {to_text(p.before)}")
        if getattr(p.after, "value", None) is not True:
            parts.append(f"ends where {to_text(p.after)}")
        return " ".join(parts)
    if isinstance(p, NeverAfter):
        until = "/".join(sorted(p.until)) if isinstance(p.until, frozenset) else to_text(p.until)
        scope = " (per instance)" if p.per_instance else ""
        text = f"after {'/'.join(sorted(p.trigger))}, no {'/'.join(sorted(p.forbidden))}"
        return text + (f" until {until}" if until else "") + scope
    if isinstance(p, InfinitelyOften):
        return f"infinitely often {to_text(p.expr)}"
    if isinstance(p, EventuallyAlways):
        return f"eventually always {to_text(p.expr)}"
    if isinstance(p, Eventually):
        return f"eventually {to_text(p.expr)}"
    if isinstance(p, OnEveryStep):
        exempt = ("that changes something" if p.unless_unchanged is None
                  else "that changes " + ", ".join(to_text(e) for e in p.unless_unchanged))
        return f"every step {exempt} ends where {to_text(p.after)}"
    return f"{to_text(p.p)} leads to {to_text(p.q)}"


def _broke_before(o: Outcome) -> bool:
    """A step rule broken by the state before the step (not by the step itself)."""
    return o.breach is not None and o.breach.side is Side.BEFORE


def _breaking_state(o: Outcome, p: Property | None) -> str:
    if o.trace is None:
        return ""
    before = _broke_before(o) and len(o.trace.states) > 1
    final = dict(o.trace.states[-2] if before else o.trace.states[-1])
    refs = _prop_refs(p)
    keys: list[tuple[str, str]] = []
    step_inst = [i for i, _ in ([(o.trace.steps[-1].instance, "")] + list(o.trace.steps[-1].receivers))] if o.trace.steps else []
    for r in refs:
        if r.instance is not None:
            keys.append((r.instance, r.name))
        else:
            keys.extend((i, r.name) for i in step_inst if (i, r.name) in final)
    seen: list[tuple[str, str]] = []
    for k in keys:
        if k in final and k not in seen:
            seen.append(k)
    if not seen:
        return ""
    return ", ".join(f"{i}.{v} = {show_value(final[(i, v)])}" for i, v in seen)


#: the engines that decide on z3 without enumerating states
SYMBOLIC = frozenset({"bmc", "induction"})


def format_outcome(o: Outcome, *, system: System | None = None, verbose_holds: bool = False,
                   initial: bool = True) -> list[str]:
    """The text block of one outcome: verdict line, the counterexample, what breaks."""
    prop: Property | None = None
    if system is not None:
        try:
            prop = system.property(o.property)
        except KeyError:
            prop = None
    mark = {"holds": "ok  ", "violated": "FAIL", "inconclusive": "??  "}[str(o.verdict)]
    length = ""
    if o.trace is not None and o.verdict is Verdict.VIOLATED:
        n = len(o.trace)
        length = f", {'lasso of ' if o.trace.is_lasso else ''}{n} step{'' if n == 1 else 's'}"
    lines = [f"{mark} {o.property}  {o.verdict} ({o.kind}{length})"]
    if prop is not None and (o.verdict is not Verdict.HOLDS or verbose_holds):
        lines.append(f"     rule: {property_text(prop)}")
    if o.verdict is Verdict.VIOLATED and o.trace is not None:
        lines.append("     counterexample:")
        lines += format_trace(o.trace, indent="     ", initial=initial)
        lines.append(f"     violated: {o.property}: {o.message}")
        state = _breaking_state(o, prop)
        if state:
            where = "the state before the last step" if _broke_before(o) else "the last state"
            lines.append(f"     in {where}: {state}")
    elif o.message and o.verdict is not Verdict.HOLDS:
        lines.append(f"     {o.message}")
    elif o.message and o.engine in SYMBOLIC:  # a proof on z3: how it was proved (k, lemmas, every N)
        lines.append(f"     {_clip(o.message)}")
    for w in o.warnings:
        lines.append(f"     warning: {w}")
    return lines


def _clip(text: str, width: int = 300) -> str:
    """*text*, cut to about *width* characters (a PDR invariant can run to pages)."""
    if len(text) <= width:
        return text
    return text[:width].rstrip() + " ... (the whole text: --format json, or report.json)"


def format_report(report: Report, *, system: System | None = None, target: str = "") -> list[str]:
    """The full text report: header, coverage, each property, the summary line."""
    cov = report.coverage
    params = ", ".join(f"{k}={show_value(v)}" for k, v in report.params)
    lines = [f"statebound check {target or report.system}" + (f"  [{params}]" if params else "")]
    engines = sorted({o.engine for o in report.outcomes})
    if engines and set(engines) <= SYMBOLIC and not cov.states:  # nothing enumerated: say what was done
        lines.append(f"symbolic check on z3 ({', '.join(engines)}): no states enumerated, paths unrolled to depth "
                     f"{cov.depth} in {cov.seconds:.2f} s" + (f" ({cov.stopped})" if cov.stopped else ""))
    else:
        status = "complete" if cov.complete else f"INCOMPLETE: {cov.stopped}"
        lines.append(
            f"explored {cov.states:,} state{'' if cov.states == 1 else 's'}, {cov.steps:,} step{'' if cov.steps == 1 else 's'}, "
            f"depth {cov.depth} in {cov.seconds:.2f} s ({status})"
        )
    if cov.symmetry:  # issue 13: what symmetry reduction did (or why not), with its factor
        factor = cov.reduction
        lines.append(cov.symmetry + (f" (reduction factor {factor:,.1f}: they stand for {cov.represented:,} states)"
                                     if factor is not None and cov.represented is not None else ""))
    traces = [o.trace for o in report.outcomes if o.verdict is Verdict.VIOLATED and o.trace is not None]
    shared = bool(traces) and all(t.states[0] == traces[0].states[0] for t in traces)
    if shared:
        lines += _initial_lines(traces[0], "")
    lines.append("")
    for o in report.outcomes:
        lines += format_outcome(o, system=system, initial=not shared)
        if o.verdict is Verdict.VIOLATED:
            lines.append("")
    if cov.unfired:
        shown = ", ".join(cov.unfired[:8]) + (f" and {len(cov.unfired) - 8} more" if len(cov.unfired) > 8 else "")
        lines.append(f"note: transitions that never fired: {shown}")
    counts = {v: sum(1 for o in report.outcomes if o.verdict is v) for v in Verdict}
    lines.append(
        f"{counts[Verdict.HOLDS]} hold, {counts[Verdict.VIOLATED]} violated, "
        f"{counts[Verdict.INCONCLUSIVE]} inconclusive"
    )
    return lines
