"""``statebound conform ADAPTER TARGET`` (issue 12): the outputs and exit codes of ``simulate``,
plus the divergence (text, JSON, ``divergence.itf.json``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from leftovers import ROOT

from statebound.cli import main

PHASE3 = ROOT / "models" / "phase3.py"
ADAPTERS = ROOT / "examples" / "conformance" / "phase3.py"


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_a_divergence_exits_1_with_the_shrunk_run_and_its_itf_trace(capsys: pytest.CaptureFixture[str],
                                                                    tmp_path: Path) -> None:
    code, out, err = run(capsys, "conform", f"{ADAPTERS}:closes_only_open", f"{PHASE3}:after", "--runs", "60",
                         "--steps", "40", "--out", str(tmp_path))
    assert code == 1
    assert out.startswith(f"statebound conform {ADAPTERS}:closes_only_open {PHASE3}:after  [chats=1")
    assert "DIVERGENCE at step 5, ChatAssistant.unmount" in out or "DIVERGENCE at step 5, session.logout" in out
    assert "expected (the model):          ChatProvider.client.ws1.ready = CLOSING" in out
    assert "statebound: divergence at step 5" in err
    itf = json.loads((tmp_path / "divergence.itf.json").read_text())
    assert len(itf["states"]) == 6 and itf["#meta"]["description"].startswith("divergence at step 5: ")
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["exit_code"] == 1 and report["conformance"]["divergence"]["step"] == 5


def test_a_conforming_run_exits_3_and_says_so_in_json(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "conform", f"{ADAPTERS}:reference", f"{PHASE3}:after", "--param", "auth_mode=post-auth",
                       "--runs", "10", "--steps", "20", "--seed", "4", "--format", "json", "--no-out")
    doc = json.loads(out)
    assert code == 3 and doc["exit_code"] == 3
    assert doc["conformance"]["divergence"] is None and doc["conformance"]["seed"] == 4
    assert doc["conformance"]["adapter"] == f"{ADAPTERS}:reference"
    assert {o["engine"] for o in doc["properties"]} == {"conformance"}


def test_a_violation_on_a_conforming_run_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "conform", f"{ADAPTERS}:naive", f"{PHASE3}:before", "--property",
                       "no-retry-after-auth-failure-chat-assistant", "--runs", "30", "--no-out")
    assert code == 1
    assert "no divergence: the implementation did what the model said at every step" in out
    assert "FAIL no-retry-after-auth-failure-chat-assistant  violated (never-after, 7 steps)" in out


def test_a_bad_adapter_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "conform", f"{ADAPTERS}:referense", f"{PHASE3}:after", "--no-out")
    assert code == 2
    assert err.strip() == (f"statebound: error: ADAPTER '{ADAPTERS}:referense': {ADAPTERS} has no function "
                           "'referense'; did you mean 'reference'?")
    bad = tmp_path / "bad_adapters.py"
    bad.write_text("def echo(system):\n    return system\n\ndef broken(system):\n    raise RuntimeError('no port')\n")
    code, _, err = run(capsys, "conform", f"{bad}:echo", f"{PHASE3}:after", "--no-out")
    assert code == 2
    assert err.strip() == (f"statebound: error: ADAPTER '{bad}:echo': it returned System, not an adapter; return "
                           "an object with internal, reset(), perform(step), observe() and close() "
                           "(docs/conformance.md)")
    code, _, err = run(capsys, "conform", f"{bad}:broken", f"{PHASE3}:after", "--no-out")
    assert code == 2
    assert err.strip() == (f"statebound: error: ADAPTER '{bad}:broken': it raised RuntimeError: no port; "
                           "fix the adapter")
