"""The statebound command line: verdicts, exit codes, outputs and one test per error path."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from statebound.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "lamps.py"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def target(name: str) -> str:
    return f"{FIXTURES}:{name}"


def test_a_violated_invariant_exits_1_with_the_shortest_counterexample(capsys, tmp_path):
    code, out, err = run(capsys, "check", target("lamps"), "--out", str(tmp_path))
    assert code == 1
    assert "FAIL not-all-on  violated (always, 2 steps)" in out
    assert "1. lamp0: switch_on" in out and "2. lamp1: switch_on" in out
    assert "lamp1: Off -> On" in out
    assert "in the last state: lamp0.state = On, lamp1.state = On" in out
    assert err == ""


def test_every_property_holding_exits_0(capsys, tmp_path):
    code, out, _ = run(capsys, "check", target("safe"), "--out", str(tmp_path))
    assert code == 0
    assert "3 hold, 0 violated, 0 inconclusive" in out


def test_params_are_typed_by_the_function_defaults(capsys, tmp_path):
    code, out, _ = run(capsys, "check", target("lamps"), "-p", "n=1", "--param", "broken=true", "--no-out")
    assert "[n=1, broken=true, mode=plain]" in out
    assert code == 1
    # a broken lamp never turns off again: a lasso that stutters in Broken, where nothing fair is enabled
    assert "FAIL on-leads-to-off  violated (leads-to, lasso of 2 steps)" in out
    assert "-- then nothing fair is enabled: the execution may stay in this state forever --" in out
    assert "ok   deadlock-free" in out  # Broken everywhere is declared terminal


def test_json_format_is_valid_json_with_the_report_fields(capsys, tmp_path):
    code, out, _ = run(capsys, "check", target("lamps"), "--format", "json", "--no-out")
    assert code == 1
    doc = json.loads(out)
    assert doc["exit_code"] == 1
    by_name = {p["name"]: p for p in doc["properties"]}
    assert set(by_name) == {"not-all-on", "one-on", "on-leads-to-off", "deadlock-free"}
    for p in doc["properties"]:
        assert set(p) >= {"name", "kind", "verdict", "engine", "coverage", "trace"}
        assert p["engine"] == "explicit"
    assert by_name["not-all-on"]["verdict"] == "violated"
    assert by_name["not-all-on"]["trace"]["length"] == 2
    assert by_name["deadlock-free"]["trace"] is None


def test_out_writes_the_report_and_one_itf_trace_per_counterexample(capsys, tmp_path):
    code, _, _ = run(capsys, "check", target("lamps"), "--out", str(tmp_path))
    assert code == 1
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["system"] == "lamps-plain"
    itf = json.loads((tmp_path / "not-all-on.itf.json").read_text())
    assert itf["vars"] == ["lamp0.state", "lamp1.state"]
    assert [s["lamp1.state"] for s in itf["states"]] == ["Off", "Off", "On"]
    assert itf["states"][1]["#meta"]["action"] == "lamp0.switch_on"
    assert not (tmp_path / "one-on.itf.json").exists()  # witnesses are not counterexamples


def test_property_selects_what_is_checked(capsys):
    code, out, _ = run(capsys, "check", target("lamps"), "--property", "one-on", "--no-out")
    assert code == 0
    assert "not-all-on" not in out and "one-on" in out


def test_a_spent_budget_is_inconclusive_never_holds(capsys):
    # the explicit engine: auto, the default, would prove the invariant by induction (test below)
    code, out, _ = run(capsys, "check", target("counter"), "--max-states", "10", "--no-out", "--engine", "explicit")
    assert code == 3
    assert "??   bounded  inconclusive (always)" in out
    assert "not decided: state budget (10) reached after 10 states" in out
    assert "INCOMPLETE" in out


def test_what_a_spent_budget_leaves_open_the_default_engine_proves_by_induction(capsys):
    pytest.importorskip("z3")
    code, out, _ = run(capsys, "check", target("counter"), "--max-states", "10", "--no-out")
    assert code == 0
    assert "ok   bounded  holds (always)" in out
    assert out.rstrip().endswith("decided by induction: bounded, deadlock-free")  # the text says who proved it
    code, out, _ = run(capsys, "check", target("counter"), "--max-states", "10", "--no-out", "--format", "json")
    assert {(o["name"], o["engine"]) for o in json.loads(out)["properties"]} >= {("bounded", "induction")}


def test_depth_and_timeout_budgets_are_inconclusive(capsys):
    assert run(capsys, "check", target("counter"), "--max-depth", "5", "--no-out", "--engine", "explicit")[0] == 3
    code, out, err = run(capsys, "check", target("counter"), "-p", "limit=10000", "--timeout", "0.000001", "--no-out")
    assert code in (0, 3)  # a tiny model may finish before the first clock check
    if code == 3:  # the time covers loading the model too: it may run out there (stderr) or in the check
        assert "timeout" in out or "the time ran out" in err


def test_list_shows_instances_transitions_properties_and_parameters(capsys):
    code, out, _ = run(capsys, "list", target("lamps"))
    assert code == 0
    assert "  n = 2" in out and "  broken = false" in out  # as --param takes it and check prints it
    assert "lamp0  (machine lamp, environment)" in out
    assert "switch_on [state == Off] / state := On (tags on)" in out
    assert "not-all-on  [always]" in out
    doc = json.loads(run(capsys, "list", target("lamps"), "--format", "json")[1])
    assert [i["name"] for i in doc["instances"]] == ["lamp0", "lamp1"]


# ---------------------------------------------------------------- error paths (one per path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["check", "models"],
         "statebound: error: TARGET 'models': "
         "expected path/to/file.py:function or package.module:function, e.g. models/phase3.py:before"),
        (["check", "nowhere/model.py:f"],
         "statebound: error: nowhere/model.py:f: file 'nowhere/model.py' does not exist; check the path"),
        (["check", "no_such_package.mod:f"],
         "statebound: error: no_such_package.mod:f: no module named 'no_such_package'; "
         "give path/to/file.py:function or an importable package.module:function"),
        (["check", f"{FIXTURES}:lamp"],
         f"statebound: error: TARGET '{FIXTURES}:lamp': {FIXTURES} has no function 'lamp'; "
         "did you mean 'lamps'?"),
        (["check", f"{FIXTURES}:lamps", "-p", "count=3"],
         f"statebound: error: --param count: {FIXTURES}:lamps has no parameter 'count'; "
         f"parameters of {FIXTURES}:lamps: n, broken, mode"),
        (["check", f"{FIXTURES}:lamps", "-p", "nn=3"],
         f"statebound: error: --param nn: {FIXTURES}:lamps has no parameter 'nn'; "
         "did you mean 'n'? (parameters: n, broken, mode)"),
        (["check", f"{FIXTURES}:lamps", "-p", "n=two"], "statebound: error: --param n=two: n is an integer; give a whole number"),
        (["check", f"{FIXTURES}:lamps", "-p", "broken=maybe"],
         "statebound: error: --param broken=maybe: broken is a boolean; use true or false"),
        (["check", f"{FIXTURES}:lamps", "-p", "n"], "statebound: error: --param 'n': expected key=value, e.g. --param clients=2"),
        (["check", f"{FIXTURES}:lamps", "--property", "not-all"],
         "statebound: error: --property 'not-all': no such property in lamps-plain; "
         "did you mean 'not-all-on'?"),
        (["check", f"{FIXTURES}:not_a_system"],
         f"statebound: error: TARGET '{FIXTURES}:not_a_system': the function returned int, not a System; "
         "return statebound.System(...) with its properties"),
        (["check", f"{FIXTURES}:lamps", "--max-states", "0"],
         "statebound: error: --max-states 0: "
         "not a whole number of states, at least 1, e.g. --max-states 100000"),
        (["check", f"{FIXTURES}:lamps", "--bogus"], "statebound: error: No such option"),
    ],
)
def test_each_bad_input_is_one_line_and_exit_2(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2
    assert err.splitlines()[0].startswith(message)
    assert len(err.splitlines()) == 1 and err.splitlines()[0] == message or "No such option" in message
    assert "Traceback" not in err and out == ""


def test_an_error_in_model_code_names_the_file_and_line(capsys):
    code, _, err = run(capsys, "check", target("raises"))
    assert code == 2
    assert err.startswith(f"statebound: error: {FIXTURES}:")
    assert "KeyError while building" in err and "fix the model" in err


def test_a_malformed_model_reports_every_problem(capsys):
    code, _, err = run(capsys, "check", target("malformed"))
    assert code == 2
    lines = err.splitlines()
    assert "statebound: error: lamp/transition 'peek': there is no instance 'lamb'; did you mean 'lamp'?" in lines
    assert "statebound: error: property 'odd' expression: instance 'lamp' has no variable 'stat'; did you mean 'state'?" in lines
    assert len(lines) == 2


def test_an_update_outside_its_domain_is_a_model_error_with_the_trace(capsys, tmp_path):
    code, _, err = run(capsys, "check", target("overflow"), "--out", str(tmp_path))
    assert code == 2
    assert "statebound: error: c/transition 'tick': update x := 3 is outside Int(0, 2) after 2 steps" in err
    assert "c.x: 1 -> 2" in err
    assert json.loads((tmp_path / "report.json").read_text())["errors"]  # partial results are still written


def test_an_internal_error_exits_4_without_a_traceback(capsys, monkeypatch):
    from statebound import _session

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(_session, "_engine", boom)
    code, _, err = run(capsys, "check", target("safe"), "--no-out")
    assert code == 4
    assert "statebound: error: internal error: RuntimeError: kaboom" in err
    assert "Traceback" not in err


def test_the_console_script_exits_with_the_verdict(tmp_path):
    exe = Path(sys.executable).parent / "statebound"
    proc = subprocess.run([str(exe), "check", target("lamps"), "--no-out"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1
    assert "FAIL not-all-on" in proc.stdout
    proc = subprocess.run([str(exe), "check", "nope"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1


# ---------------------------------------------------------------- diagrams from the command line


@pytest.mark.parametrize("view", ["machine", "system", "graph"])
def test_diagram_writes_each_view(capsys, tmp_path, view):
    code, out, _ = run(capsys, "diagram", target("lamps"), "--view", view, "--format", "dot", "--out", str(tmp_path))
    assert code == 0
    files = [Path(line) for line in out.splitlines()]
    assert files and all(f.exists() and f.suffix == ".dot" for f in files)
    assert "digraph" in files[0].read_text()


def test_diagram_draws_a_counterexample_as_a_sequence(capsys, tmp_path):
    code, out, _ = run(capsys, "diagram", target("lamps"), "--view", "sequence", "--property", "not-all-on",
                       "--format", "mermaid", "--out", str(tmp_path))
    assert code == 0
    text = Path(out.splitlines()[0]).read_text()
    assert text.startswith("sequenceDiagram") or "sequenceDiagram" in text
    assert "switch_on" in text


def test_a_sequence_without_a_trace_is_bad_input(capsys, tmp_path):
    code, out, err = run(capsys, "diagram", target("lamps"), "--view", "sequence", "--out", str(tmp_path))
    assert code == 2
    assert err == "statebound: error: --view sequence draws a trace; name one with --property NAME\n"


def test_check_out_draws_each_counterexample_on_the_machines(capsys, tmp_path):
    code, out, _ = run(capsys, "check", target("lamps"), "--out", str(tmp_path))
    assert code == 1
    assert (tmp_path / "not-all-on-lamp1.dot").exists()
    assert (tmp_path / "not-all-on-sequence.dot").exists()
    assert "wrote report.json, 1 ITF trace and 3 diagrams (dot, mmd, svg)" in out


def test_an_itf_lasso_records_where_it_loops(capsys, tmp_path):
    code, _, _ = run(capsys, "check", target("lamps"), "-p", "n=1", "-p", "broken=true", "--out", str(tmp_path))
    assert code == 1
    itf = json.loads((tmp_path / "on-leads-to-off.itf.json").read_text())
    states = itf["states"]
    # a broken lamp stops for ever: the last state continues to itself
    assert [s["lamp0.state"] for s in states] == ["Off", "On", "Broken"]
    assert itf["loop"] == len(states) - 1
    report = json.loads((tmp_path / "report.json").read_text())
    trace = {p["name"]: p for p in report["properties"]}["on-leads-to-off"]["trace"]
    assert trace["loop"] == 2 and trace["length"] == 2


def test_a_new_check_removes_the_counterexamples_of_the_previous_one(capsys, tmp_path):
    mine = tmp_path / "notes.txt"
    mine.write_text("keep me")
    assert run(capsys, "check", target("lamps"), "--out", str(tmp_path))[0] == 1
    assert (tmp_path / "not-all-on.itf.json").exists()
    assert run(capsys, "check", target("safe"), "--out", str(tmp_path))[0] == 0
    assert not (tmp_path / "not-all-on.itf.json").exists()
    assert not list(tmp_path.glob("not-all-on-*"))
    assert mine.read_text() == "keep me"  # only what statebound wrote is removed
    assert json.loads((tmp_path / "report.json").read_text())["system"] == "safe"


def test_bad_input_with_json_format_still_prints_a_json_document(capsys):
    code, out, err = run(capsys, "check", target("malformed"), "--format", "json")
    assert code == 2
    doc = json.loads(out)
    assert doc["exit_code"] == 2 and doc["properties"] == []
    assert "lamp/transition 'peek': there is no instance 'lamb'; did you mean 'lamp'?" in doc["errors"]
    assert err.startswith("statebound: error: ")


def test_no_arguments_prints_the_help(capsys):
    code, out, _ = run(capsys)
    assert code == 0
    assert "Usage: statebound [OPTIONS] COMMAND [ARGS]..." in out
    assert "check" in out and "diagram" in out and "list" in out


def test_diagram_with_a_property_highlights_the_counterexample_on_the_machines(capsys, tmp_path):
    code, out, _ = run(capsys, "diagram", target("lamps"), "--view", "machine", "--property", "not-all-on",
                       "--format", "dot", "--out", str(tmp_path))
    assert code == 0
    files = sorted(Path(line).name for line in out.splitlines())
    assert files == ["machine-lamp0.dot", "machine-lamp1.dot"]
    plain = run(capsys, "diagram", target("lamps"), "--view", "machine", "--format", "dot", "--out", str(tmp_path / "plain"))
    assert (tmp_path / "machine-lamp1.dot").read_text() != Path(plain[1].splitlines()[0]).read_text()


@pytest.mark.parametrize(("args", "message"), [
    (["check", f"{FIXTURES}:lamps", "--no-out", "--out", "x"],
     "statebound: error: --out and --no-out: choose one (--no-out writes no files)"),
    (["check", f"{FIXTURES}:needs_k"],
     f"statebound: error: TARGET '{FIXTURES}:needs_k': parameter 'k' has no default; "
     "pass --param k=VALUE or give it a default in the model function (defaults also type --param values)"),
])
def test_more_bad_inputs(capsys, args, message):
    code, out, err = run(capsys, *args)
    assert code == 2 and err == message + "\n" and out == ""


def test_the_help_lists_every_exit_code_and_no_issue_numbers(capsys):
    # --strict's exit code 5 was missing from the list; "(issue 15)" meant nothing to a user
    code, out, _ = run(capsys, "--help")
    assert code == 0 and "5 vacuous (check --strict)" in " ".join(out.split())
    code, out, _ = run(capsys, "check", "--help")
    assert code == 0 and "issue" not in out


def test_list_writes_booleans_as_check_and_param_do(capsys, tmp_path):
    # list printed a Bool variable's initial value as Python's False; check's traces say false
    model = tmp_path / "flag.py"
    model.write_text("""
from statebound.checker import Bool, Instance, Machine, System, Transition, Var

def flag(on=False):
    f = Var("f", Bool(), initial=on)
    return System(name="flag", instances=(Instance("m", Machine(name="m", variables=(f,), transitions=(
        Transition("set", guard=~f, updates={f: True}),))),), check_deadlock=False)
""", encoding="utf-8")
    code, out, _ = run(capsys, "list", f"{model}:flag")
    assert code == 0
    assert "      var f: Bool = false" in out and "  on = false" in out


def test_an_html_path_below_a_file_names_the_file(capsys, tmp_path):
    # mkdir's "File exists" did not say which file stood in the way
    blocker = tmp_path / "notes"
    blocker.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "check", target("lamps"), "--no-out", "--no-lint", "--html", str(blocker / "r.html"))
    assert code == 2
    assert f"--html '{blocker / 'r.html'}': cannot write it: {str(blocker)!r} is a file, not a folder" in err, err
    code, _, err = run(capsys, "check", target("lamps"), "--no-out", "--no-lint", "--junit", str(blocker / "j.xml"))
    assert code == 2
    assert f"--junit '{blocker / 'j.xml'}': cannot write it: {str(blocker)!r} is a file, not a folder" in err, err
