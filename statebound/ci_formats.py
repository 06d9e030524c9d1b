"""CI outputs of a check: JUnit XML, SARIF 2.1.0, and the vacuity rule of ``--strict`` (issue 16).

``check --junit FILE`` writes one JUnit test case per property (with :mod:`junitparser`): a
violated property fails with its counterexample as the failure text, an inconclusive one is an
error. ``check --sarif FILE`` writes one SARIF result per violated property, located at the line
of the model's source that defines the property, with its counterexample as a code flow, so that
GitHub code scanning (and every SARIF viewer) shows it on the model file. The SARIF document is
plain JSON built through the small typed layer below (``TypedDict`` s named after the SARIF
objects); nothing here prints.

Where a property is defined is found in the model's source, not recorded when the property is
built: the call of ``always(...)``/``sometimes(...)``/... whose first argument is the property's
name (an f-string matches when its fixed parts do), in the model file first, then in the other
project files the model imported; failing that, the model function's ``def`` line.
"""

from __future__ import annotations

import ast
import hashlib
import io
import re
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal, TypedDict

from .checker.machine import System
from .checker.output import format_outcome, format_trace, property_text
from .checker.result import ExitCode, Outcome, Report, Trace, Verdict, show_value

__all__ = [
    "VACUOUS", "vacuous", "strict_exit_code", "Site", "target_file", "model_sources", "locate", "to_junit",
    "to_sarif", "write_files", "SARIF_SCHEMA", "SARIF_VERSION",
]

#: how every engine starts the warning of a property that holds only because its premise never happens
VACUOUS = "holds vacuously"
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_INFO_URI = "https://pypi.org/project/statebound/"


# --------------------------------------------------------------------------- --strict


def vacuous(report: Report) -> tuple[Outcome, ...]:
    """The outcomes that hold only vacuously (a step rule whose tag never fires, an observer whose
    trigger never fires, a ``leads_to`` whose premise is never reached, an ``always(implies(a, b))``
    that never meets ``a``)."""
    return tuple(o for o in report.outcomes
                 if o.verdict is Verdict.HOLDS and any(w.startswith(VACUOUS) for w in o.warnings))


def strict_exit_code(report: Report, code: ExitCode) -> ExitCode:
    """*code* under ``--strict``: :attr:`ExitCode.VACUOUS` when some property holds only vacuously
    and nothing worse happened (bad input and violations keep their codes; vacuity outranks
    inconclusive, since it is a finding, not a lack of one)."""
    if code in (ExitCode.OK, ExitCode.INCONCLUSIVE) and vacuous(report):
        return ExitCode.VACUOUS
    return code


# --------------------------------------------------------------------------- where things are defined

#: the calls that define a property, and the one that defines a transition
_PROPERTY_MAKERS = frozenset({"always", "sometimes", "on_step", "never_after", "leads_to", "infinitely_often",
                              "eventually_always", "eventually", "on_every_step",
                              "Always", "Sometimes", "OnStep", "NeverAfter", "LeadsTo"})
_TRANSITION_MAKERS = frozenset({"Transition"})


@dataclass(frozen=True, slots=True, kw_only=True)
class Site:
    """A place in a source file (1-based line and column)."""

    path: Path
    line: int
    column: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class _Literal:
    """A string literal of a source file: exact text, or an f-string as a pattern."""

    site: Site
    text: str | None  # a plain string
    pattern: re.Pattern[str] | None  # an f-string: its fixed parts, anything between
    fixed: int  # characters an f-string fixes
    call: str | None  # the function it is the name argument of (always, Transition, ...)


def _callee(node: ast.Call) -> str | None:
    f = node.func
    if isinstance(f, ast.Name):
        return f.id
    if isinstance(f, ast.Attribute):
        return f.attr
    return None


def _name_argument(node: ast.Call) -> ast.expr | None:
    if node.args:
        return node.args[0]
    for kw in node.keywords:
        if kw.arg == "name":
            return kw.value
    return None


def _literals(path: Path) -> list[_Literal]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return []
    named: dict[int, str] = {}  # id(node) -> callee, for the name argument of a call
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            callee = _callee(node)
            arg = _name_argument(node)
            if callee is not None and arg is not None:
                named[id(arg)] = callee
    out: list[_Literal] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text: str | None = node.value
            pattern, fixed = None, len(node.value)
        elif isinstance(node, ast.JoinedStr):
            parts = [re.escape(v.value) if isinstance(v, ast.Constant) and isinstance(v.value, str) else ".+?"
                     for v in node.values]
            fixed = sum(len(v.value) for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
            text, pattern = None, re.compile("".join(parts), re.S)
        else:
            continue
        site = Site(path=path, line=node.lineno, column=node.col_offset + 1)
        out.append(_Literal(site=site, text=text, pattern=pattern, fixed=fixed, call=named.get(id(node))))
    return out


def _match(name: str, lit: _Literal, makers: frozenset[str]) -> tuple[int, int, int] | None:
    """How well *lit* defines *name* (higher is better), or None when it does not."""
    in_call = int(lit.call in makers)  # the name argument of always(...) beats any other mention
    if lit.text is not None:
        return (in_call, 2, len(name)) if lit.text == name else None
    assert lit.pattern is not None
    # an f-string counts only as the name argument of a maker, and only when it fixes enough of
    # the name: f"{a}-{b}" would match any kebab-case name
    if in_call and lit.fixed >= max(4, len(name) // 3) and lit.pattern.fullmatch(name):
        return (in_call, 1, lit.fixed)
    return None


def _tool_dirs() -> tuple[Path, ...]:
    """statebound's own code: never where a user's model defines its properties."""
    import statebound
    from statebound import checker, diagrams

    return tuple(Path(m.__file__).resolve().parent for m in (statebound, checker, diagrams) if m.__file__)


def _is_under(path: Path, folder: Path) -> bool:
    try:
        path.relative_to(folder)
    except ValueError:
        return False
    return True


def target_file(target: str) -> Path | None:
    """The source file a TARGET names (``models/phase3.py:before`` or ``pkg.mod:fn``), if known."""
    module_part, _, _ = target.rpartition(":")
    if not module_part:
        return None
    if module_part.endswith(".py") or "/" in module_part or "\\" in module_part or Path(module_part).is_file():
        path = Path(module_part)
        return path.resolve() if path.is_file() else None
    module = sys.modules.get(module_part)
    file = getattr(module, "__file__", None)
    return Path(file).resolve() if isinstance(file, str) else None


def model_sources(target: str, *, root: Path) -> list[Path]:
    """The model's source files, the TARGET's own first: then every loaded module's file under
    *root* (the project) that is not statebound's own code or an installed package."""
    first = target_file(target)
    tools = _tool_dirs()
    prefixes = {Path(p).resolve() for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    root = root.resolve()
    files: dict[Path, None] = {first: None} if first is not None else {}
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if not isinstance(file, str) or not file.endswith(".py"):
            continue
        path = Path(file).resolve()
        if (not _is_under(path, root) or any(_is_under(path, t) for t in tools)
                or any(_is_under(path, p) for p in prefixes if p != root) or "site-packages" in path.parts):
            continue
        files.setdefault(path, None)
    return list(files)


def _function_site(target: str) -> Site | None:
    """The ``def`` line of the model function a TARGET names."""
    path = target_file(target)
    name = target.rpartition(":")[2]
    if path is None:
        return None
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError, ValueError):
        return Site(path=path, line=1)
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name == name:
            return Site(path=path, line=node.lineno, column=node.col_offset + 1)
    return Site(path=path, line=1)


def locate(names: Iterable[str], files: Sequence[Path], *, transitions: bool = False) -> dict[str, Site]:
    """Where each of *names* is defined in *files* (earlier files win ties): the name argument of
    a property maker (or of ``Transition`` with *transitions*), an f-string that fixes enough of
    it, or, for properties, the same text anywhere. Transitions are located only when one place
    defines them (two machines may share a transition name). Names not found are left out."""
    makers = _TRANSITION_MAKERS if transitions else _PROPERTY_MAKERS
    wanted = list(dict.fromkeys(names))
    best: dict[str, tuple[tuple[int, int, int, int, int], Site]] = {}
    found: dict[str, set[Site]] = {}
    for rank, path in enumerate(files):
        for lit in _literals(path):
            for name in wanted:
                score = _match(name, lit, makers)
                if score is None or (transitions and not score[0]):
                    continue
                found.setdefault(name, set()).add(lit.site)
                key = (*score, -rank, -lit.site.line)
                if name not in best or key > best[name][0]:
                    best[name] = (key, lit.site)
    if transitions:
        return {n: site for n, (_, site) in best.items() if len(found[n]) == 1}
    return {n: site for n, (_, site) in best.items()}


# --------------------------------------------------------------------------- JUnit

#: characters XML 1.0 cannot carry
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else ""


def to_junit(report: Report, *, system: System | None = None, target: str = "", strict: bool = False) -> bytes:
    """*report* as JUnit XML: one ``<testsuite>`` for the system, one ``<testcase>`` per property.

    A violated property is a ``<failure type="violated">`` whose text is the counterexample as
    ``check`` prints it; an inconclusive one an ``<error type="inconclusive">``; with *strict*,
    a property that holds only vacuously a ``<failure type="vacuous">``. Warnings and witnesses go
    to the case's ``<system-out>``.

    Examples
    --------
    >>> from statebound.checker.result import Coverage, Kind
    >>> ok = Outcome(property="p", kind=Kind.ALWAYS, verdict=Verdict.HOLDS, engine="explicit", coverage=Coverage())
    >>> b"<testcase" in to_junit(Report(system="s", outcomes=(ok,)))
    True
    """
    from junitparser import Error, Failure, JUnitXml, TestCase, TestSuite

    params = ", ".join(f"{k}={show_value(v)}" for k, v in report.params)
    suite = TestSuite(_xml(f"{report.system}" + (f" ({params})" if params else "")))
    if target:
        suite.add_property("target", _xml(target))
    for k, v in report.params:
        suite.add_property(f"param.{k}", _xml(show_value(v)))
    cov = report.coverage
    suite.add_property("states", str(cov.states))
    suite.add_property("complete", "true" if cov.complete else "false")
    weak = {o.property for o in vacuous(report)} if strict else set()
    for o in report.outcomes:
        case = TestCase(_xml(o.property), _xml(f"statebound.{report.system}"), round(o.coverage.seconds, 4))
        out = [f"{o.verdict} ({o.kind})"]
        if o.verdict is Verdict.VIOLATED:
            failure = Failure(_xml(f"{o.property} is violated: {_first_line(o.message)}"), "violated")
            failure.text = _xml("\n".join(format_outcome(o, system=system)))
            case.result = [failure]
        elif o.verdict is Verdict.INCONCLUSIVE:
            stopped = o.coverage.stopped or report.coverage.stopped or "a budget ran out"
            error = Error(_xml(f"{o.property} is inconclusive: {stopped}"), "inconclusive")
            error.text = _xml("\n".join(format_outcome(o, system=system)))
            case.result = [error]
        elif o.property in weak:
            warning = next(w for w in o.warnings if w.startswith(VACUOUS))
            failure = Failure(_xml(f"{o.property} {warning} (--strict)"), "vacuous")
            failure.text = _xml("\n".join(format_outcome(o, system=system)))
            case.result = [failure]
        else:
            out += [f"warning: {w}" for w in o.warnings]
            if o.trace is not None:  # a witness
                out += ["witness:", *format_trace(o.trace)]
        case.system_out = _xml("\n".join(out))
        suite.add_testcase(case)
    xml = JUnitXml()
    xml.add_testsuite(suite)
    xml.update_statistics()  # type: ignore[no-untyped-call]  # junitparser leaves it unannotated
    buffer = io.BytesIO()
    xml.write(buffer, pretty=True)
    return buffer.getvalue()


# --------------------------------------------------------------------------- SARIF: the typed layer


class Message(TypedDict):
    text: str


class ArtifactLocation(TypedDict, total=False):
    uri: str
    uriBaseId: str


class Region(TypedDict, total=False):
    startLine: int
    startColumn: int


class PhysicalLocation(TypedDict, total=False):
    artifactLocation: ArtifactLocation
    region: Region


class Location(TypedDict, total=False):
    physicalLocation: PhysicalLocation
    message: Message


class ThreadFlowLocation(TypedDict, total=False):
    location: Location
    state: dict[str, Message]
    executionOrder: int
    importance: Literal["important", "essential", "unimportant"]
    kinds: list[str]


class ThreadFlow(TypedDict, total=False):
    message: Message
    locations: list[ThreadFlowLocation]


class CodeFlow(TypedDict, total=False):
    message: Message
    threadFlows: list[ThreadFlow]


Level = Literal["none", "note", "warning", "error"]


class ReportingConfiguration(TypedDict):
    level: Level


class ReportingDescriptor(TypedDict, total=False):
    id: str
    name: str
    shortDescription: Message
    fullDescription: Message
    defaultConfiguration: ReportingConfiguration
    properties: dict[str, Any]


class Result(TypedDict, total=False):
    ruleId: str
    ruleIndex: int
    level: Level
    kind: Literal["fail", "pass", "open", "review", "informational", "notApplicable"]
    message: Message
    locations: list[Location]
    codeFlows: list[CodeFlow]
    partialFingerprints: dict[str, str]
    properties: dict[str, Any]


class ToolComponent(TypedDict, total=False):
    name: str
    version: str
    semanticVersion: str
    informationUri: str
    rules: list[ReportingDescriptor]


class Tool(TypedDict):
    driver: ToolComponent


class Notification(TypedDict, total=False):
    message: Message
    level: Level


class Invocation(TypedDict, total=False):
    executionSuccessful: bool
    exitCode: int
    commandLine: str
    toolExecutionNotifications: list[Notification]


class RunAutomationDetails(TypedDict):
    id: str


class Run(TypedDict, total=False):
    tool: Tool
    automationDetails: RunAutomationDetails
    originalUriBaseIds: dict[str, ArtifactLocation]
    invocations: list[Invocation]
    results: list[Result]
    properties: dict[str, Any]


SarifLog = TypedDict("SarifLog", {"$schema": str, "version": str, "runs": list[Run]})


# --------------------------------------------------------------------------- SARIF: the document

_ROOT = "%SRCROOT%"


def _version() -> str:
    try:
        return metadata.version("statebound")
    except metadata.PackageNotFoundError:  # pragma: no cover - statebound runs from a checkout
        return "0"


def _physical(site: Site, root: Path) -> PhysicalLocation:
    path = site.path.resolve()
    if _is_under(path, root):
        artifact: ArtifactLocation = {"uri": path.relative_to(root).as_posix(), "uriBaseId": _ROOT}
    else:
        artifact = {"uri": path.as_uri()}
    return {"artifactLocation": artifact, "region": {"startLine": site.line, "startColumn": site.column}}


def _short(text: str, limit: int = 1000) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _flow(trace: Trace, *, where: Site, steps: dict[str, Site], root: Path, final: str) -> CodeFlow:
    initial = ", ".join(f"{i}.{v} = {show_value(x)}" for (i, v), x in trace.states[0])
    locations: list[ThreadFlowLocation] = [{
        "location": {"physicalLocation": _physical(where, root), "message": {"text": _short(f"initial state: {initial}")}},
        "state": {f"{i}.{v}": {"text": show_value(x)} for (i, v), x in trace.states[0]},
        "executionOrder": 0,
        "kinds": ["enter"],
    }]
    for k, step in enumerate(trace.steps):
        head = f"{k + 1}. {step.instance}: {step.transition}"
        if trace.loop is not None and k == trace.loop:
            head = "(the cycle starts here and repeats forever) " + head
        more = [f"received by {i}: {t}" for i, t in step.receivers]
        more += [str(c) for c in step.changes] or ["no variable changes"]
        site = steps.get(step.transition, where)
        entry: ThreadFlowLocation = {
            "location": {"physicalLocation": _physical(site, root),
                         "message": {"text": _short(head + " — " + "; ".join(more))}},
            "state": {f"{c.instance}.{c.variable}": {"text": show_value(c.after)} for c in step.changes},
            "executionOrder": k + 1,
        }
        if k == len(trace.steps) - 1:
            entry["importance"] = "essential"
        locations.append(entry)
    return {"message": {"text": _short(final)}, "threadFlows": [{"locations": locations}]}


def to_sarif(report: Report, *, system: System | None = None, target: str = "", root: Path | None = None,
             strict: bool = False, exit_code: int | None = None) -> SarifLog:
    """*report* as a SARIF 2.1.0 log: one rule per property, one result per violated property
    (and, with *strict*, per property that holds only vacuously), located where the model's source
    defines the property (relative to *root*, default the working directory), its counterexample
    as a code flow whose steps point at the transitions' definitions where they can be found.

    Examples
    --------
    >>> log = to_sarif(Report(system="s"))
    >>> log["version"], log["runs"][0]["results"]
    ('2.1.0', [])
    """
    root = (root or Path.cwd()).resolve()
    violated = [o for o in report.outcomes if o.verdict is Verdict.VIOLATED]
    weak = list(vacuous(report)) if strict else []
    files = model_sources(target, root=root) if target and (violated or weak) else []
    sites = locate([o.property for o in violated + weak], files) if files else {}
    fallback = _function_site(target) if target else None
    steps: dict[str, Site] = {}
    if files:
        names = {s.transition for o in violated if o.trace is not None for s in o.trace.steps}
        steps = locate(sorted(names), files, transitions=True)

    rules: list[ReportingDescriptor] = []
    index: dict[str, int] = {}
    for o in report.outcomes:
        try:
            rule_text = property_text(system.property(o.property)) if system is not None else ""
        except KeyError:  # deadlock-free is built in
            rule_text = "every reachable state can take a step or is terminal"
        index[o.property] = len(rules)
        rules.append({
            "id": o.property,
            "shortDescription": {"text": _short(f"{o.property} ({o.kind})")},
            "fullDescription": {"text": _short(rule_text or o.property)},
            "defaultConfiguration": {"level": "error"},
            "properties": {"kind": str(o.kind)},
        })

    results: list[Result] = []
    for o, why in [(o, "violated") for o in violated] + [(o, "vacuous") for o in weak]:
        site = sites.get(o.property) or fallback
        text = (f"{o.property} is violated: {_first_line(o.message)}" if why == "violated"
                else f"{o.property} {next(w for w in o.warnings if w.startswith(VACUOUS))} (--strict)")
        if o.trace is not None and why == "violated":
            n = len(o.trace.steps)
            text += f" (counterexample: {'a lasso of ' if o.trace.is_lasso else ''}{n} step{'' if n == 1 else 's'})"
        result: Result = {
            "ruleId": o.property,
            "ruleIndex": index[o.property],
            "level": "error",
            "kind": "fail",
            "message": {"text": _short(text, 2000)},
            "partialFingerprints": {
                "statebound/v1": hashlib.sha256(f"{report.system}\0{o.property}\0{why}".encode()).hexdigest()[:32]},
            "properties": {"verdict": str(o.verdict), "kind": str(o.kind), "reason": why},
        }
        if site is not None:
            result["locations"] = [{"physicalLocation": _physical(site, root)}]
            if o.trace is not None and why == "violated":
                result["codeFlows"] = [_flow(o.trace, where=site, steps=steps, root=root,
                                             final=f"{o.property}: {_first_line(o.message)}")]
        results.append(result)

    code = int(exit_code if exit_code is not None else
               (strict_exit_code(report, report.exit_code()) if strict else report.exit_code()))
    notes: list[Notification] = [{"message": {"text": e}, "level": "error"} for e in report.errors]
    notes += [{"message": {"text": _short(f"{o.property} is inconclusive: "
                                          f"{o.coverage.stopped or report.coverage.stopped or 'a budget ran out'}")},
               "level": "warning"} for o in report.outcomes if o.verdict is Verdict.INCONCLUSIVE]
    if not strict:
        notes += [{"message": {"text": f"{o.property}: {w}"}, "level": "warning"}
                  for o in report.outcomes for w in o.warnings]
    invocation: Invocation = {"executionSuccessful": code not in (ExitCode.BAD_INPUT, ExitCode.INTERNAL),
                              "exitCode": code}
    if notes:
        invocation["toolExecutionNotifications"] = notes
    version = _version()
    run: Run = {
        "tool": {"driver": {"name": "statebound", "version": version, "semanticVersion": version,
                            "informationUri": _INFO_URI, "rules": rules}},
        "automationDetails": {"id": f"statebound/{report.system}/"},
        "originalUriBaseIds": {_ROOT: {"uri": root.as_uri() + "/"}},
        "invocations": [invocation],
        "results": results,
        "properties": {"target": target, "system": report.system,
                       "params": {k: show_value(v) for k, v in report.params},
                       "coverage": report.coverage.to_json()},
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


# --------------------------------------------------------------------------- files


def write_files(report: Report, *, system: System | None, target: str, junit: Path | None = None,
                sarif: Path | None = None, strict: bool = False, exit_code: int | None = None) -> list[str]:
    """Write the ``--junit`` and ``--sarif`` files (parent folders created, each file written
    atomically); returns one error line per file that could not be written."""
    import json

    from .checker.files import write_atomically

    errors: list[str] = []
    for option, path in (("--junit", junit), ("--sarif", sarif)):
        if path is None:
            continue
        if option == "--junit":
            data = to_junit(report, system=system, target=target, strict=strict)
        else:
            log = to_sarif(report, system=system, target=target, strict=strict, exit_code=exit_code)
            data = (json.dumps(log, indent=2) + "\n").encode("utf-8")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, data)
        except OSError as err:
            from ._outputs import why_unwritable

            errors.append(f"{option} {str(path)!r}: cannot write it: {why_unwritable(path, err)}; "
                          "choose another path (the verdicts are complete)")
    return errors
