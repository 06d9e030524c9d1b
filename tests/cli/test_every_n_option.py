"""check --every-n (issue 14): the rules proved for every size of the model's symmetric family, by
quantified induction on z3, and the report says so; a proof on z3 says how it was made."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from statebound.cli import main

PANES = str(Path(__file__).resolve().parents[2] / "models" / "chat_panes.py") + ":system"
LEMMA = "every-client-agrees-with-its-socket"
RULES = ("--property", "no-live-socket-when-not-active", "--property", "new-socket-only-when-closed")


def _check(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["check", *args, "--no-out", "--no-lint"])
    out, err = capsys.readouterr()
    return code, out, err


def test_every_n_proves_the_panes_rules_for_every_size_and_says_so(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _check(capsys, PANES, "--every-n", "--lemma", LEMMA, *RULES)
    assert code == 0, out + err
    assert out.count("proved for every N >= 1 by quantified 1-induction over family pane") == 2
    assert f"with the lemmas {LEMMA}" in out
    assert "symbolic check on z3 (induction): no states enumerated" in out


def test_every_n_in_json_names_the_method(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _check(capsys, PANES, "--every-n", "--lemma", LEMMA, *RULES, "--format", "json")
    doc = json.loads(out)
    assert code == 0 and doc["exit_code"] == 0
    assert {p["engine"] for p in doc["properties"]} == {"induction"}
    assert all(p["message"].startswith("proved for every N >= 1") for p in doc["properties"])


@pytest.mark.parametrize("engine", ["bmc", "explicit", "auto"])
def test_every_n_with_another_engine_is_bad_input(capsys: pytest.CaptureFixture[str], engine: str) -> None:
    code, out, err = _check(capsys, PANES, "--every-n", "--engine", engine)
    assert code == 2 and out == ""
    assert f"--every-n: a proof for every family size is by induction, not --engine {engine}" in err
    assert "Traceback" not in err


def test_without_every_n_induction_proves_the_declared_size_only(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _check(capsys, PANES, "--engine", "induction", *RULES)
    assert code == 0
    assert "for every N" not in out
    assert "proved by" in out  # how each rule was proved (k, PDR, lemmas) is shown with the verdict


def test_a_symbolic_check_does_not_call_liveness_decided() -> None:
    from statebound.checker import Enum, Instance, Machine, System, Transition, Var, always, leads_to, ref
    from statebound.checker.engines.symbolic import InductionEngine

    s = Var("state", Enum("Off", "On"))
    m = Machine(name="lamp", variables=(s,), transitions=(
        Transition("on", guard=s == "Off", updates={s: "On"}, fair="weak"),
        Transition("off", guard=s == "On", updates={s: "Off"}),
    ))
    lamp = ref("lamp", "state")
    system = System(name="lamp", instances=(Instance("lamp", m),), properties=(
        always("known", (lamp == "On") | (lamp == "Off")), leads_to("lights", lamp == "Off", lamp == "On")))
    report = InductionEngine().check(system)
    assert report.outcome("lights").verdict.value == "inconclusive"
    assert report.coverage.stopped == ("every property decided but the liveness ones, which this engine leaves "
                                       "inconclusive")
