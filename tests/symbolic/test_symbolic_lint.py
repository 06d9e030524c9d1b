"""Model lint (statebound.checker.lint): one test per kind of warning, with its exact text, and
silence on models that deserve it."""

from __future__ import annotations

from zoo import by_name

from statebound.checker import Enum, Instance, Int, Machine, System, Transition, Var
from statebound.checker.lint import Lint, LintWarning, lint


def _texts(system: System) -> list[str]:
    return [str(w) for w in lint(system)]


def test_a_clean_model_has_no_warnings() -> None:
    assert lint(by_name("lamp").build()) == ()
    assert lint(by_name("broadcast-good").build()) == ()


def test_a_guard_that_is_never_true_is_reported() -> None:
    (w,) = lint(by_name("on-step-vacuous").build())
    assert w == LintWarning(
        code=Lint.GUARD_NEVER_TRUE, instance="w", transition="panic", where="w/transition 'panic'",
        what="its guard is never true, so it can never fire", fix="fix the guard or drop the transition",
    )
    assert str(w) == ("w/transition 'panic': its guard is never true, so it can never fire; "
                      "fix the guard or drop the transition [guard-never-true]")


def test_overlapping_receivers_a_deaf_receiver_and_a_constant_are_reported() -> None:
    assert _texts(by_name("broadcast-choice").build()) == [
        "l/transition 'yes': it and 'no' are both enabled on 'hello' (e.g. when state = Silent): the broadcast picks "
        "one of them nondeterministically; make their guards exclusive if one reaction is meant [overlapping-receivers]",
        "d/transition 'ignore': its guard is never true while a sender of 'hello' is enabled, so it can never fire; "
        "fix the guard or drop the transition [guard-never-true]",
        "d/variable 'state': no transition changes it (it keeps its initial value Deaf); make it a parameter of the "
        "model function or a constant, or add the transition that changes it [variable-never-changes]",
    ]


def test_an_update_that_can_leave_its_domain_is_reported_with_a_value() -> None:
    assert _texts(by_name("out-of-domain").build()) == [
        "c/transition 'inc': update n := n + 1 can be 3, outside Int(0, 2), where the transition is enabled; "
        "guard the transition or widen the domain (a reachable such state is a model error) [update-leaves-domain]",
    ]


def test_a_guarded_update_that_fits_is_not_reported() -> None:
    n = Var("n", Int(0, 2))
    m = Machine(name="counter", variables=(n,), transitions=(
        Transition("inc", guard=n < 2, updates={n: n + 1}),
        Transition("reset", guard=n == 2, updates={n: 0}),
    ))
    assert lint(System(name="ok", instances=(Instance("c", m),))) == ()


def test_an_enum_update_through_ite_names_the_value_outside_the_domain() -> None:
    s = Var("state", Enum("a", "b"))
    t = Var("other", Enum("a", "c"))
    m = Machine(name="m", variables=(s, t), transitions=(
        Transition("copy", updates={s: t}),
        Transition("flip", guard=t == "a", updates={t: "c"}),
    ))
    (w,) = lint(System(name="enum", instances=(Instance("m", m),), check_deadlock=False))
    assert w.code is Lint.UPDATE_LEAVES_DOMAIN and w.variable == "state"
    assert "can be c, outside Enum(a, b)" in w.what
