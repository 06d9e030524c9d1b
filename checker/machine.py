"""Machines, transitions, instances and systems: the definitions every engine explores.

A definition is checked when it is built (the checks are in :mod:`.wellformed`); a malformed one
raises :class:`ModelError` listing every problem found, each as ``where: what; how to fix``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias, cast, overload

from ._typing import Type, TypeProblem, infer
from .errors import ModelError, suggest
from .expr import TRUE, Domain, Enum, Expr, Operand, Ref, Var, lit
from .wellformed import FAIRNESS, machine_problems, system_problems

if TYPE_CHECKING:
    # for annotations only: property.py imports this module (issue 7 removed the cycle)
    from .property import Property

__all__ = ["Transition", "Machine", "Instance", "System", "Fairness", "FAIRNESS", "as_tags"]

UpdateKey: TypeAlias = str | Var
#: what ``updates=`` takes besides a dict display (see the overloads of Transition). Mapping's key
#: type is invariant, so a dict keyed by Vars alone or by names alone is listed on its own; mypy
#: infers dict[Var, object] for a dict built beforehand with values of several types, so values
#: are checked when the transition is built (lit() raises a TypeError naming the bad value)
OtherUpdates: TypeAlias = Mapping[Var, object] | Mapping[str, object] | Iterable[tuple[UpdateKey, object]]


def as_tags(tags: str | Iterable[str]) -> frozenset[str]:
    """``"connect"`` or ``("connect", "retry")`` as a frozenset of tags."""
    return frozenset((tags,) if isinstance(tags, str) else tags)


@dataclass(frozen=True, slots=True, init=False)
class Transition:
    """A named, guarded, simultaneous update of the firing instance's variables.

    Parameters
    ----------
    name : str
        Unique within its machine; shown in traces (``client: connect``).
    guard : Expr, optional
        When the transition may fire (reads any instance's variables; default ``TRUE``).
    updates : mapping of variable (or its name) to a value or expression
        Simultaneous assignments to the firing instance's variables, all reading the state
        before the step.
    tags : str or iterable of str
        Labels that properties refer to (``connect``, ``retry``, ``auth_failure``).
    fair : {None, "weak", "strong"}
        Fairness for liveness properties.
    emit : str, optional
        A broadcast event: in the same step every other instance with an enabled receiving
        transition for it fires one too.
    on : str, optional
        Makes this a receiving transition: it fires only when another instance emits *on*.
    """

    name: str
    guard: Expr
    updates: tuple[tuple[str, Expr], ...]
    tags: frozenset[str]
    fair: str | None
    emit: str | None
    on: str | None

    # Two signatures for mypy: a dict display such as {state: "Closing", n: 0} type-checks only
    # against a Mapping that is not part of a union (inside one, mypy infers dict[Var, object] and
    # rejects it, so the README's own example failed mypy --strict); the second takes the rest.
    @overload
    def __init__(
        self,
        name: str,
        *,
        guard: Operand = ...,
        updates: Mapping[UpdateKey, Operand] = ...,
        tags: str | Iterable[str] = ...,
        fair: str | None = ...,
        emit: str | None = ...,
        on: str | None = ...,
    ) -> None: ...

    @overload
    def __init__(
        self,
        name: str,
        *,
        guard: Operand = ...,
        updates: OtherUpdates = ...,
        tags: str | Iterable[str] = ...,
        fair: str | None = ...,
        emit: str | None = ...,
        on: str | None = ...,
    ) -> None: ...

    def __init__(
        self,
        name: str,
        *,
        guard: Operand = TRUE,
        updates: Mapping[UpdateKey, Operand] | OtherUpdates = (),
        tags: str | Iterable[str] = (),
        fair: str | None = None,
        emit: str | None = None,
        on: str | None = None,
    ) -> None:
        pairs = updates.items() if isinstance(updates, Mapping) else updates
        norm: list[tuple[str, Expr]] = []
        for key, value in pairs:
            # ref("other", "x") as a key used to be taken as *this* machine's "x", silently writing
            # the wrong variable; keep the instance in the name so the well-formedness check
            # reports it (updates write only the firing instance; DESIGN section 2)
            if isinstance(key, Ref):
                key = key.name if key.instance is None else f"{key.instance}.{key.name}"
            norm.append((key, lit(cast(Operand, value))))  # lit() refuses what is not an Operand
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "guard", lit(guard))
        object.__setattr__(self, "updates", tuple(norm))
        object.__setattr__(self, "tags", as_tags(tags))
        object.__setattr__(self, "fair", fair)
        object.__setattr__(self, "emit", emit)
        object.__setattr__(self, "on", on)

    def expressions(self) -> Iterator[Expr]:
        """The guard and every update value."""
        yield self.guard
        for _, value in self.updates:
            yield value


@dataclass(frozen=True, slots=True, kw_only=True)
class Machine:
    """A component: typed variables and the transitions that change them.

    Parameters
    ----------
    name : str
        The machine's name (instances get their own names in a :class:`System`).
    variables : tuple of Var
        Its variables; the *control* variable is the one shown as ``instance: A -> B``.
    transitions : tuple of Transition
        What it can do.
    implementation : bool
        True for code under test (a client, a component); it may not read hidden variables.
    control : str, optional
        Name of the control-state variable; defaults to ``state`` or the first Enum variable.

    Examples
    --------
    >>> state = Var("state", Enum("Off", "On"))
    >>> lamp = Machine(name="lamp", variables=(state,), transitions=(
    ...     Transition("switch_on", guard=state == "Off", updates={state: "On"}),
    ...     Transition("switch_off", guard=state == "On", updates={state: "Off"}),
    ... ))
    >>> lamp.control
    'state'
    """

    name: str
    variables: tuple[Var, ...]
    transitions: tuple[Transition, ...]
    implementation: bool = False
    control: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "variables", tuple(self.variables))
        object.__setattr__(self, "transitions", tuple(self.transitions))
        # wellformed.py sits below this module (issue 7), so it is handed the class it checks for
        problems = list(machine_problems(self, Transition))
        if problems:
            raise ModelError(problems)
        if self.control is None:
            enums = [v.name for v in self.variables if isinstance(v.domain, Enum)]
            chosen = "state" if "state" in enums else (enums[0] if enums else None)
            object.__setattr__(self, "control", chosen)

    def variable(self, name: str) -> Var | None:
        """The variable called *name*, or None."""
        for v in self.variables:
            if v.name == name:
                return v
        return None

    def transition(self, name: str) -> Transition | None:
        """The transition called *name*, or None."""
        for t in self.transitions:
            if t.name == name:
                return t
        return None


@dataclass(frozen=True, slots=True)
class Instance:
    """A named copy of a machine in a system (``Instance("ChatAssistant.client", client)``)."""

    name: str
    machine: Machine


@dataclass(frozen=True, slots=True)
class Fairness:
    """Weak or strong fairness of a group of transitions taken together (issue 9).

    ``WF(Next)`` of a process, or of an action split into several transitions: the group is
    *enabled* in a state when one of its transitions is, and *taken* by a step that fires one of
    them. Weak: an execution in which the group stays enabled from some point on takes it
    infinitely often; strong: an execution in which it is enabled infinitely often takes it
    infinitely often. (A transition's own ``fair=`` is a group of one.)

    Parameters
    ----------
    kind : {"weak", "strong"}
        Which fairness.
    transitions : tuple of (instance name, transition name)
        The transitions of the group; receivers (``on=``) cannot be in one, as they cannot be
        fair on their own.
    name : str
        Shown in reports (optional).

    Examples
    --------
    >>> Fairness("weak", (("p[0]", "enter"), ("p[0]", "leave")), name="p0-progress").kind
    'weak'
    """

    kind: Literal["weak", "strong"]
    transitions: tuple[tuple[str, str], ...]
    name: str = ""

    def __post_init__(self) -> None:
        # a list of lists is accepted and stored as tuples, so the group is hashable data
        if not isinstance(self.transitions, (str, bytes)) and isinstance(self.transitions, Iterable):
            pairs = tuple(tuple(p) if isinstance(p, (list, tuple)) else p for p in self.transitions)
            object.__setattr__(self, "transitions", pairs)


@dataclass(frozen=True, slots=True, kw_only=True)
class System:
    """Instances composed by interleaving, with the properties to check.

    Parameters
    ----------
    name : str
        Shown in reports.
    instances : tuple of Instance
        The instances, in the order traces and states list them.
    properties : tuple of Property
        What to check (see :mod:`checker.property`).
    terminal : Expr, optional
        States where having nothing left to do is legitimate (not a deadlock).
    check_deadlock : bool
        Check deadlock freedom (on by default).
    params : tuple of (name, value)
        The parameters the system was built with, for reports.
    fairness : tuple of Fairness
        Weak or strong fairness of groups of transitions (a process, ``WF(Next)``), besides
        each transition's own ``fair=``.
    """

    name: str
    instances: tuple[Instance, ...]
    properties: tuple[Property, ...] = ()
    terminal: Expr | None = None
    check_deadlock: bool = True
    params: tuple[tuple[str, object], ...] = ()
    fairness: tuple[Fairness, ...] = ()
    slots: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False, default=())
    _index: dict[tuple[str, str], int] = field(init=False, repr=False, compare=False, default_factory=dict)
    _by_name: dict[str, Instance] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        insts = tuple(
            Instance(*i) if isinstance(i, tuple) else i for i in self.instances
        )
        object.__setattr__(self, "instances", insts)
        object.__setattr__(self, "properties", tuple(self.properties))
        object.__setattr__(self, "params", tuple(self.params))
        object.__setattr__(self, "fairness", tuple(self.fairness))
        if self.terminal is not None:
            object.__setattr__(self, "terminal", lit(self.terminal))
        ok = [i for i in insts if isinstance(i, Instance) and isinstance(i.machine, Machine)]
        slots = tuple((i.name, v.name) for i in ok for v in i.machine.variables)
        object.__setattr__(self, "slots", slots)
        index: dict[tuple[str, str], int] = {}
        for k, s in enumerate(slots):
            index.setdefault(s, k)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_by_name", {i.name: i for i in ok})
        problems = list(system_problems(self, Instance, Machine, Fairness))
        if problems:
            raise ModelError(problems)

    # ---------------------------------------------------------------- lookups

    def instance(self, name: str) -> Instance:
        """The instance called *name* (``KeyError`` if there is none)."""
        return self._by_name[name]

    def slot(self, ref: Ref, self_instance: str | None = None) -> int:
        """Index in the state tuple of the variable *ref* names."""
        inst = ref.instance if ref.instance is not None else self_instance
        return self._index[(inst, ref.name)]  # type: ignore[index]

    def slot_of(self, instance: str, variable: str) -> int:
        """Index in the state tuple of *instance*'s *variable*."""
        return self._index[(instance, variable)]

    def resolve(self, ref: Ref, self_instance: str | None) -> tuple[str, Domain]:
        """(display name, domain) of *ref*; raises TypeProblem with a suggestion if unknown."""
        inst_name = ref.instance if ref.instance is not None else self_instance
        if inst_name is None:
            raise TypeProblem(
                f"{ref.name!r} names no instance",
                f"write ref('instance', {ref.name!r}) to say whose variable it is",
            )
        inst = self._by_name.get(inst_name)
        if inst is None:
            raise TypeProblem(
                f"there is no instance {inst_name!r}",
                suggest(inst_name, self._by_name, default="instances: " + ", ".join(self._by_name)),
            )
        var = inst.machine.variable(ref.name)
        if var is None:
            names = [v.name for v in inst.machine.variables]
            raise TypeProblem(
                f"instance {inst_name!r} has no variable {ref.name!r}",
                suggest(ref.name, names, default="variables: " + ", ".join(names)),
            )
        return f"{inst_name}.{ref.name}", var.domain

    def is_hidden(self, ref: Ref, self_instance: str | None) -> bool:
        inst = ref.instance if ref.instance is not None else self_instance
        var = self._by_name[inst].machine.variable(ref.name)  # type: ignore[index]
        return bool(var is not None and var.hidden)

    def type_of(self, expr: Expr, self_instance: str | None) -> Type:
        """Static type of *expr* read by *self_instance*; raises TypeProblem."""
        return infer(expr, lambda r: self.resolve(r, self_instance))

    def tagged_instances(self, tags: frozenset[str]) -> list[Instance]:
        """Instances with some transition tagged with one of *tags*, in declaration order."""
        return [i for i in self.instances if any(t.tags & tags for t in i.machine.transitions)]

    def tags(self) -> frozenset[str]:
        """Every tag used by some transition."""
        return frozenset(t for i in self.instances for tr in i.machine.transitions for t in tr.tags)

    def transitions(self) -> Iterator[tuple[Instance, Transition]]:
        """Every (instance, transition) pair, in declaration order."""
        for inst in self.instances:
            for t in inst.machine.transitions:
                yield inst, t

    def property(self, name: str) -> Property:
        """The property called *name* (``KeyError`` if there is none)."""
        for p in self.properties:
            if p.name == name:
                return p
        raise KeyError(name)
