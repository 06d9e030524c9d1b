"""statebound recorder for Python clients: writes the JSON-lines log that
``statebound trace MODEL LOG.jsonl`` replays (``docs/trace-format.md``).

Copy this file into your project (it needs only the standard library; :func:`connect` needs the
``websockets`` package). Either record events yourself::

    with Recorder("run.jsonl", recorded=["socket", "session"]) as rec:
        rec.event("session", "login", state="Active")
        ...

or let :func:`connect` record a ``websockets`` client connection the way the browser recorder
records a page's WebSocket (``connect``, ``open`` or ``error``, ``close`` with its code,
``disconnect`` when the client closes)::

    async with connect("ws://127.0.0.1:8765/", rec) as ws:
        await ws.send("hello")

A Python client sees why a handshake failed (the HTTP status), a browser does not: the status
goes into the line's ``meta``, which the replay does not read, so one model fits both.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import IO, Any

__all__ = ["Recorder", "connect"]

FORMAT = "statebound-trace"
VERSION = 1


class Recorder:
    """Writes one log: a header naming the recorded instances, then one line per event.

    Times are milliseconds since the epoch and never decrease (the format requires it); each
    line is flushed when written, so a crash leaves every event recorded so far. Thread-safe.
    """

    def __init__(self, target: str | Path | IO[str], *, recorded: Iterable[str], source: str = "statebound_recorder.py",
                 meta: dict[str, Any] | None = None) -> None:
        self._own = not hasattr(target, "write")
        self._file: IO[str] = open(target, "w", encoding="utf-8") if self._own else target  # type: ignore[arg-type]
        self._lock = threading.Lock()
        self._last = 0.0
        header: dict[str, Any] = {"format": FORMAT, "version": VERSION, "recorded": list(recorded), "source": source}
        if meta:
            header["meta"] = meta
        self._write(header)

    def _write(self, doc: dict[str, Any]) -> None:
        self._file.write(json.dumps(doc, ensure_ascii=False) + "\n")
        self._file.flush()

    def event(self, instance: str, event: str, meta: dict[str, Any] | None = None, **observed: Any) -> None:
        """Record that *instance* took the step *event*, after which it showed *observed*."""
        with self._lock:
            ts = max(time.time() * 1000.0, self._last)
            self._last = ts
            doc: dict[str, Any] = {"ts": round(ts, 3), "instance": instance, "event": event}
            if observed:
                doc["observed"] = observed
            if meta:
                doc["meta"] = meta
            self._write(doc)

    def close(self) -> None:
        if self._own:
            self._file.close()

    def __enter__(self) -> Recorder:
        return self

    def __exit__(self, kind: type[BaseException] | None, err: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


@asynccontextmanager
async def connect(uri: str, recorder: Recorder, *, instance: str = "socket", **kwargs: Any) -> AsyncIterator[Any]:
    """``websockets.asyncio.client.connect(uri)``, recorded under *instance*.

    A failed handshake is recorded as ``error`` then ``close`` 1006 (what a browser shows) and
    its exception re-raised; a connection that opens is ``open``, and its end ``close`` with the
    code the client saw (``disconnect`` first when the client closed it).
    """
    from websockets.asyncio.client import connect as ws_connect
    from websockets.exceptions import InvalidStatus

    recorder.event(instance, "connect", meta={"url": uri}, ready="CONNECTING")
    try:
        ws = await ws_connect(uri, **kwargs)
    except (OSError, InvalidStatus, TimeoutError) as err:
        status = getattr(getattr(err, "response", None), "status_code", None)
        recorder.event(instance, "error", meta={"status": status, "error": type(err).__name__}, ready="CLOSED")
        recorder.event(instance, "close", meta={"reason": str(err)}, ready="CLOSED", code=1006)
        raise
    recorder.event(instance, "open", ready="OPEN")
    closing = False
    try:
        yield ws
        closing = True
        recorder.event(instance, "disconnect", ready="CLOSING")
        await ws.close()
    finally:
        if not closing:
            await ws.close()
        code = ws.close_code if ws.close_code is not None else 1006
        recorder.event(instance, "close", meta={"reason": ws.close_reason or ""}, ready="CLOSED", code=code)
