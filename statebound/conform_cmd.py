"""``statebound conform ADAPTER TARGET``: a real implementation driven in lockstep with the model
(issue 12).

:mod:`statebound.cli` registers :data:`conform_cmd`; this module reuses the run state, model
loading, output folder and error reporting of :mod:`._session`. ADAPTER names a function, like
TARGET (``path/to/file.py:function`` or ``package.module:function``), that takes the model's
:class:`~statebound.checker.machine.System` and returns an adapter
(:class:`statebound.checker.conformance.Adapter`); the command closes it at the end.

Outputs are ``simulate``'s (text or JSON, ``report.json``, one ITF trace and diagrams per
counterexample in ``--out``), plus the divergence, if any: printed before the properties, under
``"conformance"`` in the JSON, and as ``divergence.itf.json``. Exit codes: 1 the implementation
diverged from the model or a property is violated, 3 nothing found (random runs prove nothing),
0 only when every selected property is a ``sometimes`` and each was reached, 2 bad input (the
model, the adapter, an argument), 4 internal error.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import click

from ._session import output_options, timeout_option
from .checker.errors import InputError, UserError

__all__ = ["conform_cmd"]


@click.command("conform")
@click.argument("adapter")
@click.argument("target")
@click.option("--param", "-p", "params", multiple=True, metavar="KEY=VALUE",
              help="A parameter of the model function (repeatable); the adapter gets the model built with them.")
@click.option("--property", "props", multiple=True, metavar="NAME",
              help="Judge only this property along the runs (repeatable).")
@click.option("--runs", type=click.IntRange(min=1), default=100, show_default=True, metavar="N",
              help="How many runs (each starts the implementation afresh).")
@click.option("--steps", type=click.IntRange(min=1), default=50, show_default=True, metavar="N",
              help="Steps per run.")
@click.option("--seed", type=int, default=0, show_default=True, metavar="S",
              help="The random seed: the same seed gives the same runs (with a deterministic implementation).")
@output_options
@timeout_option
def conform_cmd(adapter: str, target: str, params: tuple[str, ...], props: tuple[str, ...], runs: int, steps: int,
                seed: int, fmt: str, out: Path, no_out: bool, timeout: float | None) -> int:
    """Drive the implementation ADAPTER in lockstep with TARGET's model: random runs of the model,
    each step performed on the implementation and its state compared with the model's. Reports
    the first divergence, shrunk, and the properties the implementation's runs break (exit 1);
    exit 3 when nothing is found. See docs/conformance.md."""
    from . import _session as session
    from ._guard import model_code
    from .checker.conformance import Adapter, conform, format_result, result_to_json
    from .checker.engines import Budget
    from .checker.load import load_function
    from .checker.output import dumps, to_itf

    run, deadline = session.start(target, out, no_out, timeout)  # before anything runs (defects 13, 14)
    system = session._load(run, target, params, deadline)
    run.phase = f"starting the adapter {adapter}"
    with model_code(deadline):
        try:
            factory = load_function(adapter)
        except UserError as err:
            raise InputError("; ".join(err.lines).replace("TARGET", "ADAPTER", 1)) from None
        try:
            made = factory(system)
        except UserError:
            raise
        except Exception as err:  # noqa: BLE001 - the adapter's own error, reported as bad input
            raise InputError(f"ADAPTER {adapter!r}: it raised {type(err).__name__}: {err}; fix the adapter") from err
    if not isinstance(made, Adapter):
        raise InputError(f"ADAPTER {adapter!r}: it returned {type(made).__name__}, not an adapter; return an object "
                         "with internal, reset(), perform(step), observe() and close() (docs/conformance.md)")
    run.phase = session.CHECKING
    left = None if deadline is None else max(deadline - time.monotonic(), 1e-3)
    backstop = None if deadline is None or left is None else deadline + 1.0 + 0.1 * left
    notes: list[str] = []
    try:
        with model_code(backstop):
            result = conform(system, made, properties=list(props) or None, runs=runs, steps=steps, seed=seed,
                             budget=Budget(timeout=left))
    finally:
        try:
            made.close()
        except Exception as err:  # noqa: BLE001 - the verdicts still count
            notes.append(f"the adapter failed to close: {type(err).__name__}: {err}")
    report = result.report
    run.report = report
    if fmt == "text":
        for line in format_result(result, system=system, target=target, adapter=adapter):
            click.echo(line)
    done = session._Written()
    if run.outputs is not None:
        run.phase = session.WRITING
        done = session._write_outputs(run.outputs, report, system, target)
        if done.code is None:
            try:
                doc = result_to_json(result, target=target, adapter=adapter)
                run.outputs.write("report.json", dumps(doc).encode("utf-8"))
                d = result.divergence
                if d is not None:
                    itf = to_itf(d.trace, system=report.system, prop="", params=report.params)
                    itf["#meta"]["description"] = f"divergence at step {d.step}: {d.message}"
                    run.outputs.write("divergence.itf.json", dumps(itf).encode("utf-8"))
                done.files = list(run.outputs.written)
            except OSError as err:
                done.code = session.EXIT_INPUT
                done.errors.append(f"--out {str(out)!r}: cannot write: {err.strerror}; free some space or choose "
                                   "another --out (the verdicts are complete)")
    code = done.code if done.code is not None else result.exit_code()
    if fmt == "json":
        doc = result_to_json(result, target=target, adapter=adapter)
        doc["errors"] = list(doc["errors"]) + done.errors
        doc["exit_code"] = int(code)
        click.echo(json.dumps(doc, indent=2))
    elif done.code is None and done.files:
        traces = sum(1 for n in done.files if n.endswith(".itf.json"))
        click.echo(f"wrote report.json and {session._plural(traces, 'ITF trace')} to {out}/")
    for error in done.errors:
        session._err(error)
    if done.code is session.EXIT_INTERNAL:
        click.echo(f"statebound: {session.BUG_HINT}", err=True)
    for note in [*done.notes, *notes]:
        click.echo(f"statebound: note: {note}", err=True)
    if result.divergence is not None and fmt == "text":
        d = result.divergence
        click.echo(f"statebound: divergence at step {d.step}{', ' + d.label if d.label else ''}: {d.message}",
                   err=True)
    return int(code)
