"""TCommit: the specification of transaction commit that two-phase commit implements (Gray and
Lamport, "Consensus on Transaction Commit").

Source: tlaplus/Examples, ``specifications/transaction_commit/TCommit.tla`` with ``TCommit.cfg``
(``RM = {r1, r2, r3}``, ``INVARIANTS TCTypeOK TCConsistent``, ``CHECK_DEADLOCK FALSE``).
Published (``manifest.json``): 34 distinct states, result "success".

The resource managers are a family; ``canCommit`` and ``notCommitted`` are quantifiers over it.
"""

from __future__ import annotations

from statebound import Enum, Family, Machine, System, Transition, Var, always, exists, forall, implies, is_in, ref

SOURCE = "specifications/transaction_commit/TCommit.tla"
CONFIG = "specifications/transaction_commit/TCommit.cfg"
TLC_RESULT = "success"
TLC_STATES: int | None = 34
TLC_DEPTH = 7  # states on the longest shortest path, as TLC counts depth
STATES = 34
DEPTH = 7
VERDICTS = {"tc-consistent": ("holds", None), "can-commit": ("holds", None)}

RM = 3


def system(rm: int = RM) -> System:
    state = Var("state", Enum("working", "prepared", "committed", "aborted"))
    can_commit = forall("rm", lambda r: is_in(ref("rm", "state", r), "prepared", "committed"))
    not_committed = forall("rm", lambda r: ref("rm", "state", r) != "committed")
    manager = Machine(name="rm", variables=(state,), transitions=(
        Transition("prepare", guard=state == "working", updates={state: "prepared"}),
        Transition("commit", guard=(state == "prepared") & can_commit, updates={state: "committed"}),
        Transition("abort", guard=is_in(state, "working", "prepared") & not_committed, updates={state: "aborted"}),
    ))
    return System(name="tcommit", instances=(Family("rm", manager, n=rm, symmetric=True),), check_deadlock=False,
                  properties=(
        always("tc-consistent", ~(exists("rm", lambda r: ref("rm", "state", r) == "aborted")
                                  & exists("rm", lambda r: ref("rm", "state", r) == "committed"))),
        # not in the cfg: a commit happens only once every manager has prepared (or committed)
        always("can-commit", implies(exists("rm", lambda r: ref("rm", "state", r) == "committed"), can_commit)),
    ))
