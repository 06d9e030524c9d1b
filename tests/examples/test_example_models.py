"""Every model of examples/ meets its expected verdicts, and the example CI workflow runs (issue 16)."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest

from statebound.checker import Verdict, check
from statebound.checker.load import load_system
from statebound.cli import main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
H, V = Verdict.HOLDS, Verdict.VIOLATED

#: (target, --param values) -> the verdict of every property, deadlock freedom included
EXPECTED: dict[tuple[str, tuple[str, ...]], dict[str, Verdict]] = {
    ("lamp.py:lamp_and_switch", ()): {"can-turn-on": H, "on-or-off": H, "deadlock-free": H},
    ("reconnecting_client.py:reconnecting_client", ()): {
        "no-retry-after-auth-failure": H, "a-token-is-rejected": H, "backoff-doubles": H, "open-resets-backoff": H,
        "backoff-recovers": H, "a-retry-happens": H, "deadlock-free": H},
    ("reconnecting_client.py:reconnecting_client", ("attempts=3",)): {
        "no-retry-after-auth-failure": H, "a-token-is-rejected": H, "backoff-doubles": H, "open-resets-backoff": H,
        "backoff-recovers": H, "a-retry-happens": H, "deadlock-free": H},
    ("reconnecting_client.py:reconnecting_client", ("policy=naive",)): {
        "no-retry-after-auth-failure": V, "a-token-is-rejected": H, "backoff-doubles": H, "open-resets-backoff": H,
        "backoff-recovers": H, "a-retry-happens": H, "deadlock-free": H},
    ("two_phase_commit.py:two_phase_commit", ()): {
        "consistent": H, "commit-needs-every-vote": H, "tm-decides": H, "can-commit": H, "can-abort": H,
        "deadlock-free": H},
    ("two_phase_commit.py:two_phase_commit", ("rms=4",)): {
        "consistent": H, "commit-needs-every-vote": H, "tm-decides": H, "can-commit": H, "can-abort": H,
        "deadlock-free": H},
    ("two_phase_commit.py:two_phase_commit", ("eager=true",)): {
        "consistent": V, "commit-needs-every-vote": V, "tm-decides": H, "can-commit": H, "can-abort": H,
        "deadlock-free": V},
    ("peterson.py:peterson", ()): {
        "mutual-exclusion": H, "p0-gets-in": H, "p1-gets-in": H, "p0-can-get-in": H, "deadlock-free": H},
    ("peterson.py:peterson", ("naive=true",)): {
        "mutual-exclusion": V, "p0-gets-in": V, "p1-gets-in": V, "p0-can-get-in": H, "deadlock-free": H},
}

#: the shortest counterexamples, pinned: a model change that makes them longer deserves a look
LENGTHS = {
    ("reconnecting_client.py:reconnecting_client", ("policy=naive",), "no-retry-after-auth-failure"): 4,
    ("two_phase_commit.py:two_phase_commit", ("eager=true",), "consistent"): 3,
    ("peterson.py:peterson", ("naive=true",), "mutual-exclusion"): 6,
}

MINE = ("lamp.py", "reconnecting_client.py", "two_phase_commit.py", "peterson.py")


@pytest.mark.parametrize("target,params", sorted(EXPECTED), ids=lambda v: " ".join(v) if isinstance(v, tuple) else v)
def test_each_example_meets_its_expected_verdicts(target: str, params: tuple[str, ...]) -> None:
    report = check(load_system(f"{EXAMPLES / target}", params))
    assert {o.property: o.verdict for o in report.outcomes} == EXPECTED[target, params]
    assert report.coverage.complete
    for o in report.outcomes:
        if (target, params, o.property) in LENGTHS:
            assert o.trace is not None and len(o.trace) == LENGTHS[target, params, o.property]


@pytest.mark.parametrize("target", sorted({t for (t, p), v in EXPECTED.items() if not p}))
def test_the_examples_that_hold_hold_strictly(capsys: pytest.CaptureFixture[str], target: str) -> None:
    """No rule of an example holds only vacuously: ``check --strict`` exits 0."""
    code = main(["check", str(EXAMPLES / target), "--strict", "--no-out"])
    out, err = capsys.readouterr()
    assert code == 0, out + err
    assert "warning" not in out


def _workflow_commands() -> list[list[str]]:
    """The ``statebound check`` commands of examples/ci/github-actions.yml (folded ``run: >`` blocks)."""
    lines = (EXAMPLES / "ci" / "github-actions.yml").read_text(encoding="utf-8").splitlines()
    commands = []
    for i, line in enumerate(lines):
        if line.strip() != "run: >":
            continue
        indent = len(line) - len(line.lstrip()) + 2
        body = []
        for more in lines[i + 1:]:
            if more.strip() and len(more) - len(more.lstrip()) < indent:
                break
            body.append(more.strip())
        text = " ".join(b for b in body if b)
        if text.startswith("statebound check"):
            commands.append(shlex.split(text))
    return commands


def test_the_example_workflow_checks_pass_and_write_junit_and_sarif(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    commands = _workflow_commands()
    assert len(commands) == 2
    for argv in commands:
        args = [a.replace("reports/", f"{tmp_path}/") for a in argv[1:]]
        code = main(args)
        out, err = capsys.readouterr()
        assert code == 0, out + err
    for stem in ("reconnecting_client", "two_phase_commit"):
        assert (tmp_path / f"{stem}.xml").read_text(encoding="utf-8").startswith("<?xml")
        assert json.loads((tmp_path / f"{stem}.sarif").read_text(encoding="utf-8"))["runs"][0]["results"] == []
        assert (tmp_path / stem / "report.json").exists()


def test_the_readmes_link_every_example() -> None:
    index = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in MINE:
        assert f"]({name})" in index, name
        assert f"examples/{name}" in readme, name
    assert "examples/ci/github-actions.yml" in readme
    for link in re.findall(r"\]\(([^)#]+)\)", index):  # every link of the index points at a file
        if "://" not in link:
            assert (EXAMPLES / link).exists(), link


@pytest.mark.parametrize("name", MINE)
def test_each_example_imports_only_statebound_and_says_how_to_check_it(name: str) -> None:
    text = (EXAMPLES / name).read_text(encoding="utf-8")
    imports = re.findall(r"^(?:from|import) (\S+)", text, re.M)
    assert set(imports) == {"statebound"}, imports
    assert f"statebound check examples/{name}:" in text
