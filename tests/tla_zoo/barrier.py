"""A barrier for N processes (PlusCal): each process arrives (b0), and once all have arrived they
are all released at once (b1).

Source: tlaplus/Examples, ``specifications/barriers/Barrier.tla`` with ``Barrier.cfg``
(``N = 6``, ``INVARIANT TypeOK``, ``PROPERTY BarrierProperty``). Published (``manifest.json``):
64 distinct states, result "success".

The processes are a family; ``b1``, which resets every process in one step, is a broadcast: a
barrier instance with no variables emits ``release`` when every process has arrived, and every
process receives it. ``BarrierProperty`` is a step property over every step
(``[][\\A p, q : pc[p] = "b0" /\\ pc[q] = "b1" => pc'[q] = "b1"]_vars``: nobody leaves while
someone has not arrived), an ``on_every_step`` rule with ``prev``.
"""

from __future__ import annotations

from statebound import Enum, Family, Instance, Machine, System, Transition, Var, forall, implies, on_every_step, prev, ref

SOURCE = "specifications/barriers/Barrier.tla"
CONFIG = "specifications/barriers/Barrier.cfg"
TLC_RESULT = "success"
TLC_STATES: int | None = 64
TLC_DEPTH = 7
STATES = 64
DEPTH = 7
VERDICTS = {"barrier-property": ("holds", None), "deadlock-free": ("holds", None)}

N = 6


def system(n: int = N) -> System:
    pc = Var("pc", Enum("b0", "b1"))
    proc = Machine(name="proc", variables=(pc,), transitions=(
        Transition("b0", guard=pc == "b0", updates={pc: "b1"}),
        Transition("b1", on="release", guard=pc == "b1", updates={pc: "b0"}),
    ))
    barrier = Machine(name="barrier", variables=(), transitions=(
        Transition("b1", guard=forall("proc", lambda p: ref("proc", "pc", p) == "b1"), emit="release"),
    ))

    return System(name="barrier", instances=(Family("proc", proc, n=n), Instance("barrier", barrier)), properties=(
        on_every_step("barrier-property", forall("proc", lambda p: forall("proc", lambda q: implies(
            (prev(ref("proc", "pc", p)) == "b0") & (prev(ref("proc", "pc", q)) == "b1"), ref("proc", "pc", q) == "b1")))),
    ))
