"""Text renderers (DOT and Mermaid) and extraction, tested without Graphviz."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
import zoo
from hypothesis import given
from hypothesis import strategies as st

from statebound import diagrams
from statebound.checker import (
    Bool,
    Enum,
    InputError,
    Instance,
    Int,
    Machine,
    System,
    Transition,
    Var,
    check,
    explore,
    is_in,
    ref,
)
from statebound.diagrams import Mark, from_exploration, from_machine, from_system, from_trace, highlight, to_dot, to_mermaid
from statebound.diagrams._labels import compact, expand, shortener
from statebound.diagrams.extract import transition_names
from statebound.diagrams.graph import ANY

Golden = Callable[[str, str], None]


def _outcome(name: str, prop: str):  # type: ignore[no-untyped-def]
    system = zoo.by_name(name).build()
    return system, check(system).outcome(prop)


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("model,instance", [("lamp", "lamp"), ("connect-rule-broken", "client"),
                                            ("no-retry-after-auth-broken", "a")])
def test_machine_diagrams_match_their_golden_text(golden: Golden, model: str, instance: str) -> None:
    system = zoo.by_name(model).build()
    graph = from_machine(system.instance(instance).machine, instances=(instance,))
    golden(f"machine-{model}.dot", to_dot(graph))
    golden(f"machine-{model}.mmd", to_mermaid(graph))


def test_system_diagram_matches_its_golden_text(golden: Golden) -> None:
    graph = from_system(zoo.by_name("broadcast-broken").build())
    golden("system-broadcast-broken.dot", to_dot(graph))
    golden("system-broadcast-broken.mmd", to_mermaid(graph))


def test_highlighted_counterexample_matches_its_golden_text(golden: Golden) -> None:
    system, outcome = _outcome("broadcast-broken", "c1-live-only-when-active")
    graph = highlight(system, "c1", outcome.trace, outcome=outcome)
    golden("counterexample-broadcast-broken-c1.dot", to_dot(graph))
    golden("counterexample-broadcast-broken-c1.mmd", to_mermaid(graph))
    sequence = from_trace(system, outcome.trace, outcome=outcome)
    golden("counterexample-broadcast-broken-sequence.dot", to_dot(sequence))
    golden("counterexample-broadcast-broken-sequence.mmd", to_mermaid(sequence))


def test_lasso_counterexample_matches_its_golden_text(golden: Golden) -> None:
    system, outcome = _outcome("flicker-weak", "pending-delivered")
    graph = highlight(system, "sender", outcome.trace, outcome=outcome)
    golden("lasso-flicker-weak-sender.dot", to_dot(graph))
    golden("lasso-flicker-weak-sequence.mmd", to_mermaid(from_trace(system, outcome.trace, outcome=outcome)))


def test_state_graph_matches_its_golden_text(golden: Golden) -> None:
    graph = from_exploration(zoo.by_name("dead-end").build())
    golden("graph-dead-end.dot", to_dot(graph))
    golden("graph-dead-end.mmd", to_mermaid(graph))


# --------------------------------------------------------------------------- completeness


def _systems() -> list[System]:
    return [e.build() for e in zoo.ZOO if e.error is None or not e.error[2]]


def _shown_names(edge: diagrams.Edge) -> set[str]:
    """The transition names an edge's label shows, its braces expanded (issue 16)."""
    items = [x for line in edge.shown() for x in line.split(", ") if x]
    return {re.sub(r" «.*»$", "", y) for x in items for y in expand(x)}


@pytest.mark.parametrize("system", _systems(), ids=lambda s: s.name)
def test_every_transition_of_every_machine_is_an_edge_of_its_diagram(system: System) -> None:
    for inst in system.instances:
        graph = from_machine(inst.machine, instances=(inst.name,))
        names = {n for e in graph.edges for n in transition_names(e)}
        dead = [n for n in graph.notes if n.startswith("never enabled")]
        dot, mermaid = to_dot(graph), to_mermaid(graph)
        shorten = shortener([inst.name])
        for t in inst.machine.transitions:
            if t.name in names:
                edge = next(e for e in graph.edges if t.name in transition_names(e))
                assert shorten(t.name) in _shown_names(edge)
                for line in edge.shown():
                    assert line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") in dot
                    plain = mermaid.replace("#123;", "{").replace("#125;", "}").replace("#58;", ":")
                    assert line in plain
            else:  # a transition that can never fire is listed under the title instead
                assert dead and t.name in dead[0].split(": ")[1].split(", "), f"{inst.name}.{t.name} is not drawn"
                assert dead[0] in dot.replace("&amp;", "&") and "never enabled" in mermaid


@pytest.mark.parametrize("system", [e.build() for e in zoo.ZOO if e.error is None], ids=lambda s: s.name)
def test_every_step_of_every_counterexample_is_highlighted(system: System) -> None:
    for outcome in check(system).outcomes:
        trace = outcome.trace
        if trace is None:
            continue
        numbered: set[int] = set()
        for inst in diagrams.touched_instances(trace):
            graph = highlight(system, inst, trace, outcome=outcome)
            mine = {k + 1 for k, s in enumerate(trace.steps)
                    if s.instance == inst or any(i == inst for i, _ in s.receivers)}
            got = [n for e in graph.edges for n in e.steps]
            assert sorted(got) == sorted(mine), (inst, outcome.property)
            assert all(Mark.STEP in e.marks for e in graph.edges if e.steps)
            numbered |= set(got)
        assert numbered == set(range(1, len(trace.steps) + 1))
        sequence = from_trace(system, trace, outcome=outcome)
        assert {m.step for m in sequence.messages} == numbered
        dot = to_dot(sequence)
        for k in numbered:
            assert f"<b>{k}</b>" in dot


def test_a_lasso_marks_its_cycle_and_the_sequence_loops() -> None:
    system, outcome = _outcome("flicker-weak", "pending-delivered")
    trace = outcome.trace
    assert trace.loop is not None
    graph = highlight(system, "link", trace, outcome=outcome)
    assert any(Mark.LOOP in e.marks for e in graph.edges)
    assert any(Mark.LOOP in n.marks for n in graph.nodes)
    assert "loop repeats forever" in to_mermaid(from_trace(system, trace, outcome=outcome))


def test_the_final_state_of_a_counterexample_is_marked() -> None:
    system, outcome = _outcome("connect-rule-broken", "connect-only-when-active")
    graph = highlight(system, "client", outcome.trace, outcome=outcome)
    assert [n.id for n in graph.nodes if Mark.FINAL in n.marks] == ["Connecting"]
    assert graph.node("Idle").marks >= {Mark.INITIAL, Mark.VISITED}


def test_a_guard_is_split_into_source_states_and_the_rest() -> None:
    system = zoo.by_name("no-retry-after-auth-good").build()
    graph = from_machine(system.instance("a").machine)
    retry = [e for e in graph.edges if e.name == "retry"]
    assert [(e.source, e.target, e.guard) for e in retry] == [("Backoff", "Connecting", ("[~blocked]",))]
    assert retry[0].tags == ("retry",)


def test_a_transition_from_every_state_is_drawn_once_from_any_state() -> None:
    s = Var("state", Enum("A", "B", "C"))
    m = Machine(name="m", variables=(s,), transitions=(
        Transition("reset", updates={s: "A"}),
        Transition("tick"),
        Transition("two", guard=is_in(s, "A", "B"), updates={s: "C"}),
    ))
    edges = {(e.name, e.source, e.target) for e in from_machine(m).edges}
    assert edges == {("reset", ANY, "A"), ("tick", ANY, ANY), ("two", "A", "C"), ("two", "B", "C")}


def test_a_machine_without_a_control_variable_is_one_node() -> None:
    n = Var("n", Int(0, 2))
    m = Machine(name="counter", variables=(n,), transitions=(Transition("inc", guard=n < 2, updates={n: n + 1}),))
    graph = from_machine(m)
    assert [n.id for n in graph.nodes] == ["counter"]
    assert [(e.source, e.target, e.guard, e.actions) for e in graph.edges] == [
        ("counter", "counter", ("[n < 2]",), ("/ n := n + 1",))]


def test_long_guards_are_wrapped() -> None:
    s = Var("state", Enum("A", "B"))
    flags = [Var(f"flag_number_{i}", Bool()) for i in range(4)]
    guard = s == "A"
    for f in flags:
        guard = guard & f
    m = Machine(name="m", variables=(s, *flags), transitions=(Transition("go", guard=guard, updates={s: "B"}),))
    edge = from_machine(m).edges[0]
    assert len(edge.guard) > 1
    assert all(len(line) <= 40 for line in edge.guard)
    assert edge.guard[0].startswith("[flag_number_0") and edge.guard[-1].endswith("]")


def test_the_state_graph_is_capped_with_a_summary() -> None:
    system = zoo.by_name("budget-overrun").build()
    graph = from_exploration(system, max_states=3)
    real = [n for n in graph.nodes if Mark.NOTE not in n.marks]
    assert len(real) == 3
    assert any(Mark.NOTE in n.marks for n in graph.nodes)
    assert graph.notes[0].startswith("state graph too large to draw: more than 3 reachable states")


def test_a_small_state_graph_is_drawn_whole_with_its_deadlocks() -> None:
    graph = from_exploration(zoo.by_name("dead-end").build())
    assert len(graph.nodes) == 3 and len(graph.edges) == 2
    assert sum(Mark.DEADLOCK in n.marks for n in graph.nodes) == 2
    assert graph.notes == ("3 reachable states, 2 steps",)


def test_the_system_view_draws_broadcasts_and_reads_between_instances() -> None:
    graph = from_system(zoo.by_name("broadcast-broken").build())
    assert {c.id for c in graph.clusters} == {"session", "c1", "c2"}
    broadcasts = {(e.source, e.target, e.name) for e in graph.edges if Mark.BROADCAST in e.marks}
    assert broadcasts == {("session::events", "c1::events", "invalidated"),
                          ("session::events", "c2::events", "invalidated")}
    assert any(Mark.READS in e.marks for e in graph.edges)
    assert 'style="dashed"' in to_dot(graph)


# --------------------------------------------------------------------------- random machines

_STATES = ("A", "B", "C", "D")


@st.composite
def _machines(draw: st.DrawFn) -> Machine:
    names = _STATES[: draw(st.integers(1, 4))]
    state = Var("state", Enum(*names))
    n = Var("n", Int(0, 2))

    def atom() -> st.SearchStrategy[object]:
        return st.one_of(
            st.sampled_from(names).map(lambda v: state == v),
            st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True).map(lambda vs: is_in(state, *vs)),
            st.integers(0, 2).map(lambda k: n < k),
            st.sampled_from(names).map(lambda v: ~(state == v)),
        )

    transitions = []
    for k in range(draw(st.integers(1, 5))):
        parts = draw(st.lists(atom(), min_size=0, max_size=3))
        guard = parts[0] if parts else True
        for p in parts[1:]:
            guard = (guard & p) if draw(st.booleans()) else (guard | p)
        updates: dict[object, object] = {}
        if draw(st.booleans()):
            updates[state] = draw(st.sampled_from(names))
        if draw(st.booleans()):
            updates[n] = 0
        transitions.append(Transition(f"t{k}", guard=guard, updates=updates))
    return Machine(name="m", variables=(state, n), transitions=tuple(transitions))


@given(_machines())
def test_every_step_the_explorer_takes_is_an_edge_of_the_diagram(machine: Machine) -> None:
    system = System(name="s", instances=(Instance("m", machine),), check_deadlock=False)
    graph = from_machine(machine)
    names = {n for e in graph.edges for n in transition_names(e)}
    ex = explore(system, keep_edges=True)
    for sid in range(len(ex)):
        for step, tid in ex.successors(sid):
            before, after = ex.values(sid)[0][1], ex.values(tid)[0][1]
            name = step.transition
            assert name in names
            assert any(
                name in transition_names(e) and e.source in (before, ANY)
                and e.target in ((after, ANY) if before == after else (after,))
                for e in graph.edges
            ), (name, before, after, [(e.name, e.source, e.target) for e in graph.edges])


# --------------------------------------------------------------------------- API


def test_the_public_api_is_pinned() -> None:
    assert sorted(diagrams.__all__) == [
        "Cluster", "Edge", "FORMATS", "Graph", "Lifeline", "MAX_GRAPH_STATES", "MISSING_HINT", "Mark", "Message",
        "Node", "Sequence", "VIEWS", "from_exploration", "from_machine", "from_system", "from_trace",
        "has_graphviz", "highlight", "render", "to_dot", "to_mermaid", "touched_instances",
        "write_counterexample", "write_view",
    ]


def test_a_bad_view_is_an_input_error_with_a_suggestion(tmp_path) -> None:  # type: ignore[no-untyped-def]
    system = zoo.by_name("lamp").build()
    with pytest.raises(InputError) as err:
        diagrams.write_view(system, view="machines", fmt="svg", out_dir=tmp_path)
    assert str(err.value) == "--view 'machines': not a view; did you mean 'machine'?"


def test_a_bad_format_is_an_input_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    system = zoo.by_name("lamp").build()
    with pytest.raises(InputError) as err:
        diagrams.write_view(system, view="machine", fmt="jpeg", out_dir=tmp_path)
    assert str(err.value) == "--format 'jpeg': not a format; choose one of svg, png, dot, mermaid"


def test_a_sequence_view_needs_a_trace(tmp_path) -> None:  # type: ignore[no-untyped-def]
    system = zoo.by_name("lamp").build()
    with pytest.raises(InputError, match="needs a trace"):
        diagrams.write_view(system, view="sequence", fmt="dot", out_dir=tmp_path)


def test_without_graphviz_dot_and_mermaid_are_written_with_a_one_line_hint(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr("statebound.diagrams.write.has_graphviz", lambda: False)
    system, outcome = _outcome("broadcast-broken", "c1-live-only-when-active")
    files, notes = diagrams.write_view(system, view="system", fmt="svg", out_dir=tmp_path)
    assert [f.name for f in files] == ["system.dot", "system.mmd"]
    assert notes == [diagrams.MISSING_HINT]
    assert "apt-get install graphviz" in notes[0] and "\n" not in notes[0]
    files, notes = diagrams.write_counterexample(system, outcome, out_dir=tmp_path, stem="p1")
    assert sorted(f.name for f in files) == ["p1-c1.dot", "p1-c1.mmd", "p1-sequence.dot", "p1-sequence.mmd",
                                                 "p1-session.dot", "p1-session.mmd"]
    assert notes == [diagrams.MISSING_HINT]


def test_an_outcome_without_a_trace_draws_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    system = zoo.by_name("lamp").build()
    outcome = check(system).outcome("on-or-off")
    assert diagrams.write_counterexample(system, outcome, out_dir=tmp_path, stem="x") == (
        [], ["on-or-off: holds, no trace to draw"])


def test_the_machine_view_writes_one_file_per_distinct_machine(tmp_path) -> None:  # type: ignore[no-untyped-def]
    system = zoo.by_name("broadcast-broken").build()
    files, notes = diagrams.write_view(system, view="machine", fmt="mermaid", out_dir=tmp_path)
    assert [f.name for f in files] == ["machine-session.mmd", "machine-client.mmd"]
    assert notes == []
    assert "machine client (c1, c2)" in files[1].read_text()


# --------------------------------------------------------------------------- readable labels (issue 16)


@given(st.lists(st.from_regex(r"[a-c]{1,2}_[0-9]{1,2}(\[w[0-9]\])?", fullmatch=True), min_size=1, max_size=8))
def test_compaction_loses_no_name(names: list[str]) -> None:
    shown = compact(names)
    assert sorted(y for x in shown for y in expand(x)) == sorted(set(names))
    assert len(shown) <= len(set(names))


def test_parallel_transitions_are_one_edge_with_one_label() -> None:
    s = Var("state", Enum("Open", "Closed"))
    cur = Var("cur", Int(0, 1))
    m = Machine(name="client", variables=(s, cur), transitions=tuple(
        Transition(f"on_close_{code}[ws{k}]", guard=(s == "Open") & (cur == k - 1), updates={s: "Closed"})
        for code in (1000, 1006) for k in (1, 2)))
    (edge,) = from_machine(m).edges
    assert transition_names(edge) == ("on_close_1000[ws1]", "on_close_1000[ws2]", "on_close_1006[ws1]",
                                      "on_close_1006[ws2]")
    assert edge.shown() == ("on_close_{1000,1006}[ws{1,2}]",)
    assert edge.guard == ("[cur == {0,1}]",)


def test_the_owner_prefix_of_events_and_references_is_dropped() -> None:
    s = Var("state", Enum("A", "B"))
    m = Machine(name="client", variables=(s,), transitions=(
        Transition("opened[app.client.ws1]", on="app.client.ws1.open", guard=(s == "A") & (ref("app.client", "state") == "A"),
                   updates={s: "B"}),))
    (edge,) = from_machine(m, instances=("app.client",)).edges
    assert edge.shown() == ("opened[ws1]",) and edge.event == "ws1.open"
    assert transition_names(edge) == ("opened[app.client.ws1]",)


def test_the_system_view_nests_each_instance_in_its_owner() -> None:
    from statebound.diagrams.extract import _owners

    assert _owners(["session", "Chat", "Chat.client", "Chat.client.ws1", "P.client", "P.client.ws1", "P.client.ws2"]) == {
        "session": None, "Chat": None, "Chat.client": "Chat", "Chat.client.ws1": "Chat.client",
        "P.client": None, "P.client.ws1": "P.client", "P.client.ws2": "P.client"}
    assert _owners(["P.a", "P.b"]) == {"P.a": "group:P", "P.b": "group:P", "group:P": None}


def test_a_trace_is_highlighted_on_the_system_and_the_state_graph() -> None:
    system, outcome = _outcome("broadcast-broken", "c1-live-only-when-active")
    trace = outcome.trace
    graph = from_system(system, trace=trace, outcome=outcome)
    numbered = sorted(n for e in graph.edges for n in e.steps)
    steps_per_instance = sum(1 + len(s.receivers) for s in trace.steps)
    assert len(numbered) == steps_per_instance and set(numbered) == set(range(1, len(trace.steps) + 1))
    assert any(Mark.FINAL in n.marks for n in graph.nodes)
    states = from_exploration(system, max_states=1, trace=trace, outcome=outcome)
    path = [e for e in states.edges if e.steps]
    assert sorted(n for e in path for n in e.steps) == list(range(1, len(trace.steps) + 1))
    assert sum(Mark.FINAL in n.marks for n in states.nodes) == 1  # drawn beyond the cap of one state
    assert "step" in to_dot(states) and "legend" in to_dot(states)


def test_the_state_graph_clusters_states_by_control_state() -> None:
    s, n = Var("state", Enum("A", "B")), Var("n", Int(0, 2))
    m = Machine(name="m", variables=(s, n), transitions=(
        Transition("inc", guard=(s == "A") & (n < 2), updates={n: n + 1}),
        Transition("go", guard=s == "A", updates={s: "B"}),
        Transition("back", guard=s == "B", updates={s: "A", n: 0}),
    ))
    graph = from_exploration(System(name="s", instances=(Instance("m", m),)))
    assert sorted(c.label for c in graph.clusters) == ["m: A", "m: B"]
    assert graph.clusters
    for c in graph.clusters:
        members = [n for n in graph.nodes if n.cluster == c.id]
        assert len(members) >= 2
        assert all(line in "\n".join(n.details) for n in members for line in c.label.split(", ")[:1])
