"""The adapter protocol: how a model step becomes an action on a real implementation, and how the
implementation's state is read back in the model's words (issue 12).

The conformance harness (:func:`statebound.checker.conformance.conform`) lets Hypothesis choose the
model's steps; for each one it calls the adapter, which makes the implementation take it, then
compares what the adapter observes with the state the model reaches. An adapter is any object
with these five members (no base class to inherit)::

    class MyAdapter:
        internal = ("app.client.connect*",)          # steps the implementation takes on its own

        def reset(self) -> None: ...                  # a fresh implementation in its initial state
        def perform(self, step: Step) -> None: ...    # make it take `step`; raise Mismatch if it cannot
        def observe(self) -> Mapping[str, Hashable]: ...   # {"instance.variable": value, ...}
        def close(self) -> None: ...                  # stop servers, tasks, sockets

``docs/conformance.md`` walks through the Phase 3 adapter (``examples/conformance/phase3.py``).
"""

from __future__ import annotations

from collections.abc import Collection, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

__all__ = ["Adapter", "Mismatch", "Step"]


@dataclass(frozen=True, slots=True, kw_only=True, eq=False)
class Step:
    """One step of the model, as Hypothesis drew it, for the adapter to perform.

    ``before`` and ``after`` map every model variable (``"instance.variable"``) to its value in
    the state before the step and in the state the model expects after it. When the model allows
    several outcomes of the same stimulus (a broadcast that several receivers could answer), the
    implementation chooses: ``receivers`` and ``after`` are the outcome Hypothesis drew, and the
    harness accepts any of them that matches what the adapter then observes.
    """

    number: int  # 1-based position of the step in its run
    instance: str  # the instance that fires it
    transition: str
    event: str | None  # the event it broadcasts, if any
    receivers: tuple[tuple[str, str], ...]  # (instance, transition) of each receiver
    before: Mapping[str, Any]
    after: Mapping[str, Any]

    @property
    def label(self) -> str:
        """``instance.transition``, as traces print it."""
        return f"{self.instance}.{self.transition}"

    def received_by(self, instance: str) -> str | None:
        """The transition by which *instance* receives this step's event, or None."""
        return next((t for i, t in self.receivers if i == instance), None)


class Mismatch(Exception):  # noqa: N818 - a finding about the implementation, raised by adapters
    """The implementation cannot take the model's step, or does something else.

    Raised by :meth:`Adapter.perform` (the server answered 401 where the model's step is a 403, a
    close code the model does not have, an event that never came). The harness reports it as a
    divergence at that step: *expected* is what the model's step says, *actual* what the
    implementation did.
    """

    def __init__(self, what: str, *, expected: str = "", actual: str = "") -> None:
        super().__init__(what)
        self.what = what
        self.expected = expected
        self.actual = actual


@runtime_checkable
class Adapter(Protocol):
    """What the conformance harness needs of an implementation (see the module docstring).

    - ``internal``: the steps the implementation takes on its own, as ``instance.transition``
      patterns (``*`` matches any text, ``?`` one character, brackets are themselves). They are
      never drawn; after each drawn step the harness lets the model take up to three of them when
      that is what the observation shows (a client that calls ``new WebSocket`` as soon as its
      token arrives, where the model has a ``Ready`` state in between). Every other step is a
      stimulus: the adapter performs it.
    - ``reset()``: called before each run; the implementation must then be in the model's initial
      state (the harness compares).
    - ``perform(step)``: make the implementation take *step* (a call, a server command, a network
      fault, a timer that fires) and wait until it has reacted; raise :class:`Mismatch` when it
      cannot or does something the model's step does not say.
    - ``observe()``: the implementation's state in the model's words: model variable names
      (``"instance.variable"``) to values of their domains. Only the variables given are compared;
      hidden ones may be given too (a test server knows its own truth).
    - ``close()``: release everything (servers, tasks, sockets); called once, at the end.
    """

    @property
    def internal(self) -> Collection[str]: ...  # a property: a class attribute (a tuple) satisfies it

    def reset(self) -> None: ...

    def perform(self, step: Step) -> None: ...

    def observe(self) -> Mapping[str, Hashable]: ...

    def close(self) -> None: ...
