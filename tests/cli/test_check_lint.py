"""check lints the model after its verdicts (issue 14): a section of the text report after the
summary, a ``lint`` list in the JSON document, --no-lint to skip it, and nothing but the verdicts
without z3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from statebound.cli import main

MODEL = '''
from statebound.checker import Enum, Instance, Machine, System, Transition, Var, always, ref

def lamp():
    s = Var("state", Enum("Off", "On"))
    m = Machine(name="lamp", variables=(s,), transitions=(
        Transition("on", guard=s == "Off", updates={s: "On"}),
        Transition("off", guard=s == "On", updates={s: "Off"}),
        Transition("never", guard=(s == "Off") & (s == "On"), updates={s: "Off"}),
    ))
    return System(name="lamp", instances=(Instance("lamp", m),),
                  properties=(always("never-on", RULE),))
'''
WARNING = ("  lamp/transition 'never': its guard is never true, so it can never fire; fix the guard or drop the "
           "transition [guard-never-true]")


@pytest.fixture
def lamp(tmp_path: Path) -> str:
    model = tmp_path / "lamp.py"
    model.write_text(MODEL.replace("RULE", 'ref("lamp", "state") != "On"'), encoding="utf-8")  # violated: a counterexample
    return f"{model}:lamp"


def test_lint_warnings_follow_the_verdicts_in_the_text_report(lamp: str, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("z3")
    assert main(["check", lamp, "--no-out"]) == 1  # the lint changes no exit code
    lines = capsys.readouterr()[0].splitlines()
    summary = next(k for k, line in enumerate(lines) if line.endswith("1 violated, 0 inconclusive"))
    assert lines[summary + 1:] == ["lint: 1 warning about the model (--no-lint skips the lint):", WARNING]
    assert lines.index("FAIL never-on  violated (always, 1 step)") < summary


def test_the_json_document_carries_a_lint_list(lamp: str, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("z3")
    assert main(["check", lamp, "--no-out", "--format", "json"]) == 1
    doc = json.loads(capsys.readouterr()[0])
    assert [(w["code"], w["instance"], w["transition"]) for w in doc["lint"]] == [("guard-never-true", "lamp", "never")]


def test_report_json_in_out_carries_the_lint_too(lamp: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("z3")
    assert main(["check", lamp, "--out", str(tmp_path / "out")]) == 1
    doc = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert [w["code"] for w in doc["lint"]] == ["guard-never-true"]
    assert main(["check", lamp, "--out", str(tmp_path / "out"), "--no-lint"]) == 1
    assert "lint" not in json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))


def test_no_lint_skips_it(lamp: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", lamp, "--no-out", "--no-lint"]) == 1
    assert "\nlint: " not in capsys.readouterr()[0]
    assert main(["check", lamp, "--no-out", "--no-lint", "--format", "json"]) == 1
    assert "lint" not in json.loads(capsys.readouterr()[0])


def test_a_model_without_warnings_adds_nothing_to_the_text_report(tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("z3")
    model = tmp_path / "clean.py"
    clean = MODEL.replace('''        Transition("never", guard=(s == "Off") & (s == "On"), updates={s: "Off"}),\n''', "")
    rule = 'ref("lamp", "state") == ref("lamp", "state")'
    model.write_text(clean.replace("never-on", "same").replace("RULE", rule), encoding="utf-8")
    assert main(["check", f"{model}:lamp", "--no-out"]) == 0
    out = capsys.readouterr()[0]
    assert "\nlint: " not in out and out.rstrip().endswith("hold, 0 violated, 0 inconclusive")
    assert main(["check", f"{model}:lamp", "--no-out", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr()[0])["lint"] == []


def test_without_z3_check_gives_its_verdicts_and_no_lint(lamp: str) -> None:
    # z3 made unimportable in a fresh interpreter: the check needs no z3, the lint is left out
    code = ("import sys; sys.modules['z3'] = None\n"
            "from statebound.cli import main\n"
            f"raise SystemExit(main(['check', {lamp!r}, '--no-out', '--format', 'json']))")
    proc = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}, check=False)
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)
    assert "lint" not in doc and doc["properties"][0]["verdict"] == "violated"
    assert "Traceback" not in proc.stderr


def test_an_interrupted_lint_keeps_the_verdicts(lamp: str, monkeypatch: pytest.MonkeyPatch,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    from statebound import cli

    def interrupted(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_check_lint", interrupted)
    assert main(["check", lamp, "--no-out", "--format", "json"]) == 130
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["properties"][0]["verdict"] == "violated" and doc["exit_code"] == 130
    assert err.strip() == "statebound: error: interrupted while linting the model (after the verdicts)"
