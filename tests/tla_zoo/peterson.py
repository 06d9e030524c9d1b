"""Peterson's mutual exclusion for two processes (the PlusCal translation), and its refinement of a
simple lock through a mapping of its variables (Lamport's auxiliary-variables examples).

Source: tlaplus/Examples, ``specifications/locks_auxiliary_vars/Peterson.tla`` with
``Peterson.cfg`` (``INVARIANTS TypeOK Inv``, ``PROPERTY LSpec``, where ``LSpec`` is ``Lock.tla``'s
``Spec`` under the mapping). Published (``manifest.json``): 42 distinct states, result "success".

The processes are a family; ``c`` (the flags) and ``turn`` are shared variables. ``LSpec`` is
``L!Init /\\ [][L!Next]_L!vars``: its step part is checked with ``on_every_step`` over the mapped
variables (``L!Init`` holds in the one initial state by construction).
"""

from __future__ import annotations

from statebound import (
    SELF,
    Array,
    Bool,
    Enum,
    Expr,
    Family,
    Int,
    Machine,
    System,
    Transition,
    Var,
    always,
    any_of,
    count,
    forall,
    implies,
    is_in,
    ite,
    on_every_step,
    prev,
    ref,
    shared,
)

SOURCE = "specifications/locks_auxiliary_vars/Peterson.tla"
CONFIG = "specifications/locks_auxiliary_vars/Peterson.cfg"
TLC_RESULT = "success"
TLC_STATES: int | None = 42
TLC_DEPTH = 11  # states on the longest shortest path, as TLC counts depth
STATES = 42
DEPTH = 11
VERDICTS = {"inv": ("holds", None), "mutual-exclusion": ("holds", None), "refines-lock": ("holds", None),
            "deadlock-free": ("holds", None)}


def system() -> System:
    c = shared("c", Array(Bool(), size=2), initial=(False, False))
    turn = shared("turn", Int(0, 1), initial=0)  # process 1 of the spec is index 0
    pc = Var("pc", Enum("a0", "a1", "a2", "a3", "cs", "a4"))
    other = 1 - SELF
    proc = Machine(name="proc", control="pc", variables=(pc,), transitions=(
        Transition("a0", guard=pc == "a0", updates={pc: "a1"}),
        Transition("a1", guard=pc == "a1", updates={c[SELF]: True, pc: "a2"}),
        Transition("a2", guard=pc == "a2", updates={turn: other, pc: "a3"}),
        Transition("a3", guard=(pc == "a3") & (~c[other] | (turn == SELF)), updates={pc: "cs"}),
        Transition("cs", guard=pc == "cs", updates={pc: "a4"}),
        Transition("a4", guard=pc == "a4", updates={c[SELF]: False, pc: "a0"}),
    ))

    def pc_of(p: int) -> Expr:
        return ref("proc", "pc", p)

    def proc_inv(p: Expr) -> Expr:
        pc_p, pc_other = ref("proc", "pc", p), ref("proc", "pc", 1 - p)
        return ((ref("shared", "c")[p] == is_in(pc_p, "a2", "a3", "cs", "a4"))
                & implies(is_in(pc_p, "cs", "a4"), (ref("shared", "turn") == p) | is_in(pc_other, "a0", "a1", "a2")))

    # the refinement mapping of Peterson.tla: pc_translation and lock_translation
    def lpc(p: int) -> Expr:
        x = pc_of(p)
        return ite(x == "a0", "l0", ite(is_in(x, "a1", "a2", "a3"), "l1", ite(x == "cs", "cs", "l2")))

    lock = ite(any_of(is_in(pc_of(p), "cs", "a4") for p in range(2)), 0, 1)

    def lock_step(p: int) -> Expr:
        """Lock.tla's l0(p) \\/ l1(p) \\/ cs(p) \\/ l2(p) on the mapped variables."""
        before, after = prev(lpc(p)), lpc(p)
        still = lpc(1 - p) == prev(lpc(1 - p))
        return still & (((before == "l0") & (after == "l1") & (lock == prev(lock)))
                        | ((before == "l1") & (prev(lock) == 1) & (lock == 0) & (after == "cs"))
                        | ((before == "cs") & (after == "l2") & (lock == prev(lock)))
                        | ((before == "l2") & (lock == 1) & (after == "l0")))

    return System(name="peterson", instances=(Family("proc", proc, n=2),), shared=(c, turn), properties=(
        always("inv", forall("proc", proc_inv)),
        always("mutual-exclusion", count("proc", lambda p: is_in(ref("proc", "pc", p), "cs", "a4")) <= 1),
        on_every_step("refines-lock", any_of(lock_step(p) for p in range(2)),
                      unless_unchanged=[lpc(0), lpc(1), lock]),
    ))
