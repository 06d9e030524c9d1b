"""The modelling and property language: no truth value for expressions, and every malformed model
reported at once, each problem as ``where: what; how to fix`` (one test per error path)."""

from __future__ import annotations

import re

import pytest

from statebound.checker import (
    TRUE,
    Bool,
    Enum,
    Instance,
    Int,
    Machine,
    ModelError,
    PropertyError,
    Ref,
    System,
    Transition,
    UserError,
    Var,
    always,
    check,
    explore,
    implies,
    ite,
    leads_to,
    never_after,
    on_step,
    ref,
    sometimes,
    to_text,
)

STATE = Var("state", Enum("Idle", "Open"))
N = Var("n", Int(0, 3))


def problems_of(build) -> tuple[str, ...]:  # type: ignore[no-untyped-def]
    with pytest.raises(ModelError) as info:
        build()
    err = info.value
    assert isinstance(err, UserError) and isinstance(err, ValueError)
    assert str(err) == "\n".join(err.lines)
    return err.lines


# --------------------------------------------------------------------------- no truth value

TRUTH = [
    pytest.param(lambda: (STATE == "Idle") and (N < 2), id="and"),
    pytest.param(lambda: (STATE == "Idle") or (N < 2), id="or"),
    pytest.param(lambda: not (STATE == "Idle"), id="not"),
    pytest.param(lambda: 1 if N < 2 else 0, id="if"),
    pytest.param(lambda: 0 < N < 2, id="chained-comparison"),
    pytest.param(lambda: bool(N), id="bool"),
]


@pytest.mark.parametrize("misuse", TRUTH)
def test_python_boolean_syntax_on_an_expression_raises_a_type_error_naming_the_operators(misuse) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(TypeError) as info:
        misuse()
    message = str(info.value)
    for word in ("'&'", "'|'", "'~'", "implies("):
        assert word in message
    assert "(a < b) & (b < c)" in message


def test_operators_build_trees_that_print_readably() -> None:
    e = implies((STATE == "Idle") & ~Var("b", Bool()), (N + 1 <= 3) | (ref("session", "state") == "Active"))
    assert to_text(e) == "state == Idle & ~b => n + 1 <= 3 | session.state == Active"
    assert to_text(ite(N > 0, N - 1, 0)) == "ite(n > 0, n - 1, 0)"
    assert to_text(STATE.is_in("Idle", "Open")) == "state in {Idle, Open}"


def test_a_python_value_that_is_not_a_value_is_refused() -> None:
    with pytest.raises(TypeError, match="cannot be used in an expression"):
        _ = N + 1.5  # type: ignore[operator]


# --------------------------------------------------------------------------- machines


def test_a_malformed_machine_reports_all_its_problems_at_once() -> None:
    lines = problems_of(lambda: Machine(name="client", variables=(
        STATE, N, Var("n", Bool()), Var("k", Int(3, 1)), Var("e", Enum("Alpha", "Beta"), initial="Alpah"),
    ), transitions=(
        Transition("go", guard=Ref(None, "stat") == "Idle", updates={STATE: "Open"}),
        Transition("go", updates={"nn": 1}, fair="always"),
        Transition("up", guard=STATE == "Idel"),
        Transition("r", on="x", emit="y", fair="weak"),
        Transition("amb", guard=STATE == "Idle" & (N < 2)),  # '&' binds tighter than '=='
    )))
    assert lines == (
        "client/variable 'n': declared twice; rename one of them",
        "client/variable 'k': Int(3, 1) is empty; lo must be <= hi",
        "client/variable 'e': initial value 'Alpah' is not in Enum(Alpha, Beta); did you mean 'Alpha'?",
        "client/transition 'go': reads 'stat', which is not a variable of client; did you mean 'state'?",
        "client/transition 'go': declared twice; give each transition its own name",
        "client/transition 'go': fair='always' is not a fairness; use 'weak', 'strong' or None",
        "client/transition 'go': updates 'nn', which is not a variable of client; did you mean 'n'?",
        "client/transition 'up' guard: 'Idel' is not a value of state (Idle, Open); did you mean 'Idle'?",
        "client/transition 'r': a receiving transition cannot be fair; make the emitting transition fair instead",
        "client/transition 'amb' guard: '&' needs booleans but 'Idle' is the name 'Idle'; compare it first, "
        "e.g. (x == value); remember that '&' and '|' bind tighter than '==' in Python, so parenthesise comparisons",
    )


def test_every_problem_has_where_what_and_how_to_fix() -> None:
    lines = problems_of(lambda: Machine(name="m", variables=(STATE, N), transitions=(
        Transition("a", guard=N, updates={N: N + 10}),
        Transition("b", guard=STATE < 2, updates={STATE: "Shut"}),
        Transition("c", updates={N: STATE}),
        Transition("d", updates={N: ite(N > 0, "Idle", N)}),
    )))
    assert len(lines) >= 5
    for line in lines:
        assert re.fullmatch(r"m/transition '[a-d]'[^:]*: [^;]+; .+", line), line
    assert ("m/transition 'a' update 'n': the value (Int(10, 13)) is always outside Int(0, 3); n is Int(0, 3); "
            "this is checked whatever the guard (n) allows, so widen the domain (a System(constraint=...) can keep "
            "the exploration within the old bounds) or leave the transition out of this variant (machine.without('a'))"
            in lines)
    assert "m/transition 'b' update 'state': 'Shut' is not a value of Enum(Idle, Open); state is Enum(Idle, Open)" in lines


@pytest.mark.parametrize(("build", "expected"), [
    pytest.param(lambda: Machine(name="m", variables=(STATE,), transitions=(), control="n"),
                 "m: control='n' is not an Enum variable of the machine; name an Enum variable", id="control"),
    pytest.param(lambda: Machine(name="m", variables=(Var("9x", Bool()),), transitions=()),
                 "m/variable '9x': the name is not an identifier; use letters, digits and '_'", id="identifier"),
    pytest.param(lambda: Machine(name="m", variables=(Var("e", Enum()),), transitions=()),
                 "m/variable 'e': Enum() has no values; name at least one value", id="empty-enum"),
    pytest.param(lambda: Machine(name="m", variables=(Var("n", Int(0, 2), initial={1, 5}),), transitions=()),
                 "m/variable 'n': initial value 5 is not in Int(0, 2); choose a value of the domain", id="initial"),
    pytest.param(lambda: Machine(name="m", variables=(N,), transitions=(Transition("t", updates=[(N, 1), (N, 2)]),)),
                 "m/transition 't': updates 'n' twice; assign each variable once per transition", id="two-writes"),
])
def test_machine_error_paths(build, expected: str) -> None:  # type: ignore[no-untyped-def]
    assert expected in problems_of(build)


# --------------------------------------------------------------------------- systems and properties

SESSION_STATE = Var("state", Enum("LoggedOut", "Active"))
SECRET = Var("why", Enum("None", "Expired"), hidden=True)
SESSION = Machine(name="session", variables=(SESSION_STATE, SECRET), transitions=(
    Transition("login", guard=SESSION_STATE == "LoggedOut", updates={SESSION_STATE: "Active"},
               emit="activated", tags="login"),
))
CLIENT = Machine(name="client", implementation=True, variables=(STATE,), transitions=(
    Transition("a", guard=ref("sesion", "state") == "Active"),
    Transition("b", guard=ref("session", "stat") == "Active"),
    Transition("c", guard=ref("session", "why") == "Expired", updates={STATE: "Open"}),
    Transition("d", guard=STATE == "Idle", emit="opened"),
    Transition("e", on="activate"),
    Transition("f", guard=ref("session", "state") == "Actve"),
    Transition("g", updates={STATE: ref("session", "state")}),
))


def _broken_system() -> System:
    return System(
        name="sys",
        instances=(Instance("session", SESSION), Instance("client", CLIENT), Instance("client", CLIENT)),
        terminal=ref("client", "state"),
        properties=(
            always("Bad_Name", ref("client", "state") == "Idle"),
            on_step("s", "logn"),
            always("x", STATE == "Idle"),
            sometimes("y", ref("client", "state") == "Opn"),
            leads_to("z", ref("client", "state"), TRUE),
            never_after("w", trigger="login", forbidden="nope"),
            always("x", TRUE),
        ),
    )


SYSTEM_PROBLEMS = [
    "sys/instance 'client': declared twice; give each instance its own name",
    "client/transition 'a': there is no instance 'sesion'; did you mean 'session'?",
    "client/transition 'b': instance 'session' has no variable 'stat'; did you mean 'state'?",
    "client/transition 'c': the implementation reads hidden variable session.why; an implementation may act only "
    "on what it can observe; deliver the information as a broadcast event or an observable variable",
    "client/transition 'f' guard: 'Actve' is not a value of session.state (LoggedOut, Active); did you mean 'Active'?",
    "client/transition 'g' update 'state': Enum(LoggedOut, Active) shares no value with Enum(Idle, Open); "
    "state is Enum(Idle, Open)",
    "session/transition 'login': emits 'activated' but no instance receives it; did you mean 'activate'?",
    "client/transition 'd': emits 'opened' but no instance receives it; add a transition with on='opened' or drop emit=",
    "client/transition 'e': receives 'activate' but no instance emits it; did you mean 'activated'?",
    "sys/terminal: is Enum(Idle, Open), not a boolean; compare it, e.g. x == value",
    "property 'Bad_Name': the name is not kebab-case; use lower-case words joined by '-', "
    "e.g. 'connect-only-when-active'",
    "property 's' tag: no transition is tagged 'logn'; did you mean 'login'?",
    "property 'x' expression: 'state' names no instance; write ref('instance', 'state') to say whose variable it is",
    "property 'y' expression: 'Opn' is not a value of client.state (Idle, Open); did you mean 'Open'?",
    "property 'z' p: is Enum(Idle, Open), not a boolean; compare it, e.g. x == value",
    "property 'w' forbidden: no transition is tagged 'nope'; tags in the system: login",
    "sys/property 'x': declared twice; give each property its own name",
]


def test_a_malformed_system_reports_all_its_problems_at_once() -> None:
    lines = problems_of(_broken_system)
    for expected in SYSTEM_PROBLEMS:
        assert expected in lines
    for line in lines:
        assert re.fullmatch(r"[^:]+: [^;]+; .+", line), f"not 'where: what; how to fix': {line}"


@pytest.mark.parametrize("expected", SYSTEM_PROBLEMS)
def test_system_error_path(expected: str) -> None:
    assert expected in problems_of(_broken_system)


def test_a_hidden_variable_may_be_read_by_the_environment_but_not_by_an_implementation() -> None:
    why = Var("why", Enum("None", "Expired"), hidden=True)
    env = Machine(name="server", variables=(why,), transitions=(
        Transition("expire", guard=why == "None", updates={why: "Expired"}),
    ))
    for implementation, ok in ((False, True), (True, False)):
        st = Var("state", Enum("Idle", "Open"))
        client = Machine(name="client", implementation=implementation, variables=(st,), transitions=(
            Transition("open", guard=(st == "Idle") & (ref("server", "why") == "None"), updates={st: "Open"}),
        ))

        def build(client: Machine = client) -> System:
            return System(name="s", instances=(Instance("server", env), Instance("client", client)))

        if ok:
            assert len(explore(build()).states) == 4
        else:
            assert problems_of(build) == (
                "client/transition 'open': the implementation reads hidden variable server.why; an implementation "
                "may act only on what it can observe; deliver the information as a broadcast event or an "
                "observable variable",
            )


def test_an_implementation_reading_its_own_hidden_variable_is_reported() -> None:
    secret = Var("secret", Bool(), hidden=True)
    m = Machine(name="m", implementation=True, variables=(secret,), transitions=(
        Transition("peek", guard=secret, updates={secret: False}),
    ))
    lines = problems_of(lambda: System(name="s", instances=(Instance("me", m),)))
    assert lines == ("me/transition 'peek': the implementation reads hidden variable me.secret; an implementation "
                     "may act only on what it can observe; deliver the information as a broadcast event or an "
                     "observable variable",)


def test_a_step_rule_is_type_checked_for_every_tagged_machine() -> None:
    # regression: only the first tagged instance was checked, so the engine crashed with a KeyError
    a, b = Var("a", Bool()), Var("b", Bool())
    ma = Machine(name="ma", variables=(a,), transitions=(Transition("t", guard=~a, updates={a: True}, tags="go"),))
    mb = Machine(name="mb", variables=(b,), transitions=(Transition("t", guard=~b, updates={b: True}, tags="go"),))
    lines = problems_of(lambda: System(name="s", instances=(Instance("A", ma), Instance("B", mb)),
                                       properties=(on_step("rule", "go", after=a),)))
    assert lines == ("property 'rule' after: instance 'B' has no variable 'a'; variables: b",)


def test_a_never_after_until_expression_is_type_checked_for_every_observed_instance() -> None:
    a, b = Var("a", Bool()), Var("b", Bool())
    ma = Machine(name="ma", variables=(a,), transitions=(Transition("t", guard=~a, updates={a: True}, tags="go"),))
    mb = Machine(name="mb", variables=(b,), transitions=(Transition("u", guard=~b, updates={b: True}, tags="stop"),))
    lines = problems_of(lambda: System(name="s", instances=(Instance("A", ma), Instance("B", mb)),
                                       properties=(never_after("rule", trigger="go", forbidden="stop", until=a),)))
    assert lines == ("property 'rule' until: instance 'B' has no variable 'a'; variables: b",)


def test_an_unknown_property_name_is_an_input_error_with_a_suggestion() -> None:
    st = Var("state", Enum("Off", "On"))
    m = Machine(name="m", variables=(st,), transitions=(Transition("t", guard=st == "Off", updates={st: "On"}),))
    s = System(name="s", instances=(Instance("m", m),), terminal=TRUE,
               properties=(always("stays-off", ref("m", "state") == "Off"),))
    with pytest.raises(UserError) as info:
        check(s, properties=["stay-off"])
    assert str(info.value) == "--property 'stay-off': no such property in s; did you mean 'stays-off'?"
    assert [o.property for o in check(s, properties=["stays-off"]).outcomes] == ["stays-off"]
    assert [o.property for o in check(s, properties=["deadlock-free"]).outcomes] == ["deadlock-free"]


def test_the_exception_tree() -> None:
    assert issubclass(ModelError, UserError) and issubclass(PropertyError, UserError)
    assert issubclass(ModelError, ValueError)


def test_an_update_outside_its_domain_is_a_model_error_with_the_trace_that_reaches_it() -> None:
    n = Var("n", Int(0, 2))
    m = Machine(name="counter", variables=(n,), transitions=(Transition("inc", updates={n: n + 1}),))
    with pytest.raises(ModelError) as info:
        check(System(name="s", instances=(Instance("c", m),)))
    assert str(info.value) == ("c/transition 'inc': update n := 3 is outside Int(0, 2) after 2 steps; widen the "
                               "domain or guard the transition (the trace that reaches it is shown)")
    trace = info.value.trace
    assert [s.transition for s in trace.steps] == ["inc", "inc"]
    assert trace.final() == {"c.n": 2}


@pytest.mark.parametrize("update", [
    pytest.param(lambda st, f, other: ite(f, "Bogus", "Idle"), id="ite-of-two-names"),
    pytest.param(lambda st, f, other: ite(f, st, other), id="ite-of-two-enums"),
])
def test_an_ite_update_cannot_smuggle_a_value_outside_the_domain(update) -> None:  # type: ignore[no-untyped-def]
    # regression: the type of ite() was that of one branch, so the domain check was skipped
    st = Var("state", Enum("Idle", "Open"))
    other = Var("other", Enum("Idle", "Bogus"), initial="Bogus")
    f = Var("f", Bool(), initial={False, True})
    m = Machine(name="m", variables=(st, other, f), transitions=(
        Transition("t", guard=st == "Idle", updates={st: update(st, f, other)}),
    ))
    s = System(name="s", instances=(Instance("m", m),), check_deadlock=False)
    with pytest.raises(ModelError, match=r"m/transition 't': update state := 'Bogus' is outside Enum\(Idle, Open\)"):
        check(s)


def test_a_broadcast_receiver_without_updates_compiles() -> None:
    # regression: the generated code for a receiver with no updates was "(,)", a SyntaxError
    go = Var("state", Enum("Quiet", "Said"))
    speaker = Machine(name="speaker", variables=(go,), transitions=(
        Transition("say", guard=go == "Quiet", updates={go: "Said"}, emit="hello"),
    ))
    ear = Var("heard", Bool())
    listener = Machine(name="listener", variables=(ear,), transitions=(Transition("nod", on="hello"),))
    s = System(name="s", instances=(Instance("s", speaker), Instance("l", listener)), check_deadlock=False)
    ex = explore(s, keep_edges=True)
    assert len(ex.states) == 2
    [(step, _)] = ex.successors(0)
    assert step.receivers == (("l", "nod"),)


def test_a_transition_cannot_write_another_instances_variable() -> None:
    # regression: updates={ref("session", "state"): ...} silently wrote the machine's own "state"
    st = Var("state", Enum("LoggedOut", "Active"))
    lines = problems_of(lambda: Machine(name="client", variables=(st,), transitions=(
        Transition("hack", updates={ref("session", "state"): "Active"}),
    )))
    assert lines == (
        "client/transition 'hack': updates session.state, a variable of another instance; a transition writes "
        "only its own machine's variables; let the other instance react to a broadcast (emit=/on=) instead",
    )


@pytest.mark.parametrize(("domain", "initial", "expected"), [
    pytest.param(Bool(), {0, 1}, "m/variable 'x': initial value 0 is not in Bool; choose a value of the domain", id="bool"),
    pytest.param(Int(0, 2), {True}, "m/variable 'x': initial value True is not in Int(0, 2); choose a value of the domain",
                 id="int"),
])
def test_initial_values_of_the_wrong_type_are_reported_not_coerced(domain, initial, expected: str) -> None:  # type: ignore[no-untyped-def]
    # regression: 1 == True made initial={0, 1} of a Bool silently mean {False, True}
    assert expected in problems_of(lambda: Machine(name="m", variables=(Var("x", domain, initial=initial),),
                                                   transitions=()))
