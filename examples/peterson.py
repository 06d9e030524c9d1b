"""Peterson's mutual exclusion for two processes, and the naive lock it fixes.

Each process raises its flag, gives the turn to the other, and enters its critical section only
when the other's flag is down or the turn is its own. The shared ``turn`` is a machine of its own
(a process writes only its own variables; it hands the turn over with a broadcast). Entering the
lock is the user's choice (no fairness); everything after it is the program's own steps, so they
are weakly fair.

Check it::

    statebound check examples/peterson.py:peterson                 # all hold
    statebound check examples/peterson.py:peterson --param naive=true
        # mutual-exclusion is violated (check the other's flag, then raise your own: both get in),
        # and so are p0-gets-in and p1-gets-in (a process can wait for ever while the other
        # enters again and again)

Rules: mutual exclusion (invariant), no starvation (every process that wants in gets in, under
fairness), and a witness that the critical section is reachable.
"""

from statebound import Bool, Enum, Instance, Machine, System, Transition, Var, always, is_in, leads_to, ref, sometimes


def _process(me: str, other: str, naive: bool) -> Machine:
    pc = Var("pc", Enum("Idle", "Want", "Wait", "Critical"))
    flag = Var("flag", Bool(), initial=False)
    others_flag = ref(other, "flag")
    if naive:  # test, then set: the other can pass the same test in between
        steps = (
            Transition("want", guard=pc == "Idle", updates={pc: "Want"}),
            Transition("check", guard=(pc == "Want") & ~others_flag, updates={pc: "Wait"}, fair="weak"),
            Transition("raise_flag", guard=pc == "Wait", updates={pc: "Critical", flag: True}, fair="weak"),
        )
    else:
        steps = (
            Transition("want", guard=pc == "Idle", updates={pc: "Want", flag: True}),
            Transition("yield_turn", guard=pc == "Want", updates={pc: "Wait"}, emit=f"turn_to_{other}", fair="weak"),
            Transition("enter", guard=(pc == "Wait") & (~others_flag | (ref("turn", "owner") == me)),
                       updates={pc: "Critical"}, fair="weak"),
        )
    return Machine(name=f"process_{me}", control="pc", variables=(pc, flag), transitions=(
        *steps,
        Transition("leave", guard=pc == "Critical", updates={pc: "Idle", flag: False}, fair="weak"),
    ))


def _turn(naive: bool) -> Machine:
    owner = Var("owner", Enum("p0", "p1"))
    if naive:
        return Machine(name="turn", variables=(owner,), transitions=())
    return Machine(name="turn", variables=(owner,), transitions=(
        Transition("to_p0", on="turn_to_p0", updates={owner: "p0"}),
        Transition("to_p1", on="turn_to_p1", updates={owner: "p1"}),
    ))


def peterson(naive: bool = False) -> System:
    """Two processes ``p0`` and ``p1``; ``naive=True`` is the test-then-set lock."""
    p0, p1 = ref("p0", "pc"), ref("p1", "pc")
    return System(
        name="peterson" + ("-naive" if naive else ""),
        instances=(Instance("p0", _process("p0", "p1", naive)), Instance("p1", _process("p1", "p0", naive)),
                   Instance("turn", _turn(naive))),
        properties=(
            always("mutual-exclusion", ~((p0 == "Critical") & (p1 == "Critical"))),
            leads_to("p0-gets-in", is_in(p0, "Want", "Wait"), p0 == "Critical"),
            leads_to("p1-gets-in", is_in(p1, "Want", "Wait"), p1 == "Critical"),
            sometimes("p0-can-get-in", p0 == "Critical"),
        ),
    )
