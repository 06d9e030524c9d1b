"""``statebound simulate``, ``check --emit-pytest`` and the pytest plugin (issue 11)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from statebound.checker import check
from statebound.checker.load import load_system
from statebound.checker.replay import replay, trace_from_itf
from statebound.cli import main

ROOT = Path(__file__).resolve().parents[2]
BEFORE = f"{ROOT / 'models' / 'phase3.py'}:before"
AFTER = f"{ROOT / 'models' / 'phase3.py'}:after"

LAMP = '''
from statebound import Enum, Instance, Machine, System, Transition, Var, always, ref

def lamp():
    s = Var("state", Enum("Off", "On", "Broken"))
    m = Machine(name="lamp", variables=(s,), transitions=(
        Transition("on", guard=s == "Off", updates={s: "On"}),
        Transition("off", guard=s == "On", updates={s: "Off"}),
        Transition("break", guard=s == "On", updates={s: "Broken"}),
        Transition("fix", guard=s == "Broken", updates={s: "Off"}),
    ))
    return System(name="lamp", instances=(Instance("lamp", m),),
                  properties=(always("never-broken", ref("lamp", "state") != "Broken"),))
'''


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(scope="module")
def expected() -> set[str]:
    """What the exhaustive engine finds broken in before (derived, not pinned: the model evolves)."""
    return set(check(load_system(BEFORE)).violated)


# --------------------------------------------------------------------------- simulate


def test_simulate_prints_each_violation_like_check_and_exits_1(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                               expected: set[str]) -> None:
    code, out, _ = run(capsys, "simulate", BEFORE, "--runs", "100", "--seed", "3", "--out", str(tmp_path))
    assert code == 1
    assert out.startswith(f"statebound simulate {BEFORE}")
    assert "(seed 3)" in out.splitlines()[0]
    for name in expected:
        assert f"FAIL {name}  violated" in out
    assert "counterexample:" in out
    # the same outputs as check: report.json and one ITF trace per counterexample, which replay
    doc = json.loads((tmp_path / "report.json").read_text())
    assert {p["name"] for p in doc["properties"] if p["verdict"] == "violated"} == expected
    assert {p["engine"] for p in doc["properties"]} == {"random"}
    system = load_system(BEFORE)
    for name in expected:
        itf = tmp_path / f"{name}.itf.json"
        assert replay(system, itf, name).is_violated(name)


def test_simulate_on_after_finds_nothing_and_exits_3_with_its_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "simulate", AFTER, "--runs", "200", "--no-out")
    assert code == 3
    assert " 0 violated, " in out.splitlines()[-1]
    assert "no violation found in 200 runs of 50 steps; visited " in out
    assert "(INCOMPLETE: 200 random runs of up to 50 steps)" in out.splitlines()[1]


def test_simulate_json_says_how_it_ran(capsys: pytest.CaptureFixture[str], expected: set[str]) -> None:
    code, out, _ = run(capsys, "simulate", BEFORE, "--runs", "20", "--steps", "30", "--format", "json", "--no-out")
    doc = json.loads(out)
    assert code == doc["exit_code"] == 1
    assert doc["simulation"] == {"runs": 20, "steps": 30, "seed": 0}
    found = {p["name"] for p in doc["properties"] if p["verdict"] == "violated"}
    assert found and found <= expected  # 20 short runs need not find them all


def test_simulate_rejects_a_zero_run_count(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "simulate", AFTER, "--runs", "0", "--no-out")
    assert code == 2 and "--runs" in err


# --------------------------------------------------------------------------- check --emit-pytest


def pytest_in(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=folder, capture_output=True, text=True, env=env, timeout=300)


def test_emitted_regression_tests_fail_on_before(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                 expected: set[str]) -> None:
    tests = tmp_path / "regressions"
    code, out, _ = run(capsys, "check", BEFORE, "--no-out", "--emit-pytest", str(tests))
    assert code == 1
    files = sorted(tests.glob("test_*.py"))
    assert len(files) == len(expected)
    assert f"wrote {len(files)} regression tests to {tests}/" in out
    result = pytest_in(tests)
    assert f"{len(files)} failed" in result.stdout, result.stdout + result.stderr
    assert "is still violated by the recorded trace" in result.stdout


def test_an_emitted_test_passes_once_the_bug_is_fixed(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    model = tmp_path / "lamp.py"
    model.write_text(LAMP)
    tests = tmp_path / "regressions"
    code, _, _ = run(capsys, "check", f"{model}:lamp", "--no-out", "--emit-pytest", str(tests))
    assert code == 1 and [p.name for p in tests.glob("test_*.py")] == ["test_never_broken.py"]
    assert "1 failed" in pytest_in(tests).stdout
    model.write_text(LAMP.replace('guard=s == "On", updates={s: "Broken"}', 'guard=s == "Off", updates={s: "Off"}'))
    result = pytest_in(tests)  # the recorded 'break' step no longer applies
    assert "1 passed" in result.stdout, result.stdout + result.stderr


def test_an_itf_file_that_is_not_json_is_bad_input(tmp_path: Path) -> None:
    from statebound.checker.errors import InputError

    bad = tmp_path / "x.itf.json"
    bad.write_text("{not json")
    with pytest.raises(InputError, match=r"x\.itf\.json:1: not JSON"):
        trace_from_itf(bad)


# --------------------------------------------------------------------------- the pytest plugin


def plugin_args() -> list[str]:
    """The plugin, loaded explicitly: entry points are off in these runs (PLUGINS_OFF), so the
    tests do not depend on whether this checkout was installed since the entry point was added."""
    return ["-p", "statebound.pytest_plugin"]


def test_the_plugin_is_registered_through_the_pytest11_entry_point() -> None:
    doc = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert doc["project"]["entry-points"]["pytest11"] == {"statebound": "statebound.pytest_plugin"}


def test_the_plugin_fails_the_rules_before_breaks(tmp_path: Path, expected: set[str]) -> None:
    result = pytest_in(tmp_path, *plugin_args(), "--statebound", BEFORE)
    assert f"{len(expected)} failed" in result.stdout, result.stdout + result.stderr
    for name in expected:
        assert f"FAILED {BEFORE}::{name}" in result.stdout
    assert "counterexample:" in result.stdout


def test_the_plugin_passes_after_with_parameters(tmp_path: Path) -> None:
    result = pytest_in(tmp_path, *plugin_args(), "--statebound", AFTER, "--statebound-param", "strict_mode=true")
    names = [o.property for o in check(load_system(AFTER, ["strict_mode=true"])).outcomes]
    assert result.returncode == 0 and f"{len(names)} passed" in result.stdout, result.stdout + result.stderr


def test_a_marked_test_module_checks_its_own_target(tmp_path: Path) -> None:
    (tmp_path / "test_model.py").write_text(f'''
import pytest

@pytest.mark.statebound({AFTER!r})
def test_after(statebound_property):
    statebound_property.check()

@pytest.mark.statebound({BEFORE!r})
def test_before(statebound_property):
    if statebound_property.outcome.verdict == "violated":
        statebound_property.assert_violated()
''')
    ref = [check(load_system(t)).outcomes for t in (AFTER, BEFORE)]
    result = pytest_in(tmp_path, *plugin_args())
    assert result.returncode == 0 and f"{sum(map(len, ref))} passed" in result.stdout, result.stdout + result.stderr


def test_without_statebound_the_plugin_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "test_plain.py").write_text("def test_one():\n    assert True\n")
    result = pytest_in(tmp_path, *plugin_args())
    assert result.returncode == 0 and "1 passed" in result.stdout


def test_a_model_that_does_not_load_is_one_failing_item(tmp_path: Path) -> None:
    result = pytest_in(tmp_path, *plugin_args(), "--statebound", f"{tmp_path}/missing.py:nothing")
    assert "1 failed" in result.stdout and "the model could not be loaded" in result.stdout

