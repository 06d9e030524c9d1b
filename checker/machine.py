"""Machines, transitions, instances and systems: the definitions every engine explores.

A definition is checked when it is built (the checks are in :mod:`.wellformed`); a malformed one
raises :class:`ModelError` listing every problem found, each as ``where: what; how to fix``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeAlias, cast, overload

from ._typing import Scope, Type, TypeProblem, infer
from .errors import ModelError, Problem, suggest
from .expr import SHARED, TRUE, V2_OPS, Array, Domain, Enum, Expr, Op, Operand, Ref, Var, domain_of, lit, to_text, walk
from .wellformed import FAIRNESS, machine_problems, system_problems

if TYPE_CHECKING:
    # for annotations only: property.py imports this module (issue 7 removed the cycle)
    from .property import Property

__all__ = ["Transition", "Machine", "Instance", "Family", "System", "Fairness", "FAIRNESS", "as_tags"]

#: a variable (or its name) or an array element (``b[i]``, issue 9)
UpdateKey: TypeAlias = str | Var | Op
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
        Simultaneous assignments to the firing instance's variables (and to the system's shared
        variables), all reading the state before the step. An array element ``b[i]`` as a key
        writes that element: it is stored as ``b := [b EXCEPT ![i] = value]``.
    tags : str or iterable of str
        Labels that properties refer to (``connect``, ``retry``, ``auth_failure``).
    fair : {None, "weak", "strong"}
        Fairness for liveness properties.
    emit : str, optional
        A broadcast event: in the same step every other instance with an enabled receiving
        transition for it fires one too.
    on : str, optional
        Makes this a receiving transition: it fires only when another instance emits *on*. A
        receiving transition may emit in its turn (a cascade, issue 9).
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
        elements: dict[str, int] = {}  # array name -> its place in norm (issue 9)
        for key, value in pairs:
            # ref("other", "x") as a key used to be taken as *this* machine's "x", silently writing
            # the wrong variable; keep the instance in the name so the well-formedness check
            # reports it (updates write only the firing instance; DESIGN section 2)
            v = lit(cast(Operand, value))  # lit() refuses what is not an Operand
            if isinstance(key, Op) and key.op == "item" and isinstance(key.args[0], Ref):
                # b[i] := v is b := [b EXCEPT ![i] = v]; several elements chain on one update
                arr = key.args[0]
                aname = _key_name(arr)
                at = elements.get(aname)
                if at is None:
                    elements[aname] = len(norm)
                    norm.append((aname, Op("except", (arr, key.args[1], v))))
                else:
                    norm[at] = (aname, Op("except", (norm[at][1], key.args[1], v)))
                continue
            if isinstance(key, Ref):
                key = _key_name(key)
            elif isinstance(key, Expr):
                key = to_text(key)  # not a variable: the well-formedness check names it
            norm.append((key, v))
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


def _key_name(r: Ref) -> str:
    return r.name if r.instance is None else f"{r.instance}.{r.name}"


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

    # ---------------------------------------------------------------- variants (issue 9)

    def with_transitions(self, *transitions: Transition) -> Machine:
        """This machine with *transitions* added; one named like an existing transition
        replaces it in place.

        Examples
        --------
        >>> s = Var("state", Enum("Off", "On"))
        >>> lamp = Machine(name="lamp", variables=(s,), transitions=(
        ...     Transition("on", guard=s == "Off", updates={s: "On"}),
        ...     Transition("off", guard=s == "On", updates={s: "Off"}),
        ... ))
        >>> stuck = lamp.with_transitions(Transition("off", guard=s == "Off"))
        >>> [t.name for t in stuck.transitions], stuck.transition("off").guard is lamp.transitions[0].guard
        (['on', 'off'], False)
        >>> [t.name for t in lamp.without("off").transitions]
        ['on']
        """
        new = {t.name: t for t in transitions}
        kept = [new.pop(t.name, t) for t in self.transitions]
        return dataclasses.replace(self, transitions=(*kept, *new.values()))

    def without(self, *names: str) -> Machine:
        """This machine without the transitions called *names* (a receiver left without a sender
        is only a warning of the system; drop a whole event with :meth:`System.without_event`)."""
        known = [t.name for t in self.transitions]
        bad = [n for n in names if n not in known]
        if bad:
            raise ModelError([
                Problem(where=f"{self.name}", what=f"has no transition {n!r} to remove",
                        fix=suggest(n, known, default="transitions: " + ", ".join(known)))
                for n in bad
            ])
        return dataclasses.replace(self, transitions=tuple(t for t in self.transitions if t.name not in names))


@dataclass(frozen=True, slots=True)
class Instance:
    """A named copy of a machine in a system (``Instance("ChatAssistant.client", client)``).

    ``family`` and ``index`` are set on the members of a :class:`Family` (``tab[0]``, ...).
    """

    name: str
    machine: Machine
    family: Family | None = None
    index: int | None = None


@dataclass(frozen=True, slots=True)
class Family:
    """``n`` copies of a machine, named ``name[0]`` .. ``name[n-1]`` (issue 9).

    Put it in ``System(instances=...)`` like an instance. Inside the machine, ``SELF`` is the
    member's index; ``ref(name, variable, index)`` reads a member chosen by an expression, and
    ``forall``/``exists``/``count`` quantify over the members. ``symmetric=True`` declares the
    members interchangeable (nothing in the model tells them apart but their index), which a
    symmetry reduction may use; it changes nothing else.

    Examples
    --------
    >>> s = Var("state", Enum("Idle", "Busy"))
    >>> m = Machine(name="tab", variables=(s,), transitions=(Transition("go", updates={s: "Busy"}),))
    >>> [i.name for i in Family("tab", m, n=3)]
    ['tab[0]', 'tab[1]', 'tab[2]']
    """

    name: str
    machine: Machine
    n: int
    symmetric: bool = field(default=False, kw_only=True)

    def member(self, k: int) -> str:
        """The name of member *k* (``tab[2]``)."""
        return f"{self.name}[{k}]"

    @property
    def members(self) -> tuple[Instance, ...]:
        """The members, as the instances a system holds."""
        n = self.n if isinstance(self.n, int) and not isinstance(self.n, bool) else 0
        return tuple(Instance(self.member(k), self.machine, self, k) for k in range(max(n, 0)))

    def __iter__(self) -> Iterator[Instance]:
        return iter(self.members)


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


#: operators that come only inside others (a quantifier's index and what it ranges over)
_IMPLIED = frozenset({"bound", "family", "range"})


@dataclass(frozen=True, slots=True, kw_only=True, init=False)
class System:
    """Instances composed by interleaving, with the properties to check.

    Parameters
    ----------
    name : str
        Shown in reports.
    instances : tuple of Instance or Family
        The instances, in the order traces and states list them (a family stands for its
        members, in order).
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
    shared : tuple of Var
        Variables any instance may read and write (issue 9), ``shared.<name>`` in traces; make
        them with :func:`~.expr.shared` to use the same object in machines.
    initial : Expr, optional
        The initial states are the states of the product of the variables' initial values that
        satisfy this predicate (issue 9).
    constraint : Expr, optional
        A state outside it is kept (its properties are checked) but not expanded: nothing
        follows it (issue 9; TLC's ``CONSTRAINT``).
    """

    name: str
    instances: tuple[Instance, ...]
    properties: tuple[Property, ...] = ()
    terminal: Expr | None = None
    check_deadlock: bool = True
    params: tuple[tuple[str, object], ...] = ()
    fairness: tuple[Fairness, ...] = ()
    shared: tuple[Var, ...] = ()
    initial: Expr | None = None
    constraint: Expr | None = None
    slots: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False, default=())
    #: the families of the instances, in order of their first member (issue 9)
    families: tuple[Family, ...] = field(init=False, repr=False, compare=False, default=())
    #: what is odd but not wrong (a receiver of an event nobody emits): reported, not raised
    warnings: tuple[Problem, ...] = field(init=False, repr=False, compare=False, default=())
    _index: dict[tuple[str, str], int] = field(init=False, repr=False, compare=False, default_factory=dict)
    _by_name: dict[str, Instance] = field(init=False, repr=False, compare=False, default_factory=dict)
    _families: dict[str, Family] = field(init=False, repr=False, compare=False, default_factory=dict)
    _shared: dict[str, Var] = field(init=False, repr=False, compare=False, default_factory=dict)
    #: the families given to the constructor (one without members is still checked)
    declared_families: tuple[Family, ...] = field(init=False, repr=False, compare=False, default=())

    def __init__(
        self,
        *,
        name: str,
        instances: Iterable[Instance | Family],
        properties: Iterable[Property] = (),
        terminal: Operand | None = None,
        check_deadlock: bool = True,
        params: Iterable[tuple[str, object]] = (),
        fairness: Iterable[Fairness] = (),
        shared: Iterable[Var] = (),
        initial: Operand | None = None,
        constraint: Operand | None = None,
    ) -> None:
        # written out (not generated) so that instances= may hold families, which become their
        # members: the field itself always holds instances, which every engine reads
        expanded: list[Instance] = []
        given: list[Family] = []
        for i in instances:
            if isinstance(i, Family):
                given.append(i)
                expanded.extend(i.members)
            else:
                expanded.append(Instance(*i) if isinstance(i, tuple) else i)
        setattr_ = object.__setattr__
        setattr_(self, "name", name)
        setattr_(self, "declared_families", tuple(given))
        setattr_(self, "instances", tuple(expanded))
        setattr_(self, "properties", tuple(properties))
        setattr_(self, "terminal", None if terminal is None else lit(terminal))
        setattr_(self, "check_deadlock", check_deadlock)
        setattr_(self, "params", tuple(params))
        setattr_(self, "fairness", tuple(fairness))
        setattr_(self, "shared", tuple(shared))
        setattr_(self, "initial", None if initial is None else lit(initial))
        setattr_(self, "constraint", None if constraint is None else lit(constraint))
        self.__post_init__()

    def __post_init__(self) -> None:
        insts = self.instances
        ok = [i for i in insts if isinstance(i, Instance) and isinstance(i.machine, Machine)]
        shared_vars = [v for v in self.shared if isinstance(v, Var)]
        slots = tuple((i.name, v.name) for i in ok for v in i.machine.variables)
        # shared variables come after every instance's, so adding them moves no existing slot
        slots += tuple((SHARED, v.name) for v in shared_vars)
        object.__setattr__(self, "slots", slots)
        index: dict[tuple[str, str], int] = {}
        for k, s in enumerate(slots):
            index.setdefault(s, k)
        object.__setattr__(self, "_index", index)
        object.__setattr__(self, "_by_name", {i.name: i for i in ok})
        families: dict[str, Family] = {}
        for i in ok:
            if i.family is not None and isinstance(i.family, Family):
                families.setdefault(i.family.name, i.family)
        object.__setattr__(self, "_families", families)
        object.__setattr__(self, "families", tuple(families.values()))
        object.__setattr__(self, "_shared", {v.name: v for v in shared_vars})
        warnings: list[Problem] = []
        problems = list(system_problems(self, Instance, Machine, Fairness, Family, warnings))
        if problems:
            raise ModelError(problems)
        object.__setattr__(self, "warnings", tuple(warnings))

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
        """(display name, domain) of *ref*; raises TypeProblem with a suggestion if unknown.

        The domain may be an :class:`~.expr.Array` (issue 9), although it is annotated with the
        scalar domains so that readers written before arrays keep type-checking."""
        if ref.instance == SHARED and (self._shared or SHARED not in self._by_name):
            var = self._shared.get(ref.name)
            if var is None:
                names = sorted(self._shared)
                raise TypeProblem(
                    f"there is no shared variable {ref.name!r}",
                    suggest(ref.name, names, default="declare it in System(shared=...)"),
                )
            return f"{SHARED}.{ref.name}", var.domain
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
        if ref.instance == SHARED and ref.name in self._shared:
            return self._shared[ref.name].hidden
        inst = ref.instance if ref.instance is not None else self_instance
        var = self._by_name[inst].machine.variable(ref.name)  # type: ignore[index]
        return bool(var is not None and var.hidden)

    def type_of(self, expr: Expr, self_instance: str | None) -> Type:
        """Static type of *expr* read by *self_instance*; raises TypeProblem."""
        return infer(expr, lambda r: self.resolve(r, self_instance), self.scope(self_instance))

    # ---------------------------------------------------------------- second edition (issue 9)

    def scope(self, self_instance: str | None) -> Scope:
        """What typing the nodes of the second edition needs, for expressions read by
        *self_instance* (None: properties and system-level predicates)."""
        inst = self._by_name.get(self_instance) if self_instance is not None else None
        size = inst.family.n if inst is not None and inst.family is not None else None
        return Scope(member=self._member, family_size=self._family_size, self_size=size,
                     where_self=self_instance or "")

    def family(self, name: str) -> Family:
        """The family called *name* (``KeyError`` if there is none)."""
        return self._families[name]

    def member_slots(self, family: str, variable: str) -> tuple[int, ...]:
        """The slot of *variable* in each member of *family*, by index."""
        fam = self._families[family]
        return tuple(self._index[(fam.member(k), variable)] for k in range(fam.n))

    def shared_variable(self, name: str) -> Var | None:
        """The shared variable called *name*, or None."""
        return self._shared.get(name)

    def _family_size(self, name: str) -> int:
        fam = self._families.get(name)
        if fam is None:
            raise TypeProblem(f"there is no family {name!r}",
                              suggest(name, self._families, default="families: " + (", ".join(self._families) or "none")))
        return fam.n

    def _member(self, family: str, variable: str) -> tuple[int, Domain | Array]:
        n = self._family_size(family)
        var = self._families[family].machine.variable(variable)
        if var is None:
            names = [v.name for v in self._families[family].machine.variables]
            raise TypeProblem(f"family {family!r} has no variable {variable!r}",
                              suggest(variable, names, default="variables: " + ", ".join(names)))
        return n, domain_of(var)

    def expressions(self) -> Iterator[Expr]:
        """Every expression of the system: guards, updates, terminal, initial, constraint and
        the properties' expressions."""
        for _, t in self.transitions():
            yield from t.expressions()
        for e in (self.terminal, self.initial, self.constraint):
            if e is not None:
                yield e
        for p in self.properties:
            for f in dataclasses.fields(p):
                value = getattr(p, f.name)
                if isinstance(value, Expr):
                    yield value

    def features(self) -> frozenset[str]:
        """The constructs of the second edition (issue 9) this system uses, so that an engine
        can reject what it does not support: ``fairness`` (groups), ``cascade``, ``shared``,
        ``family``, ``symmetric``, ``array``, ``initial``, ``constraint``, and the names of the
        new operators it uses (``% // min max abs item except self_index member forall exists
        count_of``). An empty set means a first-edition system.

        Examples
        --------
        >>> s = Var("state", Enum("Off", "On"))
        >>> m = Machine(name="m", variables=(s,), transitions=(Transition("t", updates={s: "On"}),))
        >>> from statebound.checker import count, ref
        >>> on = count("m", lambda j: ref("m", "state", j) == "On")
        >>> sorted(System(name="x", instances=(Family("m", m, n=2),), constraint=on < 2).features())
        ['constraint', 'count_of', 'family', 'member']
        """
        out: set[str] = set()
        if self.fairness:
            out.add("fairness")
        if any(t.on is not None and t.emit is not None for _, t in self.transitions()):
            out.add("cascade")
        if self.shared:
            out.add("shared")
        if self.families:
            out.add("family")
        if any(f.symmetric for f in self.families):
            out.add("symmetric")
        variables = [*(v for i in self.instances for v in i.machine.variables), *self.shared]
        if any(isinstance(domain_of(v), Array) for v in variables):
            out.add("array")
        if self.initial is not None:
            out.add("initial")
        if self.constraint is not None:
            out.add("constraint")
        for e in self.expressions():
            out.update(n.op for n in walk(e) if isinstance(n, Op) and n.op in V2_OPS and n.op not in _IMPLIED)
        return frozenset(out)

    # ---------------------------------------------------------------- variants (issue 9)

    def _declared(self) -> list[Instance | Family]:
        """The instances as declared: each family once, where its first member is."""
        out: list[Instance | Family] = []
        seen: set[str] = set()
        for i in self.instances:
            if i.family is None:
                out.append(i)
            elif i.family.name not in seen:
                seen.add(i.family.name)
                out.append(i.family)
        return out

    def replace_instance(self, name: str, machine: Machine) -> System:
        """This system with the instance (or every member of the family) called *name* running
        *machine* instead.

        Examples
        --------
        >>> s = Var("state", Enum("Off", "On"))
        >>> m = Machine(name="m", variables=(s,), transitions=(Transition("t", updates={s: "On"}),))
        >>> sys = System(name="x", instances=(Instance("a", m), Family("b", m, n=2)), check_deadlock=False)
        >>> [i.machine.name for i in sys.replace_instance("b", Machine(name="m2", variables=(s,), transitions=())).instances]
        ['m', 'm2', 'm2']
        """
        out: list[Instance | Family] = []
        found = False
        for d in self._declared():
            if d.name == name:
                found = True
                d = dataclasses.replace(d, machine=machine)
            out.append(d)
        if not found:
            known = [d.name for d in self._declared()]
            raise ModelError(Problem(where=self.name, what=f"has no instance or family {name!r} to replace",
                                     fix=suggest(name, known, default="instances: " + ", ".join(known))))
        return dataclasses.replace(self, instances=tuple(out))  # type: ignore[arg-type]

    def without_event(self, event: str) -> System:
        """This system without broadcast *event*: its emitters no longer emit it and its
        receivers are removed (the way to derive a variant without an emitter, since an event
        emitted but received by no one is a model error).

        Examples
        --------
        >>> s = Var("state", Enum("Off", "On"))
        >>> a = Machine(name="a", variables=(s,), transitions=(Transition("t", updates={s: "On"}, emit="e"),))
        >>> b = Machine(name="b", variables=(s,), transitions=(Transition("r", on="e", updates={s: "On"}),
        ...                                                    Transition("u", updates={s: "Off"})))
        >>> sys = System(name="x", instances=(Instance("a", a), Instance("b", b))).without_event("e")
        >>> [(i.name, [(t.name, t.emit) for t in i.machine.transitions]) for i in sys.instances]
        [('a', [('t', None)]), ('b', [('u', None)])]
        """
        events = {e for _, t in self.transitions() for e in (t.emit, t.on) if e is not None}
        if event not in events:
            raise ModelError(Problem(where=self.name, what=f"no transition emits or receives {event!r}",
                                     fix=suggest(event, events, default="events: " + (", ".join(sorted(events)) or "none"))))
        rebuilt: dict[int, Machine] = {}

        def strip(m: Machine) -> Machine:
            got = rebuilt.get(id(m))
            if got is None:
                ts = tuple(dataclasses.replace(t, emit=None) if t.emit == event else t
                           for t in m.transitions if t.on != event)
                got = rebuilt[id(m)] = m if ts == m.transitions else dataclasses.replace(m, transitions=ts)
            return got

        out = [dataclasses.replace(d, machine=strip(d.machine)) for d in self._declared()]
        return dataclasses.replace(self, instances=tuple(out))  # type: ignore[arg-type]

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
