"""The ``statebound`` command line: the only module that prints.

Exit codes: 0 every property holds, 1 a property is violated, 2 bad input (model, arguments,
files, or outputs that could not be written), 3 inconclusive (a budget, the timeout or memory ran
out), 4 internal error (a bug in statebound), 130 interrupted (SIGINT or SIGTERM).

Hostile input, interrupted and concurrent runs (issue 8): model code runs under
:func:`._guard.model_code` (its stdout goes to stderr, ``--timeout`` covers it); ``--out`` is
opened, locked and proved writable before anything is loaded (:mod:`._outputs`); verdicts are
printed whatever happens to the files; and every failure, at any point, is one message on stderr,
one JSON document with ``--format json``, and a ``report.json`` that says what happened.
"""

from __future__ import annotations

import json
import math
import sys
import time
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._guard import Interrupted, OutOfTime, clear_pending_signal, deferred_signals, model_code, pending_signal, signals
from ._outputs import MANIFEST, OutputDir
from .checker import _compile
from .checker.engines import ENGINES, Budget, engine
from .checker.engines.reference import check
from .checker.errors import InputError, UserError
from .checker.load import load_function, load_system, signature_params
from .checker.machine import System
from .checker.output import (
    dumps,
    error_to_json,
    format_report,
    format_trace,
    property_text,
    report_to_json,
    to_itf,
)
from .checker.result import ExitCode, Report, Trace, Verdict
from .cli_options import ci_options, complete_target, finish_ci, is_completing
from .simulate_cmd import emit_pytest_option, simulate_cmd

__all__ = ["main"]

EXIT_OK, EXIT_VIOLATED, EXIT_INPUT = ExitCode.OK, ExitCode.VIOLATED, ExitCode.BAD_INPUT
EXIT_INCONCLUSIVE, EXIT_INTERNAL, EXIT_INTERRUPTED = ExitCode.INCONCLUSIVE, ExitCode.INTERNAL, ExitCode.INTERRUPTED
DEFAULT_OUT = "statebound-out"
#: the run's phases, as messages name them
LOADING, CHECKING, WRITING = "loading and building the model", "checking", "writing the outputs"
#: the compile step's "its deadline passed" (issue 8, defect 5), for a compile step that has one;
#: engines that give it a deadline should report inconclusive themselves, this is the fallback
_COMPILE_DEADLINE: tuple[type[BaseException], ...] = tuple(
    t for t in (getattr(_compile, "DeadlineReached", None),) if isinstance(t, type) and issubclass(t, BaseException))
_TIMED_OUT: tuple[type[BaseException], ...] = (OutOfTime, *_COMPILE_DEADLINE)
BUG_HINT = ("this is a bug in statebound; please report it with the command you ran "
            "(add --debug to see the traceback)")


def _say(label: str, message: str) -> None:
    for line in message.splitlines() or [""]:
        click.echo(f"statebound: {label}: {line}", err=True)


def _err(message: str) -> None:
    _say("error", message)


@dataclass
class _Run:
    """What one invocation has done so far, so that a failure at any point is still reported
    (on stderr, as a JSON document, and in ``--out``). Mutable: the command fills it in."""

    as_json: bool = False
    target: str = ""
    phase: str = "reading the command line"
    timeout: float | None = None
    system: System | None = None
    report: Report | None = None  # once the check is done: a later failure still reports its verdicts
    outputs: OutputDir | None = None
    extra: list[str] = field(default_factory=list)


class _Undecided(Exception):  # noqa: N818 - an outcome, not a failure
    """The run ends inconclusive without a report (exit 3); *stopped* says why."""

    def __init__(self, message: str, stopped: str) -> None:
        super().__init__(message)
        self.stopped = stopped


def _state() -> _Run:
    return click.get_current_context().ensure_object(_Run)


if TYPE_CHECKING:  # click >= 8.2 makes ParamType generic; older versions do not subscript
    _ParamType = click.ParamType[Any, Any]
else:
    _ParamType = click.ParamType


class _Number(_ParamType):
    """A budget value: finite, a whole number when *whole*, at least *least* (issue 8, defect 12:
    ``--timeout nan`` was accepted and disabled the timeout)."""

    def __init__(self, what: str, *, whole: bool, least: float, open_bound: bool = False) -> None:
        self.what, self.whole, self.least, self.open_bound = what, whole, least, open_bound
        self.name = "integer" if whole else "seconds"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            number: float | None = value
        else:
            try:
                number = int(str(value)) if self.whole else float(str(value))
            except ValueError:
                number = None
        low_ok = number is not None and (number > self.least if self.open_bound else number >= self.least)
        if number is None or not math.isfinite(number) or not low_ok:
            option = param.opts[0] if param is not None and param.opts else "value"
            raise InputError(f"{option} {value}: not {self.what}")
        return number


_SECONDS = _Number("a positive number of seconds, e.g. --timeout 60 (leave it out for no limit)",
                   whole=False, least=0, open_bound=True)
_STATES = _Number("a whole number of states, at least 1, e.g. --max-states 100000", whole=True, least=1)
_DEPTH = _Number("a whole number of steps, at least 0, e.g. --max-depth 20", whole=True, least=0)


def _budget_options(fn: Any) -> Any:
    """--max-states, --max-depth and --timeout, shared by check and diagram (defect 15)."""
    fn = click.option("--timeout", type=_SECONDS, default=None, metavar="SECONDS",
                      help="Stop after this many seconds, loading and building the model included (inconclusive).")(fn)
    fn = click.option("--max-depth", type=_DEPTH, default=None, metavar="N",
                      help="Explore at most this many steps deep (inconclusive if there is more).")(fn)
    fn = click.option("--max-states", type=_STATES, default=None, metavar="N",
                      help="Stop after this many states (inconclusive).")(fn)
    return fn


def _load(run: _Run, target: str, params: Sequence[str], deadline: float | None) -> System:
    """Import and build the model under :func:`model_code` (stdout to stderr, the deadline)."""
    run.target, run.phase = target, LOADING
    with model_code(deadline):
        system = load_system(target, params)
    run.system = system
    return system


def _run_check(run: _Run, system: System, *, deadline: float | None, max_states: int | None,
               max_depth: int | None, props: Sequence[str] | None, progress: Any = None,
               engine_name: str = "explicit") -> Report:
    """The check, with what is left of the time. The engine stops itself at the deadline; the
    alarm, a little later, is a backstop for what does not look at the clock."""
    run.phase = CHECKING
    left = None if deadline is None else max(deadline - time.monotonic(), 1e-3)
    budget = Budget(max_states=max_states, max_depth=max_depth, timeout=left)
    backstop = None if deadline is None or left is None else deadline + 1.0 + 0.1 * left
    chosen = engine(engine_name) if engine_name != "explicit" else None  # imported only when asked for
    with model_code(backstop):
        if chosen is not None:
            return chosen.check(system, budget=budget, properties=list(props) if props else None, progress=progress)
        return check(system, budget=budget, properties=list(props) if props else None, progress=progress)


class _Progress:
    """A progress line on stderr for long runs, only when stderr is a terminal."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.started = time.perf_counter()
        self.status: Any = None

    def __call__(self, states: int, steps: int, depth: int, frontier: int) -> None:
        if not self.enabled:
            return
        elapsed = time.perf_counter() - self.started
        if elapsed < 1.5:
            return
        text = f"exploring: {states:,} states, depth {depth}, {states / elapsed:,.0f} states/s"
        if self.status is None:
            from rich.console import Console  # imported only for long runs on a terminal

            self.status = Console(stderr=True).status(text)
            self.status.start()
        else:
            self.status.update(text)

    def stop(self) -> None:
        if self.status is not None:
            self.status.stop()


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


@dataclass
class _Written:
    """What writing the outputs of a check gave (mutable: filled in while writing)."""

    files: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    code: ExitCode | None = None  # set when writing failed or was interrupted


def _write_outputs(outputs: OutputDir, report: Report, system: System, target: str) -> _Written:
    """report.json, one ITF trace per counterexample, and highlighted diagrams of each violation.

    Signals are deferred meanwhile and stop the writing between two files; a failure stops it
    too. Either way ``report.json`` ends up saying what happened (or is removed), and everything
    written is in the manifest (issue 8, defects 6 and 7).
    """
    done = _Written()
    folder = str(outputs.path)
    violated = [o for o in report.outcomes if o.trace is not None and o.verdict is Verdict.VIOLATED]

    def put(path: Path, data: bytes) -> None:
        signum = pending_signal()
        if signum is not None:
            raise Interrupted(signum)
        outputs.sink(path, data)

    with deferred_signals():
        try:
            try:
                from .diagrams.write import FileNames, write_counterexample

                stems = FileNames()  # property names -> distinct stems (defect 8)
                put(outputs.path / "report.json", dumps(report_to_json(report, target=target)).encode("utf-8"))
                for o in violated:
                    assert o.trace is not None
                    itf = to_itf(o.trace, system=report.system, prop=o.property, params=report.params)
                    put(outputs.path / f"{stems.stem(o.property)}.itf.json", dumps(itf).encode("utf-8"))
                if violated:
                    drawn = FileNames()
                    for o in violated:
                        _, more = write_counterexample(system, o, out_dir=outputs.path, stem=stems.stem(o.property),
                                                       names=drawn, write=put)
                        done.notes += [n for n in more if n not in done.notes]
            except Interrupted:
                pass  # handled below, with a signal that came during the last file
            except OSError as err:
                done.code = EXIT_INPUT
                name = Path(err.filename).name if err.filename else "a file"
                done.errors.append(f"--out {folder!r}: cannot write {name}: {err.strerror}; "
                                   "free some space or choose another --out (the verdicts are complete)")
            except UserError as err:  # Graphviz failed or timed out
                done.code = EXIT_INPUT
                done.errors += err.lines
            except Exception as err:  # noqa: BLE001 - the verdicts are still reported
                done.code = EXIT_INTERNAL
                done.errors.append(f"internal error while writing the outputs: {type(err).__name__}: {err}")
            signum = pending_signal()
            if signum is not None:
                done.code = EXIT_INTERRUPTED
                done.errors[:0] = [f"interrupted while {WRITING}; {folder}/{MANIFEST} lists the files written"]
            if done.code is not None:
                _amend_report(outputs, report, target, done)
        finally:
            clear_pending_signal()
    done.files = list(outputs.written)
    return done


def _amend_report(outputs: OutputDir, report: Report, target: str, done: _Written) -> None:
    """After a failed or interrupted write: report.json says so, or is not there at all (a
    report that disagrees with the exit code is worse than none)."""
    doc = report_to_json(report, target=target)
    doc["errors"] = list(doc["errors"]) + done.errors
    doc["exit_code"] = int(done.code or 0)
    try:
        outputs.write("report.json", dumps(doc).encode("utf-8"))
    except OSError:
        try:
            outputs.remove("report.json")
        except OSError:
            pass


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="statebound")
def cli() -> None:
    """statebound: prove the lifecycle rules of web clients (sessions, WebSockets, components).

    TARGET names a function that returns a statebound.System: path/to/file.py:function or
    package.module:function, e.g. models/phase3.py:before.

    Exit codes: 0 all hold, 1 violated, 2 bad input, 3 inconclusive, 4 internal error,
    130 interrupted. Add --debug anywhere to see the traceback of an internal error.
    """


_param_opt = click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
                          help="A parameter of the model function (repeatable), e.g. --param clients=2.")


@cli.command("check")
@click.argument("target", shell_complete=complete_target)
@_param_opt
@click.option("--property", "props", multiple=True, metavar="NAME", help="Check only this property (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output for people or for machines.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path(DEFAULT_OUT),
              show_default=True, help="Directory for report.json, ITF traces and counterexample diagrams.")
@click.option("--no-out", is_flag=True, help="Write no files.")
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Also write a self-contained HTML report that steps through each trace (issue 15).")
@click.option("--engine", "engine_name", type=click.Choice(sorted(ENGINES)), default="explicit", show_default=True,
              help="Which engine decides: explicit (the reference), fast, bmc, induction, random, ... "
                   "(docs/architecture.md).")
@emit_pytest_option
@ci_options
@_budget_options
def check_cmd(target: str, params: tuple[str, ...], props: tuple[str, ...], fmt: str, out: Path, no_out: bool,
              html: Path | None, max_states: int | None, max_depth: int | None, timeout: float | None,
              engine_name: str = "explicit") -> int:
    """Check every property of TARGET; print verdicts and shortest counterexamples."""
    run = _state()
    ctx = click.get_current_context()
    if no_out and ctx.get_parameter_source("out") is click.core.ParameterSource.COMMANDLINE:
        raise InputError("--out and --no-out: choose one (--no-out writes no files)")
    deadline = None if timeout is None else time.monotonic() + timeout
    run.timeout, run.target = timeout, target
    if not no_out:
        run.outputs = OutputDir.open(out)  # before anything runs (defects 13, 14)
    system = _load(run, target, params, deadline)
    progress = _Progress(sys.stderr.isatty() and fmt == "text")
    try:
        report = _run_check(run, system, deadline=deadline, max_states=max_states, max_depth=max_depth,
                            props=props, progress=progress, engine_name=engine_name)
    finally:
        progress.stop()
    run.report = report
    if fmt == "text":  # the verdicts first, whatever happens to the files (defect 6)
        for line in format_report(report, system=system, target=target):
            click.echo(line)
    done = _Written()
    if run.outputs is not None:
        run.phase = WRITING
        done = _write_outputs(run.outputs, report, system, target)
    if html is not None:
        from .trace_cmd import write_html

        run.phase = WRITING
        write_html(html, system, report, target=target)
    code = done.code if done.code is not None else report.exit_code()
    code, more = finish_ci(report, system, target, code)  # --strict, --junit, --sarif (issue 16)
    done.errors += more
    if fmt == "json":
        doc = report_to_json(report, target=target)
        doc["errors"] = list(doc["errors"]) + done.errors
        doc["exit_code"] = int(code)
        click.echo(json.dumps(doc, indent=2))
    elif done.code is None and done.files:
        traces = sum(1 for n in done.files if n.endswith(".itf.json"))
        drawn = [Path(n) for n in done.files if Path(n).suffix in (".svg", ".png", ".dot", ".mmd")]
        kinds = ", ".join(sorted({p.suffix[1:] for p in drawn}))
        pictures = _plural(len({p.stem for p in drawn}), "diagram") + (f" ({kinds})" if kinds else "")
        click.echo(f"wrote report.json, {_plural(traces, 'ITF trace')} and {pictures} to {out}/")
    for error in done.errors:
        _err(error)
    if done.code is EXIT_INTERNAL:
        click.echo(f"statebound: {BUG_HINT}", err=True)
    for note in done.notes:
        click.echo(f"statebound: note: {note}", err=True)
    return int(code)


@cli.command("list")
@click.argument("target", shell_complete=complete_target)
@_param_opt
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_cmd(target: str, params: tuple[str, ...], fmt: str) -> int:
    """Show TARGET's parameters, instances, transitions and properties."""
    run = _state()
    run.target, run.phase = target, LOADING
    with model_code(None):  # the model's own output must not corrupt --format json (defect 10)
        fn = load_function(target)
        system = load_system(target, params, fn=fn)
    run.system = system
    sig = signature_params(fn)
    import inspect

    param_list = [(n, None if p.default is inspect.Parameter.empty else p.default) for n, p in sig.items()]
    if fmt == "json":
        doc = {
            "system": system.name,
            "parameters": {n: d for n, d in param_list},
            "instances": [
                {
                    "name": i.name,
                    "machine": i.machine.name,
                    "implementation": i.machine.implementation,
                    "variables": {v.name: {"domain": str(v.domain), "initial": list(v.initial_values), "hidden": v.hidden}
                                  for v in i.machine.variables},
                    "transitions": [_transition_json(t) for t in i.machine.transitions],
                }
                for i in system.instances
            ],
            "properties": [{"name": p.name, "kind": p.kind, "rule": property_text(p)} for p in system.properties],
        }
        click.echo(json.dumps(doc, indent=2, default=str))
        return EXIT_OK
    click.echo(f"system {system.name}")
    if param_list:
        click.echo("parameters:")
        for n, d in param_list:
            click.echo(f"  {n} = {d!r}")
    click.echo(f"instances ({len(system.instances)}):")
    for inst in system.instances:
        role = "implementation" if inst.machine.implementation else "environment"
        click.echo(f"  {inst.name}  (machine {inst.machine.name}, {role})")
        for v in inst.machine.variables:
            init = "|".join(str(x) for x in v.initial_values)
            hidden = ", hidden" if v.hidden else ""
            click.echo(f"      var {v.name}: {v.domain} = {init}{hidden}")
        for t in inst.machine.transitions:
            click.echo(f"      {_transition_text(t)}")
    click.echo(f"properties ({len(system.properties) + (1 if system.check_deadlock else 0)}):")
    for p in system.properties:
        click.echo(f"  {p.name}  [{p.kind}]  {property_text(p)}")
    if system.check_deadlock:
        click.echo("  deadlock-free  [deadlock]  every reachable state can take a step or is terminal")
    return EXIT_OK


def _transition_text(t: Any) -> str:
    from .checker.expr import to_text

    parts = [f"on {t.on}: {t.name}" if t.on else t.name]
    if getattr(t.guard, "value", None) is not True:
        parts.append(f"[{to_text(t.guard)}]")
    if t.updates:
        parts.append("/ " + ", ".join(f"{n} := {to_text(v)}" for n, v in t.updates))
    if t.emit:
        parts.append(f"!{t.emit}")
    extra = []
    if t.tags:
        extra.append("tags " + ",".join(sorted(t.tags)))
    if t.fair:
        extra.append(f"{t.fair} fair")
    if extra:
        parts.append("(" + "; ".join(extra) + ")")
    return " ".join(parts)


def _transition_json(t: Any) -> dict[str, Any]:
    from .checker.expr import to_text

    return {
        "name": t.name, "guard": to_text(t.guard), "updates": {n: to_text(v) for n, v in t.updates},
        "tags": sorted(t.tags), "fair": t.fair, "emit": t.emit, "on": t.on,
    }


@cli.command("diagram")
@click.argument("target", shell_complete=complete_target)
@_param_opt
@click.option("--view", type=click.Choice(["machine", "system", "graph", "sequence"]), default="machine", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["svg", "png", "dot", "mermaid"]), default="svg", show_default=True)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path(DEFAULT_OUT) / "diagrams",
              show_default=True)
@click.option("--property", "prop", default=None, metavar="NAME",
              help="Draw this property's counterexample or witness: as a sequence (--view sequence), "
                   "or highlighted on each machine it touches, on the system or on the state graph.")
@click.option("--graph-states", type=click.IntRange(min=1), default=60, show_default=True, metavar="N",
              help="The state-graph view (--view graph) draws at most N states (and those of the trace).")
@_budget_options
def diagram_cmd(target: str, params: tuple[str, ...], view: str, fmt: str, out: Path, prop: str | None,
                graph_states: int, max_states: int | None, max_depth: int | None, timeout: float | None) -> int:
    """Draw TARGET's machines, system, state graph or a trace."""
    from . import diagrams

    run = _state()
    deadline = None if timeout is None else time.monotonic() + timeout
    run.timeout = timeout
    system = _load(run, target, params, deadline)
    trace: Trace | None = None
    if prop is not None:
        report = _run_check(run, system, deadline=deadline, max_states=max_states, max_depth=max_depth, props=[prop])
        outcome = report.outcome(prop)
        trace = outcome.trace
        if trace is None and outcome.verdict is Verdict.INCONCLUSIVE:
            stopped = outcome.coverage.stopped or report.coverage.stopped or "a budget ran out"
            raise _Undecided(f"--property {prop}: not decided within the budget ({stopped}), so there is no trace "
                             "to draw; raise --max-states, --max-depth or --timeout", stopped)
        if trace is None:
            raise InputError(f"--property {prop}: it has no counterexample or witness to draw ({outcome.verdict})")
    elif view == "sequence":
        raise InputError("--view sequence draws a trace; name one with --property NAME")
    run.phase = WRITING
    with deferred_signals():
        files, notes = diagrams.write_view(system, view=view, fmt=fmt, out_dir=out, trace=trace,
                                           max_graph_states=graph_states)
    for f in files:
        click.echo(str(f))
    for n in notes:
        click.echo(f"statebound: note: {n}", err=True)
    return EXIT_OK


def _ended(phase: str) -> str:
    """What an interruption in *phase* leaves undone."""
    if phase == CHECKING:
        return "; no property was decided"
    return "" if phase == WRITING else "; nothing was checked"


def _fail(run: _Run, code: ExitCode, lines: Sequence[str], *, label: str = "error", trace: Any = None,
          stopped: str | None = None) -> int:
    """Report a run that ended without a report: on stderr, as JSON with --format json, and as
    ``report.json`` in ``--out`` (replacing the previous check's files, which would otherwise
    pass for this run's)."""
    for line in lines:
        _say(label, line)
    for line in run.extra:
        click.echo(f"statebound: {line}", err=True)
    if isinstance(trace, Trace):
        click.echo("statebound: the execution that reaches it:", err=True)
        for line in format_trace(trace):
            click.echo(line, err=True)
    else:
        trace = None
    system = run.system
    if run.report is not None:  # the verdicts are in: keep them, with what went wrong after them
        doc = report_to_json(run.report, target=run.target)
        doc["errors"] = [*doc["errors"], *lines]
        doc["exit_code"] = int(code)
    else:
        doc = error_to_json([] if label == "inconclusive" else lines, exit_code=code, target=run.target,
                            system=system.name if system is not None else None,
                            params=system.params if system is not None else (), trace=trace, stopped=stopped)
    if run.outputs is not None:
        try:
            with deferred_signals():
                try:
                    run.outputs.write("report.json", dumps(doc).encode("utf-8"))
                finally:
                    clear_pending_signal()  # this run is being reported already
        except OSError as err:
            _err(f"--out {str(run.outputs.path)!r}: cannot write report.json: {err.strerror}")
    if run.as_json:
        click.echo(json.dumps(doc, indent=2))
    return int(code)


def _dispatch(args: list[str], run: _Run, debug: bool) -> int:
    try:
        result = cli.main(args=args, prog_name="statebound", standalone_mode=False, obj=run)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except (Interrupted, KeyboardInterrupt, click.exceptions.Abort):
        return _fail(run, EXIT_INTERRUPTED, [f"interrupted while {run.phase}{_ended(run.phase)}"])
    except click.ClickException as exc:
        return _fail(run, EXIT_INPUT, [exc.format_message().replace("\n", " ")])
    except UserError as err:
        return _fail(run, EXIT_INPUT, list(err.lines), trace=getattr(err, "trace", None))
    except _Undecided as und:
        return _fail(run, EXIT_INCONCLUSIVE, [str(und)], label="inconclusive", stopped=und.stopped)
    except _TIMED_OUT:
        # issue 8, defect 5: --timeout covers loading and building the model too
        timeout = run.timeout or 0.0
        if run.phase == LOADING:
            stopped = f"timeout ({timeout:g} s) reached while {LOADING}"
            message = (f"--timeout {timeout:g}: the time ran out while {LOADING} {run.target}, before any property "
                       "was checked; allow more time or make the model faster")
        else:
            stopped = f"timeout ({timeout:g} s) reached while compiling the model"
            message = (f"--timeout {timeout:g}: the time ran out while compiling {run.target}, before any property "
                       "was decided; allow more time")
        return _fail(run, EXIT_INCONCLUSIVE, [message], label="inconclusive", stopped=stopped)
    except MemoryError:
        stopped = f"out of memory while {run.phase}"
        return _fail(run, EXIT_INCONCLUSIVE, [
            f"{stopped} {run.target}; check a smaller configuration (fewer instances, smaller domains) "
            "or bound the search with --max-states"], label="inconclusive", stopped=stopped)
    except Exception as err:  # noqa: BLE001 - the last line of defence
        if debug:
            traceback.print_exc()
        run.extra.append(BUG_HINT)
        return _fail(run, EXIT_INTERNAL, [f"internal error: {type(err).__name__}: {err}"])
    return int(result or 0)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    if not args and not is_completing():  # completion runs without arguments (issue 16)
        click.echo(cli.get_help(click.Context(cli, info_name="statebound")))
        return EXIT_OK
    as_json = any(a == "--format=json" or (a == "--format" and b == "json") for a, b in zip(args, [*args[1:], ""], strict=False))
    run = _Run(as_json=as_json)
    try:
        with signals():
            try:
                return _dispatch(args, run, debug)
            finally:
                if run.outputs is not None:
                    run.outputs.close()
    except Interrupted:  # a second signal while the first was being reported
        return int(EXIT_INTERRUPTED)


from .trace_cmd import trace_cmd as _trace_cmd  # noqa: E402 - it uses this module's helpers when it runs

cli.add_command(_trace_cmd)
cli.add_command(simulate_cmd)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
