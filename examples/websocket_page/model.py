"""A web page with one WebSocket, as its recorder sees it: the model its recorded runs are checked
against (``statebound trace examples/websocket_page/model.py:page run.jsonl``).

The page's socket (instance ``socket``) and its session (``session``) are recorded by
``recorders/statebound-recorder.js``; the server (``server``) is not: its answer to a handshake is
hidden, and a browser cannot tell a 403 from an unreachable server (both give ``error``, then
``close`` 1006). ``page(retries=True)`` lets the page do whatever a page can (reconnect at any
time), so its rules decide; ``page(retries=False)`` is the specification of a correct page, which
reconnects after a failed handshake only once the user has logged in again.
"""

from __future__ import annotations

from statebound import (
    Bool,
    Enum,
    Instance,
    Int,
    Machine,
    System,
    Transition,
    Var,
    always,
    implies,
    is_in,
    never_after,
    on_step,
    ref,
    sometimes,
)

__all__ = ["page"]

READY = Enum("CONNECTING", "OPEN", "CLOSING", "CLOSED")


def _server() -> Machine:
    # the server's answer to the current handshake: ground truth the page cannot see
    answer = Var("answer", Enum("none", "accept", "reject_403", "unreachable"), hidden=True)
    asked = (answer == "none") & (ref("socket", "ready") == "CONNECTING")
    return Machine(name="server", variables=(answer,), transitions=(
        Transition("accept", guard=asked, updates={answer: "accept"}),
        Transition("reject_403", guard=asked, updates={answer: "reject_403"}, tags="auth_failure"),
        Transition("unreachable", guard=asked, updates={answer: "unreachable"}),
        Transition("new_handshake", on="socket_created", updates={answer: "none"}),
    ))


def _socket(retries: bool) -> Machine:
    ready = Var("ready", READY, initial="CLOSED")
    code = Var("code", Int(0, 4999), initial=0)
    close_due = Var("close_due", Bool(), initial=False)  # error fired; its close event comes next
    failed = Var("failed", Bool(), initial=False)  # a handshake failed since the last login
    answer = ref("server", "answer")
    may_connect = (ready == "CLOSED") & ~close_due
    if not retries:
        may_connect = may_connect & ~failed & (ref("session", "state") == "Active")
    return Machine(name="socket", variables=(ready, code, close_due, failed), transitions=(
        Transition("connect", guard=may_connect, updates={ready: "CONNECTING", code: 0}, emit="socket_created",
                   tags="connect"),
        Transition("open", guard=(ready == "CONNECTING") & (answer == "accept"), updates={ready: "OPEN"}),
        Transition("error", guard=(ready == "CONNECTING") & is_in(answer, "reject_403", "unreachable"),
                   updates={ready: "CLOSED", close_due: True, failed: True}, tags="handshake_failed"),
        Transition("close[after_error]", guard=close_due, updates={close_due: False, code: 1006}),
        Transition("close[server]", guard=ready == "OPEN", updates={ready: "CLOSED", code: 1000}),
        Transition("close[dropped]", guard=ready == "OPEN", updates={ready: "CLOSED", code: 1006}),
        Transition("disconnect", guard=ready == "OPEN", updates={ready: "CLOSING"}),
        Transition("close[clean]", guard=ready == "CLOSING", updates={ready: "CLOSED", code: 1000}),
        # the user logged in again: a new chance (the recorder cannot see this step)
        Transition("forget_failure", on="login", updates={failed: False}, tags="unlogged"),
    ))


def _session() -> Machine:
    state = Var("state", Enum("Active", "LoggedOut"))
    return Machine(name="session", variables=(state,), transitions=(
        Transition("logout", guard=state == "Active", updates={state: "LoggedOut"}),
        Transition("login", updates={state: "Active"}, emit="login", tags="login"),
    ))


def page(retries: bool = True) -> System:
    """The page: its socket, its session and the server it talks to."""
    sock = ref("socket", "ready")
    return System(
        name="websocket-page" if retries else "websocket-page-spec",
        instances=(Instance("server", _server()), Instance("socket", _socket(retries)), Instance("session", _session())),
        properties=(
            never_after("no-retry-after-failed-handshake", trigger="handshake_failed", forbidden="connect", until="login",
                        per_instance=False),
            never_after("no-retry-after-403", trigger="auth_failure", forbidden="connect", until="login",
                        per_instance=False),
            on_step("connect-only-when-logged-in", "connect", before=ref("session", "state") == "Active"),
            always("open-only-when-accepted", implies(sock == "OPEN", ref("server", "answer") == "accept")),
            sometimes("can-open", sock == "OPEN"),
        ),
        params=(("retries", retries),),
    )
