"""Machines, transitions, instances and systems: the definitions every engine explores.

A definition is checked when it is built; a malformed one raises :class:`ModelError` listing every
problem found, each as ``where: what; how to fix``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Union

from ._typing import Type, TypeProblem, infer, type_of_domain
from .errors import ModelError, Problem, suggest
from .property import as_tags
from .expr import TRUE, Domain, Enum, Expr, Int, Operand, Ref, Var, lit, refs_of, to_text, uses_prev

if TYPE_CHECKING:
    from .property import Property

__all__ = ["Transition", "Machine", "Instance", "System", "FAIRNESS"]

FAIRNESS = ("weak", "strong")

UpdateKey = Union[str, Var]


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

    def __init__(
        self,
        name: str,
        *,
        guard: Operand = TRUE,
        updates: Mapping[UpdateKey, Operand] | Iterable[tuple[UpdateKey, Operand]] = (),
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
            norm.append((key, lit(value)))
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
        problems = list(_machine_problems(self))
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
    """

    name: str
    instances: tuple[Instance, ...]
    properties: tuple[Property, ...] = ()
    terminal: Expr | None = None
    check_deadlock: bool = True
    params: tuple[tuple[str, object], ...] = ()
    slots: tuple[tuple[str, str], ...] = field(init=False, repr=False, compare=False, default=())
    _index: dict[tuple[str, str], int] = field(init=False, repr=False, compare=False, default_factory=dict)
    _by_name: dict[str, Instance] = field(init=False, repr=False, compare=False, default_factory=dict)

    def __post_init__(self) -> None:
        insts = tuple(
            Instance(*i) if isinstance(i, tuple) else i for i in self.instances  # type: ignore[arg-type]
        )
        object.__setattr__(self, "instances", insts)
        object.__setattr__(self, "properties", tuple(self.properties))
        object.__setattr__(self, "params", tuple(self.params))
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
        problems = list(_system_problems(self))
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


# --------------------------------------------------------------------------- well-formedness


def _assignable(target: Domain, value: Type) -> str | None:
    """Why *value* can never be stored in *target*, or None when it (sometimes) can."""
    t = type_of_domain(target)
    if t.kind == "bool":
        return None if value.kind == "bool" else f"a Bool variable cannot hold {value}"
    if t.kind == "int":
        if value.kind != "int":
            return f"an {target} variable cannot hold {value}"
        if value.hi < t.lo or value.lo > t.hi:
            return f"the value ({value}) is always outside {target}"
        return None
    assert t.enum is not None
    if value.kind == "str":
        if value.literal not in t.enum.names:
            return f"{value.literal!r} is not a value of {target}"
        return None
    if value.kind == "enum":
        assert value.enum is not None
        if not set(value.enum.names) & set(t.enum.names):
            return f"{value} shares no value with {target}"
        return None
    return f"an {target} variable cannot hold {value}"


def _local_only(expr: Expr) -> bool:
    return all(r.instance is None for r in refs_of(expr))


def _machine_problems(m: Machine) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, v in enumerate(m.variables):
        where = f"{m.name}/variable {v.name!r}" if isinstance(v, Var) else f"{m.name}/variable #{i}"
        if not isinstance(v, Var):
            yield Problem(where=where, what=f"{v!r} is not a Var", fix="declare it with Var(name, domain)")
            continue
        if not v.name.isidentifier():
            yield Problem(where=where, what="the name is not an identifier", fix="use letters, digits and '_'")
        if v.name in seen:
            yield Problem(where=where, what="declared twice", fix="rename one of them")
        seen.add(v.name)
        if isinstance(v.domain, Int) and v.domain.lo > v.domain.hi:
            yield Problem(where=where, what=f"{v.domain} is empty", fix="lo must be <= hi")
        elif isinstance(v.domain, Enum) and not v.domain.names:
            yield Problem(where=where, what="Enum() has no values", fix="name at least one value")
        for value in v.initial_values:
            if not v.domain.contains(value):
                hint = suggest(value, v.domain.names) if isinstance(v.domain, Enum) and isinstance(value, str) else ""
                yield Problem(
                    where=where,
                    what=f"initial value {value!r} is not in {v.domain}",
                    fix=hint or "choose a value of the domain",
                )
    variables = {v.name: v for v in m.variables if isinstance(v, Var)}
    if m.control is not None:
        cv = variables.get(m.control)
        if cv is None or not isinstance(cv.domain, Enum):
            yield Problem(
                where=f"{m.name}",
                what=f"control={m.control!r} is not an Enum variable of the machine",
                fix=suggest(m.control, variables, default="name an Enum variable"),
            )
    names: set[str] = set()
    for i, t in enumerate(m.transitions):
        if not isinstance(t, Transition):
            yield Problem(where=f"{m.name}/transition #{i}", what=f"{t!r} is not a Transition",
                          fix="declare it with Transition(name, guard=..., updates=...)")
            continue
        where = f"{m.name}/transition {t.name!r}"
        if t.name in names:
            yield Problem(where=where, what="declared twice", fix="give each transition its own name")
        names.add(t.name)
        if t.fair not in (None, *FAIRNESS):
            yield Problem(where=where, what=f"fair={t.fair!r} is not a fairness", fix="use 'weak', 'strong' or None")
        if t.on is not None and t.emit is not None:
            yield Problem(where=where, what="a receiving transition cannot emit", fix="broadcasts do not chain; emit from a transition of its own")
        if t.on is not None and t.fair is not None:
            yield Problem(where=where, what="a receiving transition cannot be fair", fix="make the emitting transition fair instead")
        if any(uses_prev(e) for e in t.expressions()):
            yield Problem(where=where, what="uses prev(), which only a step property can read",
                          fix="guards and updates already read the state before the step; drop prev()")
        for r in (r for e in t.expressions() for r in refs_of(e)):
            if r.instance is None and r.name not in variables:
                yield Problem(
                    where=where,
                    what=f"reads {r.name!r}, which is not a variable of {m.name}",
                    fix=suggest(r.name, variables, default=f"declare it or write ref('instance', {r.name!r})"),
                )
        written: set[str] = set()
        for name, _ in t.updates:
            if name in written:
                yield Problem(where=where, what=f"updates {name!r} twice", fix="assign each variable once per transition")
            written.add(name)
            if "." in name:
                yield Problem(
                    where=where,
                    what=f"updates {name}, a variable of another instance",
                    fix="a transition writes only its own machine's variables; let the other instance "
                    "react to a broadcast (emit=/on=) instead",
                )
            elif name not in variables:
                yield Problem(
                    where=where,
                    what=f"updates {name!r}, which is not a variable of {m.name}",
                    fix=suggest(name, variables, default="a transition writes only its own machine's variables"),
                )
        yield from _expression_problems(t, where, variables, lambda r: (r.name, variables[r.name].domain), local=True)


def _expression_problems(
    t: Transition,
    where: str,
    variables: Mapping[str, Var],
    lookup: object,
    *,
    local: bool,
) -> Iterator[Problem]:
    """Type problems of *t*'s guard and updates; only expressions whose refs are all local
    (``local=True``) or with some foreign ref (``local=False``)."""

    def wanted(e: Expr) -> bool:
        return _local_only(e) == local

    if any(r.instance is None and r.name not in variables for e in t.expressions() for r in refs_of(e)):
        return
    if wanted(t.guard):
        try:
            ty = infer(t.guard, lookup)  # type: ignore[arg-type]
            if ty.kind != "bool":
                yield Problem(where=f"{where} guard", what=f"{to_text(t.guard)!r} is {ty}, not a boolean", fix="compare it, e.g. x == value")
        except TypeProblem as err:
            yield Problem(where=f"{where} guard", what=err.what, fix=err.fix)
    for name, value in t.updates:
        if name not in variables or not wanted(value):
            continue
        try:
            ty = infer(value, lookup)  # type: ignore[arg-type]
        except TypeProblem as err:
            yield Problem(where=f"{where} update {name!r}", what=err.what, fix=err.fix)
            continue
        why = _assignable(variables[name].domain, ty)
        if why:
            yield Problem(where=f"{where} update {name!r}", what=why, fix=f"{name} is {variables[name].domain}")


def _system_problems(s: System) -> Iterator[Problem]:
    seen: set[str] = set()
    for i, inst in enumerate(s.instances):
        if not isinstance(inst, Instance) or not isinstance(inst.machine, Machine):
            yield Problem(where=f"{s.name}/instance #{i}", what=f"{inst!r} is not an Instance of a Machine", fix="use Instance(name, machine)")
            continue
        if not inst.name or any(c.isspace() for c in inst.name) or ":" in inst.name:
            yield Problem(where=f"{s.name}/instance #{i}", what=f"{inst.name!r} is not a usable instance name", fix="use a name without spaces or ':'")
        if inst.name in seen:
            yield Problem(where=f"{s.name}/instance {inst.name!r}", what="declared twice", fix="give each instance its own name")
        seen.add(inst.name)
    if not s.instances:
        yield Problem(where=s.name, what="the system has no instances", fix="add Instance(name, machine) entries")
    emitted: dict[str, list[str]] = {}
    received: dict[str, list[str]] = {}
    for inst in s.instances:
        if not (isinstance(inst, Instance) and isinstance(inst.machine, Machine)):
            continue  # reported above
        m = inst.machine
        variables = {v.name: v for v in m.variables}
        for t in m.transitions:
            where = f"{inst.name}/transition {t.name!r}"
            if t.emit:
                emitted.setdefault(t.emit, []).append(where)
            if t.on:
                received.setdefault(t.on, []).append(where)
            bad_ref = False
            for e in t.expressions():
                for r in refs_of(e):
                    if r.instance is None:
                        continue
                    try:
                        s.resolve(r, inst.name)
                    except TypeProblem as err:
                        bad_ref = True
                        yield Problem(where=where, what=err.what, fix=err.fix)
            if not bad_ref:
                yield from _expression_problems(t, where, variables, lambda r, n=inst.name: s.resolve(r, n), local=False)
            if m.implementation and not bad_ref:
                for e in t.expressions():
                    for r in refs_of(e):
                        if s.is_hidden(r, inst.name):
                            owner = r.instance or inst.name
                            yield Problem(
                                where=where,
                                what=f"the implementation reads hidden variable {owner}.{r.name}",
                                fix="an implementation may act only on what it can observe; "
                                "deliver the information as a broadcast event or an observable variable",
                            )
    for event, wheres in sorted(emitted.items()):
        if event not in received:
            yield Problem(
                where=wheres[0],
                what=f"emits {event!r} but no instance receives it",
                fix=suggest(event, received, default=f"add a transition with on={event!r} or drop emit="),
            )
    for event, wheres in sorted(received.items()):
        if event not in emitted:
            yield Problem(
                where=wheres[0],
                what=f"receives {event!r} but no instance emits it",
                fix=suggest(event, emitted, default="this transition can never fire"),
            )
    if s.terminal is not None:
        try:
            ty = s.type_of(s.terminal, None)
            if ty.kind != "bool":
                # every problem says how to fix it (issue 2: "where: what; how to fix")
                yield Problem(where=f"{s.name}/terminal", what=f"is {ty}, not a boolean",
                              fix="compare it, e.g. x == value")
        except TypeProblem as err:
            yield Problem(where=f"{s.name}/terminal", what=err.what, fix=err.fix)
    names: set[str] = set()
    for p in s.properties:
        if p.name in names:
            yield Problem(where=f"{s.name}/property {p.name!r}", what="declared twice", fix="give each property its own name")
        names.add(p.name)
        yield from p.problems(s)
