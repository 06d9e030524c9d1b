"""Well-formedness of definitions: the checks :mod:`.machine` runs when a machine or a system is built.

Each check yields every :class:`~.errors.Problem` it finds (``where: what; how to fix``), so a
malformed model reports all its problems at once. Split from :mod:`.machine` (issue 7); this
module sits below it and imports its classes only for type checking.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING

from ._typing import SYSTEM_NODES, Lookup, Scope, Type, TypeProblem, infer, type_of_domain
from .errors import Problem, suggest
from .expr import (
    SHARED,
    TRUE,
    V2_OPS,
    Array,
    Bool,
    Const,
    Domain,
    Enum,
    Expr,
    Int,
    Op,
    Var,
    domain_of,
    refs_of,
    to_text,
    uses_prev,
    walk,
)

if TYPE_CHECKING:
    from .machine import Fairness, Family, Instance, Machine, System, Transition

__all__ = ["FAIRNESS", "V2_OPS", "machine_problems", "system_problems"]

#: the fairness a transition may have (``fair=``)
FAIRNESS = ("weak", "strong")


def _assignable(target: Domain | Array, value: Type) -> str | None:
    """Why *value* can never be stored in *target*, or None when it (sometimes) can."""
    t = type_of_domain(target)
    if t.kind == "array":
        assert isinstance(target, Array)
        if value.kind != "array" or value.size != target.size or value.element is None:
            return f"an {target} variable cannot hold {value}"
        why = _assignable(target.element, value.element)
        return None if why is None else f"an element: {why}"
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
    """True when *expr* reads only the firing instance's own variables (and needs no system)."""
    return all(r.instance is None for r in refs_of(expr)) and not any(
        isinstance(n, Op) and n.op in SYSTEM_NODES for n in walk(expr)
    )


def _domain_problems(domain: object) -> Iterator[tuple[str, str]]:
    """(what, fix) for a domain that is not a usable finite domain."""
    if isinstance(domain, Int):
        if domain.lo > domain.hi:
            yield f"{domain} is empty", "lo must be <= hi"
    elif isinstance(domain, Enum):
        if not domain.names:
            yield "Enum() has no values", "name at least one value"
    elif isinstance(domain, Array):
        size = domain.size
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            yield f"size={size!r} is not a positive number of elements", "give size=N with N >= 1"
        if isinstance(domain.element, Array):
            yield "an Array of Arrays is not supported", "use one Array per row, or a family of machines"
        else:
            yield from _domain_problems(domain.element)
    elif not isinstance(domain, Bool):
        yield f"{domain!r} is not a domain", "use Bool(), Enum(...), Int(lo, hi) or Array(element, size=n)"


def _variable_problems(v: Var, where: str) -> Iterator[Problem]:
    """Problems of one variable's declaration: its name, its domain and its initial values."""
    if not v.name.isidentifier():
        yield Problem(where=where, what="the name is not an identifier", fix="use letters, digits and '_'")
    domain = domain_of(v)
    bad_domain = False
    for what, fix in _domain_problems(domain):
        bad_domain = True
        yield Problem(where=where, what=what, fix=fix)
    if callable(v.initial) or isinstance(v.initial, Expr):
        # issue 9: a predicate here used to be reported as a value outside the domain
        kind = "an expression" if isinstance(v.initial, Expr) else "a function"
        yield Problem(
            where=where,
            what=f"initial= is {kind}, not a value",
            fix="give a value or a set of values here; a condition on the initial state goes in "
            "the system's initial predicate, System(initial=...)",
        )
        return
    if bad_domain:
        return
    for value in v.initial_values:
        if not domain.contains(value):
            hint = suggest(value, domain.names) if isinstance(domain, Enum) and isinstance(value, str) else ""
            yield Problem(
                where=where,
                what=f"initial value {value!r} is not in {domain}",
                fix=hint or "choose a value of the domain",
            )


def _repeated_elements(name: str, value: Expr) -> Iterator[str]:
    """``b[k]`` for each constant index *k* written twice by one chain of element updates."""
    seen: set[object] = set()
    node = value
    while isinstance(node, Op) and node.op == "except":
        index = node.args[1]
        if isinstance(index, Const):
            if index.value in seen:
                yield f"{name}[{index.value}]"
            seen.add(index.value)
        node = node.args[0]


def _element_problems(value: Expr, name: str, domain: Array, where: str,
                      infer_: Callable[[Expr], Type]) -> Iterator[Problem]:
    """An element update ``b[i] := v`` whose value can never be an element of *domain*."""
    node = value
    while isinstance(node, Op) and node.op == "except":
        try:
            why = _assignable(domain.element, infer_(node.args[2]))
        except TypeProblem:
            why = None  # reported with the whole update
        if why:
            yield Problem(where=f"{where} update '{name}[{to_text(node.args[1])}]'", what=why,
                          fix=f"the elements of {name} are {domain.element}")
        node = node.args[0]


def machine_problems(m: Machine, transition: type[Transition]) -> Iterator[Problem]:
    """Every problem of machine *m*, in declaration order.

    *transition* is the :class:`~.machine.Transition` class, passed in because this module sits
    below :mod:`.machine` (which calls it from ``Machine.__post_init__``) and cannot import it.
    """
    seen: set[str] = set()
    for i, v in enumerate(m.variables):
        where = f"{m.name}/variable {v.name!r}" if isinstance(v, Var) else f"{m.name}/variable #{i}"
        if not isinstance(v, Var):
            yield Problem(where=where, what=f"{v!r} is not a Var", fix="declare it with Var(name, domain)")
            continue
        if v.name in seen:
            yield Problem(where=where, what="declared twice", fix="rename one of them")
        seen.add(v.name)
        if v.instance is not None:
            yield Problem(where=where, what="is a shared variable, which belongs to the system",
                          fix="list it in System(shared=...) and leave it out of the machine's variables")
            continue
        yield from _variable_problems(v, where)
    variables = {v.name: v for v in m.variables if isinstance(v, Var) and v.instance is None}
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
        if not isinstance(t, transition):
            yield Problem(where=f"{m.name}/transition #{i}", what=f"{t!r} is not a Transition",
                          fix="declare it with Transition(name, guard=..., updates=...)")
            continue
        where = f"{m.name}/transition {t.name!r}"
        if t.name in names:
            yield Problem(where=where, what="declared twice", fix="give each transition its own name")
        names.add(t.name)
        if t.fair not in (None, *FAIRNESS):
            yield Problem(where=where, what=f"fair={t.fair!r} is not a fairness", fix="use 'weak', 'strong' or None")
        # a receiving transition may emit (a cascade, issue 9); cycles are a system's problem
        if t.on is not None and t.fair is not None:
            yield Problem(where=where, what="a receiving transition cannot be fair",
                          fix="make the emitting transition fair instead")
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
        for name, value in t.updates:
            if name in written:
                yield Problem(where=where, what=f"updates {name!r} twice", fix="assign each variable once per transition")
            written.add(name)
            for element in _repeated_elements(name, value):
                yield Problem(where=where, what=f"updates {element} twice", fix="assign each element once per transition")
            if name.startswith(SHARED + "."):
                continue  # a shared variable: the system checks it (issue 9)
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
    lookup: Lookup,
    *,
    local: bool,
    scope: Scope | None = None,
    shared: Callable[[str], Var | None] | None = None,
) -> Iterator[Problem]:
    """Type problems of *t*'s guard and updates; only expressions whose refs are all local
    (``local=True``) or with some foreign ref (``local=False``). At system level (*shared*
    given), updates of shared variables are checked whatever they read."""

    def wanted(e: Expr) -> bool:
        return _local_only(e) == local

    if any(r.instance is None and r.name not in variables for e in t.expressions() for r in refs_of(e)):
        return
    if wanted(t.guard):
        try:
            ty = infer(t.guard, lookup, scope)
            if ty.kind != "bool":
                yield Problem(where=f"{where} guard", what=f"{to_text(t.guard)!r} is {ty}, not a boolean",
                              fix="compare it, e.g. x == value")
        except TypeProblem as err:
            yield Problem(where=f"{where} guard", what=err.what, fix=err.fix)
    for name, value in t.updates:
        var = variables.get(name)
        if var is None and shared is not None and name.startswith(SHARED + "."):
            var = shared(name[len(SHARED) + 1:])
            if var is None:
                continue  # reported by the system's check of shared writes
        elif var is None or not wanted(value):
            continue
        try:
            ty = infer(value, lookup, scope)
        except TypeProblem as err:
            yield Problem(where=f"{where} update {name!r}", what=err.what, fix=err.fix)
            continue
        domain = domain_of(var)
        why = _assignable(domain, ty)
        if not why and isinstance(domain, Array):
            yield from _element_problems(value, name, domain, where, lambda e: infer(e, lookup, scope))
        if why:
            fix = f"{name} is {domain}"
            if "always outside" in why:
                # issue 9: this is decided from the types, whatever the guard: say what to do
                guard = "" if t.guard is TRUE else f" ({to_text(t.guard)})"
                fix += (f"; this is checked whatever the guard{guard} allows, so widen the domain (a "
                        "System(constraint=...) can keep the exploration within the old bounds) or "
                        f"leave the transition out of this variant (machine.without({t.name!r}))")
            yield Problem(where=f"{where} update {name!r}", what=why, fix=fix)


def _usable_name(name: object) -> bool:
    return isinstance(name, str) and bool(name) and not any(c.isspace() for c in name) and ":" not in name


def system_problems(
    s: System,
    instance: type[Instance],
    machine: type[Machine],
    fairness: type[Fairness] | None = None,
    family: type[Family] | None = None,
    warnings: list[Problem] | None = None,
) -> Iterator[Problem]:
    """Every problem of system *s*: its instances and families, shared variables, broadcasts
    and cascades, typing across instances, observability, ``terminal``, ``initial``,
    ``constraint``, fairness groups and its properties (each checks itself).

    *instance*, *machine*, *fairness* and *family* are the classes of :mod:`.machine`, passed in
    as for :func:`machine_problems`. What is odd but not wrong goes to *warnings*.
    """
    seen: set[str] = set()
    for i, inst in enumerate(s.instances):
        if not isinstance(inst, instance) or not isinstance(inst.machine, machine):
            yield Problem(where=f"{s.name}/instance #{i}", what=f"{inst!r} is not an Instance of a Machine",
                          fix="use Instance(name, machine)")
            continue
        if not _usable_name(inst.name):
            yield Problem(where=f"{s.name}/instance #{i}", what=f"{inst.name!r} is not a usable instance name",
                          fix="use a name without spaces or ':'")
        if inst.name in seen:
            yield Problem(where=f"{s.name}/instance {inst.name!r}", what="declared twice", fix="give each instance its own name")
        seen.add(inst.name)
    if not s.instances:
        yield Problem(where=s.name, what="the system has no instances", fix="add Instance(name, machine) entries")
    if family is not None:
        yield from _family_problems(s, instance, family, s.declared_families)
    yield from _shared_problems(s)
    emitted: dict[str, list[str]] = {}
    received: dict[str, list[str]] = {}
    for inst in s.instances:
        if not (isinstance(inst, instance) and isinstance(inst.machine, machine)):
            continue  # reported above
        if inst.family is not None and inst.index != 0:
            continue  # members differ only in SELF's value, which typing does not see: check one
        shown = inst.name if inst.family is None else f"{inst.family.name}[*]"
        m = inst.machine
        variables = {v.name: v for v in m.variables}
        scope = s.scope(inst.name)
        for t in m.transitions:
            where = f"{shown}/transition {t.name!r}"
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
            for name, _ in t.updates:
                if name.startswith(SHARED + ".") and s.shared_variable(name[len(SHARED) + 1:]) is None:
                    bad_ref = True
                    var = name[len(SHARED) + 1:]
                    yield Problem(where=where, what=f"updates {name}, which is not a shared variable of {s.name}",
                                  fix=suggest(var, [v.name for v in s.shared], default="declare it in System(shared=...)"))
            if not bad_ref:
                yield from _expression_problems(t, where, variables, partial(s.resolve, self_instance=inst.name),
                                                local=False, scope=scope, shared=s.shared_variable)
            if m.implementation and not bad_ref:
                yield from _hidden_reads(s, inst.name, t, where)
    for event, wheres in sorted(emitted.items()):
        if event not in received:
            yield Problem(
                where=wheres[0],
                what=f"emits {event!r} but no instance receives it",
                fix=suggest(event, received, default=f"add a transition with on={event!r} or drop emit="),
            )
    for event, wheres in sorted(received.items()):
        if event not in emitted:
            hint = suggest(event, emitted)
            problem = Problem(where=wheres[0], what=f"receives {event!r} but no instance emits it",
                              fix=hint or "this transition can never fire; drop it, or the whole event with "
                              f"system.without_event({event!r})")
            # issue 9: a receiver left without a sender (a variant without the emitter) is only a
            # warning; an event name close to an emitted one is a typo, and stays an error
            if hint or warnings is None:
                yield problem
            else:
                warnings.append(problem)
    yield from _cascade_problems(s, instance, machine)
    for label, expr in (("terminal", s.terminal), ("initial", s.initial), ("constraint", s.constraint)):
        if expr is None:
            continue
        if uses_prev(expr):
            yield Problem(where=f"{s.name}/{label}", what="uses prev(), which only a step property can read",
                          fix="a state predicate reads one state; drop prev()")
            continue
        try:
            ty = s.type_of(expr, None)
            if ty.kind != "bool":
                # every problem says how to fix it (issue 2: "where: what; how to fix")
                yield Problem(where=f"{s.name}/{label}", what=f"is {ty}, not a boolean",
                              fix="compare it, e.g. x == value")
        except TypeProblem as err:
            yield Problem(where=f"{s.name}/{label}", what=err.what, fix=err.fix)
    if fairness is not None:
        yield from _fairness_problems(s, fairness)
    names: set[str] = set()
    for p in s.properties:
        if p.name in names:
            yield Problem(where=f"{s.name}/property {p.name!r}", what="declared twice", fix="give each property its own name")
        names.add(p.name)
        yield from p.problems(s)


def _hidden_reads(s: System, me: str, t: Transition, where: str) -> Iterator[Problem]:
    """An implementation's reads of hidden variables (its own, another instance's, a shared
    one, or a family member's through ref(family, variable, index))."""
    fix = ("an implementation may act only on what it can observe; "
           "deliver the information as a broadcast event or an observable variable")
    for e in t.expressions():
        for r in refs_of(e):
            if s.is_hidden(r, me):
                owner = r.instance or me
                yield Problem(where=where, what=f"the implementation reads hidden variable {owner}.{r.name}", fix=fix)
        for n in walk(e):
            if isinstance(n, Op) and n.op == "member" and isinstance(n.args[0], Const) and isinstance(n.args[2], Const):
                fam, var = str(n.args[0].value), str(n.args[2].value)
                try:
                    hidden = s.family(fam).machine.variable(var)
                except KeyError:
                    continue
                if hidden is not None and hidden.hidden:
                    yield Problem(where=where, what=f"the implementation reads hidden variable {fam}[...].{var}", fix=fix)


def _family_problems(s: System, instance: type[Instance], family: type[Family],
                     given: tuple[Family, ...] = ()) -> Iterator[Problem]:
    """Each family: a usable name, a positive size, and all its members in the system, once."""
    members: dict[str, list[Instance]] = {}
    fams: dict[str, Family] = {}
    for inst in s.instances:
        if isinstance(inst, instance) and inst.family is not None:
            members.setdefault(inst.family.name, []).append(inst)
            fams.setdefault(inst.family.name, inst.family)
    for fam in given:
        if fam.name not in fams:  # no member at all: n is not a positive number
            fams[fam.name] = fam
            members[fam.name] = []
    for name, fam in fams.items():
        where = f"{s.name}/family {name!r}"
        if not isinstance(fam, family):
            yield Problem(where=where, what=f"{fam!r} is not a Family", fix="use Family(name, machine, n)")
            continue
        if not _usable_name(name) or any(c in name for c in "[]."):
            yield Problem(where=where, what="is not a usable family name", fix="use a name without spaces, ':', '.', '[' or ']'")
        n = fam.n
        if not isinstance(n, int) or isinstance(n, bool) or n < 1:
            yield Problem(where=where, what=f"n={n!r} is not a positive number of members", fix="give n=N with N >= 1")
            continue
        got = members[name]
        if any(i.family is not fam and i.family != fam for i in got) or [i.index for i in got] != list(range(n)) or [
            i.name for i in got
        ] != [fam.member(k) for k in range(n)]:
            yield Problem(where=where, what=f"has {n} members but the system lists " + ", ".join(i.name for i in got),
                          fix="put the Family itself in instances=, not some of its members")


def _shared_problems(s: System) -> Iterator[Problem]:
    """The shared variables: declared once each, with usable domains and initial values."""
    seen: set[str] = set()
    for k, v in enumerate(s.shared):
        if not isinstance(v, Var):
            yield Problem(where=f"{s.name}/shared #{k}", what=f"{v!r} is not a Var",
                          fix="declare it with shared(name, domain) or Var(name, domain)")
            continue
        where = f"{s.name}/shared {v.name!r}"
        if v.name in seen:
            yield Problem(where=where, what="declared twice", fix="rename one of them")
        seen.add(v.name)
        yield from _variable_problems(v, where)
    if s.shared and any(getattr(i, "name", None) == SHARED for i in s.instances):
        yield Problem(where=f"{s.name}/instance {SHARED!r}",
                      what=f"the name {SHARED!r} is where the shared variables live",
                      fix="rename the instance")


def _writes_shared(t: Transition) -> set[str]:
    return {name for name, _ in t.updates if name.startswith(SHARED + ".")}


def _cascade_problems(s: System, instance: type[Instance], machine: type[Machine]) -> Iterator[Problem]:
    """Cascades (issue 9): no cycle of events, and no shared variable written by a sender and a
    receiver it can set off in the same step."""
    insts = [i for i in s.instances if isinstance(i, instance) and isinstance(i.machine, machine)]
    # event -> the events its receivers emit
    follows: dict[str, set[str]] = {}
    receivers: dict[str, list[tuple[str, Transition]]] = {}
    for inst in insts:
        for t in inst.machine.transitions:
            if t.on is not None:
                receivers.setdefault(t.on, []).append((inst.name, t))
                if t.emit is not None:
                    follows.setdefault(t.on, set()).add(t.emit)
    reported: set[frozenset[str]] = set()
    for start in sorted(follows):
        path = _cycle_from(start, follows)
        if path is not None and frozenset(path) not in reported:
            reported.add(frozenset(path))
            where = next(f"{i}/transition {t.name!r}" for i, t in receivers[path[-2]] if t.emit == path[-1])
            yield Problem(where=where, what="events cascade in a cycle: " + " -> ".join(path),
                          fix="a receiver may emit only events that do not lead back to the one it receives")
    if not any(_writes_shared(t) for i in insts for t in i.machine.transitions):
        return
    for inst in insts:
        for t in inst.machine.transitions:
            if t.emit is None or t.on is not None:
                continue
            mine = _writes_shared(t)
            if not mine:
                continue
            for other, r in _set_off(inst.name, t.emit, receivers):
                both = sorted(mine & _writes_shared(r))
                if both:
                    yield Problem(
                        where=f"{inst.name}/transition {t.name!r}",
                        what=f"writes {both[0]}, and so does {other}/transition {r.name!r}, which its event "
                        f"{t.emit!r} sets off in the same step",
                        fix="two writes to one variable in one step are a model error; let one of them write it",
                    )


def _cycle_from(start: str, follows: Mapping[str, set[str]]) -> list[str] | None:
    """A cycle of events through *start* (``[start, ..., start]``), or None."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    visited: set[str] = set()
    while stack:
        event, path = stack.pop()
        for nxt in sorted(follows.get(event, ()), reverse=True):
            if nxt == start:
                return [*path, start]
            if nxt not in visited:
                visited.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def _set_off(sender: str, event: str, receivers: Mapping[str, list[tuple[str, Transition]]]) -> list[tuple[str, Transition]]:
    """Every (instance, receiver) a step of *sender* emitting *event* may fire, cascades included."""
    out: list[tuple[str, Transition]] = []
    seen: set[tuple[str, str]] = set()
    todo = [event]
    done: set[str] = set()
    while todo:
        e = todo.pop()
        if e in done:
            continue
        done.add(e)
        for inst, r in receivers.get(e, ()):
            if inst == sender or (inst, r.name) in seen:
                continue
            seen.add((inst, r.name))
            out.append((inst, r))
            if r.emit is not None:
                todo.append(r.emit)
    return out


def _fairness_problems(s: System, fairness: type[Fairness]) -> Iterator[Problem]:
    """Problems of ``System(fairness=...)``: the kind, and every (instance, transition) named."""
    by_name = {i.name: i for i in s.instances if hasattr(i, "machine") and hasattr(i.machine, "transitions")}
    named: set[str] = set()
    for k, group in enumerate(s.fairness):
        if not isinstance(group, fairness):
            yield Problem(where=f"{s.name}/fairness #{k}", what=f"{group!r} is not a Fairness",
                          fix="declare it with Fairness('weak' or 'strong', ((instance, transition), ...))")
            continue
        where = f"{s.name}/fairness {group.name!r}" if group.name else f"{s.name}/fairness #{k}"
        if group.name:
            if group.name in named:
                yield Problem(where=where, what="declared twice", fix="give each fairness group its own name")
            named.add(group.name)
        if group.kind not in FAIRNESS:
            yield Problem(where=where, what=f"kind {group.kind!r} is not a fairness", fix="use 'weak' or 'strong'")
        pairs = group.transitions
        if not isinstance(pairs, tuple) or not all(
            isinstance(p, tuple) and len(p) == 2 and all(isinstance(x, str) for x in p) for p in pairs
        ):
            yield Problem(where=where, what=f"transitions={pairs!r} is not a tuple of (instance, transition) names",
                          fix="write transitions=(('instance', 'transition'), ...)")
            continue
        if not pairs:
            yield Problem(where=where, what="names no transition", fix="list at least one (instance, transition)")
        seen: set[tuple[str, str]] = set()
        for iname, tname in pairs:
            if (iname, tname) in seen:
                yield Problem(where=where, what=f"lists {iname}.{tname} twice", fix="list each transition once")
                continue
            seen.add((iname, tname))
            inst = by_name.get(iname)
            if inst is None:
                yield Problem(where=where, what=f"there is no instance {iname!r}",
                              fix=suggest(iname, by_name, default="instances: " + ", ".join(by_name)))
                continue
            t = inst.machine.transition(tname)
            if t is None:
                names = [x.name for x in inst.machine.transitions]
                yield Problem(where=where, what=f"instance {iname!r} has no transition {tname!r}",
                              fix=suggest(tname, names, default="transitions: " + ", ".join(names)))
            elif t.on is not None:
                yield Problem(where=where, what=f"{iname}.{tname} is a receiving transition, which cannot be fair",
                              fix="make the emitting transitions fair instead")
