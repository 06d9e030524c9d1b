"""The ``statebound`` command line: the only module that prints.

Exit codes: 0 every property holds, 1 a property is violated, 2 bad input (model, arguments,
files), 3 inconclusive (a budget ran out), 4 internal error (a bug in statebound).
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from .checker.errors import InputError, ModelError, UserError
from .checker.engines import Budget
from .checker.engines.reference import check
from .checker.load import load_function, load_system, signature_params
from .checker.machine import System
from .checker.output import dumps, format_report, format_trace, property_text, report_to_json, to_itf
from .checker.result import Report, Verdict

__all__ = ["main"]

EXIT_OK, EXIT_VIOLATED, EXIT_INPUT, EXIT_INCONCLUSIVE, EXIT_INTERNAL = 0, 1, 2, 3, 4
DEFAULT_OUT = "statebound-out"


def _err(message: str) -> None:
    for line in message.splitlines() or [""]:
        click.echo(f"statebound: error: {line}", err=True)


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


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)


def _write_outputs(out: Path, report: Report, system: System | None, target: str) -> tuple[list[Path], list[str]]:
    """report.json, one ITF trace per counterexample, and highlighted diagrams of each violation."""
    written: list[Path] = []
    notes: list[str] = []
    try:
        out.mkdir(parents=True, exist_ok=True)
        _remove_previous(out)
        path = out / "report.json"
        path.write_text(dumps(report_to_json(report, target=target)))
        written.append(path)
        for o in report.outcomes:
            if o.trace is None or o.verdict is not Verdict.VIOLATED:
                continue
            path = out / f"{_slug(o.property)}.itf.json"
            path.write_text(dumps(to_itf(o.trace, system=report.system, prop=o.property, params=report.params)))
            written.append(path)
    except OSError as err:
        raise InputError(f"--out {str(out)!r}: cannot write: {err.strerror}; choose a writable directory") from None
    try:
        if system is not None and any(o.verdict is Verdict.VIOLATED and o.trace is not None for o in report.outcomes):
            from . import diagrams

            for o in report.outcomes:
                if o.trace is None or o.verdict is not Verdict.VIOLATED:
                    continue
                files, more = diagrams.write_counterexample(system, o, out_dir=out, stem=_slug(o.property))
                written += files
                notes += [n for n in more if n not in notes]
    finally:
        _record(out, written)
    return written, notes


MANIFEST = ".statebound-files"


def _remove_previous(out: Path) -> None:
    """Delete what the previous check wrote into *out* (listed in its manifest), so that no stale
    counterexample survives a run where the property now holds; nothing else is touched."""
    manifest = out / MANIFEST
    if not manifest.exists():
        return
    for name in manifest.read_text(encoding="utf-8").splitlines():
        target = out / name
        if name and "/" not in name and target.is_file():
            target.unlink()
    manifest.unlink()


def _record(out: Path, written: list[Path]) -> None:
    names = sorted({p.name for p in written if p.parent.resolve() == out.resolve()})
    (out / MANIFEST).write_text("".join(f"{n}\n" for n in names), encoding="utf-8")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="statebound")
def cli() -> None:
    """statebound: prove the lifecycle rules of web clients (sessions, WebSockets, components).

    TARGET names a function that returns a statebound.System: path/to/file.py:function or
    package.module:function, e.g. models/phase3.py:before.

    Exit codes: 0 all hold, 1 violated, 2 bad input, 3 inconclusive, 4 internal error.
    Add --debug anywhere to see the traceback of an internal error.
    """


_param_opt = click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
                          help="A parameter of the model function (repeatable), e.g. --param clients=2.")


@cli.command("check")
@click.argument("target")
@_param_opt
@click.option("--property", "props", multiple=True, metavar="NAME", help="Check only this property (repeatable).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="Output for people or for machines.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path(DEFAULT_OUT),
              show_default=True, help="Directory for report.json, ITF traces and counterexample diagrams.")
@click.option("--no-out", is_flag=True, help="Write no files.")
@click.option("--max-states", type=click.IntRange(min=1), default=None, help="Stop after this many states (inconclusive).")
@click.option("--max-depth", type=click.IntRange(min=0), default=None, help="Explore at most this many steps deep.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None, metavar="SECONDS",
              help="Stop after this many seconds (inconclusive).")
def check_cmd(target: str, params: tuple[str, ...], props: tuple[str, ...], fmt: str, out: Path, no_out: bool,
              max_states: int | None, max_depth: int | None, timeout: float | None) -> int:
    """Check every property of TARGET; print verdicts and shortest counterexamples."""
    ctx = click.get_current_context()
    if no_out and ctx.get_parameter_source("out") is click.core.ParameterSource.COMMANDLINE:
        raise InputError("--out and --no-out: choose one (--no-out writes no files)")
    system = load_system(target, params)
    budget = Budget(max_states=max_states, max_depth=max_depth, timeout=timeout)
    progress = _Progress(sys.stderr.isatty() and fmt == "text")
    try:
        report = check(system, budget=budget, properties=list(props) or None, progress=progress)
    except ModelError as err:
        progress.stop()
        partial = Report(system=system.name, params=system.params, errors=err.lines)
        if not no_out:
            _write_outputs(out, partial, None, target)
        _err(str(err))
        if err.trace is not None:
            click.echo("statebound: the execution that reaches it:", err=True)
            for line in format_trace(err.trace):  # type: ignore[arg-type]
                click.echo(line, err=True)
        return EXIT_INPUT
    finally:
        progress.stop()
    written: list[Path] = []
    notes: list[str] = []
    if not no_out:
        written, notes = _write_outputs(out, report, system, target)
    if fmt == "json":
        click.echo(json.dumps(report_to_json(report, target=target), indent=2))
    else:
        for line in format_report(report, system=system, target=target):
            click.echo(line)
        if written:
            traces = sum(1 for p in written if p.name.endswith(".itf.json"))
            drawn = [p for p in written if p.suffix in (".svg", ".png", ".dot", ".mmd")]
            kinds = ", ".join(sorted({p.suffix[1:] for p in drawn}))
            pictures = _plural(len({p.stem for p in drawn}), "diagram") + (f" ({kinds})" if kinds else "")
            click.echo(f"wrote report.json, {_plural(traces, 'ITF trace')} and {pictures} to {out}/")
    for note in notes:
        click.echo(f"statebound: note: {note}", err=True)
    return report.exit_code()


@cli.command("list")
@click.argument("target")
@_param_opt
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_cmd(target: str, params: tuple[str, ...], fmt: str) -> int:
    """Show TARGET's parameters, instances, transitions and properties."""
    fn = load_function(target)
    system = load_system(target, params, fn=fn)
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
    if not (getattr(t.guard, "value", None) is True):
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
@click.argument("target")
@_param_opt
@click.option("--view", type=click.Choice(["machine", "system", "graph", "sequence"]), default="machine", show_default=True)
@click.option("--format", "fmt", type=click.Choice(["svg", "png", "dot", "mermaid"]), default="svg", show_default=True)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path(DEFAULT_OUT) / "diagrams",
              show_default=True)
@click.option("--property", "prop", default=None, metavar="NAME",
              help="Draw this property's counterexample or witness: as a sequence (--view sequence) "
                   "or highlighted on each machine it touches (--view machine).")
def diagram_cmd(target: str, params: tuple[str, ...], view: str, fmt: str, out: Path, prop: str | None) -> int:
    """Draw TARGET's machines, system, state graph or a trace."""
    from . import diagrams

    system = load_system(target, params)
    trace = None
    if prop is not None:
        report = check(system, properties=[prop])
        trace = report.outcome(prop).trace
        if trace is None:
            raise InputError(f"--property {prop}: it has no counterexample or witness to draw ({report.outcome(prop).verdict})")
    elif view == "sequence":
        raise InputError("--view sequence draws a trace; name one with --property NAME")
    files, notes = diagrams.write_view(system, view=view, fmt=fmt, out_dir=out, trace=trace)
    for f in files:
        click.echo(str(f))
    for n in notes:
        click.echo(f"statebound: note: {n}", err=True)
    return EXIT_OK


def _json_errors(errors: list[str]) -> None:
    """With --format json, bad input still gives a JSON document on stdout."""
    click.echo(json.dumps({"statebound": 1, "exit_code": EXIT_INPUT, "properties": [], "errors": errors}, indent=2))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the exit code (the console script exits with it)."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    if debug:
        args.remove("--debug")
    if not args:
        click.echo(cli.get_help(click.Context(cli, info_name="statebound")))
        return EXIT_OK
    as_json = any(a == "--format=json" or (a == "--format" and b == "json") for a, b in zip(args, args[1:] + [""]))
    try:
        result = cli.main(args=args, prog_name="statebound", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.exceptions.Abort:
        _err("interrupted")
        return 130
    except click.ClickException as exc:
        _err(exc.format_message().replace("\n", " "))
        if as_json:
            _json_errors([exc.format_message().replace("\n", " ")])
        return EXIT_INPUT
    except UserError as err:
        _err(str(err))
        if as_json:
            _json_errors(list(err.lines))
        return EXIT_INPUT
    except KeyboardInterrupt:
        _err("interrupted")
        return 130
    except Exception as err:  # noqa: BLE001 - the last line of defence
        if debug:
            traceback.print_exc()
        _err(f"internal error: {type(err).__name__}: {err}")
        click.echo("statebound: this is a bug in statebound; please report it with the command you ran "
                   "(add --debug to see the traceback)", err=True)
        return EXIT_INTERNAL
    return int(result or 0)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
