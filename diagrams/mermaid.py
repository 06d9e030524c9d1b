"""Mermaid text from neutral diagrams (``stateDiagram-v2``; ``sequenceDiagram`` for traces).

Pure functions, for pasting into Markdown. Mermaid cannot colour the arrows of a state diagram,
so counterexample steps are numbered in the labels (``(1, 4) connect``) and states are coloured
with ``classDef``. Text that Mermaid would read as syntax (a ``:`` in a note, a ``;``, ``#``, ``<``
...) is written as Mermaid's entity codes (``#58;``), which it draws as the character; every file
statebound writes is parsed by Mermaid itself in the tests (``tests/diagrams/test_mermaid_parse.py``).

>>> from statebound.diagrams.graph import Graph, Node, Edge
>>> g = Graph(name="g", title="lamp", nodes=(Node(id="Off", label="Off"), Node(id="On", label="On")),
...           edges=(Edge(source="Off", target="On", name="switch"),))
>>> print(to_mermaid(g))
---
title: "lamp"
---
stateDiagram-v2
  direction LR
  state "Off" as n0
  state "On" as n1
  n0 --> n1 : switch
<BLANKLINE>
"""

from __future__ import annotations

import json
import re

from . import _style as S
from .graph import Edge, Graph, Mark, Node, Sequence

__all__ = ["to_mermaid"]

# Text goes into Mermaid with the characters its lexers read as syntax written as entity codes
# (``#59;`` for ``;``), which Mermaid swaps out before it parses and decodes when it draws: ``#``
# and ``;`` (an entity's delimiters; ``;`` ends a statement), ``{`` ``}`` (blocks, directives),
# ``<`` ``>``, and ``&`` before a name or ``#`` (HTML), ``"`` (the end of a state's name).
_SYNTAX = r'[#;{}<>"]|&(?=[#\w])'
# A state diagram's lexer matches two patterns anywhere on a line, whatever they are inside of:
# ``direction TB`` (it would set the diagram's direction and drop the line) and ``[[fork]]``,
# ``[[join]]``, ``[[choice]]`` (they would turn a state into a pseudo-state).
_ANYWHERE = r"\[(?=\[)|(?i:(?<=direction)\s(?=\s*(?:tb|bt|rl|lr)))"
_SEQUENCE_TEXT = re.compile(_SYNTAX)
_STATE_NAME = re.compile(f"{_SYNTAX}|{_ANYWHERE}")
# A note ends at its next ``:``, a transition's label at ``::`` or a final ``:`` (Mermaid 10 also at
# the next ``:``): the second ``:`` of ``note left of n0 : variables: tok`` made Mermaid reject every
# machine view (issue 8, defect 19). Only a state's name, in quotes, keeps its colons.
_STATE_LABEL = re.compile(f"{_SYNTAX}|{_ANYWHERE}|:")


def _entity(m: re.Match[str]) -> str:
    return f"#{ord(m.group())};"


def _escape(s: str, syntax: re.Pattern[str]) -> str:
    # a line break would end the statement: each line of *s* becomes a line of the label
    return "<br/>".join(syntax.sub(_entity, line) for line in s.splitlines() or [""])


def _t(s: str) -> str:
    """*s* as text of a sequence diagram (a message, a note, a participant)."""
    return _escape(s, _SEQUENCE_TEXT)


def _st(s: str) -> str:
    """*s* as a transition's label or a note's text in a state diagram."""
    return _escape(s, _STATE_LABEL)


def _state_name(s: str) -> str:
    """*s* as a state's name (in quotes) in a state diagram; ``state "" as n0`` is not Mermaid."""
    return _escape(s, _STATE_NAME) or " "


def to_mermaid(diagram: Graph | Sequence) -> str:
    """Mermaid source: ``stateDiagram-v2`` for a :class:`Graph` (clusters become composite
    states), ``sequenceDiagram`` for a :class:`Sequence`."""
    if isinstance(diagram, Sequence):
        return _sequence(diagram)
    return _graph(diagram)


def _front(title: str) -> list[str]:
    # a JSON string is a YAML double-quoted scalar; the title stays on one line
    quoted = json.dumps(" ".join(title.splitlines()), ensure_ascii=False)
    return ["---", f"title: {quoted}", "---"]


def _edge_text(e: Edge) -> str:
    head = ""
    if e.steps:
        head += "(" + ", ".join(map(str, e.steps)) + ") "
    head += " ".join(e.shown())
    if e.event:
        head += f" (on {e.event})"
    if e.tags:
        head += " " + " ".join(f"«{t}»" for t in e.tags)
    parts = [_st(head)] + [_st(g) for g in e.guard] + [_st(a) for a in e.actions]
    if Mark.BROADCAST in e.marks:
        parts[0] = "broadcast " + parts[0]
    return "<br/>".join(p for p in parts if p)


def _graph(g: Graph) -> str:
    lines = _front(g.title) + ["stateDiagram-v2", f"  direction {g.direction}"]
    ids: dict[str, str] = {}
    for n in g.nodes:
        ids[n.id] = f"n{len(ids)}"
    cluster_ids = {c.id: f"c{i}" for i, c in enumerate(g.clusters)}

    def node_lines(n: Node, indent: str) -> list[str]:
        label = _state_name("\n".join((n.label, *n.details)))
        out = [f'{indent}state "{label}" as {ids[n.id]}']
        if Mark.INITIAL in n.marks:
            out.append(f"{indent}[*] --> {ids[n.id]}")
        return out

    for n in g.nodes:
        if n.cluster is None:
            lines += node_lines(n, "  ")
    for c in g.clusters:
        members = [n for n in g.nodes if n.cluster == c.id]
        if not members:  # an owner's frame (the DOT view nests clusters; Mermaid's stay flat)
            continue
        lines.append(f'  state "{_state_name(c.label)}" as {cluster_ids[c.id]} {{')
        for n in members:
            lines += node_lines(n, "    ")
        member_ids = {n.id for n in members}
        for e in g.edges:
            if e.source in member_ids and e.target in member_ids and not (e.marks & {Mark.BROADCAST, Mark.READS}):
                text = _edge_text(e)
                lines.append(f"    {ids[e.source]} --> {ids[e.target]}" + (f" : {text}" if text else ""))
        lines.append("  }")
    cluster_of = {n.id: n.cluster for n in g.nodes}
    for e in g.edges:
        crossing = e.marks & {Mark.BROADCAST, Mark.READS}
        if not crossing and cluster_of.get(e.source) is not None:
            continue  # drawn inside its composite state
        src, dst = ids[e.source], ids[e.target]
        if crossing and cluster_of.get(e.source) and cluster_of.get(e.target):
            src, dst = cluster_ids[cluster_of[e.source]], cluster_ids[cluster_of[e.target]]  # type: ignore[index]
        text = _edge_text(e)
        lines.append(f"  {src} --> {dst}" + (f" : {text}" if text else ""))
    if g.notes and g.nodes:  # Mermaid state diagrams have no subtitle: the notes go in a note
        first = next(n for n in g.nodes if n.cluster is None) if any(n.cluster is None for n in g.nodes) else None
        if first is not None:
            note = _st("\n".join(g.notes))
            if note.strip():
                lines.append(f"  note left of {ids[first.id]} : {note}")
    classes: dict[str, list[str]] = {}
    for n in g.nodes:
        for mark, cls in ((Mark.VISITED, "visited"), (Mark.LOOP, "loop"), (Mark.FINAL, "final"),
                          (Mark.DEADLOCK, "final"), (Mark.NOTE, "note"), (Mark.ANY, "any")):
            if mark in n.marks:
                classes.setdefault(cls, []).append(ids[n.id])
    styles = {
        "visited": f"fill:{S.VISITED_FILL},stroke:{S.STEP},stroke-width:2px",
        "loop": f"fill:{S.LOOP_FILL},stroke:{S.LOOP},stroke-width:2px",
        "final": f"fill:{S.FINAL_FILL},stroke:{S.FINAL},stroke-width:3px",
        "note": f"fill:{S.NOTE_FILL},stroke:{S.MUTED}",
        "any": f"fill:white,stroke:{S.MUTED},stroke-dasharray:4 3",
    }
    for cls in ("visited", "loop", "final", "note", "any"):
        if cls in classes:
            lines.append(f"  classDef {cls} {styles[cls]}")
    # a later class wins in Mermaid, so the final state is listed last
    for cls in ("visited", "loop", "final", "note", "any"):
        if cls in classes:
            lines.append(f"  class {','.join(classes[cls])} {cls}")
    return "\n".join(lines) + "\n"


def _sequence(sq: Sequence) -> str:
    lines = _front(sq.title) + ["sequenceDiagram"]
    pid = {ln.id: f"p{i}" for i, ln in enumerate(sq.lifelines)}
    for ln in sq.lifelines:
        lines.append(f"  participant {pid[ln.id]} as {_t(ln.label)}")
    first, last = pid[sq.lifelines[0].id], pid[sq.lifelines[-1].id]
    span = first if first == last else f"{first},{last}"
    starts = ", ".join(f"{ln.label}: {ln.start}" for ln in sq.lifelines if ln.start)
    if starts:
        lines.append(f"  Note over {span}: start: {_t(starts)}")
    in_loop = False
    for m in sq.messages:
        if sq.loop is not None and not in_loop and m.step > sq.loop:
            lines.append("  loop repeats forever")
            in_loop = True
        body = [f"{m.step} {m.name}" + (f" (on {m.event})" if Mark.BROADCAST in m.marks else "")]
        if m.event and Mark.BROADCAST not in m.marks:
            body[0] += f" emit {m.event}"
        body += list(m.changes)
        text = "<br/>".join(_t(b) for b in body)
        arrow = "--)" if Mark.BROADCAST in m.marks else "->>"
        lines.append(f"  {pid[m.source]}{arrow}{pid[m.target]}: {text}")
    if in_loop:
        lines.append("  end")
    ends = ", ".join(f"{ln.label}: {ln.end}" for ln in sq.lifelines if ln.end)
    end_note = (sq.verdict + " | " if sq.verdict else "") + (f"end: {ends}" if ends else "end")
    if sq.loop is not None and sq.loop == sq.steps:
        end_note += " (repeats forever)"
    lines.append(f"  Note over {span}: {_t(end_note)}")
    return "\n".join(lines) + "\n"
