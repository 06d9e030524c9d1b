"""A corpus of malformed logs (issue 15): each gets one line on stderr naming the file and the line,
and the documented exit code (2 for a malformed log, 1 for an event the model cannot explain)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from realparts import MODEL

from statebound.cli import main

HEAD = b'{"format": "statebound-trace", "version": 1, "recorded": ["socket", "session"]}\n'
CONNECT = b'{"ts": 1, "instance": "socket", "event": "connect", "observed": {"ready": "CONNECTING"}}\n'

CORPUS = [
    ("truncated-line", HEAD + CONNECT + b'{"ts": 2, "instance": "socket", "eve', 2, 3,
     'not a JSON object: Unterminated string starting at (column 33); each line must be one complete JSON object; '
     "is the line truncated?"),
    ("unknown-instance", HEAD + b'{"ts": 1, "instance": "sockets", "event": "connect"}\n', 2, 2,
     "unknown instance 'sockets': websocket-page has no such instance; did you mean 'socket'?"),
    ("unknown-event", HEAD + CONNECT + b'{"ts": 2, "instance": "socket", "event": "opened"}\n', 2, 3,
     "unknown event 'opened': instance 'socket' has no transition 'opened'; did you mean 'open'?"),
    ("observed-wrong-type", HEAD + b'{"ts": 1, "instance": "socket", "event": "connect", "observed": {"ready": 0}}\n',
     2, 2, "observed socket.ready is 0: not a name of Enum(CONNECTING, OPEN, CLOSING, CLOSED); "
           "write one of its names as a string"),
    ("observed-outside-domain", HEAD + CONNECT
     + b'{"ts": 2, "instance": "socket", "event": "error", "observed": {"code": 70000}}\n', 2, 3,
     "observed socket.code is 70000: outside Int(0, 4999); write a whole number from 0 to 4999"),
    ("observed-unknown-value", HEAD + b'{"ts": 1, "instance": "socket", "event": "connect", "observed": {"ready": "Open"}}\n',
     2, 2, "observed socket.ready is \"Open\": not a value of Enum(CONNECTING, OPEN, CLOSING, CLOSED); did you mean 'OPEN'?"),
    ("ts-not-a-number", HEAD + b'{"ts": "12:00", "instance": "socket", "event": "connect"}\n', 2, 2,
     'ts is "12:00", not a number; give the time as a number (milliseconds)'),
    ("instance-not-a-string", HEAD + b'{"ts": 1, "instance": 7, "event": "connect"}\n', 2, 2, "instance is 7, not a string"),
    ("out-of-order-timestamps", HEAD + CONNECT + b'{"ts": 0.5, "instance": "socket", "event": "error"}\n', 2, 3,
     "ts 0.5 is earlier than line 2's 1; the events must be in the order they happened, with times that never decrease"),
    ("missing-key", HEAD + b'{"ts": 1, "instance": "socket"}\n', 2, 2,
     "the event has no 'event'; each event needs \"ts\", \"instance\" and \"event\" (see docs/trace-format.md)"),
    ("unknown-key", HEAD + b'{"ts": 1, "instance": "socket", "event": "connect", "observe": {}}\n', 2, 2,
     "unknown key 'observe' in an event line; did you mean 'observed'?"),
    ("not-an-object", HEAD + b'["socket", "connect"]\n', 2, 2, "a JSON array, not an object; each line must be one JSON object"),
    ("header-not-first", CONNECT + HEAD, 2, 2,
     "a header line after the first line; the header (the line with 'format') must be the first line of the log"),
    ("not-recorded", HEAD.replace(b'"socket", ', b"") + CONNECT, 2, 2,
     "instance 'socket' is not in the header's recorded list; add it to \"recorded\" in the header, or leave it out of the log"),
    ("silent-transition", HEAD + b'{"ts": 1, "instance": "socket", "event": "forget_failure"}\n', 2, 2,
     "event socket.forget_failure is a silent transition (tagged 'unlogged' or listed in the header's silent list); "
     "a silent step is never logged"),
    ("not-utf8", HEAD + b'{"ts": 1, "instance": "socket", "event": "conn\xffect"}\n', 2, 2,
     "not UTF-8 text (byte 47 of the line); write the log as UTF-8"),
    ("no-events", HEAD, 2, 1, "the log has no events; record a run (see docs/trace-format.md)"),
    ("unexplained-event", HEAD + CONNECT + b'{"ts": 2, "instance": "socket", "event": "connect"}\n', 1, 3,
     "the model cannot explain socket.connect: socket.connect: its guard is false in every candidate: "
     "socket.ready == CLOSED (socket.ready = CONNECTING); the model allowed session.login, session.logout, "
     "socket.error, socket.open here"),
]


@pytest.mark.parametrize(("name", "data", "code", "line", "message"), CORPUS, ids=[c[0] for c in CORPUS])
def test_each_malformed_log_gets_one_line_naming_its_line_and_the_documented_exit_code(
        name: str, data: bytes, code: int, line: int, message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / f"{name}.jsonl"
    log.write_bytes(data)
    got = main(["trace", MODEL, str(log), "--no-out"])
    out, err = capsys.readouterr()
    label = "unexplained" if code == 1 else "error"
    assert err == f"statebound: {label}: {log}:{line}: {message}\n"
    assert got == code


def test_a_malformed_log_with_format_json_is_one_json_document(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_bytes(HEAD + b'{"ts": 1, "instance": "sockets", "event": "connect"}\n')
    assert main(["trace", MODEL, str(log), "--no-out", "--format", "json"]) == 2
    out, err = capsys.readouterr()
    doc = json.loads(out)
    assert doc["exit_code"] == 2 and doc["errors"][0].startswith(f"{log}:2: unknown instance 'sockets'")
    assert len(err.splitlines()) == 1


def test_a_missing_log_file_is_bad_input(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.jsonl"
    assert main(["trace", MODEL, str(missing), "--no-out"]) == 2
    assert capsys.readouterr().err == f"statebound: error: {missing}: no such log file; give the path of a JSON-lines log\n"


def test_a_property_a_run_cannot_break_is_refused_by_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "run.jsonl"
    log.write_bytes(HEAD + CONNECT)
    assert main(["trace", MODEL, str(log), "--no-out", "--property", "can-open"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("statebound: error: --property 'can-open': cannot be checked on a recorded run: a sometimes")


def test_blank_lines_are_the_only_lines_skipped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "run.jsonl"
    log.write_bytes(HEAD + b"\n   \n" + CONNECT + b"\n")
    assert main(["trace", MODEL, str(log), "--no-out"]) == 0
    assert "replayed 1 of 1 event (5 lines)" in capsys.readouterr().out
