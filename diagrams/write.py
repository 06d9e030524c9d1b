"""Writing diagram files: the entry points the CLI calls (``diagram`` and ``check --out``).

Each function returns the files it wrote and one-line notes for the user (for instance how to
get SVG when Graphviz is missing); neither prints.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from ..checker import InputError, Machine, Outcome, System, Trace
from ..checker.errors import suggest
from .dot import to_dot
from .extract import MAX_GRAPH_STATES, from_exploration, from_machine, from_system, from_trace, highlight, touched_instances
from .graph import Graph, Sequence
from .mermaid import to_mermaid
from .render import MISSING_HINT, has_graphviz, render_bytes, write_atomically

__all__ = ["VIEWS", "FORMATS", "write_view", "write_counterexample", "machine_graphs", "FileNames", "Write", "safe_name"]

VIEWS = ("machine", "system", "graph", "sequence")
FORMATS = ("svg", "png", "dot", "mermaid")
_SUFFIX = {"svg": ".svg", "png": ".png", "dot": ".dot", "mermaid": ".mmd"}


#: how a diagram is written: (path, content); the CLI passes one that also keeps its manifest
Write = Callable[[Path, bytes], None]

#: longest stem kept as it is, in bytes (file names may have at most 255)
_MAX_STEM = 120


def safe_name(name: str) -> str:
    """A file-name-safe version of a property, instance or machine name: letters, digits, ``-``,
    ``_`` and ``.`` are kept, anything else becomes ``_``."""
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name)
    return safe if safe.strip(".") else safe.replace(".", "_") or "_"


class FileNames:
    """Distinct file stems for the names of one output folder (issue 8, defect 8).

    Sanitising (``x/y`` and ``x_y`` both give ``x_y``), case-insensitive file systems (``Lamp``
    and ``lamp``) and joining (instance ``q-sequence`` of property ``p`` and the sequence
    diagram of property ``p-q``) can map two names to one file. The first keeps the plain stem;
    any later one gets a short digest of its own name (``x_y-3f2a1c0d``), the same in every run,
    as does a stem too long for a file name. Mutable: it remembers the stems it handed out.
    """

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, ...], str] = {}
        self._taken: set[str] = set()  # casefolded

    def stem(self, *key: str, base: str | None = None) -> str:
        """The stem of the thing *key* names, built from *base* (default: the parts of *key*,
        each made safe, joined by ``-``); the same key always gets the same stem."""
        got = self._by_key.get(key)
        if got is not None:
            return got
        stem = base if base is not None else "-".join(safe_name(k) for k in key)
        if len(stem.encode("utf-8")) > _MAX_STEM or stem.casefold() in self._taken:
            digest = hashlib.sha256("\0".join(key).encode("utf-8")).hexdigest()
            head = stem.encode("utf-8")[:_MAX_STEM - 12].decode("utf-8", "ignore")
            stem = f"{head}-{digest[:8]}"
            n = 8
            while stem.casefold() in self._taken and n < len(digest):  # a digest collision: practically never
                n += 4
                stem = f"{head}-{digest[:n]}"
        if stem.casefold() in self._taken:
            raise InputError(f"{'/'.join(key)}: two names map to the file {stem!r}; rename one of them")
        self._taken.add(stem.casefold())
        self._by_key[key] = stem
        return stem


def _write_file(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)


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
    stems = FileNames()
    for m, names in groups:
        base = f"machine-{safe_name(m.name)}" + (f"-{safe_name(names[0])}" if counts[m.name] > 1 else "")
        out.append((stems.stem("machine", m.name, names[0], base=base), from_machine(m, instances=tuple(names))))
    return out


def _emit(diagram: Graph | Sequence, stem: Path, fmts: tuple[str, ...], files: list[Path], notes: list[str],
          write: Write) -> None:
    """Write *diagram* as each of *fmts*; without Graphviz, fall back to DOT and Mermaid."""
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
            data = to_mermaid(diagram).encode("utf-8")
        elif fmt == "dot":
            dot_text = dot_text or to_dot(diagram)
            data = dot_text.encode("utf-8")
        else:
            dot_text = dot_text or to_dot(diagram)
            data = render_bytes(dot_text, fmt=fmt, where=str(path))
        write(path, data)
        files.append(path)


def write_view(
    system: System,
    *,
    view: str,
    fmt: str,
    out_dir: Path,
    trace: Trace | None = None,
    write: Write | None = None,
    max_graph_states: int = MAX_GRAPH_STATES,
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
        Required by the ``sequence`` view; drawn on every other view (issue 16): with the
        ``machine`` view, each instance the trace touches is drawn with the trace highlighted
        (``machine-<instance>``); the ``system`` view numbers its steps on each instance's
        arrows; the ``graph`` view marks its path (and draws its states beyond the cap).
    write : callable, optional
        ``write(path, content)`` writes one file; by default atomically (a temporary file renamed
        into place), creating *out_dir*.
    max_graph_states : int
        The ``graph`` view draws at most this many states (and those of *trace*).

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
    write = write or _write_file
    files: list[Path] = []
    notes: list[str] = []
    if view == "machine" and trace is not None:
        # with a trace: each instance it touches, with the trace drawn on its machine
        stems = FileNames()
        for name in touched_instances(trace) or tuple(i.name for i in system.instances):
            stem = stems.stem("instance", name, base=f"machine-{safe_name(name)}")
            _emit(highlight(system, name, trace), out_dir / stem, (fmt,), files, notes, write)
    elif view == "machine":
        for stem, graph in machine_graphs(system):
            _emit(graph, out_dir / stem, (fmt,), files, notes, write)
    elif view == "system":
        _emit(from_system(system, trace=trace), out_dir / "system", (fmt,), files, notes, write)
    elif view == "graph":
        if max_graph_states < 1:
            raise InputError(f"--graph-states {max_graph_states}: not a number of states; give at least 1")
        graph = from_exploration(system, max_states=max_graph_states, trace=trace)
        notes += [n for n in graph.notes if n.startswith("state graph too large")]
        _emit(graph, out_dir / "graph", (fmt,), files, notes, write)
    else:
        if trace is None:
            raise InputError("--view sequence: needs a trace to draw; "
                             "pass a trace file or draw a counterexample with 'check --out DIR'")
        _emit(from_trace(system, trace), out_dir / "sequence", (fmt,), files, notes, write)
    return files, notes


def write_counterexample(
    system: System,
    outcome: Outcome,
    *,
    out_dir: Path,
    stem: str,
    names: FileNames | None = None,
    write: Write | None = None,
    formats: tuple[str, ...] = ("dot", "svg", "mermaid"),
) -> tuple[list[Path], list[str]]:
    """Draw *outcome*'s trace: the highlighted machine diagram of every instance the trace
    touches (every instance for a trace without steps) (``<stem>-<instance>``) and its sequence
    diagram (``<stem>-sequence``), each in every one of *formats* (DOT, SVG and Mermaid by default).

    *names* gives the file stems; pass one :class:`FileNames` to every call that writes into the
    same folder, so that no two diagrams share a file. *write* is as in :func:`write_view`.

    Returns ``(files, notes)`` as :func:`write_view` does; an outcome without a trace writes
    nothing and says so in a note.
    """
    trace = outcome.trace
    if trace is None:
        return [], [f"{outcome.property}: {outcome.verdict}, no trace to draw"]
    out_dir = Path(out_dir)
    names = names if names is not None else FileNames()
    write = write or _write_file
    files: list[Path] = []
    notes: list[str] = []
    for fmt in formats:
        _check_choice("format", fmt, FORMATS)
    fmts = formats
    # a trace without steps breaks the property in an initial state: draw every instance there
    touched = touched_instances(trace) or tuple(i.name for i in system.instances)
    for inst in touched:
        graph = highlight(system, inst, trace, outcome=outcome)
        file_stem = names.stem(stem, "instance", inst, base=f"{stem}-{safe_name(inst)}")
        _emit(graph, out_dir / file_stem, fmts, files, notes, write)
    file_stem = names.stem(stem, "sequence", base=f"{stem}-sequence")
    _emit(from_trace(system, trace, outcome=outcome), out_dir / file_stem, fmts, files, notes, write)
    return files, notes
