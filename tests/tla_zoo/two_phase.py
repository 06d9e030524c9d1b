"""TwoPhase: the two-phase commit protocol, with a transaction manager and messages, which
implements TCommit (Gray and Lamport, "Consensus on Transaction Commit").

Source: tlaplus/Examples, ``specifications/transaction_commit/TwoPhase.tla`` with ``TwoPhase.cfg``
(``RM = {r1, r2, r3}``, ``INVARIANT TPTypeOK``). Published (``manifest.json``): 288 distinct
states, result "success".

``msgs`` is a set of messages that only grows: a "Prepared" message is a flag of its resource
manager, "Commit" and "Abort" are flags of the transaction manager; ``tmPrepared`` is an array
the TM writes. The module's theorem that TwoPhase implements TCommit is checked here as TCommit's
invariant and as a step rule over every step (``[][TCNext]_rmState`` through the refinement).
"""

from __future__ import annotations

from statebound import (
    Array,
    Bool,
    Enum,
    Expr,
    Family,
    Instance,
    Machine,
    System,
    Transition,
    Var,
    always,
    any_of,
    exists,
    forall,
    is_in,
    on_every_step,
    prev,
    ref,
)

SOURCE = "specifications/transaction_commit/TwoPhase.tla"
CONFIG = "specifications/transaction_commit/TwoPhase.cfg"
TLC_RESULT = "success"
TLC_STATES: int | None = 288
TLC_DEPTH = 11  # states on the longest shortest path, as TLC counts depth
STATES = 288
DEPTH = 11
VERDICTS = {"tc-consistent": ("holds", None), "implements-tcommit": ("holds", None), "deadlock-free": ("holds", None)}

RM = 3


def system(rm: int = RM) -> System:
    state = Var("state", Enum("working", "prepared", "committed", "aborted"))
    sent_prepared = Var("sent_prepared", Bool(), initial=False)   # [type |-> "Prepared", rm |-> self] \in msgs
    tm_state = Var("state", Enum("init", "committed", "aborted"))
    tm_prepared = Var("prepared", Array(Bool(), size=rm), initial=(False,) * rm)
    commit_sent = Var("commit_sent", Bool(), initial=False)
    abort_sent = Var("abort_sent", Bool(), initial=False)
    manager = Machine(name="rm", variables=(state, sent_prepared), transitions=(
        Transition("prepare", guard=state == "working", updates={state: "prepared", sent_prepared: True}),
        Transition("choose_to_abort", guard=state == "working", updates={state: "aborted"}),
        # no guard on the RM's own state, as in the spec: a second receipt changes nothing
        Transition("rcv_commit", guard=ref("tm", "commit_sent"), updates={state: "committed"}),
        Transition("rcv_abort", guard=ref("tm", "abort_sent"), updates={state: "aborted"}),
    ))
    tm = Machine(name="tm", variables=(tm_state, tm_prepared, commit_sent, abort_sent), transitions=(
        *(Transition(f"rcv_prepared_{k}", guard=(tm_state == "init") & ref("rm", "sent_prepared", k),
                     updates={tm_prepared[k]: True}) for k in range(rm)),
        Transition("commit", guard=(tm_state == "init") & forall(range(rm), lambda k: tm_prepared[k]),
                   updates={tm_state: "committed", commit_sent: True}),
        Transition("abort", guard=tm_state == "init", updates={tm_state: "aborted", abort_sent: True}),
    ))
    rm_state = [ref("rm", "state", k) for k in range(rm)]
    can_commit = forall("rm", lambda r: is_in(ref("rm", "state", r), "prepared", "committed"))
    not_committed = forall("rm", lambda r: ref("rm", "state", r) != "committed")

    def tc_step(k: int) -> Expr:
        """TCommit's Prepare(rm) \\/ Decide(rm) for manager k, on the step's rmState."""
        before = prev(rm_state[k])
        others_same = forall(range(rm), lambda j: (j == k) | (ref("rm", "state", j) == prev(ref("rm", "state", j))))
        prepare = (before == "working") & (rm_state[k] == "prepared")
        commit = (before == "prepared") & prev(can_commit) & (rm_state[k] == "committed")
        abort = is_in(before, "working", "prepared") & prev(not_committed) & (rm_state[k] == "aborted")
        return others_same & (prepare | commit | abort)

    return System(name="two-phase", instances=(Family("rm", manager, n=rm, symmetric=True), Instance("tm", tm)),
                  properties=(
        always("tc-consistent", ~(exists("rm", lambda r: ref("rm", "state", r) == "aborted")
                                  & exists("rm", lambda r: ref("rm", "state", r) == "committed"))),
        # THEOREM TPSpec => TC!TCSpec: every step that changes rmState is a TCommit step
        on_every_step("implements-tcommit", any_of(tc_step(k) for k in range(rm)), unless_unchanged=rm_state),
    ))
