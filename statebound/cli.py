"""The ``statebound`` command line: the only module that prints.

Exit codes: 0 every property holds, 1 a property is violated, 2 bad input (model, arguments,
files, or outputs that could not be written), 3 inconclusive (a budget, the timeout or memory ran
out), 4 internal error (a bug in statebound), 5 a property holds only vacuously (``check --strict``),
130 interrupted (SIGINT or SIGTERM).

Hostile input, interrupted and concurrent runs (issue 8): model code runs under
:func:`._guard.model_code` (its stdout goes to stderr, ``--timeout`` covers it); ``--out`` is
opened, locked and proved writable before anything is loaded (:mod:`._outputs`); verdicts are
printed whatever happens to the files; and every failure, at any point, is one message on stderr,
one JSON document with ``--format json``, and a ``report.json`` that says what happened.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._guard import Interrupted, clear_pending_signal, deferred_signals, model_code, readers_may_leave, signals
from ._session import (
    BUG_HINT,
    CHECKING,
    DEFAULT_ENGINE,
    DEFAULT_OUT,
    EXIT_INCONCLUSIVE,
    EXIT_INPUT,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    LINTING,
    LOADING,
    WRITING,
    _budget_options,
    _err,
    _load,
    _plural,
    _Progress,
    _Run,
    _run_check,
    _say,
    _state,
    _Undecided,
    _write_outputs,
    _Written,
    output_options,
    start,
    timed_out,
)
from .checker.engines import ENGINES
from .checker.errors import InputError, Problem, UserError
from .checker.result import ExitCode, Verdict
from .cli_options import ci_options, complete_target, finish_ci, is_completing
from .simulate_cmd import emit_pytest_option, simulate_cmd

if TYPE_CHECKING:  # the language and the outputs are imported when a command runs (issue 13: start-up)
    from .checker.machine import System
    from .checker.result import LintWarning, Report, Trace

__all__ = ["main"]

@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="statebound")
def cli() -> None:
    """statebound: prove the lifecycle rules of web clients (sessions, WebSockets, components).

    TARGET names a function that returns a statebound.System: path/to/file.py:function or
    package.module:function, e.g. models/phase3.py:before.

    Exit codes: 0 all hold, 1 violated, 2 bad input, 3 inconclusive, 4 internal error,
    5 vacuous (check --strict), 130 interrupted. Add --debug anywhere to see the traceback of an internal error.
    """


_param_opt = click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
                          help="A parameter of the model function (repeatable), e.g. --param clients=2.")


@cli.command("check")
@click.argument("target", shell_complete=complete_target)
@_param_opt
@click.option("--property", "props", multiple=True, metavar="NAME", help="Check only this property (repeatable).")
@output_options
@click.option("--html", "html", type=click.Path(dir_okay=False, path_type=Path), default=None, metavar="FILE",
              help="Also write a self-contained HTML report that steps through each trace (docs/html-report.md).")
@click.option("--engine", "engine_name", type=click.Choice(sorted(ENGINES)), default=DEFAULT_ENGINE, show_default=True,
              help="Which engine decides: auto (explicit on a small space, fast on a large one, then induction "
                   "and bmc on z3 for what exploration left open), explicit (the reference), fast, bmc, "
                   "induction, random (docs/architecture.md).")
@click.option("--lemma", "lemmas", multiple=True, metavar="NAME",
              help="With --engine induction or auto: use the model's always property NAME as a lemma, proved "
                   "first and then assumed (repeatable; docs/guide.md).")
@click.option("--every-n", "every_n", is_flag=True,
              help="Prove the rules for every size of the model's symmetric family (quantified induction on "
                   "z3), else for sizes 1..20, and say which; implies --engine induction (docs/symbolic.md).")
@click.option("--no-lint", "no_lint", is_flag=True,
              help="Do not lint the model after the verdicts (the lint needs z3; without it, none is done).")
@emit_pytest_option
@ci_options
@_budget_options
def check_cmd(target: str, params: tuple[str, ...], props: tuple[str, ...], fmt: str, out: Path, no_out: bool,
              html: Path | None, max_states: int | None, max_depth: int | None, timeout: float | None,
              engine_name: str = DEFAULT_ENGINE, lemmas: tuple[str, ...] = (), no_lint: bool = False,
              max_memory_mb: int | None = None, every_n: bool = False) -> int:
    """Check every property of TARGET; print verdicts and shortest counterexamples, then lint warnings."""
    from .checker.output import format_report, report_to_json

    run, deadline = start(target, out, no_out, timeout)  # before anything runs (defects 13, 14)
    if every_n and click.get_current_context().get_parameter_source("engine_name") is not click.core.ParameterSource.COMMANDLINE:
        engine_name = "induction"  # --every-n is a proof by induction
    system = _load(run, target, params, deadline)
    progress = _Progress(sys.stderr.isatty() and fmt == "text")
    try:
        report = _run_check(run, system, deadline=deadline, max_states=max_states, max_depth=max_depth,
                            props=props, progress=progress, engine_name=engine_name, lemmas=lemmas,
                            max_memory_mb=max_memory_mb, every_n=every_n)
    finally:
        progress.stop()
    run.report = report
    if fmt == "text":  # the verdicts first, whatever happens to the files (defect 6), and before the lint
        for line in format_report(report, system=system, target=target):
            click.echo(line)
        deciders = _deciders(report) if engine_name == "auto" else None
        if deciders:
            click.echo(deciders)
        sys.stdout.flush()
    if not no_lint:
        run.phase = LINTING
    findings = None if no_lint else _check_lint(system, deadline)
    if fmt == "text" and findings:
        click.echo(f"lint: {_plural(len(findings), 'warning')} about the model (--no-lint skips the lint):")
        for finding in findings:
            click.echo(f"  {finding}")
    done = _Written()
    if run.outputs is not None:
        run.phase = WRITING
        lint_doc = {"lint": [_lint_json(w) for w in findings]} if findings is not None else None
        done = _write_outputs(run.outputs, report, system, target, lint_doc)
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
        if findings is not None:
            doc["lint"] = [_lint_json(w) for w in findings]
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


def _deciders(report: Report) -> str | None:
    """Which engines ``--engine auto`` used, when not the explicit engine alone: the exploration
    line above is the last exploration's, and a proof or a deeper counterexample came from z3. An
    inconclusive outcome was decided by nobody: it is not counted."""
    by: dict[str, list[str]] = {}
    for o in report.outcomes:
        if o.verdict is not Verdict.INCONCLUSIVE:
            by.setdefault(o.engine, []).append(o.property)
    if set(by) <= {"explicit"}:
        return None
    parts = [f"{engine}: " + (", ".join(names) if engine in ("induction", "bmc") else
                              f"{len(names)} {'property' if len(names) == 1 else 'properties'}")
             for engine, names in by.items()]
    return "decided by " + "; ".join(parts)


#: seconds each lint query of ``check`` may take (a query z3 cannot decide in time gives no warning)
CHECK_LINT_SECONDS = 1.0
#: seconds the whole lint of ``check`` may take (it comes after the verdicts; ``list --lint`` has no limit)
CHECK_LINT_TOTAL = 10.0


def _check_lint(system: System, deadline: float | None) -> tuple[LintWarning, ...] | None:
    """The lint warnings ``check`` shows after its verdicts (issue 14), or None when no lint was
    done: z3 is not installed (the check needs no z3), the check's --timeout is spent, or the lint
    failed (a note says so; the verdicts and the exit code stand). Each z3 query gets at most
    :data:`CHECK_LINT_SECONDS`, the whole lint :data:`CHECK_LINT_TOTAL` (and no more than the time
    left); a lint cut short gives what it found, and a note says so."""
    seconds, total = CHECK_LINT_SECONDS, CHECK_LINT_TOTAL
    if deadline is not None:
        total = min(total, deadline - time.monotonic())
        seconds = min(seconds, total)
        if seconds <= 0:
            return None
    from .checker.lint import LintCutShort, lint

    try:
        return lint(system, timeout=seconds, total=total)
    except LintCutShort as cut:
        click.echo(f"statebound: note: {cut} (it comes after the verdicts, which stand; "
                   "statebound list --lint lints without a limit)", err=True)
        return cut.warnings
    except ModuleNotFoundError as err:
        if err.name != "z3":
            raise
        return None
    except UserError as err:  # a construct the z3 translation does not cover
        click.echo(f"statebound: note: the model was not linted: {'; '.join(err.lines)}", err=True)
    except Exception as err:  # noqa: BLE001 - a failed lint must not hide or change the verdicts
        click.echo(f"statebound: note: the lint failed (internal error: {type(err).__name__}: {err}; "
                   "please report it); the verdicts above stand; --no-lint skips the lint", err=True)
    return None


def _lint_json(w: LintWarning) -> dict[str, Any]:
    return {"code": str(w.code), "instance": w.instance, "transition": w.transition, "variable": w.variable,
            "where": w.where, "what": w.what, "fix": w.fix}


@cli.command("list")
@click.argument("target", shell_complete=complete_target)
@_param_opt
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lint", "with_lint", is_flag=True,
              help="Also lint the model with z3 (needs statebound[symbolic]): guards never true, receivers "
                   "enabled together, updates that can leave their domain, variables that never change.")
def list_cmd(target: str, params: tuple[str, ...], fmt: str, with_lint: bool = False) -> int:
    """Show TARGET's parameters, instances, transitions and properties (and, with --lint, lint warnings)."""
    from .checker.load import load_function, load_system, signature_params
    from .checker.output import property_text

    run = _state()
    run.target, run.phase = target, LOADING
    with model_code(None):  # the model's own output must not corrupt --format json (defect 10)
        fn = load_function(target)
        system = load_system(target, params, fn=fn)
    run.system = system
    sig = signature_params(fn)
    import inspect

    param_list = [(n, None if p.default is inspect.Parameter.empty else p.default) for n, p in sig.items()]
    findings = _lint_findings(system) if with_lint else ()
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
            "warnings": list(getattr(system, "warnings", ())),
        }
        if with_lint:
            doc["lint"] = [_lint_json(w) for w in findings]
        click.echo(json.dumps(doc, indent=2, default=str))
        return EXIT_OK
    from .checker.result import show_value

    click.echo(f"system {system.name}")
    if param_list:
        click.echo("parameters:")
        for n, d in param_list:  # a boolean as --param takes it (true/false), a string quoted
            click.echo(f"  {n} = {show_value(d) if isinstance(d, bool) else repr(d)}")
    click.echo(f"instances ({len(system.instances)}):")
    for inst in system.instances:
        role = "implementation" if inst.machine.implementation else "environment"
        click.echo(f"  {inst.name}  (machine {inst.machine.name}, {role})")
        for v in inst.machine.variables:
            init = "|".join(show_value(x) for x in v.initial_values)
            hidden = ", hidden" if v.hidden else ""
            click.echo(f"      var {v.name}: {v.domain} = {init}{hidden}")
        for t in inst.machine.transitions:
            click.echo(f"      {_transition_text(t)}")
    click.echo(f"properties ({len(system.properties) + (1 if system.check_deadlock else 0)}):")
    for p in system.properties:
        click.echo(f"  {p.name}  [{p.kind}]  {property_text(p)}")
    if system.check_deadlock:
        click.echo("  deadlock-free  [deadlock]  every reachable state can take a step or is terminal")
    warnings = list(getattr(system, "warnings", ()))
    if warnings:
        click.echo(f"warnings ({len(warnings)}):")
        for w in warnings:
            click.echo(f"  {w}")
    if with_lint:
        click.echo(f"lint ({len(findings)}):" if findings else "lint: nothing to report")
        for finding in findings:
            click.echo(f"  {finding}")
    return EXIT_OK


def _lint_findings(system: Any) -> tuple[Any, ...]:
    """The z3 lint of *system*; without z3 installed, bad input that says how to get it."""
    try:
        from .checker.lint import lint
        return lint(system)
    except ModuleNotFoundError as err:
        if err.name != "z3":
            raise
        raise InputError("--lint needs z3: pip install 'statebound[symbolic]' (or z3-solver)") from None
    except UserError as err:  # a construct the z3 translation refuses: the lint's, not the model's, limit
        raise InputError([Problem(where="--lint", what=f"{system.name} cannot be linted: {line}")
                          for line in err.lines]) from None


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
                graph_states: int, max_states: int | None, max_depth: int | None, timeout: float | None,
                max_memory_mb: int | None = None) -> int:
    """Draw TARGET's machines, system, state graph or a trace."""
    from . import diagrams

    run = _state()
    deadline = None if timeout is None else time.monotonic() + timeout
    run.timeout = timeout
    system = _load(run, target, params, deadline)
    trace: Trace | None = None
    if prop is not None:  # the reference engine: a counterexample or witness to draw, whatever the budget
        report = _run_check(run, system, deadline=deadline, max_states=max_states, max_depth=max_depth, props=[prop],
                            engine_name="explicit", max_memory_mb=max_memory_mb)
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
    return "" if phase in (WRITING, LINTING) else "; nothing was checked"


def _fail(run: _Run, code: ExitCode, lines: Sequence[str], *, label: str = "error", trace: Any = None,
          stopped: str | None = None) -> int:
    """Report a run that ended without a report: on stderr, as JSON with --format json, and as
    ``report.json`` in ``--out`` (replacing the previous check's files, which would otherwise
    pass for this run's)."""
    for line in lines:
        _say(label, line)
    from .checker.output import dumps, error_to_json, format_trace, report_to_json
    from .checker.result import Trace

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
    except timed_out():
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
        with readers_may_leave(), signals():
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

from .conform_cmd import conform_cmd as _conform_cmd  # noqa: E402 - a real implementation in lockstep (issue 12)

cli.add_command(_conform_cmd)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
