"""One run of the command line: its state and phases, loading the model under the guard, running
the check with what is left of the time, and writing the outputs. The commands (:mod:`.cli`,
:mod:`.simulate_cmd`, :mod:`.trace_cmd`) share it; it imports none of them."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ._guard import Interrupted, OutOfTime, clear_pending_signal, deferred_signals, model_code, pending_signal
from ._outputs import MANIFEST, OutputDir
from .checker.engines import Budget, engine
from .checker.engines.base import MemoryLimitReached, watch_memory
from .checker.errors import InputError, UserError, suggest
from .checker.result import ExitCode, Verdict

if TYPE_CHECKING:  # the language, the engines and the outputs are imported when a command runs (issue 13)
    from .checker.engines import Engine
    from .checker.machine import System
    from .checker.property import Always
    from .checker.result import Report

EXIT_OK, EXIT_VIOLATED, EXIT_INPUT = ExitCode.OK, ExitCode.VIOLATED, ExitCode.BAD_INPUT
EXIT_INCONCLUSIVE, EXIT_INTERNAL, EXIT_INTERRUPTED = ExitCode.INCONCLUSIVE, ExitCode.INTERNAL, ExitCode.INTERRUPTED
DEFAULT_OUT = "statebound-out"
#: the run's phases, as messages name them
LOADING, CHECKING, WRITING = "loading and building the model", "checking", "writing the outputs"
LINTING = "linting the model (after the verdicts)"
#: the default of ``check --engine`` (issues 13 and 14: :mod:`statebound.checker.engines.auto`)
DEFAULT_ENGINE = "auto"


def timed_out() -> tuple[type[BaseException], ...]:
    """What "the time ran out" is raised as: the guard's alarm, and the compile step's "its deadline
    passed" (issue 8, defect 5) once the compile step is loaded (before, it cannot have been
    raised); engines that give it a deadline should report inconclusive themselves, this is the
    fallback."""
    compiled = sys.modules.get(f"{__package__}.checker._compile")
    deadline = getattr(compiled, "DeadlineReached", None)
    extra = (deadline,) if isinstance(deadline, type) and issubclass(deadline, BaseException) else ()
    return (OutOfTime, *extra)


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
_MEGABYTES = _Number("a whole number of megabytes, at least 1, e.g. --max-memory-mb 2048", whole=True, least=1)


def timeout_option(fn: Any) -> Any:
    """--timeout, validated alike in every command (a finite, positive number: defect 12)."""
    return click.option("--timeout", type=_SECONDS, default=None, metavar="SECONDS",
                        help="Stop after this many seconds, loading and building the model included "
                             "(inconclusive).")(fn)


def memory_option(fn: Any) -> Any:
    """--max-memory-mb, validated like the other budget options (issue 13)."""
    return click.option("--max-memory-mb", type=_MEGABYTES, default=None, metavar="MB",
                        help="Stop (inconclusive) before the check uses more than this much memory; the fast "
                             "engine by default stops at 90% of the memory available.")(fn)


def output_options(fn: Any) -> Any:
    """--format, --out and --no-out of the commands that write a report (check, simulate, trace, conform)."""
    fn = click.option("--no-out", is_flag=True, help="Write no files.")(fn)
    fn = click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path(DEFAULT_OUT),
                      show_default=True, help="Directory for report.json, ITF traces and counterexample diagrams.")(fn)
    return click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
                        help="Output for people or for machines.")(fn)


def start(target: str, out: Path, no_out: bool, timeout: float | None) -> tuple[_Run, float | None]:
    """The run of a command that writes a report: --out and --no-out checked, the deadline set, and
    the --out folder opened, locked and proved writable before anything is loaded (defects 13, 14)."""
    run = _state()
    ctx = click.get_current_context()
    if no_out and ctx.get_parameter_source("out") is click.core.ParameterSource.COMMANDLINE:
        raise InputError("--out and --no-out: choose one (--no-out writes no files)")
    deadline = None if timeout is None else time.monotonic() + timeout
    run.timeout, run.target = timeout, target
    if not no_out:
        run.outputs = OutputDir.open(out)
    return run, deadline


def _budget_options(fn: Any) -> Any:
    """--max-states, --max-depth, --max-memory-mb and --timeout, shared by check and diagram (defect 15)."""
    fn = timeout_option(fn)
    fn = memory_option(fn)
    fn = click.option("--max-depth", type=_DEPTH, default=None, metavar="N",
                      help="Explore at most this many steps deep (inconclusive if there is more).")(fn)
    fn = click.option("--max-states", type=_STATES, default=None, metavar="N",
                      help="Stop after this many states (inconclusive).")(fn)
    return fn


def _load(run: _Run, target: str, params: Sequence[str], deadline: float | None) -> System:
    """Import and build the model under :func:`model_code` (stdout to stderr, the deadline)."""
    from .checker.load import load_system

    run.target, run.phase = target, LOADING
    with model_code(deadline):
        system = load_system(target, params)
    run.system = system
    return system


def _run_check(run: _Run, system: System, *, deadline: float | None, max_states: int | None,
               max_depth: int | None, props: Sequence[str] | None, progress: Any = None,
               engine_name: str = DEFAULT_ENGINE, lemmas: Sequence[str] = (),
               max_memory_mb: int | None = None, every_n: bool = False) -> Report:
    """The check, with what is left of the time. The engine stops itself at the deadline; the
    alarm, a little later, is a backstop for what does not look at the clock. *lemmas* names
    ``always`` properties of *system* (``--lemma``), validated here, before anything runs;
    *every_n* asks induction for a proof for every size of the symmetric family (``--every-n``)."""
    if every_n and engine_name != "induction":
        raise InputError(f"--every-n: a proof for every family size is by induction, not --engine {engine_name}; "
                         "use --engine induction, or leave --engine out")
    chosen = _engine(engine_name, _lemmas(system, lemmas, engine_name), every_n)  # imported only when asked for
    run.phase = CHECKING
    left = None if deadline is None else max(deadline - time.monotonic(), 1e-3)
    budget = Budget(max_states=max_states, max_depth=max_depth, timeout=left, max_memory_mb=max_memory_mb)
    backstop = None if deadline is None or left is None else deadline + 1.0 + 0.1 * left
    if engine_name not in WATCH_THEIR_MEMORY:
        progress = watch_memory(progress, budget)
    with model_code(backstop):
        try:
            return chosen.check(system, budget=budget, properties=list(props) if props else None, progress=progress)
        except MemoryLimitReached as over:
            stopped = f"memory limit ({max_memory_mb} MB) reached"
            ctx = click.get_current_context(silent=True)
            if ctx is not None and ctx.info_name == "check":  # only check chooses its engine
                how = (f" while checking with --engine {engine_name}", ", or use --engine fast or auto (which stop "
                       "with a partial report)")
            else:
                how = (" while checking", "")
            raise _Undecided(f"--max-memory-mb {max_memory_mb}: {stopped}{how[0]}, at {over.used_mb} MB; allow more "
                             f"memory or bound the search with --max-states{how[1]}", stopped) from None


#: the engines that keep to ``Budget.max_memory_mb`` themselves, with a partial report; the others
#: are stopped by :func:`~statebound.checker.engines.base.watch_memory` (inconclusive, no report)
WATCH_THEIR_MEMORY = ("auto", "fast")


def _engine(name: str, lemmas: Sequence[Always], every_n: bool = False) -> Engine:
    """The engine called *name*, given the lemmas when it takes them (and, for induction, whether
    to prove the rules for every size of the symmetric family)."""
    if name == "auto":
        from .checker.engines.auto import AutoEngine

        return AutoEngine(lemmas=lemmas)
    if name == "induction" and (lemmas or every_n):
        from .checker.engines.symbolic import InductionEngine

        return InductionEngine(lemmas=lemmas, parametric=every_n)
    return engine(name)


#: the engines that take lemmas (``--lemma``)
LEMMA_ENGINES = ("auto", "induction")


def _lemmas(system: System, names: Sequence[str], engine_name: str) -> tuple[Always, ...]:
    """The ``always`` properties of *system* named by ``--lemma`` (issue 14), or bad input that
    says what is wrong and suggests a close name."""
    if not names:
        return ()
    if engine_name not in LEMMA_ENGINES:
        raise InputError(f"--lemma {names[0]}: --engine {engine_name} does not use lemmas; "
                         "use --engine induction or --engine auto (the default)")
    from .checker.property import Always

    invariants = {p.name: p for p in system.properties if isinstance(p, Always)}
    kinds = {p.name: p.kind for p in system.properties}
    problems: list[str] = []
    for name in dict.fromkeys(names):
        if name in invariants:
            continue
        if name in kinds:
            problems.append(f"--lemma {name}: {name!r} is a {kinds[name]} property of {system.name}; a lemma must "
                            "be an always(...) invariant")
            continue
        listed = ", ".join(invariants) if invariants else "none"
        problems.append(f"--lemma {name}: {system.name} has no always property {name!r}; "
                        + suggest(name, invariants, default=f"its always properties: {listed}"))
    if problems:
        raise InputError("\n".join(problems))
    return tuple(invariants[n] for n in dict.fromkeys(names))


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


def _write_outputs(outputs: OutputDir, report: Report, system: System, target: str,
                   extra: dict[str, Any] | None = None) -> _Written:
    """report.json, one ITF trace per counterexample, and highlighted diagrams of each violation.

    Signals are deferred meanwhile and stop the writing between two files; a failure stops it
    too. Either way ``report.json`` ends up saying what happened (or is removed), and everything
    written is in the manifest (issue 8, defects 6 and 7).
    """
    from .checker.output import dumps, report_to_json, to_itf

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
                doc = {**report_to_json(report, target=target), **(extra or {})}  # extra: check's lint
                put(outputs.path / "report.json", dumps(doc).encode("utf-8"))
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
                _amend_report(outputs, report, target, done, extra)
        finally:
            clear_pending_signal()
    done.files = list(outputs.written)
    return done


def _amend_report(outputs: OutputDir, report: Report, target: str, done: _Written,
                  extra: dict[str, Any] | None = None) -> None:
    """After a failed or interrupted write: report.json says so, or is not there at all (a
    report that disagrees with the exit code is worse than none)."""
    from .checker.output import dumps, report_to_json

    doc = {**report_to_json(report, target=target), **(extra or {})}
    doc["errors"] = list(doc["errors"]) + done.errors
    doc["exit_code"] = int(done.code or 0)
    try:
        outputs.write("report.json", dumps(doc).encode("utf-8"))
    except OSError:
        try:
            outputs.remove("report.json")
        except OSError:
            pass
