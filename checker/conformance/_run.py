"""Conformance runs: Hypothesis drives the model and an implementation in lockstep, and the first
divergence or property violation comes back shrunk (issue 12).

What the verdicts mean: the implementation's runs are executions of the model (every step was
checked against it), so a property they break is ``violated`` with the run as its counterexample,
a ``sometimes`` they reach ``holds``, and everything else is ``inconclusive``: random runs prove
nothing, and they see only what they reach. A step where the implementation does not do what the
model says is a :class:`Divergence`, reported apart from the properties. The runs stop at the
first failure (divergence or violation), which is then shrunk on the model, each candidate
replayed on the implementation (:mod:`._shrink`).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .._compile import Label
from ..engines.base import Budget
from ..engines.random._machine import Model, PropertyViolation
from ..errors import InputError
from ..expr import to_text
from ..machine import System
from ..output import format_report, report_to_json
from ..property import Sometimes
from ..result import Coverage, ExitCode, Outcome, Report, Trace, Verdict
from ._lockstep import Divergence, DivergenceError, Lockstep, Stop, lockstep_machine
from ._shrink import length
from ._shrink import shrink as shrink_failure
from .adapter import Adapter

__all__ = ["ENGINE", "ConformanceResult", "conform", "conform_steps", "assert_conforms", "format_result", "result_to_json"]

#: the engine name conformance outcomes carry
ENGINE = "conformance"
#: how long shrinking a failure may take, in seconds of wall-clock time, by default
SHRINK_SECONDS = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ConformanceResult:
    """What a conformance check found.

    ``report`` holds the properties judged along the implementation's runs (engine
    ``conformance``); ``divergence`` the first step where the implementation did not do what the
    model says, shrunk, or None. ``runs`` counts the runs made (shrinking included), ``notes``
    says what cut the check short, if anything.
    """

    report: Report
    divergence: Divergence | None
    runs: int
    steps: int
    seed: int
    notes: tuple[str, ...] = ()

    @property
    def conforms(self) -> bool:
        """No divergence and no property violated (which random runs can show, never prove)."""
        return self.divergence is None and not self.report.violated

    def exit_code(self) -> ExitCode:
        """1 a divergence or a violated property; otherwise the report's (3: nothing found)."""
        if self.divergence is not None:
            return ExitCode.VIOLATED
        return self.report.exit_code()


def conform(system: System, adapter: Adapter, *, properties: Sequence[str] | None = None, runs: int = 100,
            steps: int = 50, seed: int = 0, budget: Budget = Budget(), shrink: bool = True,
            shrink_seconds: float | None = SHRINK_SECONDS) -> ConformanceResult:
    """Run *adapter*'s implementation in lockstep with *system*: *runs* runs of up to *steps* steps.

    Parameters
    ----------
    system : System
        The model, with its properties.
    adapter : Adapter
        The implementation (see :mod:`statebound.checker.conformance.adapter`); not closed here.
    properties : sequence of str, optional
        The properties to judge along the runs (``deadlock-free`` included); all by default.
    runs, steps : int
        Hypothesis' ``max_examples`` and ``stateful_step_count``.
    seed : int
        The same seed gives the same runs (with a deterministic implementation).
    budget : Budget
        ``timeout`` stops the runs (what is undecided is inconclusive); ``max_depth`` caps *steps*.
    shrink : bool
        Shrink the failure found: on the model (shorter ways to the failing step, steps dropped),
        each candidate replayed on the implementation and kept when it still fails the same way.
    shrink_seconds : float or None
        How long shrinking may take; after that the shortest failing run seen is reported.

    Returns
    -------
    ConformanceResult

    Raises
    ------
    InputError
        The adapter failed (an exception other than :class:`~.adapter.Mismatch`, named with the
        step it was performing), observes a variable the model does not have, or names internal
        steps the model does not have.
    """
    from hypothesis import HealthCheck, Phase, Verbosity, settings
    from hypothesis import seed as with_seed
    from hypothesis.errors import Flaky
    from hypothesis.stateful import run_state_machine_as_test

    if runs < 1 or steps < 1:
        raise InputError(f"--runs {runs} --steps {steps}: both must be at least 1")
    started = time.perf_counter()
    if budget.max_depth is not None:
        steps = min(steps, max(budget.max_depth, 1))
    model = Model(system, properties)
    deadline = started + budget.timeout if budget.timeout is not None else None
    hooks = Lockstep(model, adapter, deadline=deadline)
    machine = with_seed(seed)(lockstep_machine(model, hooks))
    config = settings(
        parent=settings.get_profile("default"),  # not the profile a test suite loaded
        max_examples=runs,
        stateful_step_count=steps,
        deadline=None,
        database=None,
        derandomize=False,
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
        phases=(Phase.generate,),  # shrunk below, on the model
    )
    failure: DivergenceError | PropertyViolation | None = None
    notes: list[str] = []
    stopped: str | None = None
    try:
        run_state_machine_as_test(machine, settings=config)
    except (DivergenceError, PropertyViolation) as err:
        failure = err
    except Stop as stop:
        _raise_adapter_error(stop)
        if hooks.best is None:
            stopped = f"{stop.why} after {_plural(hooks.runs, 'run')}"
        else:
            notes.append(f"{stop.why}: the shortest failing run found so far is reported")
    except Flaky as err:
        if hooks.best is None:
            raise
        notes.append(f"the failure did not always reproduce (Hypothesis: {type(err).__name__}); "
                     "the shortest failing run seen is reported: is the implementation deterministic?")
    if hooks.best is not None and (failure is None or hooks.best[0] < length(failure)):
        failure = hooks.best[1]
    if failure is not None and shrink:
        # on the model, each candidate replayed on the implementation (Hypothesis' shrinker cannot
        # help: what a draw means depends on the guide; see lockstep_machine)
        end = time.perf_counter() + shrink_seconds if shrink_seconds is not None else None
        if deadline is not None:
            end = deadline if end is None else min(end, deadline)
        try:
            failure = shrink_failure(hooks, failure, deadline=end)
        except Stop as stop:
            _raise_adapter_error(stop)
            notes.append(f"{stop.why} while shrinking: the shortest failing run found so far is reported")
    report = _report(system, model, hooks, failure, steps=steps, started=started, stopped=stopped)
    divergence = failure.divergence if isinstance(failure, DivergenceError) else None
    return ConformanceResult(report=report, divergence=divergence, runs=hooks.runs, steps=steps, seed=seed,
                             notes=tuple(notes))


def _raise_adapter_error(stop: Stop) -> None:
    """The error that stopped the runs, if it is the adapter's (a budget that ran out is not an error)."""
    if isinstance(stop.error, InputError):
        raise stop.error from None
    if stop.error is not None:
        raise InputError(f"{stop.why}: {type(stop.error).__name__}: {stop.error}; fix the adapter") from stop.error


def conform_steps(system: System, adapter: Adapter, steps: Sequence[str] | Trace, *,
                  properties: Sequence[str] | None = None) -> ConformanceResult:
    """Drive the implementation through one given run of the model: a scenario written by hand, or a
    counterexample of ``statebound check`` (its :class:`~statebound.checker.result.Trace`), to see
    whether the real code does it too.

    Parameters
    ----------
    system : System
        The model.
    adapter : Adapter
        The implementation (not closed here).
    steps : sequence of str, or Trace
        ``"instance.transition"`` names of the steps, in order, from the initial state (the
        adapter's internal steps may be left out: the implementation takes them itself), or a
        trace of the model, whose steps are taken.
    properties : sequence of str, optional
        The properties to judge along the run (all by default).

    Returns
    -------
    ConformanceResult
        With one run: the divergence if the implementation does not do what the model says, the
        properties the run breaks.

    Raises
    ------
    InputError
        A name that is no transition of the model, or a step the model does not allow where it comes.

    Examples
    --------
    >>> conform_steps(before(), adapter, ["server.permission_revoked", "ChatAssistant.mount",
    ...                                   "ChatAssistant.client.ws1.handshake_rejected_403",
    ...                                   "ChatAssistant.client.retry"])    # doctest: +SKIP
    """
    from ..errors import suggest

    started = time.perf_counter()
    model = Model(system, properties)
    hooks = Lockstep(model, adapter)
    c = model.compiled
    index = {a.label: a.index for a in c.actions}
    names = [f"{s.instance}.{s.transition}" for s in steps.steps] if isinstance(steps, Trace) else list(steps)
    stimuli: list[Label | None] = []
    for name in names:
        if name not in index:
            raise InputError(f"step {name!r}: no transition of {system.name!r} that can fire on its own has this "
                             "name; " + suggest(name, index, default="give instance.transition names"))
        if index[name] not in hooks.internal:
            stimuli.append(index[name])
    try:
        failure = hooks.replay(model.initial[0], stimuli, strict=True)
    except Stop as stop:
        _raise_adapter_error(stop)
        raise
    report = _report(system, model, hooks, failure, steps=len(names), started=started, stopped=None)
    divergence = failure.divergence if isinstance(failure, DivergenceError) else None
    return ConformanceResult(report=report, divergence=divergence, runs=1, steps=len(names), seed=0)


def _report(system: System, model: Model, hooks: Lockstep, failure: DivergenceError | PropertyViolation | None, *,
            steps: int, started: float, stopped: str | None) -> Report:
    mon = model.monitor
    unfired = hooks.unfired()
    cov = Coverage(states=len(hooks.states), steps=hooks.steps, depth=hooks.depth,
                   seconds=time.perf_counter() - started, complete=False,
                   stopped=stopped or f"{_plural(hooks.runs, 'conformance run')} of up to {steps} steps",
                   unfired=unfired)
    total = sum(1 for _ in system.transitions())
    seen = (f"the runs visited {_plural(len(hooks.states), 'distinct state')}; {total - len(unfired)} of "
            f"{_plural(total, 'transition')} fired")
    done = f"{_plural(hooks.runs, 'run')} of up to {_plural(steps, 'step')} against the implementation"
    if isinstance(failure, DivergenceError):
        undecided = (f"not decided: the implementation diverged from the model at step {failure.divergence.step} "
                     f"(see the divergence) after {done}; {seen}")
    elif failure is not None:
        undecided = f"not decided: the runs stopped at the first violation ({failure.property}); {seen}"
    elif stopped is not None:
        undecided = f"not decided: {stopped}; {seen}"
    else:
        undecided = ""
    outcomes: list[Outcome] = []
    for k, name in enumerate(mon.names):
        kind = mon.kinds[k]
        if isinstance(failure, PropertyViolation) and failure.property == name:
            outcomes.append(failure.outcome(engine=ENGINE, coverage=cov))
        elif k in hooks.witnesses:
            outcomes.append(Outcome(property=name, kind=kind, verdict=Verdict.HOLDS, engine=ENGINE, coverage=cov,
                                    trace=hooks.witnesses[k], message="witness: a run of the implementation reached it"))
        else:
            p = mon.props[k] if k < len(mon.props) else None
            message = undecided or (
                f"no witness found in {done}: no state reached satisfies {to_text(p.expr)}; {seen}"
                if isinstance(p, Sometimes) else f"no violation found in {done}; {seen}")
            outcomes.append(Outcome(property=name, kind=kind, verdict=Verdict.INCONCLUSIVE,
                                    engine=ENGINE, coverage=cov, message=message))
    return Report(system=system.name, params=system.params, outcomes=tuple(outcomes), coverage=cov)


def assert_conforms(system: System, adapter: Adapter, **options: Any) -> ConformanceResult:
    """:func:`conform`, failing with the divergence or the counterexample as its message (for pytest).

    Examples
    --------
    >>> def test_my_client_conforms() -> None:                      # doctest: +SKIP
    ...     with MyAdapter() as adapter:
    ...         assert_conforms(my_model(), adapter, runs=20, steps=30)
    """
    result = conform(system, adapter, **options)
    if not result.conforms:
        raise AssertionError("\n".join(format_result(result, system=system)))
    return result


# --------------------------------------------------------------------------- output


def format_result(result: ConformanceResult, *, system: System | None = None, target: str = "",
                  adapter: str = "") -> list[str]:
    """The text report: the header, the divergence if any, then every property as ``check`` prints it."""
    report = result.report
    lines = format_report(report, system=system, target=target)
    head = lines[0].replace("statebound check ", "statebound conform " + (f"{adapter} " if adapter else ""), 1)
    cov = report.coverage
    what = (f"{_plural(result.runs, 'run')} of up to {_plural(result.steps, 'step')} in lockstep with the "
            f"implementation in {cov.seconds:.2f} s: {_plural(cov.steps, 'step')}, "
            f"{_plural(cov.states, 'distinct state')}")
    out = [f"{head}  (seed {result.seed})", what]
    if result.divergence is not None:
        out += ["", *result.divergence.lines(indent="     ")]
    else:
        out.append("no divergence: the implementation did what the model said at every step")
    out += [f"note: {n}" for n in result.notes]
    out += lines[2:]
    return out


def result_to_json(result: ConformanceResult, *, target: str = "", adapter: str = "") -> dict[str, Any]:
    """The JSON document: ``check``'s, with ``"conformance"``: the adapter, runs, steps, seed, notes and the
    divergence (or null)."""
    doc = report_to_json(result.report, target=target)
    doc["conformance"] = {
        "adapter": adapter,
        "runs": result.runs,
        "steps": result.steps,
        "seed": result.seed,
        "notes": list(result.notes),
        "divergence": result.divergence.to_json() if result.divergence is not None else None,
    }
    doc["exit_code"] = int(result.exit_code())
    return doc


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")
