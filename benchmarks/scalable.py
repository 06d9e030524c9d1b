"""The scalable benchmark model of ../shared/benchmarks/MODEL.md (session + N clients), in statebound.

Expected reachable states for R = 2: 10**N + 3 * 4**N.
"""

from __future__ import annotations

from statebound.checker import (
    Bool,
    Enum,
    Family,
    Instance,
    Int,
    Machine,
    System,
    Transition,
    Var,
    always,
    exists,
    implies,
    is_in,
    leads_to,
    ref,
)

SESSION = Enum("LoggedOut", "Authenticating", "Active", "Expired")
SOCK = Enum("Idle", "Connecting", "Open", "Closing", "Closed", "Backoff")


def session_machine() -> Machine:
    S = Var("S", SESSION)
    return Machine(name="session", variables=(S,), transitions=(
        Transition("login", guard=S == "LoggedOut", updates={S: "Authenticating"}),
        Transition("auth_ok", guard=S == "Authenticating", updates={S: "Active"}, emit="activated"),
        Transition("auth_fail", guard=S == "Authenticating", updates={S: "LoggedOut"}),
        Transition("logout", guard=S == "Active", updates={S: "LoggedOut"}, emit="invalidated"),
        Transition("expire", guard=S == "Active", updates={S: "Expired"}, emit="invalidated"),
        Transition("relogin", guard=S == "Expired", updates={S: "Authenticating"}),
        Transition("expire_by_401", on="rejected_401", guard=S == "Active", updates={S: "Expired"}),
    ))


def client_machine(retries: int = 2) -> Machine:
    sock = Var("sock", SOCK)
    n = Var("retries", Int(0, retries))
    blocked = Var("blocked", Bool())
    S = ref("session", "S")
    return Machine(name="client", variables=(sock, n, blocked), control="sock", implementation=True, transitions=(
        Transition("connect", guard=(S == "Active") & (sock == "Idle") & ~blocked, updates={sock: "Connecting"}, tags="connect"),
        Transition("hs_ok", guard=sock == "Connecting", updates={sock: "Open", n: 0}),
        Transition("hs_401", guard=sock == "Connecting", updates={sock: "Closed", n: 0, blocked: True}, emit="rejected_401"),
        Transition("hs_403", guard=sock == "Connecting", updates={sock: "Closed", n: 0, blocked: True}),
        Transition("hs_neterr_retry", guard=(sock == "Connecting") & (n < retries), updates={sock: "Backoff", n: n + 1}),
        Transition("hs_neterr_give_up", guard=(sock == "Connecting") & (n >= retries), updates={sock: "Closed", n: 0}),
        Transition("retry", guard=(sock == "Backoff") & (S == "Active") & ~blocked, updates={sock: "Connecting"}, tags="retry"),
        Transition("drop_retry", guard=(sock == "Open") & (n < retries), updates={sock: "Backoff", n: n + 1}),
        Transition("drop_give_up", guard=(sock == "Open") & (n >= retries), updates={sock: "Closed", n: 0}),
        Transition("close", guard=is_in(sock, "Connecting", "Open"), updates={sock: "Closing", n: 0}),
        Transition("cancel", guard=sock == "Backoff", updates={sock: "Closed", n: 0}),
        Transition("closed", guard=sock == "Closing", updates={sock: "Closed"}, fair="weak"),
        Transition("reopen", guard=(sock == "Closed") & ~blocked, updates={sock: "Idle", n: 0}),
        # the cascade: in the same step as the session leaving Active
        Transition("cascade_close", on="invalidated", guard=is_in(sock, "Connecting", "Open"), updates={sock: "Closing", n: 0}),
        Transition("cascade_cancel", on="invalidated", guard=sock == "Backoff", updates={sock: "Closed", n: 0}),
        Transition("cascade_close_401", on="rejected_401", guard=is_in(sock, "Connecting", "Open"),
                   updates={sock: "Closing", n: 0}),
        Transition("cascade_cancel_401", on="rejected_401", guard=sock == "Backoff", updates={sock: "Closed", n: 0}),
        Transition("unblock", on="activated", guard=blocked, updates={blocked: False}),
    ))


def system(n: int = 2, retries: int = 2, liveness: bool = False) -> System:
    """Session + *n* clients in the correct ("after") design."""
    client = client_machine(retries)
    names = [f"client{i}" for i in range(n)]
    props = [
        always("p1-live-only-when-active", implies(
            any_live := _any(ref(c, "sock") for c in names), ref("session", "S") == "Active")),
    ]
    if liveness:
        props += [leads_to(f"p3-closing-closes-{c}", ref(c, "sock") == "Closing", ref(c, "sock") == "Closed") for c in names]
    _ = any_live
    return System(
        name=f"benchmark-n{n}",
        instances=(Instance("session", session_machine()), *(Instance(c, client) for c in names)),
        properties=tuple(props),
        params=(("n", n), ("retries", retries)),
    )


def symmetric_system(n: int = 2, retries: int = 2) -> System:
    """The same model with the clients as one family declared interchangeable
    (``Family("client", client, n=N, symmetric=True)``) and P1 quantified over it, so that the fast
    engine's symmetry reduction applies: about C(N+9, 9) + 3 C(N+3, 3) canonical states instead of
    10**N + 3 * 4**N (docs/symmetry.md)."""
    client = client_machine(retries)
    live = exists("client", lambda j: is_in(ref("client", "sock", j), "Connecting", "Open"))
    return System(
        name=f"benchmark-sym-n{n}",
        instances=(Instance("session", session_machine()), Family("client", client, n=n, symmetric=True)),
        properties=(always("p1-live-only-when-active", implies(live, ref("session", "S") == "Active")),),
        params=(("n", n), ("retries", retries)),
    )


def _any(socks):  # type: ignore[no-untyped-def]
    from statebound.checker import any_of

    return any_of(is_in(s, "Connecting", "Open") for s in socks)
