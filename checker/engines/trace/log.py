"""The JSON-lines log of a recorded run (``docs/trace-format.md``), read and checked against a system.

This is the boundary of trace checking: every line is validated here, before the replay starts,
and the first malformed one is an :class:`~statebound.checker.errors.InputError` that names the
file and the line (``run.jsonl:7: ...``). Nothing is skipped but blank lines.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...errors import InputError, suggest
from ...expr import Array, Bool, Domain, Enum, Int, Value
from ...machine import System, Transition

#: an observed value: a scalar, or the elements of an Array variable
Observed = Value | tuple[Value, ...]

__all__ = ["FORMAT", "VERSION", "UNLOGGED", "Event", "Log", "read_log", "parse_log", "matches"]

#: the value of a header line's ``format`` key
FORMAT = "statebound-trace"
#: the version of the format this module reads
VERSION = 1
#: a transition with this tag is never in a log (an internal step the recorder cannot see)
UNLOGGED = "unlogged"

_EVENT_KEYS = ("ts", "instance", "event", "observed", "meta")
_HEADER_KEYS = ("format", "version", "recorded", "silent", "source", "meta")


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """One line of the log: *instance* took a step named *event* at time *ts*, after which the
    recorder saw *observed* (``((instance, variable), value)`` pairs)."""

    line: int
    ts: float
    instance: str
    event: str
    #: the transitions of *instance* this event may be (``close`` is ``close`` or ``close[...]``)
    transitions: tuple[str, ...]
    observed: tuple[tuple[tuple[str, str], Observed], ...] = ()

    @property
    def label(self) -> str:
        return f"{self.instance}.{self.event}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Log:
    """A validated log: its events in order, and which steps of the model it records.

    Every step of a *recorded* instance is in the log, except its transitions in *silent*
    (tagged ``unlogged`` in the model or listed in the header); the steps of every other
    instance are not recorded and may happen, any number of them, between two events.
    """

    path: str
    events: tuple[Event, ...]
    recorded: tuple[str, ...]
    silent: frozenset[tuple[str, str]]
    lines: int
    header: int | None = None  # the line of the header, when there is one
    source: str = ""


def matches(event: str, transition: str) -> bool:
    """True when a logged *event* names *transition*: the same name, or the family ``event[...]``.

    >>> matches("close", "close[1006]"), matches("close", "close"), matches("close", "closed")
    (True, True, False)
    """
    return transition == event or (transition.startswith(event + "[") and transition.endswith("]"))


def read_log(path: str | Path, system: System) -> Log:
    """Read and validate the log at *path* against *system*.

    Raises
    ------
    InputError
        For a file that cannot be read or a malformed line (``path:line: what; what to do``).
    """
    name = str(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputError(f"{name}: no such log file; give the path of a JSON-lines log", path=name) from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a folder, not a log file; give the path of a JSON-lines log", path=name) from None
    except OSError as err:
        raise InputError(f"{name}: cannot read it: {err.strerror}", path=name) from None
    return parse_log(data, system, path=name)


def parse_log(data: bytes | str, system: System, *, path: str = "<log>") -> Log:
    """Validate the log *data* (the bytes or text of a JSON-lines file) against *system*.

    Examples
    --------
    >>> from statebound import Enum, Instance, Machine, System, Transition, Var
    >>> s = Var("state", Enum("Off", "On"))
    >>> lamp = Machine(name="lamp", variables=(s,), transitions=(Transition("on", guard=s == "Off", updates={s: "On"}),))
    >>> log = parse_log('{"ts": 1, "instance": "lamp", "event": "on", "observed": {"state": "On"}}\\n',
    ...                 System(name="l", instances=(Instance("lamp", lamp),)))
    >>> log.events[0].label, log.events[0].observed
    ('lamp.on', ((('lamp', 'state'), 'On'),))
    """
    parser = _Parser(system, path)
    chunks = data.split(b"\n") if isinstance(data, bytes) else [t.encode("utf-8", "surrogatepass") for t in data.split("\n")]
    if chunks and not chunks[-1].strip():
        chunks = chunks[:-1]  # the newline that ends the last line
    for number, chunk in enumerate(chunks, start=1):
        try:
            text = chunk.decode("utf-8")
        except UnicodeDecodeError as err:
            raise parser.error(number, f"not UTF-8 text (byte {err.start + 1} of the line)",
                               "write the log as UTF-8") from None
        parser.line(number, text)
    return parser.finish(len(chunks))


class _Parser:
    """Validates one line after another (mutable: it remembers the header and the last time)."""

    def __init__(self, system: System, path: str) -> None:
        self.system = system
        self.path = path
        self.events: list[Event] = []
        self.header: int | None = None
        self.recorded: tuple[str, ...] | None = None
        self.silent: set[tuple[str, str]] = {
            (inst.name, t.name) for inst, t in system.transitions() if UNLOGGED in t.tags
        }
        self.source = ""
        self.last: tuple[float, int] | None = None  # (ts, line) of the previous event
        self.instances = [i.name for i in system.instances]

    def error(self, line: int, what: str, fix: str = "") -> InputError:
        return InputError(f"{self.path}:{line}: {what}" + (f"; {fix}" if fix else ""), path=self.path, line=line)

    def line(self, number: int, text: str) -> None:
        if not text.strip():
            return  # blank lines separate nothing and mean nothing
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as err:
            raise self.error(number, f"not a JSON object: {err.msg} (column {err.colno})",
                             "each line must be one complete JSON object; is the line truncated?") from None
        except RecursionError:
            raise self.error(number, "not a JSON object (nested too deeply)", "each line must be one flat JSON object") from None
        if not isinstance(doc, dict):
            raise self.error(number, f"a JSON {_json_type(doc)}, not an object", "each line must be one JSON object")
        if "format" in doc:
            self._header(number, doc)
        else:
            self._event(number, doc)

    # ------------------------------------------------------------------ header

    def _header(self, number: int, doc: dict[str, Any]) -> None:
        if self.events or self.header is not None:
            raise self.error(number, "a header line after the first line",
                             "the header (the line with 'format') must be the first line of the log")
        self._known_keys(number, doc, _HEADER_KEYS, "header")
        if doc["format"] != FORMAT:
            raise self.error(number, f"format {doc['format']!r} is not {FORMAT!r}", "is this a statebound trace log?")
        version = doc.get("version", VERSION)
        if version != VERSION or isinstance(version, bool):
            raise self.error(number, f"version {version!r} is not supported", f"this statebound reads version {VERSION}")
        if "recorded" in doc:
            names = self._strings(number, doc["recorded"], "recorded")
            for n in names:
                if n not in self.instances:
                    raise self.error(number, f"recorded: there is no instance {n!r} in {self.system.name}",
                                     suggest(n, self.instances, default="instances: " + ", ".join(self.instances)))
            self.recorded = tuple(dict.fromkeys(names))
        if "silent" in doc:
            for item in self._strings(number, doc["silent"], "silent"):
                self.silent.add(self._transition_name(number, item))
        source = doc.get("source", "")
        if not isinstance(source, str):
            raise self.error(number, f"source is a JSON {_json_type(source)}, not a string")
        if "meta" in doc and not isinstance(doc["meta"], dict):
            raise self.error(number, f"meta is a JSON {_json_type(doc['meta'])}, not an object")
        self.source = source
        self.header = number

    def _strings(self, number: int, value: Any, key: str) -> list[str]:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(number, f"{key} is not a list of strings", f'write e.g. "{key}": ["socket"]')
        return value

    def _transition_name(self, number: int, item: str) -> tuple[str, str]:
        inst, dot, tname = item.rpartition(".")
        if not dot or inst not in self.instances:
            raise self.error(number, f"silent: {item!r} is not instance.transition",
                             suggest(item, (f"{i.name}.{t.name}" for i, t in self.system.transitions()),
                                     default="write e.g. \"socket.ping\""))
        machine = self.system.instance(inst).machine
        if machine.transition(tname) is None:
            names = [t.name for t in machine.transitions]
            raise self.error(number, f"silent: instance {inst!r} has no transition {tname!r}",
                             suggest(tname, names, default="transitions: " + ", ".join(names)))
        return inst, tname

    # ------------------------------------------------------------------ events

    def _event(self, number: int, doc: dict[str, Any]) -> None:
        self._known_keys(number, doc, _EVENT_KEYS, "event")
        for key in ("ts", "instance", "event"):
            if key not in doc:
                raise self.error(number, f"the event has no {key!r}",
                                 'each event needs "ts", "instance" and "event" (see docs/trace-format.md)')
        ts = doc["ts"]
        if isinstance(ts, bool) or not isinstance(ts, (int, float)) or not math.isfinite(ts):
            raise self.error(number, f"ts is {_shown(ts)}, not a number", "give the time as a number (milliseconds)")
        if self.last is not None and ts < self.last[0]:
            raise self.error(number, f"ts {ts:g} is earlier than line {self.last[1]}'s {self.last[0]:g}",
                             "the events must be in the order they happened, with times that never decrease")
        instance, event = doc["instance"], doc["event"]
        for key, value in (("instance", instance), ("event", event)):
            if not isinstance(value, str):
                raise self.error(number, f"{key} is {_shown(value)}, not a string")
        if instance not in self.instances:
            raise self.error(number, f"unknown instance {instance!r}: {self.system.name} has no such instance",
                             suggest(instance, self.instances, default="instances: " + ", ".join(self.instances)))
        if self.recorded is not None and instance not in self.recorded:
            raise self.error(number, f"instance {instance!r} is not in the header's recorded list",
                             "add it to \"recorded\" in the header, or leave it out of the log")
        machine = self.system.instance(instance).machine
        found = tuple(t.name for t in machine.transitions if matches(event, t.name))
        if not found:
            names = sorted({t.name.partition("[")[0] for t in machine.transitions})
            raise self.error(number, f"unknown event {event!r}: instance {instance!r} has no transition {event!r}",
                             suggest(event, names, default="its transitions: " + ", ".join(names)))
        logged = tuple(t for t in found if (instance, t) not in self.silent)
        if not logged:
            raise self.error(number, f"event {instance}.{event} is a silent transition (tagged {UNLOGGED!r} "
                                     "or listed in the header's silent list)", "a silent step is never logged")
        observed = self._observed(number, instance, doc.get("observed", {}))
        if "meta" in doc and not isinstance(doc["meta"], dict):
            raise self.error(number, f"meta is {_shown(doc['meta'])}, not an object")
        self.events.append(Event(line=number, ts=float(ts), instance=instance, event=event, transitions=logged,
                                 observed=observed))
        self.last = (float(ts), number)

    def _observed(self, number: int, instance: str, obs: Any) -> tuple[tuple[tuple[str, str], Observed], ...]:
        if not isinstance(obs, dict):
            raise self.error(number, f"observed is {_shown(obs)}, not an object",
                             'write observed values as {"variable": value}')
        out: list[tuple[tuple[str, str], Observed]] = []
        for key, value in obs.items():
            inst, var = self._variable(number, instance, key)
            domain = self.system.instance(inst).machine.variable(var).domain  # type: ignore[union-attr]
            problem = _type_problem(domain, value)
            if problem is not None:
                raise self.error(number, f"observed {inst}.{var} is {_shown(value)}: {problem[0]}", problem[1])
            out.append(((inst, var), tuple(value) if isinstance(domain, Array) else value))
        return tuple(out)

    def _variable(self, number: int, instance: str, key: str) -> tuple[str, str]:
        """``var`` of the event's instance, or ``other.var`` (instance names may contain dots)."""
        machine = self.system.instance(instance).machine
        if machine.variable(key) is not None:
            return instance, key
        inst, dot, var = key.rpartition(".")
        if dot and inst in self.instances and self.system.instance(inst).machine.variable(var) is not None:
            return inst, var
        names = [v.name for v in machine.variables] + [f"{i}.{v}" for i, v in self.system.slots if i != instance]
        raise self.error(number, f"observed {key!r}: instance {instance!r} has no variable {key!r}",
                         suggest(key, names, default=f"{instance}'s variables: " + ", ".join(v.name for v in machine.variables)))

    def _known_keys(self, number: int, doc: Mapping[str, Any], known: Iterable[str], what: str) -> None:
        known = tuple(known)
        for key in doc:
            if key not in known:
                raise self.error(number, f"unknown key {key!r} in an {what} line",
                                 suggest(key, known, default=f"an {what} line has " + ", ".join(known)))

    def finish(self, lines: int) -> Log:
        if not self.events:
            raise InputError(f"{self.path}:{max(lines, 1)}: the log has no events; record a run (see docs/trace-format.md)",
                             path=self.path, line=max(lines, 1))
        recorded = self.recorded
        if recorded is None:
            seen = {e.instance for e in self.events}
            recorded = tuple(n for n in self.instances if n in seen)
        return Log(path=self.path, events=tuple(self.events), recorded=recorded, silent=frozenset(self.silent),
                   lines=lines, header=self.header, source=self.source)


def transitions_named(system: System, instance: str, event: str) -> tuple[Transition, ...]:
    """The transitions of *instance* that a logged *event* may be."""
    return tuple(t for t in system.instance(instance).machine.transitions if matches(event, t.name))


def _type_problem(domain: Domain, value: Any) -> tuple[str, str] | None:
    """(what is wrong, what to do) when *value* is not a JSON value of *domain*, else None."""
    if isinstance(domain, Bool):
        if isinstance(value, bool):
            return None
        return "not a boolean", "write true or false"
    if isinstance(domain, Int):
        if isinstance(value, bool) or not isinstance(value, int):
            return f"not an integer of {domain}", f"write a whole number from {domain.lo} to {domain.hi}"
        if not domain.lo <= value <= domain.hi:
            return f"outside {domain}", f"write a whole number from {domain.lo} to {domain.hi}"
        return None
    if isinstance(domain, Array):
        if not isinstance(value, list) or len(value) != domain.size:
            return (f"not an array of {domain.size} elements",
                    f"write the elements as a JSON array of {domain.size} values of {domain.element}")
        for k, x in enumerate(value):
            problem = _type_problem(domain.element, x)
            if problem is not None:
                return f"element {k} is {problem[0]}", problem[1]
        return None
    assert isinstance(domain, Enum)
    if not isinstance(value, str):
        return f"not a name of {domain}", "write one of its names as a string"
    if value not in domain.names:
        same = [n for n in domain.names if n.casefold() == value.casefold()]
        hint = f"did you mean {same[0]!r}?" if same else suggest(value, domain.names, default="write one of its names")
        return f"not a value of {domain}", hint
    return None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _shown(value: Any) -> str:
    """*value* as the log wrote it, shortened: ``"3"`` (a string), ``3`` (a number), ``null``."""
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:37] + "..."
