"""Guards the CLI puts around one run: signals as exceptions, a deadline, and model output.

* SIGINT and SIGTERM raise :class:`Interrupted` (not ``KeyboardInterrupt``, which click turns into
  a blank line and ``Abort``), except inside :func:`deferred_signals`, where they are only
  recorded, so that a file is never left half-written or outside the manifest (issue 8, defect 7).
* :func:`model_code` runs the model's own code (import, the model function, the check) with a
  deadline (SIGALRM raises :class:`OutOfTime`: ``--timeout`` covers loading and building the model,
  issue 8, defect 5) and with ``print`` sent to stderr, so that it cannot corrupt ``--format json``
  (defect 10).
* :func:`readers_may_leave` keeps a reader that stops reading (``statebound check ... | head -1``)
  from ending the run: once stdout or stderr is a closed pipe, what is written to it is dropped,
  and the run goes on to write its files and exit with its verdicts' code (click made the first
  such write ``sys.exit(1)``, "violated", with nothing written to ``--out``).

Signals can only be handled in the main thread; elsewhere these guards do nothing and the
engine's own deadline still bounds the search.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType
from typing import Any, TextIO

__all__ = [
    "Interrupted", "OutOfTime", "signals", "deferred_signals", "pending_signal", "clear_pending_signal", "model_code",
    "in_main_thread", "readers_may_leave",
]


class Interrupted(BaseException):  # noqa: N818 - named after what happened, like KeyboardInterrupt
    """SIGINT (Ctrl-C) or SIGTERM arrived; a BaseException so that model code cannot swallow it."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


class OutOfTime(BaseException):  # noqa: N818
    """The ``--timeout`` deadline passed while model code or the compile step ran."""


class _State:
    """The one signal disposition of this process (mutable: the handlers switch it)."""

    deferring = 0  # nesting depth of deferred_signals()
    pending: int | None = None  # a signal that arrived while deferring


_state = _State()


def in_main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def _on_signal(signum: int, frame: FrameType | None) -> None:
    if _state.deferring:
        _state.pending = _state.pending or signum
        return
    if _in_finalizer(frame):
        # raised here, it would be printed as "Exception ignored in ... __del__" and lost (z3's
        # Solver.__del__ runs often during a symbolic check): the signal comes again shortly
        timer = threading.Timer(_AGAIN, os.kill, (os.getpid(), signum))
        timer.daemon = True
        timer.start()
        return
    raise Interrupted(signum)


#: seconds after which a signal that arrived during a finalizer is sent again
_AGAIN = 0.05


def _in_finalizer(frame: FrameType | None) -> bool:
    """Whether *frame* runs inside a ``__del__`` (a few calls deep), where an exception is ignored."""
    for _ in range(8):
        if frame is None:
            return False
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` inside the block (previous handlers restored)."""
    if not in_main_thread():
        yield
        return
    saved = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    _state.pending = None
    try:
        yield
    finally:
        for s, handler in saved.items():
            signal.signal(s, handler)
        _state.pending = None


@contextlib.contextmanager
def deferred_signals() -> Iterator[None]:
    """Record SIGINT and SIGTERM instead of raising; :func:`pending_signal` tells whether one came.

    The caller checks it between files and stops cleanly; a signal still pending when the
    outermost block ends is raised then.
    """
    _state.deferring += 1
    try:
        yield
    except BaseException as err:
        _state.deferring -= 1
        if not _state.deferring and _state.pending is not None and not isinstance(err, Interrupted):
            # the body failed with a signal pending (Graphviz, say, got the same Ctrl-C): the
            # signal is what happened
            signum, _state.pending = _state.pending, None
            raise Interrupted(signum) from err
        raise
    _state.deferring -= 1
    if not _state.deferring and _state.pending is not None:
        signum, _state.pending = _state.pending, None
        raise Interrupted(signum)


def pending_signal() -> int | None:
    """The signal that arrived during :func:`deferred_signals`, if any."""
    return _state.pending


def clear_pending_signal() -> None:
    """Forget a deferred signal: the caller has handled it (the run ends with exit 130)."""
    _state.pending = None


#: seconds: a longer deadline arms no alarm (about three years)
_LONGEST = 1e8


def _on_alarm(signum: int, frame: FrameType | None) -> None:
    raise OutOfTime


@contextlib.contextmanager
def model_code(deadline: float | None) -> Iterator[None]:
    """Run model code: ``sys.stdout`` goes to stderr, and :class:`OutOfTime` is raised once
    ``time.monotonic()`` passes *deadline* (also if the model code swallowed the alarm)."""
    if deadline is not None and time.monotonic() >= deadline:
        raise OutOfTime
    # beyond _LONGEST the timer would overflow the platform's time_t: the alarm is then moot
    alarm = (deadline is not None and deadline - time.monotonic() < _LONGEST and in_main_thread()
             and hasattr(signal, "setitimer"))
    saved = None
    with contextlib.redirect_stdout(sys.stderr):
        try:
            if alarm:
                assert deadline is not None
                saved = signal.signal(signal.SIGALRM, _on_alarm)
                signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 1e-3))
            yield
        finally:
            if alarm:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, saved)
    if deadline is not None and time.monotonic() >= deadline:
        raise OutOfTime


class _Leavable:
    """A text stream whose reader may go away: a write or flush that meets a closed pipe makes
    it drop everything from then on (the file descriptor is pointed at /dev/null, so that what is
    still buffered, and the interpreter's last flush, go nowhere quietly)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.gone = False

    def write(self, text: str) -> int:
        if self.gone:
            if not isinstance(text, str):  # click probes with b"" whether a stream is binary
                raise TypeError(f"write() argument must be str, not {type(text).__name__}")
            return len(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            self._leave()
            return len(text)

    def flush(self) -> None:
        if self.gone:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            self._leave()

    def _leave(self) -> None:
        self.gone = True
        try:
            fd = self._stream.fileno()
        except (OSError, ValueError):  # not a file (a test's capture): nothing is buffered below it
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextlib.contextmanager
def readers_may_leave() -> Iterator[None]:
    """Within the block, a closed stdout or stderr swallows what is written to it (see the module
    docstring); the streams are restored after it."""
    saved = sys.stdout, sys.stderr
    if saved[0] is not None:
        sys.stdout = _Leavable(saved[0])
    if saved[1] is not None:
        sys.stderr = _Leavable(saved[1])
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
