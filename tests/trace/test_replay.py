"""The replay (issue 15): candidates under partial observation, what the verdicts mean on a
recorded run, broadcasts that owe several lines, silent steps, budgets, outputs and speed."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest
from realparts import EXAMPLE, MODEL
from tracelogs import random_log

from statebound import Enum, Instance, Machine, System, Transition, Var, never_after, on_step, ref
from statebound.checker import Budget, Verdict, check
from statebound.checker.engines.trace import CONFORMS, check_trace, parse_log
from statebound.cli import main

sys.path.insert(0, str(EXAMPLE))
from model import page  # noqa: E402 - the example's own folder, put on the path just above

HEADER = '{"format": "statebound-trace", "version": 1, "recorded": ["socket", "session"]}'


def log_of(*events: tuple[str, str, dict[str, object]], header: str | None = HEADER) -> str:
    lines = [header] if header else []
    for k, (inst, event, observed) in enumerate(events, start=1):
        doc: dict[str, object] = {"ts": 1000 + k, "instance": inst, "event": event}
        if observed:
            doc["observed"] = observed
        lines.append(json.dumps(doc))
    return "\n".join(lines) + "\n"


REFUSED = (("socket", "connect", {"ready": "CONNECTING"}), ("socket", "error", {"ready": "CLOSED"}),
           ("socket", "close", {"ready": "CLOSED", "code": 1006}))


def verdicts(system: System, text: str, **kw: object) -> dict[str, str]:
    result = check_trace(system, parse_log(text, system), **kw)  # type: ignore[arg-type]
    return {o.property: str(o.verdict) for o in result.report.outcomes}


def test_hidden_variables_keep_every_consistent_state_as_a_candidate() -> None:
    system = page()
    result = check_trace(system, parse_log(log_of(*REFUSED), system))
    assert result.report.outcome(CONFORMS).verdict is Verdict.HOLDS
    # after error/close: the server refused (403) or was unreachable; the log cannot tell which
    assert result.candidates_final == 2
    answers = {dict(st)[("server", "answer")] for st in [result.run.states[-1]]}
    assert answers <= {"reject_403", "unreachable"}


def test_a_rule_every_explanation_breaks_is_violated_and_one_only_some_break_is_inconclusive() -> None:
    got = verdicts(page(), log_of(*REFUSED, *REFUSED))
    assert got["no-retry-after-failed-handshake"] == "violated"
    assert got["no-retry-after-403"] == "inconclusive"
    assert got["open-only-when-accepted"] == "holds"
    assert "can-open" not in got and "deadlock-free" not in got  # one finite run cannot break them


def test_a_login_between_resets_the_rule_and_a_logout_before_a_connect_breaks_the_step_rule() -> None:
    login = ("session", "login", {"state": "Active"})
    got = verdicts(page(), log_of(*REFUSED, login, *REFUSED))
    assert got["no-retry-after-failed-handshake"] == "holds"
    got = verdicts(page(), log_of(("session", "logout", {}), ("socket", "connect", {})))
    assert got["connect-only-when-logged-in"] == "violated"


def test_the_counterexample_names_the_log_lines_of_its_steps() -> None:
    system = page()
    result = check_trace(system, parse_log(log_of(*REFUSED, *REFUSED), system))
    o = result.report.outcome("no-retry-after-failed-handshake")
    assert o.message == ("step 3 (socket: error, line 3) is tagged handshake_failed; step 5 (socket: connect, line 5) "
                         "is tagged connect, with no login between; every explanation of the log breaks it")
    assert result.step_lines(o.property) == (2, None, 3, 4, 5)  # step 2 is the server's: not in the log
    assert o.breach is not None and o.breach.step == 5 and o.breach.trigger == 3


def test_the_first_event_the_model_cannot_explain_is_named_with_what_ruled_each_way_out() -> None:
    system = page(retries=False)
    result = check_trace(system, parse_log(log_of(*REFUSED, *REFUSED), system))
    u = result.unexplained
    assert u is not None and u.line == 5 and u.event == "socket.connect"
    assert [(r.transition, r.reason) for r in u.ruled_out] == [
        ("socket.connect", "its guard is false in every candidate: ~socket.failed (socket.failed = true)")]
    assert u.allowed == ("session.login", "session.logout")
    assert u.candidate_count == 2
    assert result.exit_code() == 1
    assert result.report.outcome(CONFORMS).verdict is Verdict.VIOLATED
    assert len(result.run.steps) == 4  # one explanation of lines 2-4


def test_an_observed_value_the_step_cannot_give_rules_it_out() -> None:
    system = page()
    text = log_of(("socket", "connect", {"ready": "OPEN"}))
    result = check_trace(system, parse_log(text, system))
    assert result.unexplained is not None
    assert result.unexplained.ruled_out[0].reason == (
        "it can fire (from 1 candidate), but then socket.ready would be CONNECTING where the log observed OPEN")


def _pair() -> System:
    """A switch whose toggle is received by a lamp: one step, two recorded instances."""
    s = Var("state", Enum("off", "on"))
    switch = Machine(name="switch", variables=(s,), transitions=(
        Transition("toggle", updates={s: "on"}, guard=s == "off", emit="t"),
        Transition("reset", guard=s == "on", updates={s: "off"}),
    ))
    lit = Var("lit", Enum("dark", "lit"))
    lamp = Machine(name="lamp", variables=(lit,), transitions=(
        Transition("follow", on="t", updates={lit: "lit"}),
        Transition("dim", guard=lit == "lit", updates={lit: "dark"}, tags="unlogged"),
    ))
    return System(name="pair", instances=(Instance("switch", switch), Instance("lamp", lamp)), check_deadlock=False)


def test_a_step_of_two_recorded_instances_owes_a_line_to_each_in_either_order() -> None:
    system = _pair()
    head = '{"format": "statebound-trace", "recorded": ["switch", "lamp"]}'
    both = log_of(("switch", "toggle", {}), ("lamp", "follow", {"lit": "lit"}), header=head)
    assert verdicts(system, both)[CONFORMS] == "holds"
    swapped = log_of(("lamp", "follow", {}), ("switch", "toggle", {}), header=head)
    assert verdicts(system, swapped)[CONFORMS] == "holds"
    alone = check_trace(system, parse_log(log_of(("switch", "toggle", {}), header=head), system))
    assert alone.unexplained is not None and alone.unexplained.event == "end of the log"
    assert alone.unexplained.summary == "the log ends, but its last step also fires lamp.follow, which the log never records"
    twice = log_of(("switch", "toggle", {}), ("switch", "reset", {}), header=head)
    u = check_trace(system, parse_log(twice, system)).unexplained
    assert u is not None and u.line == 3
    assert u.ruled_out[0].reason.startswith("the step that explains line 2 also fires lamp.follow")


def test_transitions_tagged_unlogged_or_listed_silent_happen_between_events() -> None:
    system = _pair()
    head = '{"format": "statebound-trace", "recorded": ["switch", "lamp"]}'
    # lamp.dim is tagged unlogged: the lamp may go dark between two lines without one
    text = log_of(("switch", "toggle", {}), ("lamp", "follow", {"lit": "lit"}), ("switch", "reset", {"lamp.lit": "dark"}),
                  ("switch", "toggle", {}), ("lamp", "follow", {"lit": "lit"}), header=head)
    assert verdicts(system, text)[CONFORMS] == "holds"
    silent = '{"format": "statebound-trace", "recorded": ["switch", "lamp"], "silent": ["switch.reset"]}'
    text = log_of(("switch", "toggle", {}), ("lamp", "follow", {}), ("switch", "toggle", {}), ("lamp", "follow", {}),
                  header=silent)
    assert verdicts(system, text)[CONFORMS] == "holds"


def test_an_event_names_a_transition_or_its_family() -> None:
    system = page()
    text = log_of(("socket", "connect", {}), ("socket", "open", {}), ("socket", "close[server]", {"code": 1000}))
    assert verdicts(system, text)[CONFORMS] == "holds"
    text = log_of(("socket", "connect", {}), ("socket", "open", {}), ("socket", "close", {"code": 1000}))
    assert verdicts(system, text)[CONFORMS] == "holds"


def test_logs_made_from_runs_of_the_model_are_always_explained() -> None:
    system = page()
    for seed in range(8):
        for recorded in (["socket", "session"], ["socket"], ["server", "socket", "session"]):
            text = random_log(system, 60, seed=seed, recorded=recorded,
                              observe={"socket": ["ready", "code"], "session": ["state"], "server": ["answer"]})
            result = check_trace(system, parse_log(text, system))
            assert result.report.outcome(CONFORMS).verdict is Verdict.HOLDS, (seed, recorded)


def test_on_a_fully_recorded_run_the_verdicts_agree_with_the_check_of_that_run() -> None:
    # every instance recorded and every variable observed: one explanation, so no inconclusive;
    # a rule the model can break may be broken by the run, a rule the model keeps never is
    system = page()
    proved = {o.property for o in check(system).outcomes if o.verdict is Verdict.HOLDS}
    for seed in range(6):
        text = random_log(system, 80, seed=seed, recorded=["server", "socket", "session"],
                          observe={"socket": ["ready", "code", "close_due", "failed"], "session": ["state"],
                                   "server": ["answer"]})
        got = verdicts(system, text)
        assert "inconclusive" not in got.values()
        assert all(got[p] == "holds" for p in proved if p in got)


def test_a_budget_that_stops_the_replay_leaves_everything_inconclusive(capsys) -> None:
    system = page()
    result = check_trace(system, parse_log(log_of(*REFUSED, *REFUSED), system), budget=Budget(max_states=1))
    assert {str(o.verdict) for o in result.report.outcomes} == {"inconclusive"}
    assert result.exit_code() == 3


def test_json_and_itf_outputs_carry_the_replay_and_the_log_lines(tmp_path: Path, capsys) -> None:
    log = tmp_path / "run.jsonl"
    log.write_text(log_of(*REFUSED, *REFUSED))
    out = tmp_path / "out"
    code = main(["trace", MODEL, str(log), "--out", str(out), "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == doc["exit_code"] == 1
    assert doc["replay"]["events"] == 6 and doc["replay"]["explained"] == 6
    assert doc["replay"]["recorded"] == ["socket", "session"] and doc["replay"]["unrecorded"] == ["server"]
    assert doc["replay"]["step_lines"]["no-retry-after-failed-handshake"] == [2, None, 3, 4, 5]
    assert json.loads((out / "report.json").read_text())["replay"] == doc["replay"]
    itf = json.loads((out / "no-retry-after-failed-handshake.itf.json").read_text())
    assert [s["#meta"].get("line") for s in itf["states"]] == [None, 2, None, 3, 4, 5]
    assert (out / "replay.itf.json").exists()
    assert (out / "no-retry-after-failed-handshake-socket.svg").exists()


def test_ten_thousand_events_replay_in_seconds() -> None:
    system = page()
    text = random_log(system, 10_000, seed=1, recorded=["socket", "session"],
                      observe={"socket": ["ready", "code"], "session": ["state"]})
    log = parse_log(text, system)
    started = time.perf_counter()
    result = check_trace(system, log)
    seconds = time.perf_counter() - started
    assert result.report.outcome(CONFORMS).verdict is Verdict.HOLDS
    assert result.explained == 10_000
    # the figures of docs/trace-format.md: about 1 s here, at most 4 candidate states, 2.6 on average
    assert result.candidates_max == 4
    assert seconds < 15, seconds


@pytest.mark.parametrize("until", ["login", "expression"])
def test_never_after_on_a_run_follows_the_reference_observer(until: str) -> None:
    s = Var("state", Enum("idle", "busy", "failed"))
    m = Machine(name="m", variables=(s,), transitions=(
        Transition("go", guard=s == "idle", updates={s: "busy"}, tags="go"),
        Transition("fail", guard=s == "busy", updates={s: "failed"}, tags="fail"),
        Transition("fix", guard=s == "failed", updates={s: "idle"}, tags="fix"),
    ))
    rule = never_after("no-go-after-fail", trigger="fail", forbidden="go",
                       until="fix" if until == "login" else ref("m", "state") == "idle")
    system = System(name="m", instances=(Instance("m", m),), properties=(rule, on_step("go-from-idle", "go",
                    before=ref("m", "state") == "idle")), check_deadlock=False)
    text = log_of(("m", "go", {}), ("m", "fail", {}), ("m", "fix", {}), ("m", "go", {}), header=None)
    assert verdicts(system, text) == {CONFORMS: "holds", "no-go-after-fail": "holds", "go-from-idle": "holds"}
