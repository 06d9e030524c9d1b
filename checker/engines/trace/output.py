"""A trace check as text for people and as JSON for machines (no printing here).

The JSON document is :func:`statebound.checker.output.report_to_json`'s, with a ``replay`` key
(see ``docs/trace-format.md``); the text reuses the check's layout, with each step of a trace
followed by the log line it explains.
"""

from __future__ import annotations

import re
from typing import Any

from ...machine import System
from ...output import format_outcome, format_trace, report_to_json
from ...result import StateValues, Verdict, show_value
from . import CONFORMS, TraceResult, Unexplained

__all__ = ["format_trace_result", "trace_result_to_json", "unexplained_to_json", "candidate_lines"]

_STEP = re.compile(r"^(\s+)(\d+)\. \S")


def _value(v: Any) -> Any:
    return v if isinstance(v, (bool, int, str)) else str(v)


def unexplained_to_json(u: Unexplained) -> dict[str, Any]:
    return {
        "line": u.line,
        "event": u.event,
        "summary": u.summary,
        "observed": {k: _value(v) for k, v in u.observed},
        "allowed": list(u.allowed),
        "candidate_count": u.candidate_count,
        "candidates": [{f"{i}.{v}": _value(x) for (i, v), x in st} for st in u.candidates],
        "ruled_out": [{"transition": r.transition, "reason": r.reason} for r in u.ruled_out],
    }


def trace_result_to_json(result: TraceResult, *, target: str = "") -> dict[str, Any]:
    """The report's JSON document with the replay's findings under ``replay``."""
    doc = report_to_json(result.report, target=target)
    log = result.log
    doc["replay"] = {
        "log": log.path,
        "lines": log.lines,
        "events": len(log.events),
        "explained": result.explained,
        "recorded": list(log.recorded),
        "unrecorded": list(result.unrecorded),
        "silent": sorted(f"{i}.{t}" for i, t in log.silent),
        "candidates": {"max": result.candidates_max, "mean": round(result.candidates_mean, 3),
                       "final": result.candidates_final},
        "seconds": round(result.seconds, 4),
        "unexplained": unexplained_to_json(result.unexplained) if result.unexplained is not None else None,
        "step_lines": {name: list(lines) for name, lines in result.lines},
        "not_checked": [{"name": n, "kind": k, "reason": w} for n, k, w in result.not_checked],
    }
    return doc


def _annotate(lines: list[str], step_lines: tuple[int | None, ...]) -> list[str]:
    """Add the log line each numbered step explains (``   [line 7]``, ``   [not in the log]``)."""
    out = []
    k = 0
    for text in lines:
        m = _STEP.match(text)
        if m and k < len(step_lines) and int(m.group(2)) == k + 1:
            line = step_lines[k]
            text += f"   [line {line}]" if line is not None else "   [not in the log]"
            k += 1
        out.append(text)
    return out


def candidate_lines(states: tuple[StateValues, ...], system: System | None = None, *, indent: str = "") -> list[str]:
    """The candidate states: what they share on one line, then what tells each apart."""
    if not states:
        return [f"{indent}(none)"]
    hidden = set()
    if system is not None:
        hidden = {(i.name, v.name) for i in system.instances for v in i.machine.variables if v.hidden}

    def show(key: tuple[str, str], value: Any) -> str:
        return f"{key[0]}.{key[1]} = {show_value(value)}" + (" (hidden)" if key in hidden else "")

    keys = [k for k, _ in states[0]]
    same = [k for j, k in enumerate(keys) if all(st[j][1] == states[0][j][1] for st in states)]
    out = []
    if same:
        out.append(f"{indent}in all: " + ", ".join(show(k, dict(states[0])[k]) for k in same))
    if len(states) > 1:
        for n, st in enumerate(states, start=1):
            out.append(f"{indent}{n}. " + ", ".join(show(k, v) for k, v in st if k not in same))
    return out


def format_trace_result(result: TraceResult, *, system: System | None = None, target: str = "") -> list[str]:
    """The text report of a trace check."""
    report, log = result.report, result.log
    params = ", ".join(f"{k}={show_value(v)}" for k, v in report.params)
    lines = [f"statebound trace {target or report.system} {log.path}" + (f"  [{params}]" if params else "")]
    n = len(log.events)
    lines.append(f"replayed {result.explained} of {n} event{'s' if n != 1 else ''} ({log.lines} lines) "
                 f"in {result.seconds:.2f} s; recorded: {', '.join(log.recorded) or 'none'}"
                 + (f"; not recorded: {', '.join(result.unrecorded)}" if result.unrecorded else ""))
    lines.append(f"candidate model states before an event: at most {result.candidates_max}, "
                 f"{result.candidates_mean:.1f} on average, {result.candidates_final} at the end")
    lines.append("")
    for o in report.outcomes:
        if o.property == CONFORMS:
            lines += _conforms(result, system)
        else:
            block = format_outcome(o, system=system)
            if o.trace is not None and o.verdict is Verdict.INCONCLUSIVE:
                block.append("     one explanation that breaks it:")
                block += format_trace(o.trace, indent="     ")
            lines += _annotate(block, result.step_lines(o.property))
        if o.verdict is not Verdict.HOLDS:
            lines.append("")
    if result.not_checked:
        lines.append("not checked (a recorded run cannot break them): "
                     + ", ".join(f"{name} ({kind})" for name, kind, _ in result.not_checked))
    counts = {v: sum(1 for o in report.outcomes if o.verdict is v) for v in Verdict}
    lines.append(f"{counts[Verdict.HOLDS]} hold, {counts[Verdict.VIOLATED]} violated, "
                 f"{counts[Verdict.INCONCLUSIVE]} inconclusive")
    return lines


def _conforms(result: TraceResult, system: System | None) -> list[str]:
    o = result.report.outcome(CONFORMS)
    mark = {"holds": "ok  ", "violated": "FAIL", "inconclusive": "??  "}[str(o.verdict)]
    lines = [f"{mark} {CONFORMS}  {o.verdict} (the model explains every event of the log)"]
    u = result.unexplained
    if u is None:
        if o.verdict is not Verdict.HOLDS:
            lines.append(f"     {o.message}")
        return lines
    lines.append(f"     {result.log.path}:{u.line}: {u.summary}")
    if u.observed:
        lines.append("     the line observed: " + ", ".join(f"{k} = {show_value(v)}" for k, v in u.observed))
    more = f" ({len(u.candidates)} shown)" if len(u.candidates) < u.candidate_count else ""
    states = f"{u.candidate_count} model state{'s' if u.candidate_count != 1 else ''}"
    lines.append(f"     candidates just before it ({states}){more}:")
    lines += candidate_lines(u.candidates, system, indent="        ")
    if u.ruled_out:
        lines.append("     what could have produced it, and what rules it out:")
        lines += [f"        {r.transition}: {r.reason}" for r in u.ruled_out]
    lines.append("     the model allowed: " + (", ".join(u.allowed) if u.allowed else "no recorded event"))
    explained = result.explained
    lines.append(f"     one explanation of the {explained} event{'s' if explained != 1 else ''} before it:")
    lines += _annotate(format_trace(result.run, indent="     "), result.step_lines(CONFORMS))
    return lines
