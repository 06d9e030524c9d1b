"""DOT text (Graphviz) from neutral diagrams; pure functions, no Graphviz needed.

>>> from statebound.diagrams.graph import Graph, Node, Edge
>>> print(to_dot(Graph(name="g", title="g", nodes=(Node(id="a", label="a"),), edges=())).splitlines()[0])
digraph "g" {
"""

from __future__ import annotations

from collections.abc import Iterable

from . import _style as S
from .graph import Edge, Graph, Mark, Message, Node, Sequence
from ._labels import wrap_list

__all__ = ["to_dot"]


def _q(s: str) -> str:
    """A quoted DOT id."""
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _h(s: str) -> str:
    """Text escaped for an HTML-like label."""
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _attrs(**kw: object) -> str:
    parts = []
    for k, v in kw.items():
        if v is None:
            continue
        if isinstance(v, str) and v.startswith("<") and v.endswith(">"):
            parts.append(f"{k}={v}")  # an HTML-like label
        else:
            parts.append(f"{k}={_q(str(v))}")
    return "[" + ", ".join(parts) + "]"


def _title(title: str, notes: Iterable[str]) -> str:
    rows = [f'<font point-size="{S.TITLE_SIZE}"><b>{_h(title)}</b></font>']
    rows += [f'<font point-size="{S.SMALL_SIZE + 1}" color="{S.MUTED}">{_h(n)}</font>' for n in notes]
    return "<" + '<br align="left"/>'.join(rows) + '<br align="left"/>>'



def to_dot(diagram: Graph | Sequence) -> str:
    """DOT source for a :class:`Graph` (a ``digraph`` with clusters) or a :class:`Sequence`
    (lifelines as vertical chains of nodes, one rank per step)."""
    if isinstance(diagram, Sequence):
        return _sequence(diagram)
    return _graph(diagram)


# --------------------------------------------------------------------------- graphs


def _node_line(n: Node, highlighted: bool) -> str:
    marks = n.marks
    label_rows = [f"<b>{_h(n.label)}</b>" if Mark.NOTE not in marks else _h(n.label)]
    label_rows += [f'<font point-size="{S.SMALL_SIZE}">{_h(d)}</font>' for d in n.details]
    align = '<br align="left"/>' if n.details else "<br/>"
    label = "<" + align.join(label_rows) + (align if n.details else "") + ">"
    if not n.details:
        label = "<" + label_rows[0] + ">"
    attrs: dict[str, object] = dict(label=label, shape="box", style="rounded,filled", fillcolor=S.FILL,
                                    color=S.LINE, fontcolor=S.INK, penwidth=1.2)
    if Mark.INITIAL in marks:
        attrs["penwidth"] = 2.2
    if Mark.ANY in marks:
        attrs.update(style="rounded,dashed", fillcolor="white", fontcolor=S.MUTED, color=S.MUTED,
                     label=f"<<i>{_h(n.label)}</i>>")
    if Mark.NOTE in marks:
        attrs.update(shape="note", style="filled", fillcolor=S.NOTE_FILL, color=S.MUTED)
    if highlighted and not (marks & {Mark.VISITED, Mark.FINAL}):
        attrs.update(color=S.MUTED, fontcolor=S.MUTED)
    if Mark.VISITED in marks:
        attrs.update(fillcolor=S.VISITED_FILL, color=S.STEP)
    if Mark.LOOP in marks:
        attrs.update(fillcolor=S.LOOP_FILL, color=S.LOOP)
    if Mark.FINAL in marks or Mark.DEADLOCK in marks:
        attrs.update(fillcolor=S.FINAL_FILL, color=S.FINAL, penwidth=2.6, peripheries=2)
    return f"  {_q(n.id)} {_attrs(**attrs)};"


def _node_lines(n: Node, highlighted: bool) -> list[str]:
    lines = [_node_line(n, highlighted)]
    if Mark.INITIAL in n.marks:  # the UML start dot
        start = f"__start_{n.id}"
        lines.append(f"  {_q(start)} {_attrs(shape='point', width=0.16, color=S.INK, label='')};")
        lines.append(f"  {_q(start)} -> {_q(n.id)} {_attrs(color=S.INK, arrowsize=0.8)};")
    return lines


def _edge_label(e: Edge, highlighted: bool) -> str:
    rows: list[str] = []
    head = ""
    if e.steps:
        colour = S.LOOP if Mark.LOOP in e.marks else S.STEP
        head += f'<font color="{colour}"><b>{_h(", ".join(map(str, e.steps)))}:</b></font> '
    if e.event:  # bundled edges wait for several events: one wrapped line of them
        events = wrap_list(e.event.split(", "), 40)
        rows += [f"<i>{'on ' if i == 0 else '   '}{_h(line)}</i>" for i, line in enumerate(events)]
    names = wrap_list(e.name.split(", "), 40) if e.name else []
    if names:
        head += f"<b>{_h(names[0])}</b>"
    if e.tags:
        head += f' <font color="{S.MUTED}">' + _h(" ".join(f"«{t}»" for t in e.tags)) + "</font>"
    if head:
        rows.append(head)
    rows += [f"<b>{_h(n)}</b>" for n in names[1:]]
    rows += [_h(g) for g in e.guard]
    rows += [_h(a) for a in e.actions]
    if not rows:
        return ""
    colour = S.MUTED if highlighted and not e.steps else S.INK
    body = '<br align="left"/>'.join(rows) + ('<br align="left"/>' if len(rows) > 1 else "")
    # a white cell behind the text keeps edges drawn earlier from striking it through
    return (f'<<table border="0" cellborder="0" cellpadding="1" cellspacing="0" bgcolor="white">'
            f'<tr><td><font color="{colour}">{body}</font></td></tr></table>>')




def _edge_line(e: Edge, highlighted: bool) -> str:
    attrs: dict[str, object] = dict(color=S.LINE, penwidth=1.2, arrowsize=0.8)
    label = _edge_label(e, highlighted)
    if label:
        attrs["label"] = label
    if highlighted and not e.steps:
        attrs.update(color=S.MUTED, penwidth=0.9)
    if e.steps:
        attrs.update(color=S.LOOP if Mark.LOOP in e.marks else S.STEP, penwidth=2.6, arrowsize=1.0)
    if Mark.BROADCAST in e.marks:
        attrs.update(style="dashed", color=S.BROADCAST, fontcolor=S.BROADCAST, penwidth=1.6)
    if Mark.READS in e.marks:
        attrs.update(style="dotted", color=S.MUTED, penwidth=1.4)
    return f"  {_q(e.source)} -> {_q(e.target)} {_attrs(**attrs)};"


def _graph(g: Graph) -> str:
    highlighted = any(e.steps for e in g.edges)
    lines = [
        f"digraph {_q(g.name)} {{",
        f"  graph {_attrs(label=_title(g.title, g.notes), labelloc='t', labeljust='l', rankdir=g.direction, fontname=S.FONT, fontcolor=S.INK, nodesep=0.45, ranksep=0.55, pad=0.3, newrank='true' if g.clusters else None)};",
        f"  node {_attrs(fontname=S.FONT, fontsize=S.NODE_SIZE, margin='0.18,0.08')};",
        f"  edge {_attrs(fontname=S.FONT, fontsize=S.EDGE_SIZE)};",
    ]
    by_cluster: dict[str | None, list[Node]] = {}
    for n in g.nodes:
        by_cluster.setdefault(n.cluster, []).append(n)
    for n in by_cluster.get(None, []):
        lines += _node_lines(n, highlighted)
    for c in g.clusters:
        lines.append(f"  subgraph {_q('cluster_' + c.id)} {{")
        lines.append(f"    graph {_attrs(label=f'<<b>{_h(c.label)}</b>>', labeljust='l', style='rounded', color=S.CLUSTER, fontsize=S.NODE_SIZE, margin=12)};")
        lines += ["  " + line for n in by_cluster.get(c.id, []) for line in _node_lines(n, highlighted)]
        lines.append("  }")
    for e in g.edges:
        lines.append(_edge_line(e, highlighted))
    lines.append("}")
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- sequences


def _message_rows(m: Message) -> list[str]:
    colour = S.LOOP if Mark.LOOP in m.marks else S.STEP
    head = f'<font color="{colour}"><b>{m.step}</b></font> '
    if Mark.BROADCAST in m.marks:
        head += f"<i>on {_h(m.event or '')}:</i> "
    head += f"<b>{_h(m.name)}</b>"
    if m.event and Mark.BROADCAST not in m.marks:
        head += f' <font color="{S.BROADCAST}">emit {_h(m.event)}</font>'
    return [head] + [f'<font point-size="{S.SMALL_SIZE}">{_h(c)}</font>' for c in m.changes]


def _sequence(sq: Sequence) -> str:
    notes = [sq.verdict] if sq.verdict and sq.verdict not in sq.title else []
    if sq.loop is not None:
        notes.append(
            "the last state repeats forever" if sq.loop == sq.steps
            else f"steps {sq.loop + 1}–{sq.steps} repeat forever (orange)")
    lines = [
        f"digraph {_q(sq.name)} {{",
        f"  graph {_attrs(label=_title(sq.title, notes), labelloc='t', labeljust='l', rankdir='TB', fontname=S.FONT, nodesep=0.35, ranksep=0.3, pad=0.3, newrank='true')};",
        f"  node {_attrs(fontname=S.FONT, fontsize=S.NODE_SIZE, shape='box', style='rounded,filled', fillcolor='white', color=S.LINE, margin='0.14,0.06')};",
        f"  edge {_attrs(fontname=S.FONT, fontsize=S.EDGE_SIZE)};",
    ]
    ids = [ln.id for ln in sq.lifelines]
    col = {lid: i for i, lid in enumerate(ids)}
    by_cell: dict[tuple[int, str], list[Message]] = {}
    for m in sq.messages:
        by_cell.setdefault((m.step, m.target), []).append(m)

    def cell(k: int, i: int) -> str:
        return f"r{k}_{i}"

    last = sq.steps + 1
    for i, ln in enumerate(sq.lifelines):
        sub = f'<font point-size="{S.SMALL_SIZE}" color="{S.MUTED}">{_h(ln.machine)}</font>'
        start = f"<br/>{_h(ln.start)}" if ln.start else ""
        lines.append(f"  {cell(0, i)} {_attrs(label=f'<<b>{_h(ln.label)}</b><br/>{sub}{start}>', fillcolor=S.FILL, penwidth=1.6)};")
        touched = any(m.target == ln.id or m.source == ln.id for m in sq.messages)
        end_attrs: dict[str, object] = dict(label=f"<{_h(ln.end) or _h(ln.label)}>", fillcolor=S.FILL)
        if touched:
            end_attrs.update(fillcolor=S.FINAL_FILL, color=S.FINAL, penwidth=2.2)
        lines.append(f"  {cell(last, i)} {_attrs(**end_attrs)};")
    for k in range(1, sq.steps + 1):
        for i, lid in enumerate(ids):
            msgs = by_cell.get((k, lid))
            if not msgs:
                lines.append(f"  {cell(k, i)} {_attrs(shape='point', width=0.02, height=0.02, color=S.CLUSTER, label='')};")
                continue
            rows = [r for m in msgs for r in _message_rows(m)]
            loop = any(Mark.LOOP in m.marks for m in msgs)
            colour = S.LOOP if loop else S.STEP
            fill = S.LOOP_FILL if loop else S.VISITED_FILL
            body = '<br align="left"/>'.join(rows) + '<br align="left"/>'
            lines.append(f"  {cell(k, i)} {_attrs(label=f'<{body}>', color=colour, fillcolor=fill, penwidth=1.4)};")
    for k in range(0, last + 1):
        row = " ".join(_q(cell(k, i)) for i in range(len(ids)))
        lines.append(f"  {{ rank=same; {row} }}")
        for i in range(len(ids) - 1):  # keep the lifelines in declaration order on every row
            lines.append(f"  {cell(k, i)} -> {cell(k, i + 1)} {_attrs(style='invis')};")
    for i in range(len(ids)):
        for k in range(last):
            lines.append(f"  {cell(k, i)} -> {cell(k + 1, i)} {_attrs(style='dashed', color=S.CLUSTER, arrowhead='none', weight=100, penwidth=1.4)};")
    labelled: set[int] = set()
    for m in sq.messages:
        if Mark.BROADCAST not in m.marks:
            continue
        s, t = col[m.source], col[m.target]
        # one label per broadcast: stacked copies over parallel arrows would overlap, and every
        # receiver's box already says "on <event>"
        label = f'<<font color="{S.BROADCAST}">{_h(m.event or "")}</font>>' if m.step not in labelled else "<>"
        labelled.add(m.step)
        if s < t:
            lines.append(f"  {cell(m.step, s)} -> {cell(m.step, t)} {_attrs(label=label, color=S.BROADCAST, style='dashed', penwidth=1.6, constraint='false')};")
        else:
            lines.append(f"  {cell(m.step, t)} -> {cell(m.step, s)} {_attrs(label=label, color=S.BROADCAST, style='dashed', penwidth=1.6, dir='back', constraint='false')};")
    lines.append("}")
    return "\n".join(lines) + "\n"
