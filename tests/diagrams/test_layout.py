"""The Phase 3 machine and system diagrams, laid out by Graphviz, have no overlapping labels (issue 16).

Method (:mod:`layout`): ``dot -Tjson`` gives each text it draws with its position, alignment and
width; a label's box is the union of its texts, a node's box its shape. No edge label may overlap
another edge label, a node, a cluster's label or the title (with the legend); no node may overlap
a cluster's label or the title. (Self-loops are written inside their state, UML's internal
transitions, so no loop label can spread over a neighbour.)
"""

from __future__ import annotations

import shutil

import pytest
from layout import Box, label_boxes, layout, overlapping_labels

from statebound.diagrams import from_system, highlight, to_dot, touched_instances
from statebound.diagrams.write import machine_graphs

pytestmark = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz 'dot' is not installed")


def _systems():  # type: ignore[no-untyped-def]
    from statebound.models import phase3

    return {"before": phase3.before(), "after": phase3.after()}


@pytest.mark.parametrize("label", ["before", "after"])
def test_no_label_overlaps_in_the_phase3_machine_and_system_views(label: str) -> None:
    system = _systems()[label]
    found = {"system": overlapping_labels(to_dot(from_system(system)))}
    for stem, graph in machine_graphs(system):
        found[stem] = overlapping_labels(to_dot(graph))
    assert {k: v for k, v in found.items() if v} == {}


def test_no_label_overlaps_with_a_counterexample_drawn() -> None:
    from statebound.checker import check

    system = _systems()["before"]
    outcome = check(system, properties=["connect-only-when-active"]).outcome("connect-only-when-active")
    assert outcome.trace is not None
    found = {"system": overlapping_labels(to_dot(from_system(system, trace=outcome.trace, outcome=outcome)))}
    for inst in touched_instances(outcome.trace):
        found[inst] = overlapping_labels(to_dot(highlight(system, inst, outcome.trace, outcome=outcome)))
    assert {k: v for k, v in found.items() if v} == {}


def test_the_overlap_check_finds_an_overlap() -> None:
    # a label Graphviz placed, against a node moved onto it: the boxes must meet
    edges, nodes, frames = label_boxes(layout('digraph g { label="title"; a -> b [label="a long edge label"]; }'))
    (label,) = edges
    assert len(nodes) == 2 and len(frames) == 1 and label.x1 - label.x0 > 50
    moved = Box("node x", label.x0 + 5, label.y0 + 2, label.x0 + 20, label.y1 - 2)
    assert label.overlaps(moved) and not label.overlaps(nodes[0])
    assert overlapping_labels('digraph g { a -> b [label="x"]; }') == []
