"""Compile a System once into Python functions over state tuples (the explicit engines' core).

Each guard and update is turned into Python source exactly once; the successor function of the
whole system is generated as a single function with every guard inlined, so exploring a state
costs about what a hand-written successor function would.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ._typing import infer, to_python
from .errors import ModelError, Problem
from .expr import Enum, Expr, Int
from .machine import Instance, System, Transition
from .result import Change, Step, StateValues, Trace

__all__ = ["Compiled", "Action", "Label", "OutOfDomain", "compile_system"]

State = tuple[Any, ...]
#: an int (action index) for a plain step; (action, ((instance index, transition), ...)) for a broadcast
Label = Any


class OutOfDomain(Exception):
    """An update produced a value outside its variable's domain (found while exploring)."""

    def __init__(self, site: int, value: Any) -> None:
        super().__init__(site, value)
        self.site = site
        self.value = value


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


class Compiled:
    """A system compiled to closures. Built once per check; read-only afterwards."""

    def __init__(self, system: System) -> None:
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
        self._sites: list[tuple[str, str, str, str]] = []  # (instance, transition, variable, domain)
        self._ns: dict[str, Any] = {"_c": _check_int, "_ce": _check_enum}
        self.guards: list[Callable[[State], bool]] = [
            self.expr_fn(a.transition.guard, a.inst.name) for a in self.actions
        ]
        self.successors: Callable[[State], list[tuple[Label, State]]] = self._gen_successors()
        self.control_slots = frozenset(
            system.slot_of(inst.name, inst.machine.control)
            for inst in system.instances
            if inst.machine.control is not None
        )

    # ------------------------------------------------------------------ expressions

    def source(self, expr: Expr, self_instance: str | None) -> str:
        return to_python(expr, lambda r: self.system.slot(r, self_instance))

    def expr_fn(self, expr: Expr, self_instance: str | None) -> Callable[[State], Any]:
        """A function evaluating *expr* on a state tuple."""
        return eval("lambda s: " + self.source(expr, self_instance), self._ns)  # noqa: S307 - our own generated code

    def step_fn(self, expr: Expr, self_instance: str | None) -> Callable[[State, State], Any]:
        """A function of (state before, state after) evaluating *expr* after a step, where
        ``prev(...)`` reads the state before."""
        return eval("lambda p, s: " + self.source(expr, self_instance), self._ns)  # noqa: S307

    def _value_source(self, inst: Instance, t: Transition, var: str, value: Expr) -> str:
        """Source of an update value, wrapped in a domain check unless it provably fits."""
        domain = inst.machine.variable(var).domain  # type: ignore[union-attr]
        src = self.source(value, inst.name)
        ty = infer(value, lambda r: self.system.resolve(r, inst.name))
        site = len(self._sites)
        if isinstance(domain, Int):
            if domain.lo <= ty.lo and ty.hi <= domain.hi:
                return src
            self._sites.append((inst.name, t.name, var, str(domain)))
            return f"_c({src}, {domain.lo}, {domain.hi}, {site})"
        if isinstance(domain, Enum) and ty.kind == "enum":
            assert ty.enum is not None
            if set(ty.enum.names) <= set(domain.names):
                return src
            self._sites.append((inst.name, t.name, var, str(domain)))
            return f"_ce({src}, {frozenset(domain.names)!r}, {site})"
        return src

    def _tuple_source(self, inst: Instance, t: Transition) -> str:
        updates = dict(t.updates)
        parts = []
        for k, (iname, var) in enumerate(self.system.slots):
            if iname == inst.name and var in updates:
                parts.append(self._value_source(inst, t, var, updates[var]))
            else:
                parts.append(f"s[{k}]")
        return "(" + ", ".join(parts) + ",)"

    # ------------------------------------------------------------------ successors

    def _gen_successors(self) -> Callable[[State], list[tuple[Label, State]]]:
        lines = ["def successors(s):", "    out = []", "    app = out.append"]
        for a in self.actions:
            guard = self.source(a.transition.guard, a.inst.name)
            lines.append(f"    if {guard}:")
            if a.transition.emit is not None:
                self._broadcast_fn(a)
                lines.append(f"        out.extend(_b{a.index}(s))")
            else:
                source = self._tuple_source(a.inst, a.transition)
                self._ns[f"_a{a.index}"] = eval("lambda s: " + source, self._ns)  # noqa: S307
                lines.append(f"        app(({a.index}, {source}))")
        lines.append("    return out")
        exec("\n".join(lines), self._ns)  # noqa: S102 - our own generated code
        return self._ns["successors"]  # type: ignore[no-any-return]

    def _broadcast_fn(self, a: Action) -> Callable[[State], list[tuple[Label, State]]]:
        """Generated code for one emitting action: the sender's writes, then every combination of
        one enabled receiver per receiving instance (receivers never block the sender)."""
        by_instance: dict[int, list[Transition]] = {}
        for i, t in self.receivers.get(a.transition.emit or "", []):
            if i != a.instance:
                by_instance.setdefault(i, []).append(t)
        sender_writes = [
            (self.system.slot_of(a.inst.name, var), self._value_source(a.inst, a.transition, var, value))
            for var, value in a.transition.updates
        ]
        lines = [f"def _b{a.index}(s):", "    new = list(s)"]
        lines += [f"    new[{k}] = {src}" for k, src in sender_writes]
        lines.append("    opts = []")
        lines.append("    multi = False")
        for i, ts in sorted(by_instance.items()):
            inst = self.instances[i]
            lines.append("    g = []")
            for t in ts:
                guard = self.source(t.guard, inst.name)
                # one trailing comma per item: a receiver without updates must give "()", not
                # the syntax error "(,)" (found by the zoo's broadcast-choice model)
                writes = "".join(
                    f"({self.system.slot_of(inst.name, var)}, {self._value_source(inst, t, var, value)}), "
                    for var, value in t.updates
                )
                lines.append(f"    if {guard}:")
                lines.append(f"        g.append((({i}, {t.name!r}), ({writes})))")
            lines.append("    if g:")
            lines.append("        opts.append(g)")
            lines.append("        if len(g) > 1:")
            lines.append("            multi = True")
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
        self._ns["_product"] = itertools.product
        exec("\n".join(lines), self._ns)  # noqa: S102 - our own generated code
        return self._ns[f"_b{a.index}"]  # type: ignore[no-any-return]

    # ------------------------------------------------------------------ states and traces

    def initial_states(self) -> list[State]:
        choices = []
        for inst in self.instances:
            for v in inst.machine.variables:
                choices.append(v.initial_values)
        return [tuple(c) for c in itertools.product(*choices)]

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
        return tuple(zip(self.system.slots, s))

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
        inst, tname, var, domain = self._sites[err.site]
        return ModelError(
            Problem(
                where=f"{inst}/transition {tname!r}",
                what=f"update {var} := {err.value!r} is outside {domain} after {len(trace)} steps",
                fix="widen the domain or guard the transition (the trace that reaches it is shown)",
            ),
            trace=trace,
        )

    def find_step(self, s: State) -> Iterator[tuple[Label, State | OutOfDomain]]:
        """Successors of *s* one action at a time, so a domain error names its action."""
        for a, g in zip(self.actions, self.guards):
            if not g(s):
                continue
            try:
                if a.transition.emit is not None:
                    for lab, t in self._ns[f"_b{a.index}"](s):
                        yield lab, t
                else:
                    yield a.index, self._ns[f"_a{a.index}"](s)
            except OutOfDomain as err:
                yield a.index, err


def _check_int(v: int, lo: int, hi: int, site: int) -> int:
    if lo <= v <= hi:
        return v
    raise OutOfDomain(site, v)


def _check_enum(v: str, names: frozenset[str], site: int) -> str:
    if v in names:
        return v
    raise OutOfDomain(site, v)


def compile_system(system: System) -> Compiled:
    """Compile *system* (guards, updates and the successor function) once."""
    return Compiled(system)

