"""What a page's script sees of its browser, on real sockets: ``new WebSocket``, ``fetch``,
``setTimeout`` and the ``online`` event, over the `websockets` library and asyncio (issue 12).

The Phase 3 clients (:mod:`.clients`) are written against this small interface (:class:`Env`),
the way browser code is: callbacks, no ``await``. The network is real: every WebSocket is a
`websockets` client connection, every ``fetch`` an HTTP/1.1 request over TCP. What the script
*sees* is the browser's view, exactly as the WHATWG WebSocket standard and the model's browser
socket (``models/socket.py``) say:

- a handshake the server refuses (HTTP 401 or 403) and one that fails on the network are the same
  to the script: ``close`` 1006, never ``open`` (the status is kept in ``http_status``, which only
  a test reads, as a browser's developer tools would);
- ``close()`` while CONNECTING *fails the connection*: readyState becomes CLOSING, no ``open``
  follows, and the script gets ``close`` 1006; ``close()`` while OPEN starts the closing handshake,
  which ends with ``close`` 1000;
- ``readyState`` changes when the browser's task that reports the change runs, as in a browser.

Every event is a :class:`Task` on the browser's queue. With ``lockstep=False`` each runs as soon
as it is queued (``loop.call_soon``), which is a real reconnecting client's life. With
``lockstep=True`` the tasks wait on the queue and timers never fire on their own: a conformance
adapter runs each when the model's step says so (:meth:`Browser.take`, :meth:`Browser.run`,
:meth:`Timer.fire`), which is the order in which a browser *could* have delivered them.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

__all__ = ["CONNECTING", "OPEN", "CLOSING", "CLOSED", "Browser", "BrowserScope", "Env", "Request", "Socket", "Task",
           "Timer"]

CONNECTING, OPEN, CLOSING, CLOSED = "CONNECTING", "OPEN", "CLOSING", "CLOSED"
_IDS = itertools.count(1)
#: the close code a script sees for a connection that failed or was refused (WHATWG: "abnormal closure")
ABNORMAL = 1006


class Env(Protocol):
    """The browser as a page's script uses it (what :mod:`.clients` may call)."""

    @property
    def cookies(self) -> dict[str, str]: ...

    def websocket(self, path: str, *, on_open: Callable[[Socket], None], on_message: Callable[[Socket, str], None],
                  on_close: Callable[[Socket, int], None]) -> Socket: ...

    def fetch(self, path: str, on_response: Callable[[int, str], None]) -> Request: ...

    def set_timeout(self, delay: float, fn: Callable[[], None], *, purpose: str = "") -> Timer: ...

    def on_online(self, fn: Callable[[], None]) -> None: ...


@dataclass(eq=False)
class Task:
    """One event the browser queued for the script: ``open``, ``message``, ``close`` (with ``code``)
    or ``response`` (with ``code``, the HTTP status, 0 for a network error)."""

    source: Socket | Request
    kind: str
    code: int = 0
    data: str = ""
    run: Callable[[], None] = field(default=lambda: None, repr=False)


@dataclass(eq=False)
class Timer:
    """A ``setTimeout``. Mutable: it is cancelled or fired once."""

    owner: str
    purpose: str
    fn: Callable[[], None] = field(repr=False)
    handle: asyncio.TimerHandle | None = field(default=None, repr=False)
    done: bool = False

    def cancel(self) -> None:
        self.done = True
        if self.handle is not None:
            self.handle.cancel()

    def fire(self) -> None:
        """Run it now (a lockstep adapter's "the timer fires")."""
        if not self.done:
            self.done = True
            self.fn()


class Socket:
    """A ``new WebSocket(...)``: ``ready_state``, ``close()``, and its events through the callbacks
    given to :meth:`Browser.websocket`. Mutable: it is a connection's life."""

    def __init__(self, browser: Browser, owner: str, rid: str, url: str, headers: dict[str, str],
                 on_open: Callable[[Socket], None], on_message: Callable[[Socket, str], None],
                 on_close: Callable[[Socket, int], None]) -> None:
        self.browser, self.owner, self.id, self.url = browser, owner, rid, url
        self.ready_state = CONNECTING
        #: close() came while CONNECTING: the connection failed (the script gets 1006)
        self.failed = False
        #: the HTTP status of a refused handshake: hidden from scripts, as in a browser
        self.http_status: int | None = None
        self.close_code: int | None = None
        self._callbacks = (on_open, on_message, on_close)
        self._ws: ClientConnection | None = None
        self._reported = False  # a close task is queued
        self._closing: asyncio.Task[None] | None = None
        self._task = browser._spawn(self._run(headers))

    def __repr__(self) -> str:
        return f"<Socket {self.id} {self.ready_state}>"

    def close(self) -> None:
        """``ws.close()``: fail the connection while CONNECTING, start the closing handshake while OPEN."""
        if self.ready_state == CONNECTING:
            self.ready_state = CLOSING
            self.failed = True
            self.browser._drop_tasks(self, keep_close=True)
            if self._ws is not None:  # connected, but the script has not seen open yet: it never will
                self._ws.transport.abort()
            else:
                self._task.cancel()
        elif self.ready_state == OPEN:
            self.ready_state = CLOSING
            if self._ws is not None:
                self._closing = self.browser._spawn(self._close_handshake(self._ws))

    @property
    def waiting(self) -> bool:
        """It is doing something whose result the script has not been told of yet."""
        return not self._reported and (self.ready_state == CLOSING or (self.ready_state == CONNECTING and
                                                                        self._ws is None))

    async def _close_handshake(self, ws: ClientConnection) -> None:
        await ws.close(1000)

    async def _run(self, headers: dict[str, str]) -> None:
        try:
            ws = await connect(self.url, additional_headers=headers, open_timeout=None, ping_interval=None,
                               close_timeout=2, user_agent_header=None)
        except asyncio.CancelledError:
            self._report_close(ABNORMAL)  # close() while CONNECTING
            return
        except InvalidStatus as err:
            self.http_status = err.response.status_code
            self._report_close(ABNORMAL)
            return
        except Exception:  # a refused or broken connection, whatever the reason, is what a script sees as 1006
            self._report_close(ABNORMAL)
            return
        self._ws = ws
        if self.failed:  # close() came while the handshake completed
            ws.transport.abort()
        else:
            self.browser._post(Task(self, "open", run=self._opened))
        try:
            async for message in ws:
                text = message if isinstance(message, str) else message.decode("utf-8", "replace")
                self.browser._post(Task(self, "message", data=text, run=functools.partial(self._message, text)))
        except ConnectionClosed:
            pass
        except asyncio.CancelledError:
            ws.transport.abort()
            await ws.wait_closed()
            raise
        await ws.wait_closed()
        code = ws.close_code
        self._report_close(ABNORMAL if self.failed or code is None or code == 1005 else code)

    def _report_close(self, code: int) -> None:
        self._reported = True
        self.browser._post(Task(self, "close", code=code, run=lambda: self._closed(code)))

    def _opened(self) -> None:
        if self.ready_state == CONNECTING:
            self.ready_state = OPEN
            self._callbacks[0](self)

    def _message(self, text: str) -> None:
        if self.ready_state == OPEN:  # WHATWG: messages are dropped unless OPEN
            self._callbacks[1](self, text)

    def _closed(self, code: int) -> None:
        self.ready_state = CLOSED
        self.close_code = code
        self._callbacks[2](self, code)


class Request:
    """A ``fetch(path)`` in flight; ``abort()`` cancels it (its callback never runs). Mutable."""

    def __init__(self, browser: Browser, owner: str, rid: str, path: str, headers: dict[str, str],
                 on_response: Callable[[int, str], None]) -> None:
        self.browser, self.owner, self.id, self.path = browser, owner, rid, path
        self.status: int | None = None
        self.aborted = False
        self._on_response = on_response
        self._task = browser._spawn(self._run(headers))

    def __repr__(self) -> str:
        return f"<Request {self.id} {self.path}>"

    def abort(self) -> None:
        if self.status is None and not self.aborted:
            self.aborted = True
            self._task.cancel()
            self.browser._drop_tasks(self)

    @property
    def waiting(self) -> bool:
        return self.status is None and not self.aborted

    async def _run(self, headers: dict[str, str]) -> None:
        host, port = self.browser.host, self.browser.port
        lines = [f"GET {self.path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close",
                 *(f"{k}: {v}" for k, v in headers.items()), "", ""]
        writer: asyncio.StreamWriter | None = None
        status, body = 0, ""
        try:
            reader, writer = await asyncio.open_connection(host, port)
            writer.write("\r\n".join(lines).encode("latin-1"))
            await writer.drain()
            data = await reader.read()
            head, _, rest = data.partition(b"\r\n\r\n")
            parts = head.split(b" ", 2)
            if len(parts) >= 2 and parts[1].isdigit():
                status, body = int(parts[1]), rest.decode("utf-8", "replace").strip()
        except asyncio.CancelledError:
            if writer is not None:
                writer.transport.abort()
            raise
        except OSError:
            status = 0  # a network error: fetch() rejects
        finally:
            if writer is not None:
                writer.close()
        self.status = status
        self.browser._post(Task(self, "response", code=status, data=body,
                                run=lambda: self._on_response(status, body)))


class Browser:
    """The browser of one page, on *loop*, talking to the server at ``http://host:port``.

    Mutable on purpose: it holds the page's cookies, its queue of tasks, its timers and the
    background asyncio tasks of its connections. :meth:`shutdown` ends them all.
    """

    def __init__(self, host: str, port: int, *, lockstep: bool = False) -> None:
        self.host, self.port = host, port
        self.lockstep = lockstep
        self.cookies: dict[str, str] = {}
        #: queued tasks (lockstep), in the order the browser queued them
        self.tasks: list[Task] = []
        self.timers: list[Timer] = []
        self.sockets: list[Socket] = []
        self.requests: list[Request] = []
        self._online: list[Callable[[], None]] = []
        self._jobs: set[asyncio.Task[None]] = set()
        self._ids = _IDS  # unique across browsers: a server outlives many of them
        self._dropped: set[int] = set()  # ids of sources whose tasks are discarded (folded sockets)
        self._changed = asyncio.Event()

    def scope(self, owner: str) -> BrowserScope:
        """The same browser, with everything *owner* creates tagged with its name (for a test)."""
        return BrowserScope(self, owner)

    # ------------------------------------------------------------------ what scripts use

    def websocket(self, path: str, *, on_open: Callable[[Socket], None], on_message: Callable[[Socket, str], None],
                  on_close: Callable[[Socket, int], None], owner: str = "") -> Socket:
        rid = f"ws-{next(self._ids)}"
        url = f"ws://{self.host}:{self.port}{path}"
        sock = Socket(self, owner, rid, url, self._headers(rid), on_open, on_message, on_close)
        self.sockets.append(sock)
        return sock

    def fetch(self, path: str, on_response: Callable[[int, str], None], *, owner: str = "") -> Request:
        rid = f"http-{next(self._ids)}"
        req = Request(self, owner, rid, path, self._headers(rid), on_response)
        self.requests.append(req)
        return req

    def set_timeout(self, delay: float, fn: Callable[[], None], *, purpose: str = "", owner: str = "") -> Timer:
        timer = Timer(owner, purpose, fn)
        if not self.lockstep:
            timer.handle = asyncio.get_running_loop().call_later(delay, timer.fire)
        self.timers.append(timer)
        return timer

    def on_online(self, fn: Callable[[], None]) -> None:
        self._online.append(fn)

    def _headers(self, rid: str) -> dict[str, str]:
        headers = {"X-Request-Id": rid}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    # ------------------------------------------------------------------ what a test drives

    def go_online(self) -> None:
        """The ``online`` event: the link is back."""
        for fn in list(self._online):
            fn()

    def waiting(self) -> set[str]:
        """Ids of the sockets and requests whose result the script has not been told of yet."""
        return {s.id for s in self.sockets if s.waiting and id(s) not in self._dropped} | {
            r.id for r in self.requests if r.waiting}

    def pending_timers(self, owner: str, purpose: str) -> list[Timer]:
        return [t for t in self.timers if t.owner == owner and t.purpose == purpose and not t.done]

    async def take(self, source: Socket | Request, timeout: float = 5.0) -> Task | None:
        """The first queued task of *source*, removed from the queue, once there is one (None after *timeout*)."""
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while True:
            self._changed.clear()
            for k, task in enumerate(self.tasks):
                if task.source is source:
                    del self.tasks[k]
                    return task
            left = end - loop.time()
            if left <= 0:
                return None
            try:
                await asyncio.wait_for(self._changed.wait(), left)
            except TimeoutError:
                return None

    def run(self, task: Task) -> None:
        """Deliver *task* to the script."""
        task.run()

    def discard(self, source: Socket) -> None:
        """Never deliver anything of *source* again (a socket the model folded into a newer one)."""
        self._dropped.add(id(source))
        self._drop_tasks(source)

    async def shutdown(self) -> None:
        """Cut every connection and cancel every request and timer; wait until they are gone."""
        for t in self.timers:
            t.cancel()
        for job in list(self._jobs):
            job.cancel()
        if self._jobs:
            await asyncio.gather(*self._jobs, return_exceptions=True)
        self.tasks.clear()

    # ------------------------------------------------------------------ internals

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        job = asyncio.get_running_loop().create_task(coro)
        self._jobs.add(job)
        job.add_done_callback(self._jobs.discard)
        return job

    def _post(self, task: Task) -> None:
        if id(task.source) in self._dropped:
            return
        if self.lockstep:
            self.tasks.append(task)
            self._changed.set()
        else:
            asyncio.get_running_loop().call_soon(task.run)

    def _drop_tasks(self, source: Socket | Request, *, keep_close: bool = False) -> None:
        self.tasks = [t for t in self.tasks if t.source is not source or (keep_close and t.kind == "close")]


class BrowserScope:
    """A :class:`Browser` seen by one client: what it creates is tagged with the client's name."""

    def __init__(self, browser: Browser, owner: str) -> None:
        self.browser, self.owner = browser, owner

    @property
    def cookies(self) -> dict[str, str]:
        return self.browser.cookies

    def websocket(self, path: str, *, on_open: Callable[[Socket], None], on_message: Callable[[Socket, str], None],
                  on_close: Callable[[Socket, int], None]) -> Socket:
        return self.browser.websocket(path, on_open=on_open, on_message=on_message, on_close=on_close,
                                      owner=self.owner)

    def fetch(self, path: str, on_response: Callable[[int, str], None]) -> Request:
        return self.browser.fetch(path, on_response, owner=self.owner)

    def set_timeout(self, delay: float, fn: Callable[[], None], *, purpose: str = "") -> Timer:
        return self.browser.set_timeout(delay, fn, purpose=purpose, owner=self.owner)

    def on_online(self, fn: Callable[[], None]) -> None:
        self.browser.on_online(fn)


def split_url(url: str) -> tuple[str, int]:
    """``http://host:port`` -> (host, port)."""
    parts = urlsplit(url)
    return parts.hostname or "127.0.0.1", parts.port or 80
