"""The renderer-neutral diagram description: frozen nodes, edges, clusters and sequences.

Extraction (:mod:`diagrams.extract`) builds these from machines, systems, explored state graphs
and traces; the renderers (:mod:`diagrams.dot`, :mod:`diagrams.mermaid`) turn them into text.
Nothing here knows about Graphviz or Mermaid.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum

__all__ = ["Mark", "Node", "Edge", "Cluster", "Graph", "Lifeline", "Message", "Sequence", "ANY"]

#: id of the pseudo-node that stands for "any control state" in a machine diagram
ANY = "*any*"


class Mark(StrEnum):
    """What a node or an edge means beyond its label; renderers choose colours from these."""

    INITIAL = "initial"  # an initial state
    ANY = "any"  # the "any state" pseudo-node
    VISITED = "visited"  # a counterexample passes through it
    FINAL = "final"  # the last state of a counterexample (where the property is violated)
    LOOP = "loop"  # on the repeating cycle of a lasso counterexample
    DEADLOCK = "deadlock"  # a reachable state without successors
    NOTE = "note"  # a text box (summaries, truncation notes)
    BROADCAST = "broadcast"  # an edge for a broadcast event between instances
    READS = "reads"  # an edge from an instance whose variables another instance reads
    STEP = "step"  # an edge a counterexample takes


@dataclass(frozen=True, slots=True, kw_only=True)
class Node:
    """A box in a diagram: a control state, an instance, an explored state or a note."""

    id: str
    label: str
    details: tuple[str, ...] = ()  # extra lines under the label (variable values, notes)
    marks: frozenset[Mark] = frozenset()
    cluster: str | None = None

    def with_marks(self, *marks: Mark) -> Node:
        return replace(self, marks=self.marks | frozenset(marks))


@dataclass(frozen=True, slots=True, kw_only=True)
class Edge:
    """An arrow labelled ``name «tags» (on event) [guard] / actions``.

    ``guard`` and ``actions`` are already wrapped into short lines; ``steps`` are the 1-based
    numbers of the counterexample steps that take this edge.
    """

    source: str
    target: str
    name: str = ""
    tags: tuple[str, ...] = ()
    event: str | None = None  # the broadcast event a receiving transition waits for
    guard: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    steps: tuple[int, ...] = ()
    marks: frozenset[Mark] = frozenset()
    label: tuple[str, ...] = ()  # how the names are shown, when not as ``name`` (compacted, wrapped)

    def shown(self) -> tuple[str, ...]:
        """The lines that show the edge's transition names."""
        return self.label or ((self.name,) if self.name else ())


@dataclass(frozen=True, slots=True, kw_only=True)
class Cluster:
    """A group of nodes drawn in one frame (an instance in the system view)."""

    id: str
    label: str
    parent: str | None = None  # the cluster this one is drawn inside (an owner, issue 16)


@dataclass(frozen=True, slots=True, kw_only=True)
class Graph:
    """A node-and-edge diagram: a machine, a system or an explored state graph."""

    name: str
    title: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    clusters: tuple[Cluster, ...] = ()
    direction: str = "LR"  # "LR" or "TB"
    notes: tuple[str, ...] = ()  # lines shown under the title (legend, summary)

    def node(self, node_id: str) -> Node:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


@dataclass(frozen=True, slots=True, kw_only=True)
class Lifeline:
    """One instance in a sequence diagram, with its state at the start and at the end."""

    id: str
    label: str
    machine: str
    start: str
    end: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Message:
    """One arrow of a sequence diagram.

    A step is a message from its instance to itself (``source == target``) with the changes it
    made; a broadcast is a message from the sender to a receiver, labelled with the event.
    """

    step: int  # 1-based step number
    source: str
    target: str
    name: str  # the transition (for a broadcast: the receiver's transition)
    event: str | None = None
    changes: tuple[str, ...] = ()
    marks: frozenset[Mark] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class Sequence:
    """A trace as a sequence diagram: lifelines per instance, steps and broadcasts as messages."""

    name: str
    title: str
    lifelines: tuple[Lifeline, ...]
    messages: tuple[Message, ...]
    steps: int
    loop: int | None = None  # as in Trace.loop (0-based index of the first repeated step)
    verdict: str = ""  # one line on what the trace shows ("violates connect-only-when-active")
