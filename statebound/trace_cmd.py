"""``statebound trace TARGET LOG.jsonl`` and the ``--html FILE`` report of ``check`` and ``trace``
(issue 15).

:mod:`statebound.cli` registers :data:`trace_cmd` on its command group and calls
:func:`write_html` for ``check --html``; this module reuses the CLI's run state, model loading,
output folder and error reporting (imported when a command runs, since the CLI imports this
module). Exit codes are the check's: 0 the model explains the log and every property holds on
it, 1 an event the model cannot explain or a property the run breaks, 2 bad input (a malformed
log: one line naming the file and the line), 3 inconclusive, 4 internal error.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ._session import output_options, timeout_option
from .checker.engines import Budget
from .checker.errors import InputError

if TYPE_CHECKING:  # imported when the command runs (issue 13: start-up)
    from .checker.engines.trace import TraceResult
    from .checker.machine import System
    from .checker.result import Report

__all__ = ["trace_cmd", "write_html", "html_document"]

#: traces longer than this are written as ITF but not drawn into --out (dot would take minutes)
MAX_DRAWN_STEPS = 60


def html_document(system: System, report: Report, *, target: str, result: TraceResult | None = None) -> bytes:
    """The HTML report of a check (or, with *result*, of a trace check) as UTF-8 bytes."""
    from .checker.engines.trace import CONFORMS
    from .checker.engines.trace.output import candidate_lines
    from .diagrams.html import Section, to_html

    if result is None:
        return to_html(system, report, target=target, command="check").encode("utf-8")
    log = result.log
    lines = [
        f"log: {log.path} ({log.lines} lines, {len(log.events)} events; {result.explained} explained)",
        f"recorded: {', '.join(log.recorded) or 'none'}"
        + (f"; not recorded: {', '.join(result.unrecorded)}" if result.unrecorded else ""),
        f"candidate model states before an event: at most {result.candidates_max}, "
        f"{result.candidates_mean:.1f} on average, {result.candidates_final} at the end",
    ]
    u = result.unexplained
    if u is not None:
        lines += ["", f"line {u.line}: {u.summary}"]
        if u.observed:
            lines.append("the line observed: " + ", ".join(f"{k} = {v}" for k, v in u.observed))
        lines.append(f"candidates just before it ({u.candidate_count}):")
        lines += candidate_lines(u.candidates, system, indent="    ")
        if u.ruled_out:
            lines.append("what could have produced it, and what rules it out:")
            lines += [f"    {r.transition}: {r.reason}" for r in u.ruled_out]
        lines.append("the model allowed: " + (", ".join(u.allowed) if u.allowed else "no recorded event"))
    if result.not_checked:
        lines += ["", "not checked (a recorded run cannot break them): "
                  + ", ".join(f"{n} ({k})" for n, k, _ in result.not_checked)]
    notes = {name: list(step_lines) for name, step_lines in result.lines}
    page = to_html(system, report, target=f"{target} {log.path}", command="trace",
                   sections=(Section(title="The recorded run", lines=tuple(lines)),), step_notes=notes,
                   trace_names={CONFORMS: "one explanation of the log" + (f" up to line {u.line - 1}" if u else "")})
    return page.encode("utf-8")


def write_html(path: Path, system: System, report: Report, *, target: str, result: TraceResult | None = None) -> Path:
    """Write the HTML report to *path* (atomically); an :class:`InputError` when it cannot."""
    from .checker.files import write_atomically

    data = html_document(system, report, target=target, result=result)
    try:
        if path.parent != Path(""):
            path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)
    except OSError as err:
        from ._outputs import why_unwritable

        raise InputError(f"--html {str(path)!r}: cannot write it: {why_unwritable(path, err)}; "
                         "choose a writable file") from None
    return path


@click.command("trace")
@click.argument("target")
@click.argument("log_path", metavar="LOG.jsonl", type=click.Path(path_type=Path, dir_okay=True))
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of the model function (repeatable), e.g. --param clients=2.")
@click.option("--property", "props", multiple=True, metavar="NAME",
              help="Judge only this property on the recorded run (repeatable); log-conforms is always decided.")
@output_options
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Also write a self-contained HTML report that steps through each trace.")
@click.option("--max-states", type=click.IntRange(min=1), default=None, metavar="N",
              help="Stop when more than N candidates are kept at one event (inconclusive).")
@timeout_option
def trace_cmd(target: str, log_path: Path, params: tuple[str, ...], props: tuple[str, ...], fmt: str, out: Path,
              no_out: bool, html: Path | None, max_states: int | None, timeout: float | None) -> int:
    """Replay the recorded run LOG.jsonl through TARGET's model: the first event the model cannot
    explain, and every property the run breaks (docs/trace-format.md)."""
    from . import _session as session
    from ._guard import model_code
    from .checker.engines.trace import check_trace, read_log
    from .checker.engines.trace.output import format_trace_result, trace_result_to_json

    run, deadline = session.start(target, out, no_out, timeout)  # before anything runs (defects 13, 14)
    system = session._load(run, target, params, deadline)
    run.phase = f"reading {log_path}"
    log = read_log(log_path, system)
    run.phase = session.CHECKING
    left = None if deadline is None else max(deadline - time.monotonic(), 1e-3)
    backstop = None if deadline is None or left is None else deadline + 1.0 + 0.1 * left
    with model_code(backstop):
        result = check_trace(system, log, properties=list(props) or None,
                             budget=Budget(max_states=max_states, timeout=left))
    report = result.report
    if fmt == "text":  # the verdicts first, whatever happens to the files
        for line in format_trace_result(result, system=system, target=target):
            click.echo(line)
    u = result.unexplained
    if u is not None:
        click.echo(f"statebound: unexplained: {log.path}:{u.line}: {u.summary}", err=True)
    errors: list[str] = []
    notes: list[str] = []
    written: list[str] = []
    code = result.exit_code()
    if run.outputs is not None:
        run.phase = session.WRITING
        try:
            written, notes = _write_outputs(run.outputs, result, system, target)
        except OSError as err:
            code = session.EXIT_INPUT
            errors.append(f"--out {str(out)!r}: cannot write: {err.strerror}; free some space or choose another --out "
                          "(the verdicts are complete)")
        except InputError as err:
            code = session.EXIT_INPUT
            errors += err.lines
    if html is not None:
        run.phase = session.WRITING
        write_html(html, system, report, target=target, result=result)
    if fmt == "json":
        doc = trace_result_to_json(result, target=target)
        doc["errors"] = list(doc["errors"]) + errors
        doc["exit_code"] = int(code)
        click.echo(json.dumps(doc, indent=2))
    elif written:
        traces = sum(1 for n in written if n.endswith(".itf.json"))
        click.echo(f"wrote report.json, {traces} ITF trace{'s' if traces != 1 else ''} and "
                   f"{len([n for n in written if n.endswith('.svg')])} SVG diagrams to {out}/"
                   + (f"; the HTML report to {html}" if html is not None else ""))
    elif html is not None:
        click.echo(f"wrote the HTML report to {html}")
    for error in errors:
        session._err(error)
    for note in notes:
        click.echo(f"statebound: note: {note}", err=True)
    return int(code)


def _write_outputs(outputs: object, result: TraceResult, system: System, target: str) -> tuple[list[str], list[str]]:
    """report.json (with the replay), an ITF trace per counterexample and of the replayed run
    (``replay.itf.json``), and the diagrams of each counterexample short enough to draw."""
    from ._guard import deferred_signals
    from ._outputs import OutputDir
    from .checker.engines.trace import CONFORMS
    from .checker.engines.trace.output import trace_result_to_json
    from .checker.output import dumps, to_itf
    from .checker.result import Verdict
    from .diagrams.write import FileNames, write_counterexample

    assert isinstance(outputs, OutputDir)
    report = result.report
    notes: list[str] = []
    stems = FileNames()
    with deferred_signals():
        outputs.write("report.json", dumps(trace_result_to_json(result, target=target)).encode("utf-8"))
        run_itf = to_itf(result.run, system=report.system, prop="", params=report.params)
        run_itf["#meta"]["description"] = f"one explanation of {result.log.path} (lines: #meta.line)"
        _add_lines(run_itf, result.step_lines(CONFORMS))
        outputs.write("replay.itf.json", dumps(run_itf).encode("utf-8"))
        drawn = FileNames()
        for o in report.outcomes:
            if o.trace is None or o.verdict is not Verdict.VIOLATED:
                continue
            stem = stems.stem(o.property)
            itf = to_itf(o.trace, system=report.system, prop=o.property, params=report.params)
            _add_lines(itf, result.step_lines(o.property))
            outputs.write(f"{stem}.itf.json", dumps(itf).encode("utf-8"))
            if len(o.trace.steps) > MAX_DRAWN_STEPS:
                notes.append(f"{o.property}: its trace has {len(o.trace.steps)} steps, too many to draw "
                             f"(at most {MAX_DRAWN_STEPS}); see {stem}.itf.json")
                continue
            _, more = write_counterexample(system, o, out_dir=outputs.path, stem=stem, names=drawn, write=outputs.sink)
            notes += [n for n in more if n not in notes]
    return list(outputs.written), notes


def _add_lines(itf: dict[str, object], lines: tuple[int | None, ...]) -> None:
    """Each ITF state after a step says which log line the step explains (``#meta.line``)."""
    states = itf.get("states")
    if not isinstance(states, list):
        return
    for k, st in enumerate(states[1:]):
        if k < len(lines) and isinstance(st, dict):
            st["#meta"]["line"] = lines[k]
