"""The options of ``check`` that fit it into CI and shells (issue 16), kept out of :mod:`.cli`.

* :func:`ci_options` adds ``--junit FILE``, ``--sarif FILE``, ``--strict`` and ``--watch`` to a
  command; :func:`finish_ci` is called once the exit code of a check is known: it applies
  ``--strict`` and writes the JUnit and SARIF files (:mod:`.ci_formats`).
* :func:`complete_target` completes a TARGET in bash, zsh and fish: files, then after ``file.py:``
  the functions the file defines (read with :mod:`ast`, never imported).
* :func:`is_completing` tells whether the shell is asking for completions
  (``_STATEBOUND_COMPLETE=bash_source statebound`` prints the bash script).
"""

from __future__ import annotations

import ast
import functools
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from click.shell_completion import CompletionItem

if TYPE_CHECKING:  # imported when a check runs (issue 13: start-up)
    from .checker.machine import System
    from .checker.result import ExitCode, Outcome, Report

__all__ = ["COMPLETE_VAR", "ci_options", "finish_ci", "complete_target", "is_completing"]

#: the variable click's shell completion sets (``_{PROG}_COMPLETE``)
COMPLETE_VAR = "_STATEBOUND_COMPLETE"
_KEY = "statebound.ci"


@dataclass(frozen=True, slots=True, kw_only=True)
class _Request:
    junit: Path | None = None
    sarif: Path | None = None
    strict: bool = False


def is_completing() -> bool:
    """True when the shell asks for completions (or for its completion script)."""
    return bool(os.environ.get(COMPLETE_VAR))


def ci_options(fn: Callable[..., int]) -> Callable[..., int]:
    """Add ``--junit``, ``--sarif``, ``--strict`` and ``--watch`` to the ``check`` command *fn*.

    *fn* never sees them: ``--watch`` runs the command again in a loop instead of calling it
    once, the others are kept on the click context for :func:`finish_ci`.
    """

    @functools.wraps(fn)
    def wrapper(*args: Any, junit: Path | None, sarif: Path | None, strict: bool, watch: bool,
                watch_runs: int | None, watch_interval: float, **kwargs: Any) -> int:
        ctx = click.get_current_context()
        if watch:
            from .watch import watch_check

            return watch_check(ctx, target=str(ctx.params.get("target", "")), runs=watch_runs, interval=watch_interval)
        ctx.meta[_KEY] = _Request(junit=junit, sarif=sarif, strict=strict)
        return fn(*args, **kwargs)

    file = click.Path(dir_okay=False, path_type=Path)
    options = [
        click.option("--watch-interval", type=click.FloatRange(min=0.01), default=0.5, hidden=True),
        click.option("--watch-runs", type=click.IntRange(min=1), default=None, hidden=True),  # tests: stop after N
        click.option("--watch", is_flag=True,
                     help="Check again whenever the model file (or a Python file beside it) changes; Ctrl-C stops."),
        click.option("--strict", is_flag=True,
                     help="A property that holds only vacuously (its tag, trigger or premise never happens) "
                          "fails the check: exit code 5."),
        click.option("--sarif", type=file, default=None, metavar="FILE",
                     help="Also write SARIF 2.1.0 (GitHub code scanning): one result per violated property, "
                          "at its definition, with the counterexample as a code flow."),
        click.option("--junit", type=file, default=None, metavar="FILE",
                     help="Also write JUnit XML: one test case per property, the counterexample in the failure."),
    ]
    out: Callable[..., int] = wrapper
    for option in options:
        out = option(out)
    return out


def finish_ci(report: Report, system: System | None, target: str, code: ExitCode) -> tuple[ExitCode, list[str]]:
    """The exit code under ``--strict`` and the errors of writing ``--junit``/``--sarif``.

    A file that cannot be written makes the exit code 2, as a failed ``--out`` does; the verdicts
    are printed all the same.
    """
    from .checker.result import ExitCode
    from .ci_formats import strict_exit_code, vacuous, write_files

    ctx = click.get_current_context(silent=True)
    request = ctx.meta.get(_KEY) if ctx is not None else None
    if not isinstance(request, _Request):
        return code, []
    errors: list[str] = []
    if request.strict:
        strict = strict_exit_code(report, code)
        if strict is not code:
            names = [o.property for o in vacuous(report)]
            verb = "holds" if len(names) == 1 else "hold"
            errors.append(f"--strict: {', '.join(names)} {verb} only vacuously (exit code {int(strict)}); "
                          "make the tag, trigger or premise reachable, or give the rule a witness with sometimes(...)")
        code = strict
        for o in _unjudged(report, system):
            click.echo(f"statebound: note: --strict: {o.property} was proved by {o.engine}, which does not tell "
                       "whether it holds only vacuously; check it with --engine explicit or fast (a larger "
                       "--max-states), or give it a witness with sometimes(...)", err=True)
    if request.junit is not None or request.sarif is not None:
        failed = write_files(report, system=system, target=target, junit=request.junit, sarif=request.sarif,
                             strict=request.strict, exit_code=int(code))
        if failed:
            errors += failed
            code = ExitCode.BAD_INPUT
    return code, errors


#: the engines that see every reachable state and so tell whether a rule holds only vacuously
_JUDGE_VACUITY = frozenset({"explicit", "fast"})


def _unjudged(report: Report, system: System | None) -> list[Outcome]:
    """The outcomes that hold, of a kind that can hold vacuously (a step rule, an observer, an
    ``always(implies(a, b))``), decided by an engine that does not judge vacuity (induction)."""
    from .checker.expr import Op
    from .checker.property import Always
    from .checker.result import Kind, Verdict

    implications = {p.name for p in (system.properties if system is not None else ())
                    if isinstance(p, Always) and isinstance(p.expr, Op) and p.expr.op == "implies"}
    return [o for o in report.outcomes
            if o.verdict is Verdict.HOLDS and o.engine not in _JUDGE_VACUITY
            and (o.kind in (Kind.STEP, Kind.NEVER_AFTER, Kind.LEADS_TO) or o.property in implications)]


def _functions(path: Path) -> list[str]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    return [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
            and not n.name.startswith("_")]


def complete_target(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[CompletionItem]:
    """Shell completions of a TARGET: ``file.py:`` lists the file's functions; anything else
    completes as a path (the shell's own file completion)."""
    module_part, sep, name = incomplete.rpartition(":")
    if sep and module_part.endswith(".py"):
        return [CompletionItem(f"{module_part}:{fn}") for fn in _functions(Path(module_part)) if fn.startswith(name)]
    return [CompletionItem(incomplete, type="file")]
