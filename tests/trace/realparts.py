"""Real parts for the trace-checking tests (issue 15; conftest.py registers the fixtures): a
`websockets` server on loopback that refuses every handshake with 403, an HTTP server for the
example pages and the recorder, and headless Chromium (Debian's `chromium`, driven by Playwright
with that executable).

Without Chromium (or Playwright) the browser tests skip, except under CI (``CI=true``), where
they fail: CI installs Chromium (``.ci/setup``).
"""

from __future__ import annotations

import asyncio
import http.server
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "websocket_page"
RECORDER_JS = ROOT / "recorders" / "statebound-recorder.js"
MODEL = f"{EXAMPLE / 'model.py'}:page"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-proxy-server",
]


def chromium_path() -> str | None:
    found = shutil.which("chromium")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def need_browser() -> str:
    """The Chromium executable; skips the test without one, except under CI."""
    path = chromium_path()
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        path = None
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail("headless Chromium (Debian's chromium) and pip playwright are needed under CI; run .ci/setup")
        pytest.skip("Chromium or Playwright is not installed (.ci/setup installs them)")
    return path


class RejectingServer:
    """A `websockets` server on 127.0.0.1 (an ephemeral port) that answers every handshake with
    403 Forbidden, in its own thread and event loop; it counts the handshakes it refused."""

    def __init__(self) -> None:
        self.refused = 0
        self.port = 0
        self._ready = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._main, name="ws-403", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the websockets server did not start")

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/"

    def _main(self) -> None:
        asyncio.run(self._serve())

    async def _serve(self) -> None:
        from websockets.asyncio.server import serve

        def refuse(connection: Any, request: Any) -> Any:
            self.refused += 1
            return connection.respond(HTTPStatus.FORBIDDEN, "forbidden\n")

        async def handler(ws: Any) -> None:  # never reached: every handshake is refused
            await ws.close()

        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        async with serve(handler, "127.0.0.1", 0, process_request=refuse) as server:
            self.port = server.sockets[0].getsockname()[1]
            self._ready.set()
            await self._stop.wait()

    def close(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)


class PageServer:
    """An HTTP server on 127.0.0.1 (an ephemeral port) for the example pages and the recorder."""

    def __init__(self, files: dict[str, tuple[bytes, str]]) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the name http.server calls
                body = files.get(self.path.split("?", 1)[0])
                if body is None:
                    self.send_error(HTTPStatus.NOT_FOUND)
                    return
                self.send_response(HTTPStatus.OK)
                self.send_header("Content-Type", body[1])
                self.send_header("Content-Length", str(len(body[0])))
                self.send_header("Cache-Control", "no-store")
                self.end_headers()
                self.wfile.write(body[0])

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="pages", daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join(10)


@pytest.fixture(scope="module")
def ws_server() -> Iterator[RejectingServer]:
    server = RejectingServer()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def page_server() -> Iterator[PageServer]:
    js = "text/javascript; charset=utf-8"
    html = "text/html; charset=utf-8"
    server = PageServer({
        "/statebound-recorder.js": (RECORDER_JS.read_bytes(), js),
        "/naive.html": ((EXAMPLE / "naive.html").read_bytes(), html),
        "/correct.html": ((EXAMPLE / "correct.html").read_bytes(), html),
    })
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module (a fresh profile), closed at the end."""
    executable = need_browser()
    from playwright.sync_api import sync_playwright

    profile = tempfile.mkdtemp(prefix="statebound-chromium-")
    pw = sync_playwright().start()
    try:
        context = pw.chromium.launch_persistent_context(
            profile, executable_path=executable, headless=True, args=CHROMIUM_FLAGS,
            viewport={"width": 1280, "height": 900}, timeout=30_000,
        )
        try:
            yield context
        finally:
            context.close()
    finally:
        pw.stop()
        shutil.rmtree(profile, ignore_errors=True)
