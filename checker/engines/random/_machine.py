"""The model as a Hypothesis ``RuleBasedStateMachine``, generated at run time (issue 11).

One rule per transition that can fire on its own (the instance that fires it, and the broadcast
receivers when several could answer, are drawn by Hypothesis), the guards as preconditions, one
invariant per state property (``always``, ``leads_to``, deadlock freedom, and ``sometimes``,
whose witnesses are recorded rather than failed), step rules and ``never_after`` observers
checked on every step. Every step goes through the compiled successor function of
:mod:`statebound.checker._compile`, so a run is an execution of exactly the model the other
engines check. Hypothesis is imported here only: ``statebound check`` never loads it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from ..._compile import Compiled, Label, OutOfDomain, State, compile_system
from ...machine import System
from ...output import format_outcome
from ...result import DEADLOCK, Coverage, Kind, Outcome, Trace, Verdict
from ..reference import select
from ._monitor import Finding, Monitor, Run, sender

if TYPE_CHECKING:
    from hypothesis.stateful import RuleBasedStateMachine

__all__ = ["Hooks", "Model", "PropertyViolation", "machine_for", "build_machine"]

#: the kinds a step (rather than a state) breaks: checked in the rule that takes the step
STEP_KINDS = frozenset({Kind.STEP, Kind.NEVER_AFTER})


class PropertyViolation(AssertionError):
    """A property broken by a run of the generated state machine; its text is the counterexample."""

    def __init__(self, model: Model, finding: Finding, run: Run) -> None:
        super().__init__(finding.name)
        self.model = model
        self.finding = finding
        #: the execution: its initial state and the labels of the steps that break the property
        self.start: State = run.states[0]
        self.labels: tuple[Label, ...] = tuple(run.labels[: finding.end])
        self.trace: Trace = finding.trace(model.compiled, run)

    @property
    def property(self) -> str:
        return self.finding.name

    def outcome(self, engine: str = "random", coverage: Coverage | None = None) -> Outcome:
        f = self.finding
        return Outcome(property=f.name, kind=f.kind, verdict=Verdict.VIOLATED, engine=engine,
                       coverage=coverage or Coverage(complete=False), trace=self.trace, message=f.message, breach=f.breach)

    def __str__(self) -> str:
        lines = format_outcome(self.outcome(), system=self.model.system)
        return f"{self.property} is violated:\n" + "\n".join(lines)


class Model:
    """A system compiled once for random runs: the monitor of its properties and its rules.

    *properties* names the properties to judge (``deadlock-free`` included), all by default.
    """

    def __init__(self, system: System, properties: Sequence[str] | None = None, *,
                 compiled: Compiled | None = None) -> None:
        self.system = system
        self.compiled = c = compiled or compile_system(system)
        props = select(system, properties)
        deadlock = system.check_deadlock and (properties is None or DEADLOCK in properties)
        self.monitor = Monitor(c, props, deadlock=deadlock)
        self.initial: list[State] = list(dict.fromkeys(c.initial_states()))
        #: rule name -> the actions it fires (one rule per machine transition)
        groups: dict[tuple[str, str], list[int]] = {}
        for a in c.actions:
            groups.setdefault((a.inst.machine.name, a.transition.name), []).append(a.index)
        self.rules = [(_identifier(f"{m}_{t}"), tuple(actions)) for (m, t), actions in groups.items()]
        self.rule_of = {a: g for g, (_, actions) in enumerate(self.rules) for a in actions}

    def successors(self, run: Run | None, s: State, label: Label | None = None) -> list[tuple[Label, State]]:
        """The successors of *s*, reached from *run* by the step *label* (or initial); an update that
        leaves its domain is the model error the reference engine reports, with the execution
        that reaches *s*."""
        c = self.compiled
        try:
            return c.successors(s)
        except OutOfDomain:
            raise self.domain_error(run, s, label) from None

    def domain_error(self, run: Run | None, s: State, label: Label | None) -> Exception:
        c = self.compiled
        if run is None or label is None:
            trace = c.trace([s], [])
        else:
            trace = c.trace([*run.states, s], [*run.labels, label])
        for _label, res in c.find_step(s):
            if isinstance(res, OutOfDomain):
                return c.domain_error(res, trace)
        raise AssertionError("an update left its domain but no single action reproduces it")


class Hooks:
    """What a generated machine tells its owner; this base fails on every violation and ignores the rest."""

    def run_started(self) -> None:
        """A run begins."""

    def visited(self, s: State, label: Label | None) -> None:
        """A run reached *s* by the step *label* (None for its initial state)."""

    def found(self, model: Model, finding: Finding, run: Run) -> bool:
        """A run broke or witnessed a property; True to fail the run with it."""
        return not finding.witness

    def run_ended(self, run: Run | None) -> None:
        """A run ends (also when it failed)."""


class _Witnesses(Hooks):
    """Fail on every violation; keep the shortest witness of each ``sometimes``."""

    def __init__(self) -> None:
        #: property name -> shortest witness seen; mutable on purpose: it collects across runs
        self.witnesses: dict[str, Trace] = {}

    def found(self, model: Model, finding: Finding, run: Run) -> bool:
        if not finding.witness:
            return True
        known = self.witnesses.get(finding.name)
        if known is None or finding.end < len(known):
            self.witnesses[finding.name] = finding.trace(model.compiled, run)
        return False


def machine_for(system: System, *, properties: Sequence[str] | None = None) -> type[RuleBasedStateMachine]:
    """A Hypothesis state machine that runs *system* and checks its properties on every step.

    Parameters
    ----------
    system : System
        The model, with its properties.
    properties : sequence of str, optional
        The properties to check (``deadlock-free`` included); all by default.

    Returns
    -------
    type[RuleBasedStateMachine]
        A new class: run it with ``hypothesis.stateful.run_state_machine_as_test`` or collect its
        ``TestCase`` with pytest or unittest. A broken property fails the run with a
        :class:`PropertyViolation` whose text is the (shrunk) counterexample; ``sometimes``
        witnesses are recorded in the class's ``witnesses`` dict. Liveness (``leads_to``) fails
        only when a run shows a lasso: a fair cycle, or a state where nothing fair is enabled.

    Examples
    --------
    >>> from hypothesis import settings
    >>> from hypothesis.stateful import run_state_machine_as_test
    >>> from statebound import Enum, Instance, Machine, System, Transition, Var, always, ref
    >>> s = Var("state", Enum("Off", "On"))
    >>> lamp = Machine(name="lamp", variables=(s,), transitions=(Transition("on", guard=s == "Off", updates={s: "On"}),))
    >>> system = System(name="lamp", instances=(Instance("lamp", lamp),), check_deadlock=False,
    ...                 properties=(always("stays-off", ref("lamp", "state") == "Off"),))
    >>> run_state_machine_as_test(machine_for(system), settings=settings(max_examples=10, database=None))
    Traceback (most recent call last):
    ...
    statebound.checker.engines.random._machine.PropertyViolation: stays-off is violated:
    ...
    """
    hooks = _Witnesses()
    cls = build_machine(Model(system, properties), hooks)
    cls.witnesses = hooks.witnesses
    return cls


def build_machine(model: Model, hooks: Hooks) -> type[RuleBasedStateMachine]:
    """The generated class for *model*, reporting to *hooks* (see :func:`machine_for`)."""
    from hypothesis import strategies as st
    from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

    c = model.compiled
    monitor = model.monitor
    rule_of = model.rule_of
    instances = c.system.instances

    def __init__(self: Any) -> None:
        RuleBasedStateMachine.__init__(self)
        self._run = None
        self._succ = []
        self._enabled = frozenset()
        self._state_found = {}
        hooks.run_started()

    def _report(self: Any, f: Finding) -> None:
        if hooks.found(model, f, self._run):
            raise PropertyViolation(model, f, self._run)

    def _arrive(self: Any, found: list[Finding], succ: list[tuple[Label, State]]) -> None:
        self._succ = succ
        self._enabled = frozenset(rule_of[sender(lab)] for lab, _ in succ)
        for f in found:
            if f.kind not in STEP_KINDS:
                self._state_found[f.index] = f
        for f in found:
            if f.kind in STEP_KINDS:
                self._report(f)

    def teardown(self: Any) -> None:
        hooks.run_ended(self._run)

    ns: dict[str, Any] = {"__init__": __init__, "_report": _report, "_arrive": _arrive, "teardown": teardown,
                          "__module__": __name__}

    initial = model.initial

    def start(self: Any, index: int = 0) -> None:
        s = initial[index]
        succ = model.successors(None, s)
        self._run, found = monitor.start(s, succ)
        hooks.visited(s, None)
        self._arrive(found, succ)

    if len(initial) > 1:
        ns["start"] = initialize(index=st.integers(0, len(initial) - 1))(start)
    else:
        ns["start"] = initialize()(start)

    def make_rule(g: int, name: str) -> Callable[..., None]:
        def fire(self: Any, data: Any) -> None:
            options = [(lab, t) for lab, t in self._succ if rule_of[sender(lab)] == g]
            senders = sorted({c.actions[sender(lab)].instance for lab, _ in options})
            if len(senders) > 1:
                who = data.draw(st.sampled_from([instances[i].name for i in senders]), label="instance")
                options = [o for o in options if instances[c.actions[sender(o[0])].instance].name == who]
            if len(options) > 1:  # a broadcast several receivers can answer
                texts = [_receivers_text(c, lab) for lab, _ in options]
                pick = data.draw(st.sampled_from(texts), label="receivers")
                options = [options[texts.index(pick)]]
            label, t = options[0]
            succ = model.successors(self._run, t, label)
            found = monitor.step(self._run, label, t, succ)
            hooks.visited(t, label)
            self._arrive(found, succ)

        fire.__name__ = fire.__qualname__ = name

        def enabled(self: Any) -> bool:
            return g in self._enabled

        enabled.__name__ = f"{name}_is_enabled"
        return rule(data=st.data())(precondition(enabled)(fire))

    def fresh(name: str) -> str:
        while name in ns or hasattr(RuleBasedStateMachine, name):
            name += "_"
        return name

    for g, (name, _actions) in enumerate(model.rules):
        name = fresh(name)
        ns[name] = make_rule(g, name)

    def stay(self: Any) -> None:
        """Nothing can fire (a terminal state): the run stays where it is."""

    stay.__name__ = fresh("stay_in_terminal_state")
    ns[stay.__name__] = rule()(precondition(lambda self: not self._succ)(stay))

    def make_invariant(k: int, name: str) -> Callable[[Any], None]:
        def check(self: Any) -> None:
            f = self._state_found.pop(k, None)
            if f is not None:
                self._report(f)

        check.__name__ = check.__qualname__ = name
        return invariant()(check)

    for k, pname in enumerate(monitor.names):
        if monitor.kinds[k] not in STEP_KINDS:
            iname = fresh(_identifier(pname if monitor.kinds[k] is Kind.DEADLOCK else f"{monitor.kinds[k]}_{pname}"))
            ns[iname] = make_invariant(k, iname)

    name = "".join(w.capitalize() for w in re.split(r"[^A-Za-z0-9]+", model.system.name) if w) + "Machine"
    return type(name, (RuleBasedStateMachine,), ns)


def _identifier(text: str) -> str:
    out = re.sub(r"\W+", "_", text).strip("_")
    return out if out and not out[0].isdigit() else f"t_{out}"


def _receivers_text(c: Compiled, label: Label) -> str:
    _, recv = c.label_parts(label)
    return ", ".join(f"{i}: {t}" for i, t in recv) or "no receiver"
