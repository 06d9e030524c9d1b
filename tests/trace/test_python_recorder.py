"""The Python recorder (issue 15) around a real `websockets` client, against the real server that
refuses with 403: a client that retries is flagged, one that gives up passes, with the same model
as the browser pages."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from realparts import MODEL, ROOT, RejectingServer

from statebound.cli import main

sys.path.insert(0, str(ROOT / "recorders"))
from statebound_recorder import Recorder, connect  # noqa: E402 - the recorder is a file users copy


async def client(url: str, rec: Recorder, *, attempts: int) -> int:
    """Connect, retrying *attempts* times in all; the number of refusals seen."""
    from websockets.exceptions import InvalidStatus

    refused = 0
    for _ in range(attempts):
        try:
            async with connect(url, rec, open_timeout=5):
                return refused
        except InvalidStatus as err:
            assert err.response.status_code == 403  # a Python client sees why; the log keeps it in meta only
            refused += 1
            await asyncio.sleep(0.01)
    return refused


def test_a_python_client_that_retries_after_403_is_flagged_and_one_that_stops_passes(
        ws_server: RejectingServer, tmp_path: Path, capsys) -> None:
    naive, careful = tmp_path / "naive.jsonl", tmp_path / "careful.jsonl"
    with Recorder(naive, recorded=["socket", "session"]) as rec:
        assert asyncio.run(client(ws_server.url, rec, attempts=3)) == 3
    with Recorder(careful, recorded=["socket", "session"]) as rec:
        rec.event("session", "login", state="Active")
        assert asyncio.run(client(ws_server.url, rec, attempts=1)) == 1
    lines = [json.loads(x) for x in careful.read_text().splitlines()]
    assert [(d["instance"], d["event"]) for d in lines[1:]] == [
        ("session", "login"), ("socket", "connect"), ("socket", "error"), ("socket", "close")]
    assert lines[3]["meta"]["status"] == 403

    assert main(["trace", MODEL, str(naive), "--no-out"]) == 1
    assert "FAIL no-retry-after-failed-handshake" in capsys.readouterr().out
    assert main(["trace", MODEL, str(careful), "--no-out"]) == 0
    capsys.readouterr()
