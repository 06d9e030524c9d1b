"""``statebound simulate TARGET`` (random runs on Hypothesis) and ``check --emit-pytest DIR`` (issue 11).

:mod:`statebound.cli` registers :data:`simulate_cmd` on its command group and decorates ``check``
with :func:`emit_pytest_option`; this module reuses the CLI's run state, model loading, output
folder and error reporting (imported when a command runs, since the CLI imports this module).

``simulate`` prints and writes what ``check`` does (text or JSON, ``report.json``, one ITF trace
and diagrams per counterexample in ``--out``). Its exit codes are the check's: 1 a property is
violated (the shrunk run is the counterexample), 3 inconclusive: no violation found in the runs
made, which is what a model without bugs gives (random runs never prove anything), 0 only when
every property is a ``sometimes`` and every one was witnessed, 2 bad input, 4 internal error.
"""

from __future__ import annotations

import functools
import json
import os
import pprint
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._session import output_options, timeout_option
from .checker.errors import InputError

if TYPE_CHECKING:  # imported when the command runs (issue 13: start-up)
    from .checker.result import Report

__all__ = ["simulate_cmd", "emit_pytest_option", "write_regression_tests", "regression_test_source"]


@click.command("simulate")
@click.argument("target")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of the model function (repeatable), e.g. --param clients=2.")
@click.option("--property", "props", multiple=True, metavar="NAME", help="Check only this property (repeatable).")
@click.option("--runs", type=click.IntRange(min=1), default=1000, show_default=True, metavar="N",
              help="How many random runs.")
@click.option("--steps", type=click.IntRange(min=1), default=50, show_default=True, metavar="N",
              help="Steps per run.")
@click.option("--seed", type=int, default=0, show_default=True, metavar="S",
              help="The random seed: the same seed gives the same runs and the same report.")
@output_options
@timeout_option
def simulate_cmd(target: str, params: tuple[str, ...], props: tuple[str, ...], runs: int, steps: int, seed: int,
                 fmt: str, out: Path, no_out: bool, timeout: float | None) -> int:
    """Random runs of TARGET, driven by Hypothesis: the properties they break, with shrunk
    counterexamples, or how much of the model they covered. Never says "holds" for a rule
    (exit 3 when nothing is found); for models too large for check."""
    from . import _session as session
    from ._guard import model_code
    from .checker.engines import Budget
    from .checker.engines.random import RandomEngine
    from .checker.output import format_report, report_to_json

    run, deadline = session.start(target, out, no_out, timeout)  # before anything runs (defects 13, 14)
    system = session._load(run, target, params, deadline)
    run.phase = session.CHECKING
    left = None if deadline is None else max(deadline - time.monotonic(), 1e-3)
    backstop = None if deadline is None or left is None else deadline + 1.0 + 0.1 * left
    progress = session._Progress(sys.stderr.isatty() and fmt == "text")
    try:
        with model_code(backstop):
            report = RandomEngine(runs=runs, steps=steps, seed=seed).check(
                system, properties=list(props) or None, budget=Budget(timeout=left), progress=progress)
    finally:
        progress.stop()
    run.report = report
    if fmt == "text":
        lines = format_report(report, system=system, target=target)
        if lines and lines[0].startswith("statebound check "):
            lines[0] = "statebound simulate " + lines[0][len("statebound check "):] + f"  (seed {seed})"
        for line in lines:
            click.echo(line)
    done = session._Written()
    if run.outputs is not None:
        run.phase = session.WRITING
        done = session._write_outputs(run.outputs, report, system, target)
    code = done.code if done.code is not None else report.exit_code()
    if fmt == "json":
        doc = report_to_json(report, target=target)
        doc["errors"] = list(doc["errors"]) + done.errors
        doc["exit_code"] = int(code)
        doc["simulation"] = {"runs": runs, "steps": steps, "seed": seed}
        click.echo(json.dumps(doc, indent=2))
    elif done.code is None and done.files:
        traces = sum(1 for n in done.files if n.endswith(".itf.json"))
        click.echo(f"wrote report.json and {session._plural(traces, 'ITF trace')} (with their diagrams) to {out}/")
    for error in done.errors:
        session._err(error)
    if done.code is session.EXIT_INTERNAL:
        click.echo(f"statebound: {session.BUG_HINT}", err=True)
    for note in done.notes:
        click.echo(f"statebound: note: {note}", err=True)
    return int(code)


# --------------------------------------------------------------------------- check --emit-pytest


def emit_pytest_option(fn: Callable[..., int]) -> Callable[..., int]:
    """``check --emit-pytest DIR``: after the check, one regression test file per counterexample."""

    @functools.wraps(fn)
    def check_then_emit(*args: Any, emit_pytest: Path | None = None, **kwargs: Any) -> int:
        code = fn(*args, **kwargs)
        if emit_pytest is not None:
            from . import _session as session

            run = session._state()
            if run.report is not None:
                run.phase = session.WRITING
                files = write_regression_tests(emit_pytest, run.report, target=kwargs.get("target", run.target),
                                               params=kwargs.get("params", ()))
                if kwargs.get("fmt", "text") == "text":
                    click.echo(f"wrote {session._plural(len(files), 'regression test')} to {emit_pytest}/")
        return code

    return click.option(
        "--emit-pytest", "emit_pytest", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
        help="Also write one pytest file per counterexample, replaying it: it fails while the bug is there.",
    )(check_then_emit)


def write_regression_tests(folder: Path, report: Report, *, target: str, params: Sequence[str] = ()) -> list[Path]:
    """One ``test_<property>.py`` in *folder* per counterexample of *report* (see :func:`regression_test_source`)."""
    from .checker.output import to_itf
    from .checker.result import Verdict

    written: list[Path] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for o in report.outcomes:
            if o.verdict is not Verdict.VIOLATED or o.trace is None:
                continue
            itf = to_itf(o.trace, system=report.system, prop=o.property, params=report.params)
            path = folder / f"test_{_identifier(o.property)}.py"
            path.write_text(regression_test_source(target=_target_from(folder, target), params=params, prop=o.property,
                                                   itf=itf, length=len(o.trace)), encoding="utf-8")
            written.append(path)
    except OSError as err:
        raise InputError(f"--emit-pytest {str(folder)!r}: cannot write: {err.strerror}; choose a writable directory") from None
    return written


def _target_from(folder: Path, target: str) -> str:
    """*target* as the test in *folder* finds it: a model file relative to the test file."""
    module, sep, func = target.rpartition(":")
    if sep and module.endswith(".py"):
        where = Path(module).resolve()
        try:
            module = os.path.relpath(where, folder.resolve())
        except ValueError:  # another drive
            module = str(where)
        return f"{module}:{func}"
    return target


def _identifier(name: str) -> str:
    return re.sub(r"\W+", "_", name).strip("_") or "property"


def regression_test_source(*, target: str, params: Sequence[str], prop: str, itf: dict[str, Any], length: int) -> str:
    """The text of a test that replays the counterexample *itf* of *prop* through *target*'s model
    and fails while it still breaks *prop* (it passes once the steps no longer apply)."""
    name = _identifier(prop)
    shown = " ".join(f"--param {p}" for p in params)
    return f'''"""Regression test written by `statebound check --emit-pytest`: the counterexample to {prop}.

{length}-step counterexample of {target} {shown}. The test replays its exact steps through the
model and fails while they still break the rule; it passes once the model no longer allows them
or they no longer break it. Delete the file when the counterexample is fixed for good.
"""

from pathlib import Path

from statebound.checker.load import load_system
from statebound.checker.replay import replay, trace_from_itf

TARGET = {target!r}
PARAMS = {tuple(params)!r}
PROPERTY = {prop!r}
TRACE = {_literal(itf)}


def _target() -> str:
    module, sep, func = TARGET.rpartition(":")
    if sep and module.endswith(".py") and not Path(module).is_absolute():
        return f"{{Path(__file__).parent / module}}:{{func}}"
    return TARGET


def test_{name}_is_no_longer_broken_by_its_counterexample() -> None:
    result = replay(load_system(_target(), PARAMS), trace_from_itf(TRACE), PROPERTY)
    assert not result.is_violated(PROPERTY), result.explain(PROPERTY)
'''


def _literal(doc: dict[str, Any]) -> str:
    return pprint.pformat(doc, indent=1, width=110, sort_dicts=False)
