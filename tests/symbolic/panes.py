"""A Phase-3-like system of N chat panes, built with Python loops (issue 14's parametric proofs).

One session (its invalidation cascades synchronously to every client and socket, as in the
``after`` design) and, per pane, a component that connects on mount, a client and its browser
socket. Here the panes are N explicit instances, and the rules and lemmas are built by the same
loops, so every proof is for one N; ``models/chat_panes.py`` declares the panes as a family
(``Family(..., symmetric=True)``) and proves its rules for every N (issue 14, docs/symbolic.md).

Run it to time the proofs for N = 1..20: ``.venv/bin/python tests/symbolic/panes.py``.
"""

from __future__ import annotations

from statebound.checker import (
    Always,
    Bool,
    Enum,
    Expr,
    Instance,
    Machine,
    System,
    Transition,
    Var,
    all_of,
    always,
    any_of,
    implies,
    is_in,
    on_step,
    ref,
    sometimes,
)

SESSION = Enum("Unknown", "Active", "Invalid")
CLIENT = Enum("Idle", "Connecting", "Open", "Closing", "Backoff")
READY = Enum("CLOSED", "CONNECTING", "OPEN", "CLOSING")


def _session() -> Machine:
    s = Var("state", SESSION)
    return Machine(name="session", variables=(s,), transitions=(
        Transition("probe_ok", guard=s == "Unknown", updates={s: "Active"}),
        Transition("logout", guard=s == "Active", updates={s: "Invalid"}, emit="invalidated", tags="invalidate"),
        Transition("api_401", guard=s == "Active", updates={s: "Invalid"}, emit="invalidated", tags="invalidate"),
        Transition("login", guard=s == "Invalid", updates={s: "Active"}),
    ))


def _pane(k: int) -> tuple[Machine, Machine, Machine]:
    pane, client, ws = f"pane{k}", f"pane{k}.client", f"pane{k}.ws"
    active = ref("session", "state") == "Active"
    mounted = Var("state", Enum("Unmounted", "Mounted"))
    component = Machine(name="pane", variables=(mounted,), transitions=(
        Transition("mount", guard=(mounted == "Unmounted") & active, updates={mounted: "Mounted"}, emit=f"{pane}.connect"),
        Transition("unmount", guard=mounted == "Mounted", updates={mounted: "Unmounted"}, emit=f"{pane}.disconnect"),
    ))
    c = Var("state", CLIENT)
    blocked = Var("blocked", Bool())
    c_machine = Machine(name="client", variables=(c, blocked), implementation=True, transitions=(
        Transition("connect", on=f"{pane}.connect", guard=c == "Idle", updates={c: "Connecting"}),
        Transition("disconnect", on=f"{pane}.disconnect", guard=is_in(c, "Connecting", "Open"), updates={c: "Closing"}),
        Transition("cancel", on=f"{pane}.disconnect", guard=c == "Backoff", updates={c: "Idle"}),
        Transition("on_open", on=f"{ws}.open", guard=c == "Connecting", updates={c: "Open"}),
        Transition("on_drop", on=f"{ws}.drop", guard=is_in(c, "Connecting", "Open"), updates={c: "Backoff"}),
        Transition("on_rejected", on=f"{ws}.rejected", guard=c == "Connecting", updates={c: "Idle", blocked: True}),
        Transition("on_closed", on=f"{ws}.closed", guard=c == "Closing", updates={c: "Idle"}),
        Transition("retry", guard=(c == "Backoff") & active & ~blocked, updates={c: "Connecting"}, emit=f"{client}.retry",
                   tags="retry"),
        Transition("cascade_close", on="invalidated", guard=is_in(c, "Connecting", "Open"), updates={c: "Closing"}),
        Transition("cascade_cancel", on="invalidated", guard=c == "Backoff", updates={c: "Idle", blocked: False}),
    ))
    r = Var("ready", READY)
    w_machine = Machine(name="socket", variables=(r,), transitions=(
        Transition("new_socket", on=f"{pane}.connect", guard=ref(client, "state") == "Idle", updates={r: "CONNECTING"},
                   tags="new_socket"),
        Transition("new_socket_retry", on=f"{client}.retry", updates={r: "CONNECTING"}, tags="new_socket"),
        Transition("close", on=f"{pane}.disconnect", guard=is_in(r, "CONNECTING", "OPEN"), updates={r: "CLOSING"}),
        Transition("cascade", on="invalidated", guard=is_in(r, "CONNECTING", "OPEN"), updates={r: "CLOSING"}),
        Transition("accepted", guard=r == "CONNECTING", updates={r: "OPEN"}, emit=f"{ws}.open"),
        Transition("rejected", guard=r == "CONNECTING", updates={r: "CLOSED"}, emit=f"{ws}.rejected"),
        Transition("dropped", guard=is_in(r, "CONNECTING", "OPEN"), updates={r: "CLOSED"}, emit=f"{ws}.drop"),
        Transition("closed", guard=r == "CLOSING", updates={r: "CLOSED"}, emit=f"{ws}.closed"),
    ))
    return component, c_machine, w_machine


def coherent(k: int) -> Expr:
    """Pane *k*'s client agrees with its socket."""
    c, w = ref(f"pane{k}.client", "state"), ref(f"pane{k}.ws", "ready")
    return all_of(
        (c == "Connecting") == (w == "CONNECTING"),
        (c == "Open") == (w == "OPEN"),
        (c == "Closing") == (w == "CLOSING"),
    )


def lemmas(n: int) -> tuple[Always, ...]:
    """What the step rule needs: every client agrees with its socket."""
    return tuple(always(f"pane{k}-coherent", coherent(k)) for k in range(n))


def system(n: int) -> System:
    """The session and *n* panes, with the rules every engine checks."""
    instances = [Instance("session", _session())]
    for k in range(n):
        component, client, ws = _pane(k)
        instances += [Instance(f"pane{k}", component), Instance(f"pane{k}.client", client), Instance(f"pane{k}.ws", ws)]
    live = any_of(is_in(ref(f"pane{k}.ws", "ready"), "CONNECTING", "OPEN") for k in range(n))
    active = ref("session", "state") == "Active"
    return System(name=f"panes-{n}", instances=tuple(instances), properties=(
        always("no-live-socket-when-not-active", implies(live, active)),
        # a new socket replaces none: the socket of a connecting client was closed (needs the
        # lemma that each client agrees with its socket)
        on_step("new-socket-only-when-closed", "new_socket", before=Var("ready", READY) == "CLOSED"),
        sometimes("a-socket-opens", any_of(ref(f"pane{k}.ws", "ready") == "OPEN" for k in range(n))),
    ))


def main() -> None:
    import time

    from statebound.checker.engines.symbolic import InductionEngine

    for n in range(1, 21):
        started = time.perf_counter()
        report = InductionEngine(lemmas=lemmas(n), pdr=False).check(system(n))
        verdicts = ", ".join(f"{o.property}: {o.verdict}" for o in report.outcomes)
        print(f"N={n:2d} {time.perf_counter() - started:6.2f} s  {verdicts}")


if __name__ == "__main__":
    main()
