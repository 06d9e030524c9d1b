"""Compile a System once into Python functions over state tuples (the explicit engines' core).

Each guard and update is turned into Python source exactly once; the successor function of the
whole system is generated as a single function with every guard inlined, so exploring a state
costs about what a hand-written successor function would. The generated code grows linearly
with the system, and compiling can stop at a deadline (:class:`DeadlineReached`).
"""

from __future__ import annotations

import itertools
import math
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, replace
from typing import Any

from ._codegen import Env, state_source, to_python
from ._typing import Type, fits, infer
from .errors import ModelError, Problem
from .expr import SHARED, Array, Const, Domain, Enum, Expr, Int, Op, Ref, domain_of, operands, to_text, walk
from .machine import Instance, System, Transition
from .result import Change, StateValues, Step, Trace, show_value

__all__ = ["Compiled", "Action", "Label", "OutOfDomain", "DeadlineReached", "compile_system"]

State = tuple[Any, ...]
#: the writes of one transition, as (slot, value) pairs
Writes = tuple[tuple[int, Any], ...]
#: an int (action index) for a plain step; (action, ((instance index, transition), ...)) for a broadcast,
#: its receivers wave by wave when they cascade (issue 9)
Label = Any

#: systems with more instances than this share each event's receivers between its senders
SHARED_RECEIVERS_FROM = 32


class OutOfDomain(Exception):
    """An update produced a value outside its variable's domain (found while exploring).

    Since issue 9 it also stands for the other model errors found while exploring: an index
    outside an array or a family, a division by zero, and two writes of one shared variable in
    one step. Each has its own site (see :meth:`Compiled.domain_error`), and engines that catch
    this exception report them all alike, with the trace that reaches them.
    """

    def __init__(self, site: int, value: Any) -> None:
        super().__init__(site, value)
        self.site = site
        self.value = value


@dataclass(frozen=True, slots=True)
class _Site:
    """Where a run-time check sits: ``kind`` is ``domain`` (an update's value), ``index``
    (an array's or a family's), ``zero`` (a divisor) or ``writers`` (a shared variable)."""

    kind: str
    where: str
    what: str  # the variable (domain, writers) or the expression (index, zero)
    detail: str = ""  # the domain, or the range of indices


@dataclass(frozen=True, slots=True)
class _Receiver:
    """A receiving transition, for the general broadcast of :meth:`Compiled._wave`."""

    instance: int
    name: str
    order: int  # its place in its machine, which orders the choices of one instance
    emit: str | None
    where: str
    event: str


@dataclass(frozen=True, slots=True)
class Action:
    """A transition of one instance that can fire on its own (not a receiver)."""

    index: int
    instance: int
    inst: Instance
    transition: Transition

    @property
    def label(self) -> str:
        return f"{self.inst.name}.{self.transition.name}"


class DeadlineReached(Exception):
    """Compiling passed the deadline given to :func:`compile_system`; nothing was explored.

    ``done`` instances of ``total`` had been compiled. A caller with a time budget reports the
    check as inconclusive (the budget ran out before exploring began).
    """

    def __init__(self, done: int, total: int) -> None:
        super().__init__(done, total)
        self.done = done
        self.total = total

    def __str__(self) -> str:
        return f"compiling stopped at its deadline after {self.done} of {self.total} instances"


class Compiled:
    """A system compiled to closures. Built once per check; read-only afterwards.

    The generated code grows linearly with the system (issue 8: it grew with the square of the
    instances): a step's code names only the slots it writes (see :func:`._codegen.state_source`),
    and the receivers of each broadcast event are generated once, in a function every sender of
    that event calls, rather than copied into each sender.
    """

    def __init__(self, system: System, *, deadline: float | None = None) -> None:
        self.system = system
        self.instances = system.instances
        self.actions: list[Action] = []
        self.receivers: dict[str, list[tuple[int, Transition]]] = {}
        for i, inst in enumerate(system.instances):
            for t in inst.machine.transitions:
                if t.on is None:
                    self.actions.append(Action(len(self.actions), i, inst, t))
                else:
                    self.receivers.setdefault(t.on, []).append((i, t))
        self._sites: list[_Site] = []
        self._ns: dict[str, Any] = {
            "_c": _check_int, "_ce": _check_enum, "_product": itertools.product,
            "_ca": _check_domain, "_ix": _check_index, "_dz": _check_divisor, "_ex": _replace_element,
        }
        self._tables: dict[tuple[str, str], tuple[str, tuple[int, ...]]] = {}
        self._initial: list[State] | None = None
        self._code: list[str] = []  # every piece of generated source, in the order it was run
        self._width = len(system.slots)
        self._events = {event: j for j, event in enumerate(self.receivers)}
        self._senders: dict[str, set[int]] = {}
        for a in self.actions:
            if a.transition.emit is not None:
                self._senders.setdefault(a.transition.emit, set()).add(a.instance)
        self._cascades = self._cascading_events()
        self._receiver_table: dict[str, list[tuple[_Receiver, Callable[[State], bool], Callable[[State], Writes]]]] = {}
        self.successors: Callable[[State], list[tuple[Label, State]]] = self._generate(deadline)
        self.guards: list[Callable[[State], bool]] = [self._ns[f"_g{a.index}"] for a in self.actions]
        self.control_slots = frozenset(
            system.slot_of(inst.name, inst.machine.control)
            for inst in system.instances
            if inst.machine.control is not None
        )
        #: is a state inside System(constraint=...), i.e. expanded (issue 9); None without one
        self.in_constraint: Callable[[State], bool] | None = (
            None if system.constraint is None else self.expr_fn(system.constraint, None)
        )

    def expands(self, s: State) -> bool:
        """True when the search expands *s*: it satisfies the system's constraint (if any).
        A state outside it has no successors, and is not a deadlock for that reason."""
        return self.in_constraint is None or bool(self.in_constraint(s))

    # ------------------------------------------------------------------ expressions

    def source(self, expr: Expr, self_instance: str | None, where: str | None = None) -> str:
        """Python source of *expr* read by *self_instance*; *where* names it in the messages of
        its run-time checks (an index out of range, a division by zero)."""
        return to_python(expr, lambda r: self.system.slot(r, self_instance), env=self._env(self_instance, where, expr))

    def _env(self, self_instance: str | None, where: str | None, expr: Expr) -> Env:
        system = self.system
        inst = system._by_name.get(self_instance) if self_instance is not None else None
        scope = system.scope(self_instance)
        lookup = system.resolve

        def type_of(e: Expr, bound: Mapping[str, Type]) -> Type:
            return infer(e, lambda r: lookup(r, self_instance), replace(scope, bound=bound))

        def site(kind: str, node: Expr) -> int:
            return self._site(_Site(kind, where or f"the expression {to_text(expr)}", to_text(node),
                                    self._range_of(node, type_of)))

        return Env(
            self_index=inst.index if inst is not None and inst.family is not None else None,
            members=self._member_table,
            family_size=lambda f: system.family(f).n,
            type_of=type_of,
            site=site,
        )

    def _range_of(self, node: Expr, type_of: Callable[[Expr, Mapping[str, Type]], Type]) -> str:
        """The indices *node* may use, for messages (``0..2``), when it indexes something."""
        if isinstance(node, Op) and node.op == "member" and isinstance(node.args[0], Const):
            return f"0..{self.system.family(str(node.args[0].value)).n - 1}"
        if isinstance(node, Op) and node.op in ("item", "except"):
            try:
                return f"0..{type_of(node.args[0], {}).size - 1}"
            except Exception:  # noqa: BLE001 - only decoration of a message
                return ""
        return ""

    def _site(self, site: _Site) -> int:
        self._sites.append(site)
        return len(self._sites) - 1

    def _member_table(self, family: str, variable: str) -> tuple[str, tuple[int, ...]]:
        got = self._tables.get((family, variable))
        if got is None:
            slots = self.system.member_slots(family, variable)
            name = f"_M{len(self._tables)}"
            self._ns[name] = slots
            got = self._tables[(family, variable)] = (name, slots)
        return got

    def expr_fn(self, expr: Expr, self_instance: str | None) -> Callable[[State], Any]:
        """A function evaluating *expr* on a state tuple.

        A run-time check that fails in it (an index out of range, a division by zero) raises
        :class:`ModelError` naming the expression and the state (its callers, which evaluate
        properties, have no trace at hand)."""
        src = self.source(expr, self_instance)
        fn: Callable[[State], Any] = eval("lambda s: " + src, self._ns)  # noqa: S307 - our own generated code
        if "_ix(" not in src and "_dz(" not in src:
            return fn
        return self._guarded(fn)

    def step_fn(self, expr: Expr, self_instance: str | None) -> Callable[[State, State], Any]:
        """A function of (state before, state after) evaluating *expr* after a step, where
        ``prev(...)`` reads the state before."""
        src = self.source(expr, self_instance)
        fn: Callable[[State, State], Any] = eval("lambda p, s: " + src, self._ns)  # noqa: S307
        if "_ix(" not in src and "_dz(" not in src:
            return fn

        def run(p: State, s: State) -> Any:
            try:
                return fn(p, s)
            except OutOfDomain as err:
                raise self.state_error(err, s) from None
        return run

    def _guarded(self, fn: Callable[[State], Any]) -> Callable[[State], Any]:
        def run(s: State) -> Any:
            try:
                return fn(s)
            except OutOfDomain as err:
                raise self.state_error(err, s) from None
        return run

    def state_error(self, err: OutOfDomain, s: State) -> ModelError:
        """The model error of a run-time check that failed outside a step (evaluating a
        property or a predicate) in state *s*: no trace is at hand, so the state is shown."""
        shown = ", ".join(f"{i}.{v}={show_value(x)}" for (i, v), x in zip(self.system.slots, s, strict=False))
        return ModelError(self._problem(err, f" in the state {shown}" if shown else ""))

    def _problem(self, err: OutOfDomain, when: str) -> Problem:
        site = self._sites[err.site]
        trace_note = " (the trace that reaches it is shown)" if when else ""
        if site.kind == "domain":
            return Problem(
                where=site.where,
                what=f"update {site.what} := {err.value!r} is outside {site.detail}{when}",
                fix=f"widen the domain or guard the transition{trace_note}",
            )
        if site.kind == "index":
            within = f" outside {site.detail}" if site.detail else " out of range"
            return Problem(where=site.where, what=f"{site.what} reads index {err.value!r},{within}{when}",
                           fix=f"keep the index in range (guard the transition, or ite()){trace_note}")
        if site.kind == "zero":
            return Problem(where=site.where, what=f"{site.what} divides by zero{when}",
                           fix=f"keep the divisor away from 0 (guard the transition, or ite()){trace_note}")
        sender, first, second = err.value
        return Problem(
            where=sender,
            what=f"{first} and {second} both write {site.what} in one step{when}",
            fix=f"two writes to one variable in one step are a model error: let one of them write it{trace_note}",
        )

    def generated_source(self) -> str:
        """All the Python source generated for the system (for debugging, and to test its size)."""
        return "\n\n".join(self._code)

    def _run(self, code: str) -> None:
        self._code.append(code)
        exec(code, self._ns)  # noqa: S102 - our own generated code

    def _variable(self, inst: Instance, var: str) -> tuple[int, Domain | Array]:
        """(slot, domain) of the variable *inst* writes as *var* (its own, or a shared one)."""
        if var.startswith(SHARED + "."):
            name = var[len(SHARED) + 1:]
            shared = self.system.shared_variable(name)
            assert shared is not None
            return self.system.slot_of(SHARED, name), domain_of(shared)
        v = inst.machine.variable(var)
        assert v is not None
        return self.system.slot_of(inst.name, var), domain_of(v)

    def _value_source(self, inst: Instance, t: Transition, var: str, value: Expr) -> str:
        """Source of an update value, wrapped in a domain check unless it provably fits."""
        _, domain = self._variable(inst, var)
        where = f"{inst.name}/transition {t.name!r}"
        src = self.source(value, inst.name, where)
        ty = self.system.type_of(value, inst.name)
        if isinstance(domain, Int):
            if domain.lo <= ty.lo and ty.hi <= domain.hi:
                return src
            site = self._site(_Site("domain", where, var, str(domain)))
            return f"_c({src}, {domain.lo}, {domain.hi}, {site})"
        if isinstance(domain, Enum) and ty.kind == "enum":
            assert ty.enum is not None
            if set(ty.enum.names) <= set(domain.names):
                return src
            site = self._site(_Site("domain", where, var, str(domain)))
            return f"_ce({src}, {frozenset(domain.names)!r}, {site})"
        if isinstance(domain, Array) and not fits(ty, domain):
            site = self._site(_Site("domain", where, var, str(domain)))
            name = f"_D{site}"
            self._ns[name] = domain
            return f"_ca({src}, {name}, {site})"
        return src

    def _writes(self, inst: Instance, t: Transition) -> dict[int, str]:
        """Slot -> source of each value *t* of *inst* writes, in the order of its updates."""
        return {self._variable(inst, var)[0]: self._value_source(inst, t, var, value) for var, value in t.updates}

    # ------------------------------------------------------------------ successors

    def _generate(self, deadline: float | None) -> Callable[[State], list[tuple[Label, State]]]:
        """Generate and run the code of every instance in turn (checking *deadline* between
        them), then the broadcasts and the successor function of the whole system."""
        lines = ["def successors(s):"]
        if self.system.constraint is not None:
            # issue 9: a state outside the constraint is kept but not expanded
            where = f"{self.system.name}/constraint"
            constraint = self.source(self.system.constraint, None, where)
            self._run(f"def _constraint(s):\n    return {constraint}")
            lines += [f"    if not {constraint}:", "        return []"]
        lines += ["    out = []", "    app = out.append"]
        #: per event, (receiving instance, the lines that offer its enabled receivers)
        receiving: dict[str, list[tuple[int, list[str]]]] = {event: [] for event in self._events}
        senders: list[Action] = []
        cascading: list[Action] = []
        by_instance: dict[int, list[Action]] = {}
        for a in self.actions:
            by_instance.setdefault(a.instance, []).append(a)
        total = len(self.instances)
        for i, inst in enumerate(self.instances):
            if deadline is not None and time.perf_counter() > deadline:
                raise DeadlineReached(i, total)
            code: list[str] = []
            for a in by_instance.get(i, []):
                guard = self.source(a.transition.guard, inst.name, f"{inst.name}/transition {a.transition.name!r}")
                code.append(f"def _g{a.index}(s):\n    return {guard}")
                lines.append(f"    if {guard}:")
                if a.transition.emit is not None:
                    (cascading if a.transition.emit in self._cascades else senders).append(a)
                    lines.append(f"        out.extend(_b{a.index}(s))")
                else:
                    new = state_source(self._width, self._writes(inst, a.transition))
                    code.append(f"def _a{a.index}(s):\n    return {new}")
                    lines.append(f"        app(({a.index}, {new}))")
            for event, block in self._receiver_blocks(i, inst):
                receiving[event].append((i, block))
            if code:
                self._run("\n".join(code))
        if deadline is not None and time.perf_counter() > deadline:
            raise DeadlineReached(total, total)
        # A small system copies the receivers into each sender's code (a call less per step); a
        # large one generates them once per event, shared by its senders, because copying them
        # grew the code with senders x receivers (issue 8: 1,000 instances did not compile).
        shared = total > SHARED_RECEIVERS_FROM
        code = []
        if shared:
            for event, blocks in receiving.items():
                code.append(self._receivers_source(event, blocks))
        code += [self._sender_source(a, receiving, shared=shared) for a in senders]
        if code:
            self._run("\n".join(code))
        if cascading:
            self._generate_cascades(cascading)
        lines.append("    return out")
        self._run("\n".join(lines))
        return self._ns["successors"]  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ cascades (issue 9)

    def _cascading_events(self) -> set[str]:
        """The events whose steps need the general broadcast: a receiver they set off (directly
        or down a cascade) emits, or writes a shared variable (two receivers may then both
        write it, which is checked while exploring)."""
        out: set[str] = set()
        for event in {a.transition.emit for a in self.actions if a.transition.emit is not None}:
            todo, seen = [event], set()
            while todo:
                e = todo.pop()
                if e in seen:
                    continue
                seen.add(e)
                for _, t in self.receivers.get(e, ()):
                    if t.emit is not None or any(name.startswith(SHARED + ".") for name, _ in t.updates):
                        out.add(event)
                    if t.emit is not None:
                        todo.append(t.emit)
        return out

    def _generate_cascades(self, senders: list[Action]) -> None:
        """Functions for the steps of *senders*, whose broadcasts cascade or write shared
        variables: each receiver's guard and writes are generated; :meth:`_cascade` combines
        them wave by wave."""
        code: list[str] = []
        entries: list[_Receiver] = []
        for event, rs in self.receivers.items():
            for i, t in rs:
                inst = self.instances[i]
                k = len(entries)
                where = f"{inst.name}/transition {t.name!r}"
                code.append(f"def _rg{k}(s):\n    return {self.source(t.guard, inst.name, where)}")
                writes = "".join(f"({slot}, {src}), " for slot, src in self._writes(inst, t).items())
                code.append(f"def _rw{k}(s):\n    return ({writes})")
                order = inst.machine.transitions.index(t)
                entries.append(_Receiver(i, t.name, order, t.emit, where, event))
        for a in senders:
            writes = "".join(f"({slot}, {src}), " for slot, src in self._writes(a.inst, a.transition).items())
            code.append(f"def _bw{a.index}(s):\n    return ({writes})")
        self._run("\n".join(code))
        table: dict[str, list[tuple[_Receiver, Callable[[State], bool], Callable[[State], Writes]]]] = {}
        for k, entry in enumerate(entries):
            table.setdefault(entry.event, []).append((entry, self._ns[f"_rg{k}"], self._ns[f"_rw{k}"]))
        self._receiver_table = table
        for a in senders:
            self._ns[f"_b{a.index}"] = self._cascade_fn(a, self._ns[f"_bw{a.index}"])

    def _cascade_fn(self, a: Action, base: Callable[[State], Writes]) -> Callable[[State], list[tuple[Label, State]]]:
        where = f"{a.inst.name}/transition {a.transition.name!r}"
        event = a.transition.emit
        assert event is not None

        def steps(s: State) -> list[tuple[Label, State]]:
            out: list[tuple[Label, State]] = []
            written = dict(base(s))
            self._wave(s, a, frozenset({a.instance}), (), written, dict.fromkeys(written, where), frozenset({event}),
                       where, out)
            return out
        return steps

    def _wave(self, s: State, a: Action, part: frozenset[int], recv: tuple[tuple[int, str], ...],
              written: dict[int, Any], writer: dict[int, str], events: frozenset[str], sender: str,
              out: list[tuple[Label, State]]) -> None:
        """One wave of a cascade: every instance not yet in the step with an enabled receiver
        for one of *events* fires one (each choice a step of its own), then the events those
        emit make the next wave; guards and values all read *s*, the state before the step."""
        offers: dict[int, list[tuple[_Receiver, Callable[[State], Writes]]]] = {}
        for event in sorted(events):
            for entry, guard, writes in self._receiver_table.get(event, ()):
                if entry.instance not in part and guard(s):
                    offers.setdefault(entry.instance, []).append((entry, writes))
        if not offers:
            new = list(s)
            for k, v in written.items():
                new[k] = v
            out.append(((a.index, recv), tuple(new)))
            return
        choices = [sorted(offers[i], key=lambda o: o[0].order) for i in sorted(offers)]
        for combo in itertools.product(*choices):
            now = dict(written)
            who = dict(writer)
            emitted: set[str] = set()
            for entry, writes in combo:
                for k, v in writes(s):
                    if k in now:
                        raise OutOfDomain(self._writers_site(k), (sender, who[k], entry.where))
                    now[k] = v
                    who[k] = entry.where
                if entry.emit is not None:
                    emitted.add(entry.emit)
            step = recv + tuple((entry.instance, entry.name) for entry, _ in combo)
            joined = part | {entry.instance for entry, _ in combo}
            self._wave(s, a, joined, step, now, who, frozenset(emitted), sender, out)

    def _writers_site(self, slot: int) -> int:
        inst, var = self.system.slots[slot]
        return self._site(_Site("writers", "", f"{inst}.{var}"))

    def _receiver_blocks(self, i: int, inst: Instance) -> Iterator[tuple[str, list[str]]]:
        """Per event *inst* receives, the lines that add its enabled receivers to ``opts`` (one
        choice per receiving instance; several enabled receivers in it are a nondeterministic
        choice)."""
        by_event: dict[str, list[Transition]] = {}
        for t in inst.machine.transitions:
            if t.on is not None:
                by_event.setdefault(t.on, []).append(t)
        for event, ts in by_event.items():
            block = ["g = []"]
            for t in ts:
                guard = self.source(t.guard, inst.name, f"{inst.name}/transition {t.name!r}")
                # one trailing comma per item: a receiver without updates must give "()", not
                # the syntax error "(,)" (found by the zoo's broadcast-choice model)
                writes = "".join(f"({k}, {src}), " for k, src in self._writes(inst, t).items())
                block.append(f"if {guard}:")
                block.append(f"    g.append((({i}, {t.name!r}), ({writes})))")
            block += ["if g:", "    opts.append(g)", "    if len(g) > 1:", "        multi = True"]
            yield event, block

    def _receivers_source(self, event: str, blocks: list[tuple[int, list[str]]]) -> str:
        """A function ``_r<j>(s, sender)`` giving ``(opts, multi)`` for *event*: every receiving
        instance but the sender offers its enabled receivers."""
        may_send = self._senders.get(event, set())
        lines = [f"def _r{self._events[event]}(s, sender):", "    opts = []", "    multi = False"]
        for i, block in blocks:
            if i in may_send:
                lines.append(f"    if sender != {i}:")
                lines += [f"        {line}" for line in block]
            else:
                lines += [f"    {line}" for line in block]
        lines.append("    return opts, multi")
        return "\n".join(lines)

    def _sender_source(self, a: Action, receiving: dict[str, list[tuple[int, list[str]]]], *, shared: bool) -> str:
        """Code of one emitting action: the sender's writes, then every combination of one
        enabled receiver per receiving instance (receivers never block the sender; the sender
        itself never receives its own event)."""
        lines = [f"def _b{a.index}(s):", "    new = list(s)"]
        lines += [f"    new[{k}] = {src}" for k, src in self._writes(a.inst, a.transition).items()]
        event = a.transition.emit or ""
        if shared and event in self._events:
            lines.append(f"    opts, multi = _r{self._events[event]}(s, {a.instance})")
        else:
            lines += ["    opts = []", "    multi = False"]
            for i, block in receiving.get(event, []):
                if i != a.instance:
                    lines += [f"    {line}" for line in block]
        lines += [
            "    if not multi:",
            "        for g in opts:",
            "            for k, v in g[0][1]:",
            "                new[k] = v",
            f"        return [(({a.index}, tuple(g[0][0] for g in opts)), tuple(new))]",
            "    out = []",
            "    for combo in _product(*opts):",
            "        cur = new[:]",
            "        for _, ws in combo:",
            "            for k, v in ws:",
            "                cur[k] = v",
            f"        out.append((({a.index}, tuple(r for r, _ in combo)), tuple(cur)))",
            "    return out",
        ]
        return "\n".join(lines)

    # ------------------------------------------------------------------ states and traces

    def initial_states(self) -> list[State]:
        """The initial states, in the order of the product of the variables' initial values.

        With ``System(initial=...)`` only the states satisfying the predicate (issue 9): the
        product is searched variable by variable and each conjunct of the predicate is checked
        as soon as the variables it reads have values, so the product is never materialised."""
        if self._initial is not None:
            return list(self._initial)
        system = self.system
        choices: list[tuple[object, ...]] = [v.initial_values for inst in self.instances for v in inst.machine.variables]
        choices += [v.initial_values for v in system.shared]
        if system.initial is None:
            self._initial = [tuple(c) for c in itertools.product(*choices)]
            return list(self._initial)
        self._initial = found = list(self._filtered_product(choices, system.initial))
        if not found:
            size = math.prod(len(c) for c in choices)
            raise ModelError(Problem(
                where=f"{system.name}/initial",
                what=f"no state satisfies {to_text(system.initial)} (of the {size} combinations of the "
                "variables' initial values)",
                fix="each variable starts only in its initial= values: widen them (e.g. initial=range(lo, hi + 1)) "
                "or relax the predicate",
            ))
        return list(found)

    def _filtered_product(self, choices: list[tuple[object, ...]], predicate: Expr) -> Iterator[State]:
        width = len(choices)
        at: list[list[Callable[[State], Any]]] = [[] for _ in range(max(width, 1))]
        parts = operands(predicate) if isinstance(predicate, Op) and predicate.op == "and" else (predicate,)
        for part in parts:
            reads = self._slots_read(part)
            at[max(reads, default=0)].append(self.expr_fn(part, None))
        if not width:
            if all(bool(f(())) for f in at[0]):
                yield ()
            return
        if any(not c for c in choices):
            return
        cur: list[object] = [None] * width
        its = [iter(choices[0])]
        k = 0
        while k >= 0:
            v = next(its[k], _DONE)
            if v is _DONE:
                its.pop()
                k -= 1
                continue
            cur[k] = v
            if at[k]:
                state = tuple(cur)
                if not all(f(state) for f in at[k]):
                    continue
            if k == width - 1:
                yield tuple(cur)
                continue
            k += 1
            its.append(iter(choices[k]))

    def _slots_read(self, expr: Expr) -> set[int]:
        """Every slot *expr* may read (a family member chosen at run time: all of them)."""
        out: set[int] = set()
        for n in walk(expr):
            if isinstance(n, Ref):
                out.add(self.system.slot(n, None))
            elif isinstance(n, Op) and n.op == "member" and isinstance(n.args[0], Const) and isinstance(n.args[2], Const):
                out.update(self.system.member_slots(str(n.args[0].value), str(n.args[2].value)))
        return out

    def label_parts(self, label: Label) -> tuple[Action, tuple[tuple[str, str], ...]]:
        """The sending action and the receivers ((instance, transition) names) of a step."""
        if isinstance(label, int):
            return self.actions[label], ()
        k, recv = label
        return self.actions[k], tuple((self.instances[i].name, t) for i, t in recv)

    def label_transitions(self, label: Label) -> list[tuple[str, Transition]]:
        """Every (instance name, transition) that fired in a step, sender first."""
        a, recv = self.label_parts(label)
        out = [(a.inst.name, a.transition)]
        for iname, tname in recv:
            t = self.system.instance(iname).machine.transition(tname)
            assert t is not None
            out.append((iname, t))
        return out

    def values(self, s: State) -> StateValues:
        return tuple(zip(self.system.slots, s, strict=True))

    def step(self, label: Label, before: State, after: State) -> Step:
        a, recv = self.label_parts(label)
        changes = tuple(
            Change(
                instance=self.system.slots[k][0],
                variable=self.system.slots[k][1],
                before=before[k],
                after=after[k],
                control=k in self.control_slots,
            )
            for k in range(len(before))
            if before[k] != after[k]
        )
        return Step(
            instance=a.inst.name,
            transition=a.transition.name,
            receivers=recv,
            changes=changes,
            event=a.transition.emit,
        )

    def trace(self, states: list[State], labels: list[Label], loop: int | None = None) -> Trace:
        return Trace(
            states=tuple(self.values(s) for s in states),
            steps=tuple(self.step(lab, states[i], states[i + 1]) for i, lab in enumerate(labels)),
            loop=loop,
        )

    def domain_error(self, err: OutOfDomain, trace: Trace) -> ModelError:
        """The model error of a failed run-time check, with the *trace* that reaches the state
        where it failed (an update leaving its domain; since issue 9 also an index out of range,
        a division by zero, two writes of a shared variable in one step)."""
        return ModelError(self._problem(err, f" after {len(trace)} steps"), trace=trace)

    def find_step(self, s: State) -> Iterator[tuple[Label, State | OutOfDomain]]:
        """Successors of *s* one action at a time, so a domain error names its action (a check
        failing in the constraint or a guard comes with the label None or the action's)."""
        if self.system.constraint is not None:
            try:
                if not self._ns["_constraint"](s):
                    return
            except OutOfDomain as err:
                yield None, err
                return
        for a, g in zip(self.actions, self.guards, strict=True):
            try:
                if not g(s):
                    continue
            except OutOfDomain as err:
                yield a.index, err
                continue
            try:
                if a.transition.emit is not None:
                    yield from self._ns[f"_b{a.index}"](s)
                else:
                    yield a.index, self._ns[f"_a{a.index}"](s)
            except OutOfDomain as err:
                yield a.index, err


_DONE = object()


def _check_domain(v: Any, domain: Domain | Array, site: int) -> Any:
    if domain.contains(v):
        return v
    raise OutOfDomain(site, v)


def _check_index(i: int, size: int, site: int) -> int:
    if 0 <= i < size:
        return i
    raise OutOfDomain(site, i)


def _check_divisor(d: int, site: int) -> int:
    if d:
        return d
    raise OutOfDomain(site, d)


def _replace_element(a: tuple[Any, ...], i: int, v: Any) -> tuple[Any, ...]:
    return a[:i] + (v,) + a[i + 1:]


def _check_int(v: int, lo: int, hi: int, site: int) -> int:
    if lo <= v <= hi:
        return v
    raise OutOfDomain(site, v)


def _check_enum(v: str, names: frozenset[str], site: int) -> str:
    if v in names:
        return v
    raise OutOfDomain(site, v)


def compile_system(system: System, *, deadline: float | None = None) -> Compiled:
    """Compile *system* (guards, updates and the successor function) once.

    Parameters
    ----------
    system : System
        What to compile.
    deadline : float, optional
        A :func:`time.perf_counter` value; compiling checks it between instances (and once more
        before the final successor function) and stops when it has passed.

    Raises
    ------
    DeadlineReached
        When *deadline* passed first; report the check as inconclusive.
    """
    return Compiled(system, deadline=deadline)

