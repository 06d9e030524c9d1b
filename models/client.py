"""The WebSocket client (RuntimeClient, UnifiedWebSocketClient): an implementation machine.

It acts only on what a browser script can observe: the close code of its socket's ``close`` event,
``open``, the session belief, the answer to a re-verification (an HTTP response), the ``online``
event. Two retry policies (issue 3):

- ``reference``: retry only while the session is Active; never retry 4401/4403 (stop, and tell the
  session boundary about 4401); on an ambiguous 1006 ask the session boundary to verify the session
  (and the permission) first, and stop if it answers 401 or 403; revive a client that gave up when
  the browser comes back ``online``.
- ``naive``: retry every close with backoff, up to the retry bound.

Both ignore events of an old socket (a generation id: the handler of a socket compares its captured
generation with the client's current one); ``generation_check=False`` removes that.
"""

from __future__ import annotations

from collections.abc import Iterable

from statebound.checker import Bool, Enum, Int, Machine, Transition, Var, is_in, ite, ref

from .socket import CLOSE_CODES

__all__ = ["CLIENT_STATES", "POLICIES", "client_machine"]

CLIENT_STATES = Enum("Idle", "Connecting", "Open", "Closing", "Backoff", "Stopped", "Failed")
POLICIES = ("reference", "naive")


def client_machine(
    name: str,
    *,
    socket: str,
    connects: Iterable[str],
    disconnects: Iterable[str],
    policy: str,
    retries: int,
    generation_check: bool = True,
    session_gate: bool = True,
    verify_before_retry: bool = True,
    revive_online: bool = True,
) -> Machine:
    """The client *name*, driving *socket*, told to connect/disconnect by its owners' events.

    The keyword switches after *policy* remove one safeguard of the ``reference`` policy each (for
    the mutation tests of issue 3); they change nothing for ``naive``.
    """
    if policy not in POLICIES:
        raise ValueError(f"policy={policy!r}: not a client policy; use one of {', '.join(POLICIES)}")
    state = Var("state", CLIENT_STATES, initial="Idle")
    n = Var("retries", Int(0, retries), initial=0)
    verify = Var("verify", Bool(), initial=False)
    ref_policy = policy == "reference"
    expecting = is_in(state, "Connecting", "Open")
    after_close = {state: ite(n < retries, "Backoff", "Failed")}

    def retry_later(ambiguous: bool) -> dict:  # type: ignore[type-arg]
        if ref_policy and ambiguous and verify_before_retry:
            return {**after_close, verify: n < retries}
        return dict(after_close)

    ts: list[Transition] = []
    for event in sorted(connects):
        ts.append(Transition(f"connect[{event}]", on=event, guard=~expecting,
                             updates={state: "Connecting", n: 0, verify: False}))
    for event in sorted(disconnects):
        ts += [
            Transition(f"disconnect[{event}]", on=event, guard=expecting, updates={state: "Closing"}),
            Transition(f"cancel[{event}]", on=event, guard=is_in(state, "Backoff", "Stopped", "Failed"),
                       updates={state: "Idle", n: 0, verify: False}),
        ]
    ts.append(Transition("on_open", on=f"{socket}.open", guard=state == "Connecting", updates={state: "Open", n: 0}))
    for code in CLOSE_CODES:
        ev = f"{socket}.close_{code}"
        if code == "1000":  # the close() we asked for completes
            ts.append(Transition("on_close_while_closing", on=ev, guard=state == "Closing", updates={state: "Idle"}))
        if ref_policy and code in ("4401", "4403"):
            ts.append(Transition(f"on_close_{code}", on=ev, guard=expecting, updates={state: "Stopped", n: 0},
                                 tags=("stop",)))
        else:
            ts.append(Transition(f"on_close_{code}", on=ev, guard=expecting, updates=retry_later(code == "1006")))
    if generation_check:
        ts.append(Transition("ignore_old_socket", on=f"{socket}.old_close"))
    else:
        # the handler of the old socket acts as if its socket were the current one
        ts += [
            Transition("on_old_close_while_closing", on=f"{socket}.old_close", guard=state == "Closing",
                       updates={state: "Idle"}),
            Transition("on_old_close", on=f"{socket}.old_close", guard=expecting, updates=retry_later(True)),
        ]
    ts.append(Transition("on_message", on=f"{socket}.message", guard=state == "Open"))
    gate = (ref("session", "state") == "Active") if (ref_policy and session_gate) else True
    ts.append(Transition("retry", guard=(state == "Backoff") & ~verify & gate, updates={state: "Connecting", n: n + 1},
                         emit=f"{name}.retry", fair="weak"))
    if ref_policy and verify_before_retry:
        ts += [
            Transition("verified_ok", on=f"{name}.verified_ok", guard=verify, updates={verify: False}),
            Transition("verified_401", on=f"{name}.verified_401", guard=verify,
                       updates={state: "Stopped", n: 0, verify: False}, tags=("stop",)),
            Transition("verified_403", on=f"{name}.verified_403", guard=verify,
                       updates={state: "Stopped", n: 0, verify: False}, tags=("stop",)),
        ]
    if ref_policy and revive_online:
        ts.append(Transition("revive_online", on="online", guard=state == "Failed",
                             updates={state: "Backoff", n: 0, verify: verify_before_retry}))
    return Machine(name="client", variables=(state, n, verify), transitions=tuple(ts), implementation=True,
                   control="state")
