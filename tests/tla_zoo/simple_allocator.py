"""SimpleAllocator: clients request sets of resources, an allocator grants them, clients return
them (Merz's allocator case study).

Source: tlaplus/Examples, ``specifications/allocator/SimpleAllocator.tla`` with
``SimpleAllocator.cfg`` (``Clients = {c1, c2, c3}``, ``Resources = {r1, r2}``,
``INVARIANTS TypeInvariant ResourceMutex``, ``PROPERTIES ClientsWillReturn ClientsWillObtain
InfOftenSatisfied``). Published (``manifest.json``): 400 distinct states, result "success".

The clients are a family, each with its ``unsat`` and ``alloc`` sets as boolean arrays over the
resources; ``S \\in SUBSET Resources`` becomes one transition per non-empty set. Fairness:
``WF_vars(Return(c, alloc[c]))`` is weak fairness of ``return_all`` (a transition of its own,
whose steps are exactly ``Return(c, alloc[c])``'s), ``SF_vars(\\E S : Allocate(c, S))`` strong
fairness of the group of a client's allocations. ``ClientsWillReturn`` and ``ClientsWillObtain``
are ``leads_to`` per client (and resource), ``InfOftenSatisfied`` ``infinitely_often``.
"""

from __future__ import annotations

from statebound import (
    Array,
    Bool,
    Expr,
    Fairness,
    Family,
    Machine,
    System,
    Transition,
    Var,
    always,
    forall,
    infinitely_often,
    leads_to,
    ref,
)

SOURCE = "specifications/allocator/SimpleAllocator.tla"
CONFIG = "specifications/allocator/SimpleAllocator.cfg"
TLC_RESULT = "success"
TLC_STATES: int | None = 400
TLC_DEPTH = 6  # states on the longest shortest path, as TLC counts depth
STATES = 400
DEPTH = 6
CLIENTS, RESOURCES = 3, 2
VERDICTS = {"resource-mutex": ("holds", None),
            **{f"c{c + 1}-will-return": ("holds", None) for c in range(CLIENTS)},
            **{f"c{c + 1}-will-obtain-r{r + 1}": ("holds", None) for c in range(CLIENTS) for r in range(RESOURCES)},
            **{f"c{c + 1}-inf-often-satisfied": ("holds", None) for c in range(CLIENTS)},
            "deadlock-free": ("holds", None)}

#: the non-empty subsets of the resources, as tuples of indices
SETS = ((0,), (1,), (0, 1))


def _name(s: tuple[int, ...]) -> str:
    return "_".join(f"r{r + 1}" for r in s)


def system() -> System:
    nothing = (False,) * RESOURCES
    unsat = Var("unsat", Array(Bool(), size=RESOURCES), initial=nothing)
    alloc = Var("alloc", Array(Bool(), size=RESOURCES), initial=nothing)

    def available(r: int) -> Expr:
        return forall("client", lambda c: ~ref("client", "alloc", c)[r])

    empty_unsat = forall(range(RESOURCES), lambda r: ~unsat[r])
    empty_alloc = forall(range(RESOURCES), lambda r: ~alloc[r])
    transitions = []
    for s in SETS:
        transitions.append(Transition(f"request_{_name(s)}", guard=empty_unsat & empty_alloc,
                                      updates={unsat[r]: True for r in s}))
    for s in SETS:
        ok = [available(r) & unsat[r] for r in s]
        guard = ok[0] if len(ok) == 1 else ok[0] & ok[1]
        transitions.append(Transition(f"allocate_{_name(s)}", guard=guard,
                                      updates={**{alloc[r]: True for r in s}, **{unsat[r]: False for r in s}}))
    for s in ((0,), (1,)):
        transitions.append(Transition(f"return_{_name(s)}", guard=alloc[s[0]], updates={alloc[s[0]]: False}))
    # Return(c, alloc[c]): every resource the client holds (Return(c, {r1, r2}) is one of its steps)
    transitions.append(Transition("return_all", guard=~empty_alloc, updates={alloc[r]: False for r in range(RESOURCES)}))
    client = Machine(name="client", variables=(unsat, alloc), transitions=tuple(transitions))
    fairness = []
    for c in range(CLIENTS):
        fairness.append(Fairness("weak", ((f"client[{c}]", "return_all"),), name=f"c{c + 1}-returns"))
        fairness.append(Fairness("strong", tuple((f"client[{c}]", f"allocate_{_name(s)}") for s in SETS),
                                 name=f"c{c + 1}-is-served"))

    def holds(c: int, r: int) -> Expr:
        return ref("client", "alloc", c)[r]

    def wants(c: int, r: int) -> Expr:
        return ref("client", "unsat", c)[r]

    def nothing_of(what: str, c: int) -> Expr:
        return forall(range(RESOURCES), lambda r: ~ref("client", what, c)[r])

    props: list[object] = [
        always("resource-mutex", forall(range(RESOURCES), lambda r: forall("client", lambda c1: forall(
            "client", lambda c2: (c1 == c2) | ~(ref("client", "alloc", c1)[r] & ref("client", "alloc", c2)[r]))))),
    ]
    props += [leads_to(f"c{c + 1}-will-return", nothing_of("unsat", c), nothing_of("alloc", c)) for c in range(CLIENTS)]
    props += [leads_to(f"c{c + 1}-will-obtain-r{r + 1}", wants(c, r), holds(c, r))
              for c in range(CLIENTS) for r in range(RESOURCES)]
    props += [infinitely_often(f"c{c + 1}-inf-often-satisfied", nothing_of("unsat", c)) for c in range(CLIENTS)]
    return System(name="simple-allocator", instances=(Family("client", client, n=CLIENTS, symmetric=True),),
                  fairness=tuple(fairness), properties=tuple(props))  # type: ignore[arg-type]
