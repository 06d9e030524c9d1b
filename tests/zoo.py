"""A zoo of tiny named models, good and deliberately broken, with the verdict each engine must give.

Every entry pins, per property (``deadlock-free`` included when checked), the expected verdict and,
where it matters, the length of the shortest counterexample, the reachable-state count and the
vacuity warnings. Entries that must be rejected carry the expected error instead. Every engine
runs the whole zoo (STYLE.md section 7); an engine may never say ``holds`` where another one has a
counterexample, and every broken model must be caught.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from statebound.checker import (
    Bool,
    Budget,
    Enum,
    Instance,
    Int,
    Machine,
    ModelError,
    System,
    Transition,
    Var,
    Verdict,
    always,
    implies,
    is_in,
    leads_to,
    never_after,
    on_step,
    ref,
    sometimes,
)

__all__ = ["Expect", "ZOO", "by_name", "HOLDS", "VIOLATED", "INCONCLUSIVE"]

HOLDS, VIOLATED, INCONCLUSIVE = Verdict.HOLDS, Verdict.VIOLATED, Verdict.INCONCLUSIVE


@dataclass(frozen=True, slots=True, kw_only=True)
class Expect:
    """One zoo entry: how to build it and what every engine must answer."""

    name: str
    build: Callable[[], System]
    broken: bool
    verdicts: Mapping[str, Verdict] = field(default_factory=dict)
    #: shortest counterexample (or witness) length per property
    lengths: Mapping[str, int] = field(default_factory=dict)
    #: property -> substring that one of its warnings must contain ("" means: no warning at all)
    warnings: Mapping[str, str] = field(default_factory=dict)
    states: int | None = None
    budget: Budget = field(default_factory=Budget)
    #: the model must be rejected: (exception type, substring of the message, raised by build?)
    error: tuple[type[Exception], str, bool] | None = None
    #: for an error found while exploring: length of the trace that reaches it
    error_trace: int | None = None
    why: str = ""


# --------------------------------------------------------------------------- building blocks

SESSION = Enum("LoggedOut", "Active")
SOCK = Enum("Idle", "Connecting", "Open", "Closing", "Closed")


def _session(*, logout_emits: bool = False) -> Machine:
    s = Var("state", SESSION)
    return Machine(name="session", variables=(s,), transitions=(
        Transition("login", guard=s == "LoggedOut", updates={s: "Active"}),
        Transition("logout", guard=s == "Active", updates={s: "LoggedOut"},
                   emit="invalidated" if logout_emits else None),
    ))


def _lamp() -> System:
    st = Var("state", Enum("Off", "On"))
    m = Machine(name="lamp", variables=(st,), transitions=(
        Transition("on", guard=st == "Off", updates={st: "On"}),
        Transition("off", guard=st == "On", updates={st: "Off"}),
    ))
    return System(name="lamp", instances=(Instance("lamp", m),), properties=(
        always("on-or-off", is_in(ref("lamp", "state"), "Off", "On")),
        sometimes("can-be-on", ref("lamp", "state") == "On"),
    ))


def _counter(hi: int, *, invariant_bound: int, witness: int | None = None) -> System:
    n = Var("n", Int(0, hi))
    m = Machine(name="counter", variables=(n,), transitions=(
        Transition("inc", guard=n < hi, updates={n: n + 1}),
        Transition("reset", guard=n == hi, updates={n: 0}),
    ))
    props = [always("bounded", ref("c", "n") <= invariant_bound)]
    if witness is not None:
        props.append(sometimes("reaches-witness", ref("c", "n") == witness))
    return System(name=f"counter-{hi}", instances=(Instance("c", m),), properties=tuple(props))


def _gated_client(*, gated: bool) -> Machine:
    sock = Var("sock", SOCK)
    active = ref("session", "state") == "Active"
    return Machine(name="client", variables=(sock,), control="sock", implementation=True, transitions=(
        Transition("connect", guard=(sock == "Idle") & active if gated else sock == "Idle",
                   updates={sock: "Connecting"}, tags="connect"),
        Transition("opened", guard=sock == "Connecting", updates={sock: "Open"}),
        Transition("close", guard=is_in(sock, "Connecting", "Open"), updates={sock: "Closing"}),
        Transition("closed", guard=sock == "Closing", updates={sock: "Idle"}, fair="weak"),
    ))


def _connect_rule(*, gated: bool) -> System:
    return System(
        name="connect-rule-" + ("good" if gated else "broken"),
        instances=(Instance("session", _session()), Instance("client", _gated_client(gated=gated))),
        properties=(
            on_step("connect-only-when-active", "connect", before=ref("session", "state") == "Active"),
            on_step("connect-goes-connecting", "connect", after=ref("client", "sock") == "Connecting"),
        ),
    )


def _on_step_vacuous() -> System:
    st = Var("state", Enum("Idle", "Busy"))
    m = Machine(name="worker", variables=(st,), transitions=(
        Transition("start", guard=st == "Idle", updates={st: "Busy"}),
        Transition("finish", guard=st == "Busy", updates={st: "Idle"}),
        # tagged, but its guard can never be true: the rule below holds only vacuously
        Transition("panic", guard=(st == "Idle") & (st == "Busy"), updates={st: "Idle"}, tags="panic"),
    ))
    return System(name="on-step-vacuous", instances=(Instance("w", m),), properties=(
        on_step("panic-only-when-busy", "panic", before=st == "Busy"),
        always("busy-implies-busy", implies(ref("w", "state") == "Busy", ref("w", "state") != "Idle")),
        always("never-panicking", implies((ref("w", "state") == "Idle") & (ref("w", "state") == "Busy"),
                                          ref("w", "state") == "Idle")),
    ))


def _auth_client(*, retries_after_auth_failure: bool) -> Machine:
    """A client that may be rejected with 401; ``retry`` after that is the bug."""
    sock = Var("sock", Enum("Idle", "Connecting", "Failed", "Backoff"))
    blocked = Var("blocked", Bool())
    retry_guard = sock == "Backoff" if retries_after_auth_failure else (sock == "Backoff") & ~blocked
    return Machine(name="client", variables=(sock, blocked), control="sock", transitions=(
        Transition("connect", guard=sock == "Idle", updates={sock: "Connecting"}, tags="connect"),
        Transition("reject_401", guard=sock == "Connecting", updates={sock: "Backoff", blocked: True},
                   tags="auth_failure"),
        Transition("net_error", guard=sock == "Connecting", updates={sock: "Backoff"}),
        Transition("retry", guard=retry_guard, updates={sock: "Connecting"}, tags="retry"),
        Transition("give_up", guard=sock == "Backoff", updates={sock: "Failed"}),
        Transition("new_session", guard=sock == "Failed", updates={sock: "Idle", blocked: False}, tags="login"),
    ))


def _no_retry_after_auth(*, broken: bool) -> System:
    c = _auth_client(retries_after_auth_failure=broken)
    return System(
        name="no-retry-after-auth-" + ("broken" if broken else "good"),
        instances=(Instance("a", c), Instance("b", c)),
        properties=(
            # per instance: a 401 of client a forbids only a's retries, until a new session
            never_after("no-retry-after-auth-failure", trigger="auth_failure", forbidden="retry", until="login"),
            # global: a 401 of any client forbids every retry (b may retry after a's 401: violated
            # even on the good model, which is what tells per-instance and global apart)
            never_after("no-retry-anywhere-after-auth-failure", trigger="auth_failure", forbidden="retry",
                        until="login", per_instance=False),
        ),
    )


def _never_after_vacuous() -> System:
    st = Var("state", Enum("Idle", "Busy"))
    m = Machine(name="w", variables=(st,), transitions=(
        Transition("start", guard=st == "Idle", updates={st: "Busy"}, tags="start"),
        Transition("stop", guard=st == "Busy", updates={st: "Idle"}, tags="stop"),
        Transition("explode", guard=(st == "Busy") & (st == "Idle"), updates={st: "Idle"}, tags="explode"),
    ))
    return System(name="never-after-vacuous", instances=(Instance("w", m),), properties=(
        never_after("nothing-after-explode", trigger="explode", forbidden="start"),
    ))


def _closer(fair: str | None) -> System:
    """A socket that starts closing; ``closed`` completes it (fair or not)."""
    sock = Var("sock", Enum("Open", "Closing", "Closed"))
    m = Machine(name="sock", variables=(sock,), transitions=(
        Transition("close", guard=sock == "Open", updates={sock: "Closing"}),
        Transition("closed", guard=sock == "Closing", updates={sock: "Closed"}, fair=fair),
    ))
    s = ref("s", "sock")
    return System(name=f"closer-{fair}", instances=(Instance("s", m),), terminal=s == "Closed", properties=(
        leads_to("closing-closes", s == "Closing", s == "Closed"),
        sometimes("can-close", s == "Closed"),
    ))


def _flicker(fair: str) -> System:
    """A message waits for a link that flickers forever (weakly fair environment); delivering needs
    the link up. Weak fairness on ``deliver`` is not enough (it is never continuously enabled),
    strong fairness is."""
    link = Var("up", Bool())
    env = Machine(name="link", variables=(link,), transitions=(
        Transition("flick", guard=~link, updates={link: True}, fair="weak"),
        Transition("flock", guard=link, updates={link: False}, fair="weak"),
    ))
    msg = Var("state", Enum("Pending", "Delivered"))
    sender = Machine(name="sender", variables=(msg,), implementation=True, transitions=(
        Transition("deliver", guard=(msg == "Pending") & ref("link", "up"), updates={msg: "Delivered"}, fair=fair),
        Transition("again", guard=msg == "Delivered", updates={msg: "Pending"}),
    ))
    m = ref("sender", "state")
    return System(name=f"flicker-{fair}", instances=(Instance("link", env), Instance("sender", sender)), properties=(
        leads_to("pending-delivered", m == "Pending", m == "Delivered"),
    ))


def _leads_to_vacuous() -> System:
    sys = _closer("weak")
    s = ref("s", "sock")
    return System(name="leads-to-vacuous", instances=sys.instances, terminal=sys.terminal, properties=(
        leads_to("never-reopens", (s == "Closed") & (s == "Open"), s == "Open"),
    ))


def _dead_end(*, declared: bool) -> System:
    st = Var("state", Enum("Start", "Done", "Stuck"))
    m = Machine(name="job", variables=(st,), transitions=(
        Transition("finish", guard=st == "Start", updates={st: "Done"}),
        Transition("jam", guard=st == "Start", updates={st: "Stuck"}),
    ))
    j = ref("job", "state")
    return System(name="dead-end", instances=(Instance("job", m),),
                  terminal=is_in(j, "Done", "Stuck") if declared else j == "Done")


def _broadcast(*, cascade_connecting: bool) -> System:
    """Logout broadcasts ``invalidated``; each client closes in the same step. The broken client
    forgets the socket that is still connecting."""
    sock = Var("sock", SOCK)
    active = ref("session", "state") == "Active"
    live = ("Connecting", "Open") if cascade_connecting else ("Open",)
    client = Machine(name="client", variables=(sock,), control="sock", implementation=True, transitions=(
        Transition("connect", guard=(sock == "Idle") & active, updates={sock: "Connecting"}, tags="connect"),
        Transition("opened", guard=sock == "Connecting", updates={sock: "Open"}),
        Transition("cascade", on="invalidated", guard=is_in(sock, *live), updates={sock: "Closing"}),
        Transition("closed", guard=sock == "Closing", updates={sock: "Idle"}, fair="weak"),
    ))
    names = ("c1", "c2")
    return System(
        name="broadcast-" + ("good" if cascade_connecting else "broken"),
        instances=(Instance("session", _session(logout_emits=True)), *(Instance(n, client) for n in names)),
        properties=tuple(
            always(f"{n}-live-only-when-active", implies(is_in(ref(n, "sock"), "Connecting", "Open"), active))
            for n in names
        ) + (
            sometimes("both-closing-at-once", (ref("c1", "sock") == "Closing") & (ref("c2", "sock") == "Closing")),
        ),
    )


def _broadcast_choice() -> System:
    """Two enabled receivers in one instance: a nondeterministic choice, and the sender never blocks."""
    go = Var("state", Enum("Quiet", "Said"))
    speaker = Machine(name="speaker", variables=(go,), transitions=(
        Transition("say", guard=go == "Quiet", updates={go: "Said"}, emit="hello"),
    ))
    ans = Var("state", Enum("Silent", "Yes", "No"))
    listener = Machine(name="listener", variables=(ans,), transitions=(
        Transition("yes", on="hello", guard=ans == "Silent", updates={ans: "Yes"}),
        Transition("no", on="hello", guard=ans == "Silent", updates={ans: "No"}),
    ))
    deaf = Machine(name="deaf", variables=(Var("state", Enum("Deaf")),), transitions=(
        Transition("ignore", on="hello", guard=Var("state", Enum("Deaf")) != "Deaf"),
    ))
    heard = ref("l", "state")
    return System(name="broadcast-choice",
                  instances=(Instance("s", speaker), Instance("l", listener), Instance("d", deaf)),
                  terminal=ref("s", "state") == "Said",
                  properties=(
                      sometimes("can-say-yes", heard == "Yes"),
                      sometimes("can-say-no", heard == "No"),
                      always("heard-when-said", implies(ref("s", "state") == "Said", heard != "Silent")),
                  ))


def _hidden_read() -> System:
    why = Var("reason", Enum("None", "Expired", "Revoked"), hidden=True)
    server = Machine(name="server", variables=(why,), transitions=(
        Transition("expire", guard=why == "None", updates={why: "Expired"}),
    ))
    sock = Var("sock", SOCK)
    client = Machine(name="client", variables=(sock,), control="sock", implementation=True, transitions=(
        # a browser cannot see why a handshake failed
        Transition("retry_unless_revoked", guard=(sock == "Idle") & (ref("server", "reason") != "Revoked"),
                   updates={sock: "Connecting"}),
    ))
    return System(name="hidden-read", instances=(Instance("server", server), Instance("client", client)))


def _out_of_domain() -> System:
    n = Var("n", Int(0, 2))
    m = Machine(name="counter", variables=(n,), transitions=(Transition("inc", updates={n: n + 1}),))
    return System(name="out-of-domain", instances=(Instance("c", m),))


def _nondet_initial() -> System:
    n = Var("n", Int(0, 3), initial={1, 3})
    b = Var("b", Bool(), initial={False, True})
    m = Machine(name="m", variables=(n, b), transitions=(
        Transition("dec", guard=n > 0, updates={n: n - 1}),
        Transition("flip", updates={b: ~b}),
    ))
    return System(name="nondet-initial", instances=(Instance("m", m),), properties=(
        always("never-three", ref("m", "n") != 3),
        always("never-zero-and-true", ~((ref("m", "n") == 0) & ref("m", "b"))),
        sometimes("reaches-zero", ref("m", "n") == 0),
    ))


# --------------------------------------------------------------------------- the zoo

ZOO: tuple[Expect, ...] = (
    Expect(name="lamp", build=_lamp, broken=False, states=2,
           verdicts={"on-or-off": HOLDS, "can-be-on": HOLDS, "deadlock-free": HOLDS},
           lengths={"can-be-on": 1}, warnings={"on-or-off": ""}),
    Expect(name="counter-overflows-invariant", build=lambda: _counter(3, invariant_bound=2, witness=2),
           broken=True, states=4, verdicts={"bounded": VIOLATED, "reaches-witness": HOLDS, "deadlock-free": HOLDS},
           lengths={"bounded": 3, "reaches-witness": 2}),
    Expect(name="counter-unreachable-witness", build=lambda: _counter(2, invariant_bound=2, witness=5),
           broken=True, states=3, verdicts={"bounded": HOLDS, "reaches-witness": VIOLATED, "deadlock-free": HOLDS},
           why="a witness that no reachable state satisfies is a violation (the model cannot do what we expect)"),
    Expect(name="connect-rule-good", build=lambda: _connect_rule(gated=True), broken=False,
           verdicts={"connect-only-when-active": HOLDS, "connect-goes-connecting": HOLDS, "deadlock-free": HOLDS},
           warnings={"connect-only-when-active": ""}),
    Expect(name="connect-rule-broken", build=lambda: _connect_rule(gated=False), broken=True,
           verdicts={"connect-only-when-active": VIOLATED, "connect-goes-connecting": HOLDS, "deadlock-free": HOLDS},
           lengths={"connect-only-when-active": 1}),
    Expect(name="on-step-vacuous", build=_on_step_vacuous, broken=False,
           verdicts={"panic-only-when-busy": HOLDS, "busy-implies-busy": HOLDS, "never-panicking": HOLDS,
                     "deadlock-free": HOLDS},
           warnings={"panic-only-when-busy": "holds vacuously: no step tagged panic is ever taken",
                     "busy-implies-busy": "",
                     "never-panicking": "holds vacuously: no reachable state satisfies"}),
    Expect(name="no-retry-after-auth-good", build=lambda: _no_retry_after_auth(broken=False), broken=True,
           verdicts={"no-retry-after-auth-failure": HOLDS, "no-retry-anywhere-after-auth-failure": VIOLATED,
                     "deadlock-free": HOLDS},
           lengths={"no-retry-anywhere-after-auth-failure": 5},
           warnings={"no-retry-after-auth-failure": ""},
           why="per instance the rule holds; the global form is broken by the other client's retry"),
    Expect(name="no-retry-after-auth-broken", build=lambda: _no_retry_after_auth(broken=True), broken=True,
           verdicts={"no-retry-after-auth-failure": VIOLATED, "no-retry-anywhere-after-auth-failure": VIOLATED,
                     "deadlock-free": HOLDS},
           lengths={"no-retry-after-auth-failure": 3, "no-retry-anywhere-after-auth-failure": 3}),
    Expect(name="never-after-vacuous", build=_never_after_vacuous, broken=False,
           verdicts={"nothing-after-explode": HOLDS, "deadlock-free": HOLDS},
           warnings={"nothing-after-explode": "holds vacuously: no step tagged explode is ever taken"}),
    Expect(name="closer-weak", build=lambda: _closer("weak"), broken=False, states=3,
           verdicts={"closing-closes": HOLDS, "can-close": HOLDS, "deadlock-free": HOLDS},
           warnings={"closing-closes": ""}),
    Expect(name="closer-unfair", build=lambda: _closer(None), broken=True,
           verdicts={"closing-closes": VIOLATED, "can-close": HOLDS, "deadlock-free": HOLDS},
           lengths={"closing-closes": 1},
           why="without fairness the execution may stop in Closing forever"),
    Expect(name="flicker-weak", build=lambda: _flicker("weak"), broken=True, states=4,
           verdicts={"pending-delivered": VIOLATED, "deadlock-free": HOLDS},
           why="the link flickers forever; weakly fair deliver is never continuously enabled"),
    Expect(name="flicker-strong", build=lambda: _flicker("strong"), broken=False, states=4,
           verdicts={"pending-delivered": HOLDS, "deadlock-free": HOLDS}),
    Expect(name="leads-to-vacuous", build=_leads_to_vacuous, broken=False,
           verdicts={"never-reopens": HOLDS, "deadlock-free": HOLDS},
           warnings={"never-reopens": "holds vacuously: no reachable state satisfies"}),
    Expect(name="dead-end", build=lambda: _dead_end(declared=False), broken=True, states=3,
           verdicts={"deadlock-free": VIOLATED}, lengths={"deadlock-free": 1}),
    Expect(name="dead-end-declared-terminal", build=lambda: _dead_end(declared=True), broken=False, states=3,
           verdicts={"deadlock-free": HOLDS}),
    Expect(name="broadcast-good", build=lambda: _broadcast(cascade_connecting=True), broken=False,
           verdicts={"c1-live-only-when-active": HOLDS, "c2-live-only-when-active": HOLDS,
                     "both-closing-at-once": HOLDS, "deadlock-free": HOLDS},
           lengths={"both-closing-at-once": 4}),
    Expect(name="broadcast-broken", build=lambda: _broadcast(cascade_connecting=False), broken=True,
           verdicts={"c1-live-only-when-active": VIOLATED, "c2-live-only-when-active": VIOLATED,
                     "both-closing-at-once": HOLDS, "deadlock-free": HOLDS},
           lengths={"c1-live-only-when-active": 3, "c2-live-only-when-active": 3}),
    Expect(name="broadcast-choice", build=_broadcast_choice, broken=False, states=3,
           verdicts={"can-say-yes": HOLDS, "can-say-no": HOLDS, "heard-when-said": HOLDS, "deadlock-free": HOLDS},
           lengths={"can-say-yes": 1, "can-say-no": 1}),
    Expect(name="nondet-initial", build=_nondet_initial, broken=True, states=8,
           verdicts={"never-three": VIOLATED, "never-zero-and-true": VIOLATED, "reaches-zero": HOLDS,
                     "deadlock-free": HOLDS},
           lengths={"never-three": 0, "never-zero-and-true": 1, "reaches-zero": 1}),
    Expect(name="budget-overrun", build=lambda: _counter(9, invariant_bound=9, witness=8), broken=True,
           budget=Budget(max_states=5),
           verdicts={"bounded": INCONCLUSIVE, "reaches-witness": INCONCLUSIVE, "deadlock-free": INCONCLUSIVE},
           why="5 of 10 states: nothing is proved, and the witness at 8 is not reached yet"),
    Expect(name="depth-overrun", build=lambda: _counter(9, invariant_bound=9, witness=2), broken=True,
           budget=Budget(max_depth=3),
           verdicts={"bounded": INCONCLUSIVE, "reaches-witness": HOLDS, "deadlock-free": INCONCLUSIVE},
           lengths={"reaches-witness": 2},
           why="a witness found within the budget is a real witness"),
    Expect(name="hidden-read", build=_hidden_read, broken=True,
           error=(ModelError, "client/transition 'retry_unless_revoked': the implementation reads hidden "
                  "variable server.reason", True)),
    Expect(name="out-of-domain", build=_out_of_domain, broken=True,
           error=(ModelError, "c/transition 'inc': update n := 3 is outside Int(0, 2) after 2 steps", False),
           error_trace=2),
)


def by_name(name: str) -> Expect:
    """The zoo entry called *name*."""
    for e in ZOO:
        if e.name == name:
            return e
    raise KeyError(name)
