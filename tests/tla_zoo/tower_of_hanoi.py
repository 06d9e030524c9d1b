"""The towers of Hanoi: move D disks from the first of N towers to the last, one disk at a time,
never a disk on a smaller one.

Source: tlaplus/Examples, ``specifications/tower_of_hanoi/Hanoi.tla`` with
``Hanoi.toolbox/Model_1/MC.cfg`` (``D = 5``, ``N = 3``, ``INVARIANT NotSolved``). Published: result
"safety failure" (``manifest.json``: ``NotSolved``, "the last tower is not full", is the
invariant meant to fail; its shortest counterexample is the 31-move solution), and 243 distinct
states with a state-graph depth of 32 states in ``Hanoi.toolbox/Model_1/MC.out``, the output of
TLC 2.09's exhaustive run on that model (the whole space, every one of the 3^5 placements).

The spec packs each tower into a number (a bit per disk); here each disk's tower is an element of
an array, and ``Move(from, to, d)`` becomes one transition per disk and direction around the
towers, its guard saying that no smaller disk is on either tower.
"""

from __future__ import annotations

from statebound import Array, Instance, Int, Machine, System, Transition, Var, all_of, always, ref

SOURCE = "specifications/tower_of_hanoi/Hanoi.tla"
CONFIG = "specifications/tower_of_hanoi/Hanoi.toolbox/Model_1/MC.cfg"
TLC_RESULT = "safety failure"
TLC_STATES: int | None = 243  # Hanoi.toolbox/Model_1/MC.out (the manifest has no count for a failing model)
TLC_DEPTH = 32                # states on the longest shortest path, as TLC counts depth
STATES = 243
DEPTH = 32
VERDICTS = {"not-solved": ("violated", 31), "deadlock-free": ("holds", None)}

D, N = 5, 3


def system(disks: int = D, towers: int = N) -> System:
    tower = Var("tower", Array(Int(0, towers - 1), size=disks), initial=(0,) * disks)  # disk 0 is the smallest
    moves = []
    for d in range(disks):
        for step in range(1, towers):
            to = (tower[d] + step) % towers
            moves.append(Transition(
                f"move_{d + 1}_by_{step}",
                guard=all_of((tower[e] != tower[d]) & (tower[e] != to) for e in range(d)),
                updates={tower[d]: to},
            ))
    hanoi = Machine(name="hanoi", variables=(tower,), transitions=tuple(moves))
    return System(name="tower-of-hanoi", instances=(Instance("hanoi", hanoi),), properties=(
        always("not-solved", ~all_of(ref("hanoi", "tower")[d] == towers - 1 for d in range(disks))),
    ))
