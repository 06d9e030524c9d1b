"""Well-formedness of definitions: the checks :mod:`.machine` runs when a machine or a system is built.

Each check yields every :class:`~.errors.Problem` it finds (``where: what; how to fix``), so a
malformed model reports all its problems at once. Split from :mod:`.machine` (issue 7); this
module sits below it and imports its classes only for type checking.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING

from ._typing import Lookup, Type, TypeProblem, infer, type_of_domain
from .errors import Problem, suggest
from .expr import Domain, Enum, Expr, Int, Var, refs_of, to_text, uses_prev

if TYPE_CHECKING:
    from .machine import Fairness, Instance, Machine, System, Transition

__all__ = ["FAIRNESS", "machine_problems", "system_problems"]

#: the fairness a transition may have (``fair=``)
FAIRNESS = ("weak", "strong")


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
        if t.on is not None and t.emit is not None:
            yield Problem(where=where, what="a receiving transition cannot emit",
                          fix="broadcasts do not chain; emit from a transition of its own")
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
    lookup: Lookup,
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
            ty = infer(t.guard, lookup)
            if ty.kind != "bool":
                yield Problem(where=f"{where} guard", what=f"{to_text(t.guard)!r} is {ty}, not a boolean",
                              fix="compare it, e.g. x == value")
        except TypeProblem as err:
            yield Problem(where=f"{where} guard", what=err.what, fix=err.fix)
    for name, value in t.updates:
        if name not in variables or not wanted(value):
            continue
        try:
            ty = infer(value, lookup)
        except TypeProblem as err:
            yield Problem(where=f"{where} update {name!r}", what=err.what, fix=err.fix)
            continue
        why = _assignable(variables[name].domain, ty)
        if why:
            yield Problem(where=f"{where} update {name!r}", what=why, fix=f"{name} is {variables[name].domain}")


def system_problems(
    s: System, instance: type[Instance], machine: type[Machine], fairness: type[Fairness] | None = None
) -> Iterator[Problem]:
    """Every problem of system *s*: its instances, broadcasts, typing across instances,
    observability, ``terminal``, fairness groups and its properties (each checks itself).

    *instance*, *machine* and *fairness* are the classes of :mod:`.machine`, passed in as for
    :func:`machine_problems`.
    """
    seen: set[str] = set()
    for i, inst in enumerate(s.instances):
        if not isinstance(inst, instance) or not isinstance(inst.machine, machine):
            yield Problem(where=f"{s.name}/instance #{i}", what=f"{inst!r} is not an Instance of a Machine",
                          fix="use Instance(name, machine)")
            continue
        if not inst.name or any(c.isspace() for c in inst.name) or ":" in inst.name:
            yield Problem(where=f"{s.name}/instance #{i}", what=f"{inst.name!r} is not a usable instance name",
                          fix="use a name without spaces or ':'")
        if inst.name in seen:
            yield Problem(where=f"{s.name}/instance {inst.name!r}", what="declared twice", fix="give each instance its own name")
        seen.add(inst.name)
    if not s.instances:
        yield Problem(where=s.name, what="the system has no instances", fix="add Instance(name, machine) entries")
    emitted: dict[str, list[str]] = {}
    received: dict[str, list[str]] = {}
    for inst in s.instances:
        if not (isinstance(inst, instance) and isinstance(inst.machine, machine)):
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
                yield from _expression_problems(t, where, variables, partial(s.resolve, self_instance=inst.name), local=False)
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
    if fairness is not None:
        yield from _fairness_problems(s, fairness)
    names: set[str] = set()
    for p in s.properties:
        if p.name in names:
            yield Problem(where=f"{s.name}/property {p.name!r}", what="declared twice", fix="give each property its own name")
        names.add(p.name)
        yield from p.problems(s)


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
