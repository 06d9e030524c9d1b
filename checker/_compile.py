"""Compile a System once into Python functions over state tuples (the explicit engines' core).

Each guard and update is turned into Python source exactly once; the successor function of the
whole system is generated as a single function with every guard inlined, so exploring a state
costs about what a hand-written successor function would. The generated code grows linearly
with the system, and compiling can stop at a deadline (:class:`DeadlineReached`).
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ._codegen import state_source, to_python
from ._typing import infer
from .errors import ModelError, Problem
from .expr import Enum, Expr, Int
from .machine import Instance, System, Transition
from .result import Change, StateValues, Step, Trace

__all__ = ["Compiled", "Action", "Label", "OutOfDomain", "DeadlineReached", "compile_system"]

State = tuple[Any, ...]
#: an int (action index) for a plain step; (action, ((instance index, transition), ...)) for a broadcast
Label = Any

#: systems with more instances than this share each event's receivers between its senders
SHARED_RECEIVERS_FROM = 32


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
        self._sites: list[tuple[str, str, str, str]] = []  # (instance, transition, variable, domain)
        self._ns: dict[str, Any] = {"_c": _check_int, "_ce": _check_enum, "_product": itertools.product}
        self._code: list[str] = []  # every piece of generated source, in the order it was run
        self._width = len(system.slots)
        self._events = {event: j for j, event in enumerate(self.receivers)}
        self._senders: dict[str, set[int]] = {}
        for a in self.actions:
            if a.transition.emit is not None:
                self._senders.setdefault(a.transition.emit, set()).add(a.instance)
        self.successors: Callable[[State], list[tuple[Label, State]]] = self._generate(deadline)
        self.guards: list[Callable[[State], bool]] = [self._ns[f"_g{a.index}"] for a in self.actions]
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
        fn: Callable[[State], Any] = eval("lambda s: " + self.source(expr, self_instance), self._ns)  # noqa: S307 - our own generated code
        return fn

    def step_fn(self, expr: Expr, self_instance: str | None) -> Callable[[State, State], Any]:
        """A function of (state before, state after) evaluating *expr* after a step, where
        ``prev(...)`` reads the state before."""
        fn: Callable[[State, State], Any] = eval("lambda p, s: " + self.source(expr, self_instance), self._ns)  # noqa: S307
        return fn

    def generated_source(self) -> str:
        """All the Python source generated for the system (for debugging, and to test its size)."""
        return "\n\n".join(self._code)

    def _run(self, code: str) -> None:
        self._code.append(code)
        exec(code, self._ns)  # noqa: S102 - our own generated code

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

    def _writes(self, inst: Instance, t: Transition) -> dict[int, str]:
        """Slot -> source of each value *t* of *inst* writes, in the order of its updates."""
        return {self.system.slot_of(inst.name, var): self._value_source(inst, t, var, value) for var, value in t.updates}

    # ------------------------------------------------------------------ successors

    def _generate(self, deadline: float | None) -> Callable[[State], list[tuple[Label, State]]]:
        """Generate and run the code of every instance in turn (checking *deadline* between
        them), then the broadcasts and the successor function of the whole system."""
        lines = ["def successors(s):", "    out = []", "    app = out.append"]
        #: per event, (receiving instance, the lines that offer its enabled receivers)
        receiving: dict[str, list[tuple[int, list[str]]]] = {event: [] for event in self._events}
        senders: list[Action] = []
        by_instance: dict[int, list[Action]] = {}
        for a in self.actions:
            by_instance.setdefault(a.instance, []).append(a)
        total = len(self.instances)
        for i, inst in enumerate(self.instances):
            if deadline is not None and time.perf_counter() > deadline:
                raise DeadlineReached(i, total)
            code: list[str] = []
            for a in by_instance.get(i, []):
                guard = self.source(a.transition.guard, inst.name)
                code.append(f"def _g{a.index}(s):\n    return {guard}")
                lines.append(f"    if {guard}:")
                if a.transition.emit is not None:
                    senders.append(a)
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
        lines.append("    return out")
        self._run("\n".join(lines))
        return self._ns["successors"]  # type: ignore[no-any-return]

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
                guard = self.source(t.guard, inst.name)
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
        for a, g in zip(self.actions, self.guards, strict=True):
            if not g(s):
                continue
            try:
                if a.transition.emit is not None:
                    yield from self._ns[f"_b{a.index}"](s)
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

