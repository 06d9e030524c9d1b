"""CI outputs (issue 16): JUnit XML and SARIF files, --strict, --version, shell completion, --watch."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from junitparser import JUnitXml

from statebound.checker import ExitCode, Verdict, check
from statebound.ci_formats import Site, locate, to_sarif, vacuous
from statebound.cli import main

HERE = Path(__file__).parent
MODELS = HERE / "fixtures" / "ci_models.py"
ROOT = HERE.parents[1]
#: the SARIF 2.1.0 schema (rtm.5, the one GitHub code scanning documents), as shipped by the npm
#: package @microsoft/jest-sarif 1.0.0-beta.0 (MIT), lib/schemas/sarif-2.1.0-rtm.5.json
SCHEMA = json.loads((HERE / "data" / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def target(name: str) -> str:
    return f"{MODELS.relative_to(ROOT)}:{name}"


def line_of(text: str) -> int:
    """The line of the fixture file where *text* first appears."""
    for n, line in enumerate(MODELS.read_text(encoding="utf-8").splitlines(), 1):
        if text in line:
            return n
    raise AssertionError(text)


def validate_sarif(doc: object) -> None:
    errors = sorted(jsonschema.Draft4Validator(SCHEMA).iter_errors(doc), key=str)
    assert errors == [], "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


@pytest.fixture(autouse=True)
def _in_the_repository(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)  # SARIF locations are relative to the working directory


# --------------------------------------------------------------------------- JUnit


def test_junit_has_one_case_per_property_and_the_counterexample_in_its_failure(capsys, tmp_path):
    junit = tmp_path / "reports" / "statebound.xml"  # the folder is created
    code, out, _ = run(capsys, "check", target("lamps"), "--no-out", "--junit", str(junit), "--format", "json")
    assert code == 1
    names = [p["name"] for p in json.loads(out)["properties"]]
    ET.parse(junit)  # well-formed XML
    xml = JUnitXml.fromfile(str(junit))
    cases = {case.name: case for suite in xml for case in suite}
    assert sorted(cases) == sorted(names) and len(names) == 5
    assert xml.tests == 5 and xml.failures == 2 and xml.errors == 0
    failure = cases["not-both-on"].result[0]
    assert failure.type == "violated"
    assert failure.message.startswith("not-both-on is violated")
    assert "counterexample:" in failure.text and "1. lamp0: switch_on" in failure.text
    assert "2. lamp1: switch_on" in failure.text
    assert cases["one-on"].is_passed and "witness:" in cases["one-on"].system_out
    assert cases["deadlock-free"].is_passed


def test_an_inconclusive_property_is_a_junit_error(capsys, tmp_path):
    junit = tmp_path / "j.xml"
    # the explicit engine: auto, the default, would go on to prove the invariant by induction
    code, _, _ = run(capsys, "check", target("lamps"), "--no-out", "--junit", str(junit), "--max-states", "2",
                     "--property", "never-broken", "--engine", "explicit")
    assert code == 3
    (case,) = [c for suite in JUnitXml.fromfile(str(junit)) for c in suite]
    assert case.is_error and case.result[0].type == "inconclusive"


# --------------------------------------------------------------------------- SARIF


def test_sarif_validates_and_has_one_result_per_violated_property_at_its_definition(capsys, tmp_path):
    sarif = tmp_path / "statebound.sarif"
    code, _, _ = run(capsys, "check", target("lamps"), "--no-out", "--sarif", str(sarif))
    assert code == 1
    doc = json.loads(sarif.read_text(encoding="utf-8"))
    validate_sarif(doc)
    (sarif_run,) = doc["runs"]
    assert doc["version"] == "2.1.0" and sarif_run["tool"]["driver"]["name"] == "statebound"
    assert [r["id"] for r in sarif_run["tool"]["driver"]["rules"]] == [
        "not-both-on", "one-on", "lamp0-stays-off-2", "never-broken", "deadlock-free"]
    results = {r["ruleId"]: r for r in sarif_run["results"]}
    assert sorted(results) == ["lamp0-stays-off-2", "not-both-on"]
    uri = str(MODELS.relative_to(ROOT))
    for name, text in (("not-both-on", '"not-both-on"'), ("lamp0-stays-off-2", 'f"lamp0-stays-off-{n}"')):
        location = results[name]["locations"][0]["physicalLocation"]
        assert location["artifactLocation"] == {"uri": uri, "uriBaseId": "%SRCROOT%"}
        assert location["region"]["startLine"] == line_of(text), name  # an f-string name is found too
    flow = results["not-both-on"]["codeFlows"][0]["threadFlows"][0]["locations"]
    assert len(flow) == 3  # the initial state and two steps
    assert flow[1]["location"]["message"]["text"].startswith("1. lamp0: switch_on")
    assert flow[2]["state"] == {"lamp1.state": {"text": "On"}}
    # the steps point at the transition's definition, found once in the file
    assert flow[1]["location"]["physicalLocation"]["region"]["startLine"] == line_of('Transition("switch_on"')
    assert sarif_run["invocations"][0]["exitCode"] == 1


def test_a_passing_check_writes_sarif_without_results(capsys, tmp_path):
    sarif = tmp_path / "ok.sarif"
    code, _, _ = run(capsys, "check", target("lamps"), "--no-out", "--sarif", str(sarif), "--property", "one-on")
    assert code == 0
    doc = json.loads(sarif.read_text(encoding="utf-8"))
    validate_sarif(doc)
    assert doc["runs"][0]["results"] == []


def test_locate_prefers_a_makers_name_argument_and_reads_f_strings(tmp_path):
    src = tmp_path / "m.py"
    src.write_text('RULES = {"a-rule": 1}\n'
                   'x = always("a-rule", e)\n'
                   'y = [sometimes(f"witness-of-{n}", e) for n in names]\n'
                   'z = always(f"{a}-{b}", e)\n', encoding="utf-8")
    sites = locate(["a-rule", "witness-of-b-c", "p-q"], [src])
    assert sites == {"a-rule": Site(path=src, line=2, column=12), "witness-of-b-c": Site(path=src, line=3, column=16)}


def test_a_property_defined_nowhere_in_the_sources_is_located_at_the_model_function(tmp_path):
    model = tmp_path / "generated.py"
    model.write_text("from statebound import Enum, Instance, Machine, System, Transition, Var, always, ref\n\n\n"
                     "def model():\n"
                     "    s = Var('state', Enum('A', 'B'))\n"
                     "    m = Machine(name='m', variables=(s,), transitions=(Transition('go', guard=s == 'A', "
                     "updates={s: 'B'}),))\n"
                     "    name = '-'.join(['stays', 'a'])\n"
                     "    return System(name='gen', instances=(Instance('m', m),), check_deadlock=False,\n"
                     "                  properties=(always(name, ref('m', 'state') == 'A'),))\n", encoding="utf-8")
    from statebound.checker.load import load_system

    system = load_system(f"{model}:model")
    log = to_sarif(check(system), system=system, target=f"{model}:model", root=tmp_path)
    validate_sarif(log)
    (result,) = log["runs"][0]["results"]
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == 4  # def model():


# --------------------------------------------------------------------------- --strict


def test_strict_turns_a_vacuous_pass_into_exit_code_5(capsys, tmp_path):
    code, out, err = run(capsys, "check", target("vacuous"), "--no-out")
    assert code == 0 and "warning: holds vacuously: no step tagged panic is ever taken" in out
    junit, sarif = tmp_path / "j.xml", tmp_path / "s.sarif"
    code, out, err = run(capsys, "check", target("vacuous"), "--no-out", "--strict", "--junit", str(junit),
                         "--sarif", str(sarif))
    assert code == ExitCode.VACUOUS == 5
    assert err.splitlines()[0] == (
        "statebound: error: --strict: no-panic-while-on holds only vacuously (exit code 5); make the tag, trigger "
        "or premise reachable, or give the rule a witness with sometimes(...)")
    case = next(c for suite in JUnitXml.fromfile(str(junit)) for c in suite if c.name == "no-panic-while-on")
    assert case.is_failure and case.result[0].type == "vacuous"
    doc = json.loads(sarif.read_text(encoding="utf-8"))
    validate_sarif(doc)
    (result,) = doc["runs"][0]["results"]
    assert result["ruleId"] == "no-panic-while-on" and result["properties"]["reason"] == "vacuous"
    assert result["locations"][0]["physicalLocation"]["region"]["startLine"] == line_of('"no-panic-while-on"')
    code, out, _ = run(capsys, "check", target("vacuous"), "--no-out", "--strict", "--format", "json")
    assert code == 5 and json.loads(out)["exit_code"] == 5


def test_strict_keeps_exit_code_1_for_a_violation(capsys):
    code, _, _ = run(capsys, "check", target("lamps"), "--no-out", "--strict")
    assert code == 1


def test_vacuous_lists_only_properties_that_hold():
    from statebound.checker.load import load_system

    report = check(load_system(target("vacuous")))
    assert [o.property for o in vacuous(report)] == ["no-panic-while-on"]
    assert all(o.verdict is Verdict.HOLDS for o in vacuous(report))


def test_an_unwritable_junit_file_is_exit_2_and_the_verdicts_are_still_printed(capsys, tmp_path):
    (tmp_path / "plain").write_text("", encoding="utf-8")
    path = tmp_path / "plain" / "junit.xml"  # its folder is a file
    code, out, err = run(capsys, "check", target("lamps"), "--no-out", "--junit", str(path))
    assert code == 2
    assert "2 violated" in out
    assert f"--junit {str(path)!r}: cannot write it" in err


def test_a_folder_as_the_sarif_file_is_rejected_before_checking(capsys, tmp_path):
    code, out, err = run(capsys, "check", target("lamps"), "--no-out", "--sarif", str(tmp_path))
    assert code == 2 and out == ""
    assert "--sarif" in err and "is a directory" in err


# --------------------------------------------------------------------------- CLI conventions


def _cli(*args: str, env: dict[str, str] | None = None, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "statebound", *args], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, **(env or {})}, timeout=timeout)


def test_version_comes_from_the_package_metadata():
    from importlib.metadata import version

    done = _cli("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"statebound, version {version('statebound')}"


@pytest.mark.parametrize("shell,marker", [("bash", "complete -o nosort -F"), ("zsh", "#compdef statebound"),
                                          ("fish", "complete --no-files --command statebound")])
def test_the_shell_completion_script_is_produced(shell, marker):
    done = _cli(env={"_STATEBOUND_COMPLETE": f"{shell}_source"})
    assert done.returncode == 0, done.stderr
    assert marker in done.stdout and "_STATEBOUND_COMPLETE" in done.stdout


def test_completion_lists_commands_and_the_functions_of_a_model_file():
    env = {"_STATEBOUND_COMPLETE": "zsh_complete", "COMP_WORDS": "statebound ch", "COMP_CWORD": "1"}
    assert "check" in _cli(env=env).stdout
    path = MODELS.relative_to(ROOT)
    env = {"_STATEBOUND_COMPLETE": "zsh_complete", "COMP_WORDS": f"statebound check {path}:", "COMP_CWORD": "2"}
    got = _cli(env=env).stdout
    assert f"{path}:lamps" in got and f"{path}:vacuous" in got and "_lamp" not in got


def test_watch_checks_again_when_the_model_file_changes(tmp_path):
    model = tmp_path / "watched.py"
    source = MODELS.read_text(encoding="utf-8")
    model.write_text(source, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "statebound", "check", f"{model}:lamps", "--no-out", "--property", "not-both-on",
         "--watch", "--watch-runs", "2", "--watch-interval", "0.05"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        first = []
        deadline = time.monotonic() + 60
        while not any("violated, 0 inconclusive" in line for line in first):
            line = proc.stdout.readline()
            assert line and time.monotonic() < deadline, "the first check did not finish"
            first.append(line)
        assert "FAIL not-both-on" in "".join(first)
        time.sleep(0.2)  # the watcher has taken its snapshot
        model.write_text(source.replace("always(\"not-both-on\", ~both)", "always(\"not-both-on\", ~both | both)"),
                         encoding="utf-8")
        out, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 0  # the second check: the rule now holds
    assert "1 hold, 0 violated" in out
    assert "watching" in err and "watched.py changed; checking again" in err
