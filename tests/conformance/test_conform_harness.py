"""The conformance harness on a toy implementation, no network (issue 12): lockstep runs, divergences
shrunk to the shortest run, the adapter's Mismatch, internal steps, properties broken by a
conforming implementation, and the errors of a broken adapter, each with its exact message."""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import pytest

from statebound import Enum, Instance, Int, Machine, System, Transition, Var, always, ref, sometimes
from statebound.checker.conformance import Adapter, Mismatch, Step, conform, conform_steps, format_result
from statebound.checker.engines import Budget
from statebound.checker.errors import InputError
from statebound.checker.result import ExitCode, Verdict


def counter(limit: int = 3, *, careful: bool = True) -> System:
    """start/finish a job; every finish counts; reset at the limit (careless: `small` is broken at 3)."""
    n = Var("n", Int(0, limit), initial=0)
    s = Var("state", Enum("Idle", "Busy"))
    m = Machine(name="counter", variables=(s, n), transitions=(
        Transition("start", guard=(s == "Idle") & (n < limit), updates={s: "Busy"}),
        Transition("finish", guard=s == "Busy", updates={s: "Idle", n: n + 1}),
        Transition("reset", guard=n == limit, updates={n: 0}),
    ))
    bound = limit if careful else limit - 1
    return System(name="counter", instances=(Instance("c", m),), properties=(
        always("small", ref("c", "n") <= bound), sometimes("full", ref("c", "n") == limit)))


class Counter:
    """The implementation: a job counter, with an optional bug."""

    def __init__(self, bug: str = "") -> None:
        self.bug = bug
        self.state, self.n = "Idle", 0

    def start(self) -> None:
        self.state = "Busy"
        if self.bug == "eager":  # finishes at once: the model's finish is an internal step then
            self.finish()

    def finish(self) -> None:
        self.state = "Idle"
        self.n += 2 if self.bug == "double" and self.n == 1 else 1


class CounterAdapter:
    internal: tuple[str, ...] = ()

    def __init__(self, bug: str = "", *, internal: tuple[str, ...] = (), observe_extra: str = "",
                 refuse: str = "", crash: bool = False) -> None:
        self.bug, self.internal, self.extra, self.refuse, self.crash = bug, internal, observe_extra, refuse, crash
        self.impl = Counter(bug)
        self.closed = False
        self.performed: list[str] = []

    def reset(self) -> None:
        self.impl = Counter(self.bug)

    def perform(self, step: Step) -> None:
        self.performed.append(step.label)
        if self.crash:
            raise KeyError("oops")
        if step.transition == self.refuse:
            raise Mismatch("the counter refuses to reset", expected="n = 0", actual="n stays")
        if step.transition == "reset":
            self.impl.n = 0
        else:
            getattr(self.impl, step.transition)()

    def observe(self) -> Mapping[str, Hashable]:
        seen: dict[str, Hashable] = {"c.state": self.impl.state, "c.n": self.impl.n}
        if self.extra:
            seen[self.extra] = 1
        return seen

    def close(self) -> None:
        self.closed = True


def test_the_adapter_protocol_is_five_members_and_a_plain_object_satisfies_it() -> None:
    assert isinstance(CounterAdapter(), Adapter)
    assert not isinstance(object(), Adapter)


def test_a_conforming_implementation_has_no_divergence_and_its_runs_prove_nothing() -> None:
    result = conform(counter(), CounterAdapter(), runs=20, steps=20)
    assert result.divergence is None and result.conforms
    assert result.report.outcome("small").verdict is Verdict.INCONCLUSIVE
    assert result.report.outcome("full").verdict is Verdict.HOLDS  # a run reached it
    assert result.exit_code() is ExitCode.INCONCLUSIVE
    assert all(o.engine == "conformance" for o in result.report.outcomes)
    assert result.report.coverage.steps >= 100 and not result.report.coverage.unfired


def test_a_divergence_is_shrunk_to_the_shortest_run_that_shows_it() -> None:
    result = conform(counter(), CounterAdapter("double"), runs=50, steps=20)
    d = result.divergence
    assert d is not None and result.exit_code() is ExitCode.VIOLATED
    assert (d.step, d.label) == (4, "c.finish")
    assert [s.transition for s in d.trace.steps] == ["start", "finish", "start", "finish"]
    assert d.differences == (("c.n", 2, 3),)
    assert (d.expected, d.actual) == ("c.n = 2", "c.n = 3")
    assert d.message == "the implementation's state is not the one the model's step leads to"
    # a divergence is not a property violation
    assert result.report.violated == ()
    text = "\n".join(format_result(result, system=counter()))
    assert "DIVERGENCE at step 4, c.finish" in text and "actual (the implementation):   c.n = 3" in text


def test_the_adapter_reports_what_it_cannot_do_as_a_divergence_with_its_own_words() -> None:
    result = conform(counter(), CounterAdapter(refuse="reset"), runs=50, steps=20)
    d = result.divergence
    assert d is not None and d.label == "c.reset"
    assert (d.message, d.expected, d.actual) == ("the counter refuses to reset", "n = 0", "n stays")
    assert len(d.trace) == 7  # three jobs, then the reset


def test_internal_steps_are_the_implementations_own() -> None:
    # the eager counter finishes its job in the same call: the model's finish is internal to it
    eager = CounterAdapter("eager", internal=("c.finish",))
    result = conform(counter(), eager, runs=20, steps=20)
    assert result.divergence is None
    assert "c.finish" not in eager.performed  # never drawn, never performed
    assert result.report.outcome("full").verdict is Verdict.HOLDS
    # without saying so, the same implementation diverges at its first start
    d = conform(counter(), CounterAdapter("eager"), runs=20, steps=20).divergence
    assert d is not None and (d.step, d.label, d.expected, d.actual) == (
        1, "c.start", "c.state = Busy, c.n = 0", "c.state = Idle, c.n = 1")


def test_a_conforming_implementation_breaks_the_models_property_as_a_violation() -> None:
    result = conform(counter(careful=False), CounterAdapter(), runs=50, steps=20)
    assert result.divergence is None
    o = result.report.outcome("small")
    assert o.verdict is Verdict.VIOLATED and o.trace is not None and len(o.trace) == 6
    assert result.exit_code() is ExitCode.VIOLATED


def test_the_same_seed_gives_the_same_runs() -> None:
    first = conform(counter(), CounterAdapter("double"), runs=30, steps=20, seed=3)
    again = conform(counter(), CounterAdapter("double"), runs=30, steps=20, seed=3)
    assert first.runs == again.runs and first.divergence == again.divergence


def test_the_time_budget_stops_the_runs_as_inconclusive() -> None:
    result = conform(counter(), CounterAdapter(), runs=10_000, steps=50, budget=Budget(timeout=0.5))
    assert result.report.coverage.stopped is not None and "the time ran out" in result.report.coverage.stopped
    assert result.report.outcome("small").verdict is Verdict.INCONCLUSIVE


def test_an_adapter_that_observes_an_unknown_variable_is_bad_input() -> None:
    with pytest.raises(InputError) as err:
        conform(counter(), CounterAdapter(observe_extra="c.count"), runs=5, steps=5)
    assert str(err.value) == ("the adapter observes 'c.count', which is not a variable of 'counter'; "
                              "did you mean 'c.n'?")


def test_an_internal_pattern_that_names_no_transition_is_bad_input() -> None:
    with pytest.raises(InputError) as err:
        conform(counter(), CounterAdapter(internal=("c.finnish",)), runs=5, steps=5)
    assert str(err.value) == ("the adapter's internal step 'c.finnish' names no transition of 'counter' that can "
                              "fire on its own; did you mean 'c.finish'?")


def test_an_adapter_that_crashes_is_bad_input_naming_the_step() -> None:
    with pytest.raises(InputError) as err:
        conform(counter(), CounterAdapter(crash=True), runs=5, steps=5)
    assert str(err.value).startswith("the adapter failed to perform step 1 (c.start): KeyError: 'oops'")


def test_a_given_run_is_driven_step_by_step() -> None:
    steps = ["c.start", "c.finish", "c.start", "c.finish"]
    assert conform_steps(counter(), CounterAdapter(), steps).divergence is None
    d = conform_steps(counter(), CounterAdapter("double"), steps).divergence
    assert d is not None and (d.step, d.differences) == (4, (("c.n", 2, 3),))
    with pytest.raises(InputError) as err:
        conform_steps(counter(), CounterAdapter(), ["c.start", "c.start"])
    assert str(err.value) == ("step 2, c.start: the model does not allow it after the steps before it; "
                              "it allows: c.finish")
    with pytest.raises(InputError) as err:
        conform_steps(counter(), CounterAdapter(), ["c.stop"])
    assert str(err.value).startswith("step 'c.stop': no transition of 'counter' that can fire on its own")


def test_where_only_internal_steps_are_left_the_implementation_must_take_them_or_stay_put() -> None:
    # at the limit the model can only reset, and the adapter says the implementation resets on its own
    class Resetting(CounterAdapter):
        def __init__(self, drift: bool) -> None:
            super().__init__(internal=("c.reset",))
            self.drift, self.seen_full = drift, 0

        def reset(self) -> None:
            super().reset()
            self.seen_full = 0

        def observe(self) -> Mapping[str, Hashable]:
            if self.impl.n == 3:
                self.seen_full += 1
                if self.seen_full > 1:  # it moves on between two observations, with no step
                    self.impl.n = 2 if self.drift else 0
            return super().observe()

    assert conform(counter(), Resetting(drift=False), runs=10, steps=20).divergence is None
    d = conform(counter(), Resetting(drift=True), runs=10, steps=20).divergence
    assert d is not None and (d.step, d.label, d.differences) == (6, "c.finish", (("c.n", 3, 2),))
    assert d.message == "the implementation changed on its own, with no step of the model"
