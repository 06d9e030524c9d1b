"""DOT text (Graphviz) from neutral diagrams; pure functions, no Graphviz needed.

>>> from statebound.diagrams.graph import Graph, Node, Edge
>>> print(to_dot(Graph(name="g", title="g", nodes=(Node(id="a", label="a"),), edges=())).splitlines()[0])
digraph "g" {
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Sequence as Sequence_

from . import _style as S
from ._labels import wrap_list
from .graph import Cluster, Edge, Graph, Mark, Message, Node, Sequence

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


def _title(title: str, notes: Iterable[str], legend: Sequence_[tuple[str, str]] = ()) -> str:
    rows = [f'<font point-size="{S.TITLE_SIZE}"><b>{_h(title)}</b></font>']
    rows += [f'<font point-size="{S.SMALL_SIZE + 1}" color="{S.MUTED}">{_h(n)}</font>' for n in notes]
    text = '<br align="left"/>'.join(rows) + '<br align="left"/>'
    if not legend:
        return "<" + text + ">"
    # the legend sits under the title, where it can never cover a state or a label (issue 16)
    cells = "".join(f'<td align="left">{sample}</td><td align="left"><font point-size="{S.SMALL_SIZE}" '
                    f'color="{S.INK}">{_h(what)}</font></td>' for sample, what in legend)
    table = (f'<table border="0" cellborder="0" cellspacing="2" cellpadding="1"><tr>'
             f'<td align="left"><font point-size="{S.SMALL_SIZE}" color="{S.MUTED}"><b>legend</b></font></td>'
             f'{cells}</tr></table>')
    return (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="0">'
            f'<tr><td align="left" balign="left">{text}</td></tr><tr><td align="left">{table}</td></tr></table>>')


def _sample(colour: str, glyph: str, *, bold: bool = False) -> str:
    inner = f"<b>{_h(glyph)}</b>" if bold else _h(glyph)
    return f'<font point-size="{S.SMALL_SIZE}" color="{colour}">{inner}</font>'


def _legend(g: Graph) -> list[tuple[str, str]]:
    """What the marks used in *g* mean, one (sample, meaning) pair each."""
    marks = {m for n in g.nodes for m in n.marks} | {m for e in g.edges for m in e.marks}
    out: list[tuple[str, str]] = []
    if Mark.INITIAL in marks:
        out.append((_sample(S.INK, "●→"), "initial state"))
    if Mark.ANY in marks:
        out.append((_sample(S.MUTED, "⌜any state⌟"), "from every state"))
    if any("{" in line for e in g.edges for line in (*e.shown(), *e.guard, *e.actions, e.event or "")):
        out.append((_sample(S.INK, "a_{1,2}"), "bundled: a_1 and a_2"))
    if Mark.BROADCAST in marks:
        out.append((_sample(S.BROADCAST, "- - →"), "broadcast event"))
    if Mark.READS in marks:
        out.append((_sample(S.MUTED, "····→"), "reads variables"))
    if Mark.STEP in marks:
        out.append((_sample(S.STEP, "3: ━→", bold=True), "step 3 of the trace"))
    if Mark.LOOP in marks:
        out.append((_sample(S.LOOP, "━→", bold=True), "repeats forever"))
    if Mark.FINAL in marks:
        out.append((_sample(S.FINAL, "◎", bold=True), "where the trace ends"))
    if Mark.DEADLOCK in marks:
        out.append((_sample(S.FINAL, "◎", bold=True), "no step possible"))
    return out



def to_dot(diagram: Graph | Sequence) -> str:
    """DOT source for a :class:`Graph` (a ``digraph`` with clusters) or a :class:`Sequence`
    (lifelines as vertical chains of nodes, one rank per step)."""
    if isinstance(diagram, Sequence):
        return _sequence(diagram)
    return _graph(diagram)


# --------------------------------------------------------------------------- graphs


def _node_line(n: Node, highlighted: bool, internal: Sequence_[Edge] = ()) -> str:
    marks = n.marks
    label_rows = [f"<b>{_h(n.label)}</b>" if Mark.NOTE not in marks else _h(n.label)]
    label_rows += [f'<font point-size="{S.SMALL_SIZE}">{_h(d)}</font>' for d in n.details]
    align = '<br align="left"/>' if n.details else "<br/>"
    label = "<" + align.join(label_rows) + (align if n.details else "") + ">"
    if not n.details:
        label = "<" + label_rows[0] + ">"
    if internal:
        # UML's internal transitions: a transition that stays in the state is written inside it,
        # not as a loop whose label would spread over its neighbours (issue 16)
        colour = S.MUTED if highlighted else S.INK
        cells = "".join(
            f'<tr><td align="left" balign="left"><font point-size="{S.SMALL_SIZE}" color="{colour}">↻ '
            + '<br align="left"/>'.join(_edge_rows(e)) + "</font></td></tr>" for e in internal)
        head = label[1:-1]
        label = (f'<<table border="0" cellborder="0" cellspacing="0" cellpadding="2">'
                 f'<tr><td>{head}</td></tr><hr/>{cells}</table>>')
    attrs: dict[str, object] = dict(label=label, shape="box", style="rounded,filled", fillcolor=S.FILL,
                                    color=S.LINE, fontcolor=S.INK, penwidth=1.2)
    if Mark.INITIAL in marks:
        attrs["penwidth"] = 2.2
    if Mark.ANY in marks:
        attrs.update(style="rounded,dashed", fillcolor="white", fontcolor=S.MUTED, color=S.MUTED)
        if not internal:
            attrs["label"] = f"<<i>{_h(n.label)}</i>>"
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


def _node_lines(n: Node, highlighted: bool, internal: Sequence_[Edge] = ()) -> list[str]:
    lines = [_node_line(n, highlighted, internal)]
    if Mark.INITIAL in n.marks:  # the UML start dot
        start = f"__start_{n.id}"
        lines.append(f"  {_q(start)} {_attrs(shape='point', width=0.16, color=S.INK, label='')};")
        lines.append(f"  {_q(start)} -> {_q(n.id)} {_attrs(color=S.INK, arrowsize=0.8)};")
    return lines


def _edge_label(e: Edge, highlighted: bool) -> str:
    rows = _edge_rows(e)
    if not rows:
        return ""
    colour = S.MUTED if highlighted and not e.steps else S.INK
    body = '<br align="left"/>'.join(rows) + ('<br align="left"/>' if len(rows) > 1 else "")
    # a white cell behind the text keeps edges drawn earlier from striking it through
    return (f'<<table border="0" cellborder="0" cellpadding="1" cellspacing="0" bgcolor="white">'
            f'<tr><td><font color="{colour}">{body}</font></td></tr></table>>')


def _edge_rows(e: Edge) -> list[str]:
    rows: list[str] = []
    head = ""
    if e.steps:
        colour = S.LOOP if Mark.LOOP in e.marks else S.STEP
        head += f'<font color="{colour}"><b>{_h(", ".join(map(str, e.steps)))}:</b></font> '
    if e.event:  # bundled edges wait for several events: one wrapped line of them
        events = wrap_list(e.event.split(", "), 40)
        rows += [f"<i>{'on ' if i == 0 else '   '}{_h(line)}</i>" for i, line in enumerate(events)]
    names = list(e.shown()) if e.label else (wrap_list(e.name.split(", "), 40) if e.name else [])
    if names:
        head += f"<b>{_h(names[0])}</b>"
    if e.tags:
        head += f' <font color="{S.MUTED}">' + _h(" ".join(f"«{t}»" for t in e.tags)) + "</font>"
    if head:
        rows.append(head)
    rows += [f"<b>{_h(n)}</b>" for n in names[1:]]
    rows += [_h(g) for g in e.guard]
    rows += [_h(a) for a in e.actions]
    return rows




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
        "  graph " + _attrs(label=_title(g.title, g.notes, _legend(g)), labelloc="t", labeljust="l", rankdir=g.direction,
                            fontname=S.FONT, fontcolor=S.INK, nodesep=0.45, ranksep=0.55, pad=0.3,
                            newrank="true" if g.clusters else None) + ";",
        f"  node {_attrs(fontname=S.FONT, fontsize=S.NODE_SIZE, margin='0.18,0.08')};",
        f"  edge {_attrs(fontname=S.FONT, fontsize=S.EDGE_SIZE)};",
    ]
    by_cluster: dict[str | None, list[Node]] = {}
    for n in g.nodes:
        by_cluster.setdefault(n.cluster, []).append(n)
    # a labelled self-loop that the trace does not take is written inside its state
    inner: dict[str, list[Edge]] = {}
    for e in g.edges:
        if e.source == e.target and not e.steps and not (e.marks & {Mark.BROADCAST, Mark.READS}) and _edge_rows(e):
            inner.setdefault(e.source, []).append(e)
    drawn = [e for e in g.edges if not (e.source == e.target and e in inner.get(e.source, []))]

    def node_lines(n: Node) -> list[str]:
        return _node_lines(n, highlighted, inner.get(n.id, ()))

    for n in by_cluster.get(None, []):
        lines += node_lines(n)
    children: dict[str | None, list[Cluster]] = {}
    known = {c.id for c in g.clusters}
    for c in g.clusters:
        children.setdefault(c.parent if c.parent in known else None, []).append(c)

    def cluster_lines(c: Cluster, indent: str) -> list[str]:
        # an owner's frame holds the frames of what it owns (issue 16): component > client > socket
        group = not by_cluster.get(c.id) and bool(children.get(c.id))
        style = "rounded,dashed" if group else "rounded"
        out = [f"{indent}subgraph {_q('cluster_' + c.id)} {{",
               f"{indent}  graph " + _attrs(label=f"<<b>{_h(c.label)}</b>>", labeljust="r", style=style, color=S.CLUSTER,
                                            fontsize=S.NODE_SIZE, margin=12) + ";"]
        out += [indent + line for n in by_cluster.get(c.id, []) for line in node_lines(n)]
        for child in children.get(c.id, []):
            out += cluster_lines(child, indent + "  ")
        out.append(f"{indent}}}")
        return out

    for c in children.get(None, []):
        lines += cluster_lines(c, "  ")
    for e in drawn:
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
        "  graph " + _attrs(label=_title(sq.title, notes), labelloc="t", labeljust="l", rankdir="TB", fontname=S.FONT,
                            nodesep=0.35, ranksep=0.3, pad=0.3, newrank="true") + ";",
        "  node " + _attrs(fontname=S.FONT, fontsize=S.NODE_SIZE, shape="box", style="rounded,filled", fillcolor="white",
                           color=S.LINE, margin="0.14,0.06") + ";",
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
        head = f"<<b>{_h(ln.label)}</b><br/>{sub}{start}>"
        lines.append(f"  {cell(0, i)} {_attrs(label=head, fillcolor=S.FILL, penwidth=1.6)};")
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
            lifeline = _attrs(style="dashed", color=S.CLUSTER, arrowhead="none", weight=100, penwidth=1.4)
            lines.append(f"  {cell(k, i)} -> {cell(k + 1, i)} {lifeline};")
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
            arrow = _attrs(label=label, color=S.BROADCAST, style="dashed", penwidth=1.6, constraint="false")
            lines.append(f"  {cell(m.step, s)} -> {cell(m.step, t)} {arrow};")
        else:
            arrow = _attrs(label=label, color=S.BROADCAST, style="dashed", penwidth=1.6, dir="back", constraint="false")
            lines.append(f"  {cell(m.step, t)} -> {cell(m.step, s)} {arrow};")
    lines.append("}")
    return "\n".join(lines) + "\n"
