"""A signal whose handler runs inside a finalizer (``__del__``, e.g. z3's ``Solver.__del__`` while the
induction engine drops a solver) was lost: Python prints an exception raised there as "Exception
ignored in ..." and goes on, so SIGTERM or Ctrl-C did not stop the check. It is delivered again
once the finalizer is over."""

from __future__ import annotations

import os
import signal
import time

import pytest

from statebound._guard import Interrupted, in_main_thread, signals


class _SignalsWhileFinalized:
    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # the handler runs before this method returns
        time.sleep(0.01)


def test_a_signal_that_arrives_in_a_finalizer_still_interrupts(capsys: pytest.CaptureFixture[str]) -> None:
    if not in_main_thread():
        pytest.skip("signals are handled in the main thread only")
    with pytest.raises(Interrupted):
        with signals():
            _SignalsWhileFinalized()  # dropped at once: __del__ runs here
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline:
                time.sleep(0.01)
    assert "Exception ignored" not in capsys.readouterr().err
