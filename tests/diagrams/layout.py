"""Label boxes of a Graphviz layout (``dot -Tjson``), to test that no two labels overlap (issue 16).

Graphviz's JSON output gives every text it draws as an ``_ldraw_`` operation: a ``T`` op with its
baseline point, alignment and width, after an ``F`` op with the font size. A label's box is the
union of its texts' boxes (from 0.25 of the font size below the baseline to 0.8 above it). A
node's box is its shape (position, width, height). Edge labels are checked against each other,
against every node, cluster and graph label; node shapes against cluster and graph labels.
"""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Box:
    what: str
    x0: float
    y0: float
    x1: float
    y1: float

    def overlaps(self, other: Box, slack: float = 1.0) -> bool:
        return (self.x0 + slack < other.x1 and other.x0 + slack < self.x1
                and self.y0 + slack < other.y1 and other.y0 + slack < self.y1)


def _text_box(ops: list[dict[str, Any]], what: str) -> Box | None:
    size = 14.0
    boxes = []
    for op in ops:
        if op["op"] == "F":
            size = float(op["size"])
        elif op["op"] == "T":
            x, y = (float(v) for v in op["pt"])
            w = float(op["width"])
            x0 = {"l": x, "c": x - w / 2, "r": x - w}[op["align"]]
            boxes.append((x0, y - 0.25 * size, x0 + w, y + 0.8 * size))
    if not boxes:
        return None
    return Box(what, min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes),
               max(b[3] for b in boxes))


def layout(dot_source: str) -> dict[str, Any]:
    done = subprocess.run(["dot", "-Tjson"], input=dot_source, capture_output=True, text=True, timeout=120,
                          check=True)
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def label_boxes(doc: dict[str, Any]) -> tuple[list[Box], list[Box], list[Box]]:
    """(edge label boxes, node shape boxes, cluster and graph label boxes) of a layout."""
    edges, nodes, frames = [], [], []
    title = _text_box(doc.get("_ldraw_", []), "graph label")
    if title is not None:
        frames.append(title)
    for obj in doc.get("objects", []):
        name = obj.get("name", "?")
        if "nodes" in obj or obj.get("name", "").startswith("cluster"):
            box = _text_box(obj.get("_ldraw_", []), f"cluster {name}")
            if box is not None:
                frames.append(box)
            continue
        if "pos" in obj and "width" in obj:
            x, y = (float(v) for v in obj["pos"].split(","))
            w, h = float(obj["width"]) * 72 / 2, float(obj["height"]) * 72 / 2
            if w > 0.5 and h > 0.5:  # points (start dots, lifeline joints) carry no label
                nodes.append(Box(f"node {name}", x - w, y - h, x + w, y + h))
    ids = {obj["_gvid"]: obj.get("name", "?") for obj in doc.get("objects", [])}
    for e in doc.get("edges", []):
        box = _text_box(e.get("_ldraw_", []), f"edge {ids.get(e['tail'])} -> {ids.get(e['head'])}")
        if box is not None:
            edges.append(box)
    return edges, nodes, frames


def overlapping_labels(dot_source: str) -> list[tuple[str, str]]:
    """Pairs of labels (and label/node) that overlap in *dot_source*'s layout."""
    edges, nodes, frames = label_boxes(layout(dot_source))
    found = []
    for i, a in enumerate(edges):
        for b in edges[i + 1:] + nodes + frames:
            if a.overlaps(b):
                found.append((a.what, b.what))
    for n in nodes:
        for f in frames:
            if n.overlaps(f):
                found.append((n.what, f.what))
    return found
