"""Two-phase commit: a transaction manager and N resource managers agree to commit or abort.

The classic protocol (Gray and Lamport's TLA+ ``TwoPhase``), with shared state instead of a
message pool: the transaction manager (``tm``) reads every resource manager's state and
broadcasts its decision, which every resource manager still waiting receives in the same step.
A resource manager may refuse on its own (``refuse``) before it has prepared; once prepared it
must wait for the decision.

Check it::

    statebound check examples/two_phase_commit.py:two_phase_commit                     # all hold
    statebound check examples/two_phase_commit.py:two_phase_commit --param rms=4
    statebound check examples/two_phase_commit.py:two_phase_commit --param eager=true
        # consistent, commit-needs-every-vote and deadlock-free are violated: an eager manager
        # commits on the first vote; a resource manager that had not voted yet aborts on its own,
        # or prepares and then waits for a decision that was already broadcast

Rules: no two resource managers decide differently (invariant), a commit needs every vote
(a step rule), the transaction manager decides (liveness, under weak fairness of its own steps);
witnesses that a commit and an abort can both happen.
"""

from statebound import (
    Enum,
    Instance,
    Machine,
    System,
    Transition,
    Var,
    all_of,
    always,
    any_of,
    leads_to,
    on_step,
    ref,
    sometimes,
)


def _rm() -> Machine:
    state = Var("state", Enum("Working", "Prepared", "Committed", "Aborted"))
    return Machine(name="rm", variables=(state,), transitions=(
        Transition("prepare", guard=state == "Working", updates={state: "Prepared"}, tags="vote_yes"),
        Transition("refuse", guard=state == "Working", updates={state: "Aborted"}, tags="vote_no"),
        Transition("on_commit", on="commit", guard=state == "Prepared", updates={state: "Committed"}),
        Transition("on_abort", on="abort", guard=(state == "Working") | (state == "Prepared"),
                   updates={state: "Aborted"}),
    ))


def _tm(rms: list[str], eager: bool) -> Machine:
    state = Var("state", Enum("Init", "Committed", "Aborted"))
    votes = [ref(rm, "state") == "Prepared" for rm in rms]
    ready = any_of(votes) if eager else all_of(votes)
    return Machine(name="tm", variables=(state,), transitions=(
        Transition("commit", guard=(state == "Init") & ready, updates={state: "Committed"}, emit="commit",
                   tags="commit", fair="weak"),
        Transition("abort", guard=(state == "Init") & any_of(ref(rm, "state") == "Aborted" for rm in rms),
                   updates={state: "Aborted"}, emit="abort", tags="abort", fair="weak"),
    ))


def two_phase_commit(rms: int = 3, eager: bool = False) -> System:
    """*rms* resource managers; ``eager=True`` commits as soon as one has prepared (the bug)."""
    if rms < 1:
        raise ValueError(f"rms={rms}: give at least one resource manager")
    names = [f"rm{i + 1}" for i in range(rms)]
    rm = _rm()
    state = {n: ref(n, "state") for n in names}
    decided = all_of((s == "Committed") | (s == "Aborted") for s in state.values())
    tm_decided = ref("tm", "state") != "Init"
    return System(
        name="two-phase-commit",
        instances=(Instance("tm", _tm(names, eager)), *(Instance(n, rm) for n in names)),
        # the protocol ends when everyone has decided: not a deadlock
        terminal=decided & tm_decided,
        properties=(
            always("consistent", ~(any_of(s == "Committed" for s in state.values())
                                   & any_of(s == "Aborted" for s in state.values()))),
            on_step("commit-needs-every-vote", "commit", before=all_of(s == "Prepared" for s in state.values())),
            leads_to("tm-decides", all_of(s != "Working" for s in state.values()), tm_decided),
            sometimes("can-commit", all_of(s == "Committed" for s in state.values())),
            sometimes("can-abort", ref("tm", "state") == "Aborted"),
        ),
    )
