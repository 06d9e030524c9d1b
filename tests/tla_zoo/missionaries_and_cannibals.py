"""Missionaries and cannibals: three of each must cross a river in a boat for two, and the
cannibals may never outnumber the missionaries on a bank that has any.

Source: tlaplus/Examples, ``specifications/MissionariesAndCannibals/MissionariesAndCannibals.tla``
with ``MissionariesAndCannibals.cfg`` (``Missionaries = {m1, m2, m3}``, ``Cannibals = {c1, c2,
c3}``, ``INVARIANTS TypeOK Solution``). Published (``manifest.json``): result "safety failure"
(``Solution``, "someone is still on the east bank", is the invariant meant to fail: its shortest
counterexample, 11 crossings, is the solution). TLC publishes no distinct-state count for a model
it stops at a violation; statebound explores everything: 64 states. The people are individuals
(``who_is_on_bank`` holds sets of them), so that is more than the 16 of the puzzle counted by
numbers (a breadth-first enumeration of the TLA+ definitions with Python sets, people as sets,
also finds 64).

Each person's bank is an element of an array; ``Move(S, b)`` for every set ``S`` of one or two
people becomes one transition per set, whose guard asks that they are all with the boat and that
both banks are safe afterwards (counting with ``count`` over the arrays).
"""

from __future__ import annotations

import itertools

from statebound import Array, Enum, Expr, Instance, Machine, System, Transition, Var, all_of, always, any_of, count, ite, ref

SOURCE = "specifications/MissionariesAndCannibals/MissionariesAndCannibals.tla"
CONFIG = "specifications/MissionariesAndCannibals/MissionariesAndCannibals.cfg"
TLC_RESULT = "safety failure"
TLC_STATES: int | None = None  # not published for a failing model
STATES = 64
VERDICTS = {"solution": ("violated", 11), "deadlock-free": ("holds", None)}

N = 3  # missionaries, and cannibals


def system() -> System:
    bank = Enum("E", "W")
    boat = Var("boat", bank, initial="E")
    missionary = Var("missionary", Array(bank, size=N), initial=("E",) * N)
    cannibal = Var("cannibal", Array(bank, size=N), initial=("E",) * N)
    arrays = {"m": missionary, "c": cannibal}
    people = [(kind, k) for kind in ("m", "c") for k in range(N)]
    other = ite(boat == "E", "W", "E")

    def safe_after(moving: tuple[tuple[str, int], ...], side: str) -> Expr:
        """IsSafe of bank *side* once *moving* have crossed: no missionary, or no more cannibals than them."""
        def at(kind: str, k: int) -> Expr:
            here = arrays[kind][k] == side
            return ~here if (kind, k) in moving else here  # movers change bank
        missionaries = count(at("m", k) for k in range(N))
        cannibals = count(at("c", k) for k in range(N))
        return (missionaries == 0) | (cannibals <= missionaries)

    moves = []
    for size in (1, 2):
        for group in itertools.combinations(people, size):
            name = "_".join(f"{kind}{k + 1}" for kind, k in group)
            moves.append(Transition(
                f"move_{name}",
                guard=all_of(arrays[kind][k] == boat for kind, k in group) & safe_after(group, "E")
                & safe_after(group, "W"),
                updates={boat: other, **{arrays[kind][k]: other for kind, k in group}},  # type: ignore[misc]
            ))
    river = Machine(name="river", variables=(boat, missionary, cannibal), transitions=tuple(moves))
    on_east = [ref("river", "missionary")[k] == "E" for k in range(N)] + [ref("river", "cannibal")[k] == "E" for k in range(N)]
    return System(name="missionaries-and-cannibals", instances=(Instance("river", river),), properties=(
        always("solution", any_of(on_east)),   # who_is_on_bank["E"] /= {}
    ))
