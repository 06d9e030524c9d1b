"""Writing diagram files: the entry points the CLI calls (``diagram`` and ``check --out``).

Each function returns the files it wrote and one-line notes for the user (for instance how to
get SVG when Graphviz is missing); neither prints.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..checker import InputError, Machine, Outcome, System, Trace
from ..checker.errors import suggest

from .dot import to_dot
from .extract import from_exploration, from_machine, from_system, from_trace, highlight, touched_instances
from .graph import Graph, Sequence
from .mermaid import to_mermaid
from .render import MISSING_HINT, has_graphviz, render

__all__ = ["VIEWS", "FORMATS", "write_view", "write_counterexample", "machine_graphs"]

VIEWS = ("machine", "system", "graph", "sequence")
FORMATS = ("svg", "png", "dot", "mermaid")
_SUFFIX = {"svg": ".svg", "png": ".png", "dot": ".dot", "mermaid": ".mmd"}


def _safe(name: str) -> str:
    """A file-name-safe version of an instance or machine name."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", name)


def _check_choice(what: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise InputError(
            f"--{what} {value!r}: not a {what}; "
            + (suggest(value, choices) or "choose one of " + ", ".join(choices))
        )


def machine_graphs(system: System) -> list[tuple[str, Graph]]:
    """(file stem, diagram) for each distinct machine of *system*, in instance order."""
    groups: list[tuple[Machine, list[str]]] = []
    for inst in system.instances:
        for m, names in groups:
            if m is inst.machine:  # identity: expressions overload ==, so machines are not compared
                names.append(inst.name)
                break
        else:
            groups.append((inst.machine, [inst.name]))
    counts: dict[str, int] = {}
    for m, _ in groups:
        counts[m.name] = counts.get(m.name, 0) + 1
    out = []
    for m, names in groups:
        stem = f"machine-{_safe(m.name)}" + (f"-{_safe(names[0])}" if counts[m.name] > 1 else "")
        out.append((stem, from_machine(m, instances=tuple(names))))
    return out


def _emit(diagram: Graph | Sequence, stem: Path, fmts: tuple[str, ...], files: list[Path], notes: list[str]) -> None:
    """Write *diagram* as each of *fmts*; without Graphviz, fall back to DOT and Mermaid."""
    stem.parent.mkdir(parents=True, exist_ok=True)
    wanted = list(fmts)
    if any(f in ("svg", "png") for f in wanted) and not has_graphviz():
        if MISSING_HINT not in notes:
            notes.append(MISSING_HINT)
        wanted = [f for f in wanted if f not in ("svg", "png")]
        wanted += [f for f in ("dot", "mermaid") if f not in wanted]
    dot_text: str | None = None
    for fmt in wanted:
        path = stem.with_name(stem.name + _SUFFIX[fmt])
        if fmt == "mermaid":
            path.write_text(to_mermaid(diagram), encoding="utf-8")
        elif fmt == "dot":
            dot_text = dot_text or to_dot(diagram)
            path.write_text(dot_text, encoding="utf-8")
        else:
            dot_text = dot_text or to_dot(diagram)
            render(dot_text, path, fmt=fmt)
        files.append(path)


def write_view(
    system: System,
    *,
    view: str,
    fmt: str,
    out_dir: Path,
    trace: Trace | None = None,
) -> tuple[list[Path], list[str]]:
    """Write one view of *system* into *out_dir*.

    Parameters
    ----------
    system : System
        What to draw.
    view : {"machine", "system", "graph", "sequence"}
        ``machine``: one file per distinct machine (``machine-<name>``); ``system``: the
        overview (``system``); ``graph``: the reachable state graph, capped
        (``graph``); ``sequence``: *trace* as a sequence diagram (``sequence``).
    fmt : {"svg", "png", "dot", "mermaid"}
        File format (Mermaid files end in ``.mmd``).
    out_dir : Path
        Created if needed.
    trace : Trace, optional
        Required by the ``sequence`` view; with the ``machine`` view, each instance the trace
        touches is drawn with the trace highlighted (``machine-<instance>``).

    Returns
    -------
    (files, notes)
        The files written, and one-line notes for the user (the Graphviz hint when ``dot`` is
        missing: DOT and Mermaid are then written instead of SVG/PNG).

    Raises
    ------
    InputError
        For an unknown view or format, a ``sequence`` view without a trace, or a Graphviz
        failure or timeout.
    """
    _check_choice("view", view, VIEWS)
    _check_choice("format", fmt, FORMATS)
    out_dir = Path(out_dir)
    files: list[Path] = []
    notes: list[str] = []
    if view == "machine" and trace is not None:
        # with a trace: each instance it touches, with the trace drawn on its machine
        for name in touched_instances(trace) or tuple(i.name for i in system.instances):
            _emit(highlight(system, name, trace), out_dir / f"machine-{_safe(name)}", (fmt,), files, notes)
    elif view == "machine":
        for stem, graph in machine_graphs(system):
            _emit(graph, out_dir / stem, (fmt,), files, notes)
    elif view == "system":
        _emit(from_system(system), out_dir / "system", (fmt,), files, notes)
    elif view == "graph":
        graph = from_exploration(system)
        notes += [n for n in graph.notes if n.startswith("state graph too large")]
        _emit(graph, out_dir / "graph", (fmt,), files, notes)
    else:
        if trace is None:
            raise InputError("--view sequence: needs a trace to draw; pass a trace file or draw a counterexample with 'check --out DIR'")
        _emit(from_trace(system, trace), out_dir / "sequence", (fmt,), files, notes)
    return files, notes


def write_counterexample(
    system: System,
    outcome: Outcome,
    *,
    out_dir: Path,
    stem: str,
) -> tuple[list[Path], list[str]]:
    """Draw *outcome*'s trace: the highlighted machine diagram of every instance the trace
    touches (every instance for a trace without steps) (``<stem>-<instance>``) and its sequence diagram (``<stem>-sequence``), each as DOT,
    SVG and Mermaid.

    Returns ``(files, notes)`` as :func:`write_view` does; an outcome without a trace writes
    nothing and says so in a note.
    """
    trace = outcome.trace
    if trace is None:
        return [], [f"{outcome.property}: {outcome.verdict}, no trace to draw"]
    out_dir = Path(out_dir)
    files: list[Path] = []
    notes: list[str] = []
    fmts = ("dot", "svg", "mermaid")
    # a trace without steps breaks the property in an initial state: draw every instance there
    touched = touched_instances(trace) or tuple(i.name for i in system.instances)
    for inst in touched:
        graph = highlight(system, inst, trace, outcome=outcome)
        _emit(graph, out_dir / f"{stem}-{_safe(inst)}", fmts, files, notes)
    _emit(from_trace(system, trace, outcome=outcome), out_dir / f"{stem}-sequence", fmts, files, notes)
    return files, notes
