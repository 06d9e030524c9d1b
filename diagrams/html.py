"""The self-contained HTML report (``check --html FILE``, ``trace --html FILE``): one page that
needs no network, with the property table, the diagrams, and each trace stepped through on them.

Everything is inline: the style, the script, the data (JSON in a ``<script type="application/json">``
element, which is never run) and the SVG diagrams Graphviz draws (parsed and re-serialised without
scripts, event handlers or links). The page's Content-Security-Policy allows its one script by its
hash, and nothing else: no other script runs and nothing is fetched. All text from models, logs
and reports is escaped.

Stepping: each trace gets the machine diagram of every instance it touches (its path drawn as in
``check --out``) and, when short enough, its sequence diagram; the buttons and the arrow keys move
through the steps, the current state and step are outlined on every diagram, and the table shows
each variable's value at that step, the ones the step changed marked.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..checker import InputError, Outcome, Report, System, Trace, Verdict
from ..checker.output import property_text
from ..checker.result import show_value
from .dot import to_dot
from .extract import from_system, from_trace, highlight, touched_instances
from .graph import Graph
from .graph import Sequence as SequenceDiagram
from .render import has_graphviz, render_bytes
from .write import machine_graphs

__all__ = ["Section", "to_html", "sanitise_svg", "MAX_DRAWN_STEPS"]

#: a trace longer than this gets no sequence diagram, and no step numbers on its machine diagrams
MAX_DRAWN_STEPS = 60

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
_DROP = {"script", "foreignObject", "iframe", "object", "embed", "image", "use", "a", "style"}
_QUOTED = r'"(?:[^"\\]|\\.)*"'
_NODE_LINE = re.compile(rf"^(\s+)({_QUOTED}) \[")
_EDGE_LINE = re.compile(rf"^(\s+)({_QUOTED}) -> ({_QUOTED}) \[")
_CELL_LINE = re.compile(r"^(\s+)(r(\d+)_(\d+)) \[")


@dataclass(frozen=True, slots=True, kw_only=True)
class Section:
    """A block of text the page shows under its own heading (a trace check's replay, say)."""

    title: str
    lines: tuple[str, ...] = ()


def to_html(
    system: System,
    report: Report,
    *,
    target: str = "",
    command: str = "check",
    sections: Sequence[Section] = (),
    step_notes: Mapping[str, Sequence[int | str | None]] | None = None,
    trace_names: Mapping[str, str] | None = None,
) -> str:
    """The report page of *report* (for *system*) as one HTML document.

    Parameters
    ----------
    system, report : System, Report
        The model and what a check (or a trace check) found.
    target : str
        Shown in the title (``models/phase3.py:before``).
    command : str
        ``check`` or ``trace`` (the first line of the page).
    sections : sequence of Section
        More text, shown after the property table.
    step_notes : mapping of property name to one note per step, optional
        Shown beside each step of that property's trace (a trace check's log lines: an int is
        shown as ``line N``, None as ``not in the log``).
    trace_names : mapping of property name to what its trace is, optional
        Instead of ``counterexample``, ``witness`` or ``trace`` (``the recorded run, replayed``).

    Raises
    ------
    InputError
        Never for drawing: a diagram Graphviz cannot draw is left out with a note.
    """
    notes: list[str] = []
    drawn = has_graphviz()
    if not drawn:
        notes.append("Graphviz 'dot' was not found, so the page has no diagrams; install it (apt-get install graphviz)")
    traced = [o for o in report.outcomes if o.trace is not None]
    traces = [_trace_view(system, o, j, drawn, (step_notes or {}).get(o.property), notes,
                          (trace_names or {}).get(o.property)) for j, o in enumerate(traced)]
    data = {"traces": [t.data for t in traces]}
    overview = _overview(system, drawn, notes)
    script = _SCRIPT
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    csp = (f"default-src 'none'; script-src 'sha256-{digest}'; style-src 'unsafe-inline'; img-src data:; "
           "base-uri 'none'; form-action 'none'")
    e = _e
    counts = {v: sum(1 for o in report.outcomes if o.verdict is v) for v in Verdict}
    params = ", ".join(f"{k}={show_value(v)}" for k, v in report.params)
    cov = report.coverage
    head = f"statebound {command} {target or report.system}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{e(csp)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{e(head)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f"<header><h1>{e(head)}</h1>",
        f"<p class=\"sb-meta\">system <b>{e(report.system)}</b>" + (f" [{e(params)}]" if params else "")
        + f" · {cov.states:,} states, {cov.steps:,} steps, depth {cov.depth}, {cov.seconds:.2f} s"
        + ("" if cov.complete else f" · <b>incomplete</b>: {e(cov.stopped or '')}") + "</p>",
        f'<p class="sb-summary"><span class="sb-v-holds">{counts[Verdict.HOLDS]} hold</span> · '
        f'<span class="sb-v-violated">{counts[Verdict.VIOLATED]} violated</span> · '
        f'<span class="sb-v-inconclusive">{counts[Verdict.INCONCLUSIVE]} inconclusive</span></p>',
        "</header>",
        *(f'<p class="sb-note">{e(n)}</p>' for n in notes),
        _property_table(system, report, traced),
        *(_section(s) for s in sections),
    ]
    if traces:
        parts.append('<section id="sb-traces"><h2>Traces, step by step</h2>')
        parts.append('<p class="sb-help">Step with the buttons or the arrow keys (← →, Home, End); the current '
                     "state and step are outlined on the diagrams, and the variables the step changed are marked.</p>")
        parts.append('<nav class="sb-tabs" role="tablist">' + "".join(
            f'<button type="button" role="tab" data-show="{j}" class="sb-v-{t.outcome.verdict}">'
            f"{e(t.outcome.property)} ({e(str(t.outcome.verdict))})</button>" for j, t in enumerate(traces)) + "</nav>")
        parts += [t.html for t in traces]
        parts.append("</section>")
    parts.append(overview)
    parts.append(f'<script type="application/json" id="sb-data">{_json_for_script(data)}</script>')
    parts.append(f"<script>{script}</script>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------- pieces


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _json_for_script(doc: Any) -> str:
    """JSON that cannot end its ``<script>`` element nor start markup in it."""
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _property_table(system: System, report: Report, traced: list[Outcome]) -> str:
    e = _e
    rows = []
    index = {o.property: j for j, o in enumerate(traced)}
    for o in report.outcomes:
        try:
            rule = property_text(system.property(o.property))
        except KeyError:
            rule = ""
        step = (f' <button type="button" class="sb-link" data-show="{index[o.property]}">step through</button>'
                if o.property in index else "")
        message = "; ".join(x for x in (o.message, *o.warnings) if x)
        rows.append(f'<tr><th scope="row">{e(o.property)}</th><td>{e(str(o.kind))}</td>'
                    f'<td class="sb-v-{o.verdict}">{e(str(o.verdict))}</td><td>{e(rule)}</td>'
                    f"<td>{e(message)}{step}</td></tr>")
    return ('<section id="sb-properties"><h2>Properties</h2><table class="sb-props"><thead><tr><th>property</th>'
            "<th>kind</th><th>verdict</th><th>rule</th><th>what was found</th></tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></section>")


def _section(s: Section) -> str:
    return f'<section class="sb-extra"><h2>{_e(s.title)}</h2><pre>{_e(chr(10).join(s.lines))}</pre></section>'


def _overview(system: System, drawn: bool, notes: list[str]) -> str:
    if not drawn:
        return ""
    figures = []
    graphs: list[tuple[str, Graph]] = [("system", from_system(system))]
    graphs += machine_graphs(system)
    for name, g in graphs:
        svg = _svg(to_dot(g), name, notes)
        if svg:
            figures.append(f'<figure class="sb-figure">{svg}<figcaption>{_e(g.title)}</figcaption></figure>')
    return '<section id="sb-diagrams"><h2>Diagrams</h2>' + "".join(figures) + "</section>"


# --------------------------------------------------------------------------- one trace


@dataclass(frozen=True, slots=True, kw_only=True)
class _TraceView:
    outcome: Outcome
    html: str
    data: dict[str, Any]


def _kind_of_trace(o: Outcome) -> str:
    if o.verdict is Verdict.VIOLATED:
        return "counterexample"
    if o.verdict is Verdict.HOLDS and o.kind == "sometimes":
        return "witness"
    return "trace"


def _note(n: int | str | None) -> str:
    if n is None:
        return "not in the log"
    return f"line {n}" if isinstance(n, int) else n


def _trace_view(system: System, o: Outcome, j: int, drawn: bool, step_notes: Sequence[int | str | None] | None,
                notes: list[str], name: str | None) -> _TraceView:
    e = _e
    trace = o.trace
    assert trace is not None
    names = [f"{i}.{v}" for (i, v), _ in trace.states[0]]
    hidden = {(i.name, v.name) for i in system.instances for v in i.machine.variables if v.hidden}
    states = [[show_value(x) for _, x in st] for st in trace.states]
    step_text = []
    for k, st in enumerate(trace.steps):
        text = f"{st.instance}: {st.transition}"
        if st.receivers:
            text += " → " + ", ".join(f"{i}: {t}" for i, t in st.receivers)
        note = _note(step_notes[k]) if step_notes is not None and k < len(step_notes) else ""
        step_text.append((text, note))
    marks: list[list[str]] = [[] for _ in trace.states]
    figures = []
    if drawn:
        long = len(trace.steps) > MAX_DRAWN_STEPS
        for d, inst in enumerate(touched_instances(trace) or tuple(i.name for i in system.instances)):
            figures += _machine_figure(system, o, inst, f"sb_t{j}_d{d}", marks, long, notes)
        if not long:
            figures += _sequence_figure(system, o, f"sb_t{j}_q", marks, notes)
        else:
            notes.append(f"{o.property}: the trace has {len(trace.steps)} steps; its sequence diagram is left out "
                         f"(at most {MAX_DRAWN_STEPS} steps are drawn)")
    loop = trace.loop
    label = f"{name or _kind_of_trace(o)}: {len(trace.steps)} step{'s' if len(trace.steps) != 1 else ''}"
    if loop is not None:
        label += f", a lasso: steps {loop + 1}–{len(trace.steps)} repeat" if loop < len(trace.steps) else ", then it stays"
    rows = "".join(
        f'<tr data-i="{i}"><th scope="row">{e(n)}'
        + (' <span class="sb-hidden" title="hidden: the implementation cannot read it">hidden</span>'
           if _is_hidden(trace, i, hidden) else "")
        + f'</th><td class="sb-val">{e(states[0][i])}</td></tr>'
        for i, n in enumerate(names))
    steps = ['<li data-k="0" class="sb-now-step">initial state</li>']
    for k, (text, note) in enumerate(step_text, start=1):
        steps.append(f'<li data-k="{k}">{e(text)}' + (f' <span class="sb-line">{e(note)}</span>' if note else "") + "</li>")
    hidden_attr = "" if j == 0 else " hidden"
    body = (
        f'<section class="sb-trace" id="sb-trace-{j}" data-trace="{j}"{hidden_attr}>'
        f"<h3>{e(o.property)}: {e(str(o.verdict))} — {e(label)}</h3>"
        + (f'<p class="sb-msg">{e(o.message)}</p>' if o.message else "")
        + '<div class="sb-controls">'
        '<button type="button" data-go="first" title="first (Home)">first</button>'
        '<button type="button" data-go="prev" title="back (←)">◀ back</button>'
        '<span class="sb-pos" aria-live="polite"></span>'
        '<button type="button" data-go="next" title="forward (→)">forward ▶</button>'
        '<button type="button" data-go="last" title="last (End)">last</button></div>'
        '<p class="sb-caption"></p>'
        '<div class="sb-body"><div class="sb-diagrams">' + "".join(figures) + "</div>"
        '<div class="sb-side"><table class="sb-vars"><thead><tr><th>variable</th><th>value</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        f'<ol class="sb-steps" start="0">{"".join(steps)}</ol></div></div></section>'
    )
    data = {
        "property": o.property,
        "states": states,
        "steps": [{"text": t, "note": n} for t, n in step_text],
        "marks": marks,
        "loop": loop,
    }
    return _TraceView(outcome=o, html=body, data=data)


def _is_hidden(trace: Trace, i: int, hidden: set[tuple[str, str]]) -> bool:
    return trace.states[0][i][0] in hidden


def _control_node(system: System, inst: str, trace: Trace, k: int) -> str:
    m = system.instance(inst).machine
    if m.control is None:
        return m.name
    return show_value(dict(trace.states[k])[(inst, m.control)])


def _machine_figure(system: System, o: Outcome, inst: str, prefix: str, marks: list[list[str]], long: bool,
                    notes: list[str]) -> list[str]:
    trace = o.trace
    assert trace is not None
    g = highlight(system, inst, trace, outcome=o)
    edge_of_step = {k: idx for idx, edge in enumerate(g.edges) for k in edge.steps}
    if long:  # step numbers on the edges would be thousands of labels
        g = replace(g, edges=tuple(replace(edge, steps=()) for edge in g.edges),
                    notes=tuple(n for n in g.notes if "steps (numbered)" not in n))
    dot, node_ids, edge_ids = _dot_with_ids(g, prefix)
    svg = _svg(dot, f"{o.property}/{inst}", notes)
    if not svg:
        return []
    if node_ids:
        for k in range(len(trace.states)):
            node = node_ids.get(_control_node(system, inst, trace, k))
            if node is not None:
                marks[k].append(node)
        for k in range(1, len(trace.states)):
            idx = edge_of_step.get(k)
            if idx is not None and idx < len(edge_ids):
                marks[k].append(edge_ids[idx])
    return [f'<figure class="sb-figure">{svg}<figcaption>{_e(inst)}</figcaption></figure>']


def _sequence_figure(system: System, o: Outcome, prefix: str, marks: list[list[str]], notes: list[str]) -> list[str]:
    trace = o.trace
    assert trace is not None
    sq = from_trace(system, trace, outcome=o)
    dot, cells = _sequence_with_ids(sq, prefix)
    svg = _svg(dot, f"{o.property}/sequence", notes)
    if not svg:
        return []
    for (k, _), cell in cells.items():
        if 1 <= k < len(marks):
            marks[k].append(cell)
    return [f'<figure class="sb-figure sb-seq">{svg}<figcaption>sequence</figcaption></figure>']


# --------------------------------------------------------------------------- DOT ids and SVG


def _unquote(q: str) -> str:
    return re.sub(r"\\(.)", r"\1", q[1:-1])


def _dot_with_ids(g: Graph, prefix: str) -> tuple[str, dict[str, str], list[str]]:
    """DOT of *g* with an ``id`` on every node and edge, and those ids (node id -> element id,
    and one per edge of ``g.edges``); no ids when the DOT does not read as expected."""
    dot = to_dot(g)
    node_ids = {n.id: f"{prefix}_n{k}" for k, n in enumerate(g.nodes)}
    edge_ids = [f"{prefix}_e{k}" for k in range(len(g.edges))]
    out = []
    k = 0
    for line in dot.split("\n"):
        m = _EDGE_LINE.match(line)
        if m:
            src, tgt = _unquote(m.group(2)), _unquote(m.group(3))
            if src not in node_ids and src == f"__start_{tgt}":
                out.append(line)
                continue
            if k >= len(g.edges) or (g.edges[k].source, g.edges[k].target) != (src, tgt):
                return dot, {}, []
            line = line[: m.end() - 1] + f'[id="{edge_ids[k]}", ' + line[m.end():]
            k += 1
        else:
            m = _NODE_LINE.match(line)
            if m and _unquote(m.group(2)) in node_ids:
                line = line[: m.end() - 1] + f'[id="{node_ids[_unquote(m.group(2))]}", ' + line[m.end():]
        out.append(line)
    if k != len(g.edges):
        return dot, {}, []
    return "\n".join(out), node_ids, edge_ids


def _sequence_with_ids(sq: SequenceDiagram, prefix: str) -> tuple[str, dict[tuple[int, int], str]]:
    """DOT of *sq* with an id on each cell that holds a message: (step, lifeline) -> id."""
    busy = {(m.step, i) for m in sq.messages for i, ln in enumerate(sq.lifelines) if ln.id == m.target}
    cells: dict[tuple[int, int], str] = {}
    out = []
    for line in to_dot(sq).split("\n"):
        m = _CELL_LINE.match(line)
        if m:
            key = (int(m.group(3)), int(m.group(4)))
            if key in busy:
                cells[key] = f"{prefix}_{m.group(2)}"
                line = line[: m.end() - 1] + f'[id="{cells[key]}", ' + line[m.end():]
        out.append(line)
    return "\n".join(out), cells


def _svg(dot: str, where: str, notes: list[str]) -> str:
    """*dot* drawn as a sanitised inline ``<svg>``; "" (with a note) when Graphviz fails."""
    try:
        data = render_bytes(dot, fmt="svg", where=where)
    except InputError as err:
        notes.append(str(err))
        return ""
    return sanitise_svg(data)


def sanitise_svg(data: bytes) -> str:
    """Graphviz's SVG re-serialised for inlining: no XML prolog, no comments, no scripts, styles,
    links, foreign content or event handlers, and only the ids statebound gave (``sb_...``)."""
    ET.register_namespace("", _SVG)
    ET.register_namespace("xlink", _XLINK)
    root = ET.fromstring(data)
    _clean(root)
    root.set("class", "sb-svg")
    return ET.tostring(root, encoding="unicode")


def _clean(el: ET.Element) -> None:
    for child in list(el):
        tag = child.tag.rsplit("}", 1)[-1] if isinstance(child.tag, str) else ""
        if tag in _DROP or not tag:
            el.remove(child)
            continue
        _clean(child)
    for key in list(el.attrib):
        name = key.rsplit("}", 1)[-1].lower()
        if name.startswith("on") or name in ("href", "style") or (name == "id" and not el.attrib[key].startswith("sb_")):
            del el.attrib[key]


def _lines(items: Iterable[str]) -> str:
    return "\n".join(items)


# --------------------------------------------------------------------------- style and script

_STYLE = _lines((
    ":root{--ink:#1f2933;--muted:#7b8794;--line:#cbd2d9;--now:#f59e0b;--bad:#b91c1c;--good:#15803d;--odd:#b45309}",
    "*{box-sizing:border-box}",
    "body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;color:var(--ink);",
    "margin:0;padding:0 1.5rem 3rem}",
    "header{border-bottom:1px solid var(--line);margin-bottom:1rem}",
    "h1{font-size:1.35rem;margin:1rem 0 .3rem;word-break:break-all}",
    "h2{font-size:1.15rem;margin:1.6rem 0 .5rem}",
    "h3{font-size:1.02rem;margin:.8rem 0 .3rem}",
    ".sb-meta,.sb-help,.sb-note{color:var(--muted);margin:.2rem 0}",
    ".sb-note{color:var(--odd)}",
    ".sb-summary{font-weight:600}",
    "table{border-collapse:collapse}",
    ".sb-props{width:100%}",
    ".sb-props th,.sb-props td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid var(--line)}",
    ".sb-props thead th{font-size:.85rem;color:var(--muted)}",
    ".sb-v-holds{color:var(--good)}.sb-v-violated{color:var(--bad);font-weight:600}.sb-v-inconclusive{color:var(--odd)}",
    "button{font:inherit;padding:.25rem .7rem;border:1px solid var(--line);border-radius:6px;background:#fff;cursor:pointer}",
    "button:disabled{opacity:.4;cursor:default}",
    "button.sb-link{padding:0 .4rem;font-size:.85rem}",
    ".sb-tabs{display:flex;flex-wrap:wrap;gap:.4rem;margin:.5rem 0}",
    ".sb-tabs button[aria-selected=true]{background:#eef2ff;border-color:#6366f1}",
    ".sb-controls{display:flex;align-items:center;gap:.5rem;margin:.4rem 0}",
    ".sb-pos{min-width:9rem;text-align:center;font-variant-numeric:tabular-nums}",
    ".sb-caption{font-weight:600;min-height:1.4em;margin:.3rem 0}",
    ".sb-msg{margin:.2rem 0 .5rem}",
    ".sb-body{display:flex;gap:1.2rem;align-items:flex-start;flex-wrap:wrap}",
    ".sb-diagrams{flex:3 1 32rem;min-width:0}",
    ".sb-side{flex:1 1 18rem;min-width:16rem;position:sticky;top:.5rem}",
    ".sb-figure{margin:0 0 1rem;overflow:auto;border:1px solid var(--line);border-radius:8px;padding:.4rem}",
    ".sb-figure figcaption{color:var(--muted);font-size:.85rem}",
    ".sb-svg{max-width:100%;height:auto}",
    ".sb-vars{width:100%;font-size:.9rem}",
    ".sb-vars th,.sb-vars td{text-align:left;padding:.2rem .4rem;border-bottom:1px solid var(--line);font-weight:400}",
    ".sb-vars td{font-family:ui-monospace,Menlo,Consolas,monospace}",
    ".sb-vars tr.sb-changed td{background:#fef3c7;font-weight:700}",
    ".sb-vars tr.sb-changed th::after{content:' \\2190 changed';color:var(--odd);font-size:.8rem}",
    ".sb-hidden{font-size:.7rem;color:var(--muted);border:1px solid var(--line);border-radius:4px;padding:0 .2rem}",
    ".sb-steps{font-size:.85rem;max-height:22rem;overflow:auto;padding-left:2.2rem;margin-top:.8rem}",
    ".sb-steps li{cursor:pointer;padding:.05rem .2rem}",
    ".sb-steps li.sb-now-step{background:#fef3c7;font-weight:600}",
    ".sb-line{color:var(--muted);font-size:.8rem}",
    # an edge's label sits on a white polygon in its group: leave that one alone
    "g.sb-now>path,g.sb-now>polygon:not([fill=white]),g.sb-now>ellipse{stroke:var(--now)!important;stroke-width:5px!important}",
    "g.node.sb-now>path,g.node.sb-now>polygon:not([fill=white]){fill:#fde68a!important}",
    "g.edge.sb-now>polygon:not([fill=white]){fill:var(--now)!important}",
    ".sb-extra pre{white-space:pre-wrap;background:#f8fafc;border:1px solid var(--line);border-radius:8px;",
    "padding:.6rem;font-size:.85rem}",
    "@media print{.sb-controls,.sb-tabs,.sb-help{display:none}.sb-trace[hidden]{display:block}}",
))

_SCRIPT = _lines((
    "(function () {",
    "  'use strict';",
    "  var data = JSON.parse(document.getElementById('sb-data').textContent);",
    "  var traces = data.traces, pos = traces.map(function () { return 0; }), current = 0;",
    "  function section(j) { return document.getElementById('sb-trace-' + j); }",
    "  function render() {",
    "    if (!traces.length) return;",
    "    var t = traces[current], k = pos[current], sec = section(current), i;",
    "    document.querySelectorAll('.sb-now').forEach(function (el) { el.classList.remove('sb-now'); });",
    "    (t.marks[k] || []).forEach(function (id) {",
    "      var el = document.getElementById(id); if (el) el.classList.add('sb-now');",
    "    });",
    "    var n = t.steps.length, step = k > 0 ? t.steps[k - 1] : null;",
    "    sec.querySelector('.sb-pos').textContent = 'step ' + k + ' of ' + n;",
    "    sec.querySelector('.sb-caption').textContent =",
    "      step ? (k + '. ' + step.text + (step.note ? ' (' + step.note + ')' : '')) : 'the initial state';",
    "    var rows = sec.querySelectorAll('.sb-vars tbody tr');",
    "    for (i = 0; i < rows.length; i++) {",
    "      rows[i].querySelector('.sb-val').textContent = t.states[k][i];",
    "      rows[i].classList.toggle('sb-changed', k > 0 && t.states[k][i] !== t.states[k - 1][i]);",
    "    }",
    "    var items = sec.querySelectorAll('.sb-steps li');",
    "    for (i = 0; i < items.length; i++) items[i].classList.toggle('sb-now-step', i === k);",
    "    var list = sec.querySelector('.sb-steps');",
    "    if (items[k] && list.scrollHeight > list.clientHeight) {",
    "      list.scrollTop = Math.max(0, items[k].offsetTop - list.offsetTop - list.clientHeight / 2);",
    "    }",
    "    sec.querySelector('[data-go=first]').disabled = sec.querySelector('[data-go=prev]').disabled = k === 0;",
    "    sec.querySelector('[data-go=last]').disabled = sec.querySelector('[data-go=next]').disabled = k === n;",
    "    document.body.setAttribute('data-step', current + ':' + k);",
    "  }",
    "  function go(where) {",
    "    if (!traces.length) return;",
    "    var n = traces[current].steps.length, k = pos[current];",
    "    if (where === 'first') k = 0; else if (where === 'last') k = n;",
    "    else if (where === 'prev') k = Math.max(0, k - 1); else if (where === 'next') k = Math.min(n, k + 1);",
    "    else k = Math.max(0, Math.min(n, where));",
    "    pos[current] = k; render();",
    "  }",
    "  function show(j) {",
    "    current = j;",
    "    document.querySelectorAll('.sb-trace').forEach(function (s) { s.hidden = s.id !== 'sb-trace-' + j; });",
    "    document.querySelectorAll('.sb-tabs [data-show]').forEach(function (b) {",
    "      b.setAttribute('aria-selected', String(b.getAttribute('data-show') === String(j)));",
    "    });",
    "    render();",
    "  }",
    "  document.addEventListener('click', function (ev) {",
    "    var el = ev.target.closest('[data-go],[data-show],.sb-steps li');",
    "    if (!el) return;",
    "    if (el.hasAttribute('data-show')) { show(Number(el.getAttribute('data-show'))); section(current).scrollIntoView(); }",
    "    else if (el.hasAttribute('data-go')) go(el.getAttribute('data-go'));",
    "    else go(Number(el.getAttribute('data-k')));",
    "  });",
    "  document.addEventListener('keydown', function (ev) {",
    "    if (ev.altKey || ev.ctrlKey || ev.metaKey) return;",
    "    var map = {ArrowRight: 'next', ArrowLeft: 'prev', Home: 'first', End: 'last'};",
    "    if (map[ev.key]) { ev.preventDefault(); go(map[ev.key]); }",
    "  });",
    "  show(0);",
    "})();",
))
