"""statebound's diagrams: machines, systems, state graphs and traces as DOT, Mermaid, SVG and PNG.

Pipeline: :mod:`diagrams.extract` turns checker definitions and results into the frozen,
renderer-neutral description of :mod:`diagrams.graph`; :func:`to_dot` and :func:`to_mermaid`
turn that into text; :mod:`diagrams.render` is the only module that runs Graphviz;
:func:`write_view` and :func:`write_counterexample` are what the CLI calls.
"""

from .dot import to_dot as to_dot
from .extract import MAX_GRAPH_STATES as MAX_GRAPH_STATES
from .extract import from_exploration as from_exploration
from .extract import from_machine as from_machine
from .extract import from_system as from_system
from .extract import from_trace as from_trace
from .extract import highlight as highlight
from .extract import touched_instances as touched_instances
from .graph import Cluster as Cluster
from .graph import Edge as Edge
from .graph import Graph as Graph
from .graph import Lifeline as Lifeline
from .graph import Mark as Mark
from .graph import Message as Message
from .graph import Node as Node
from .graph import Sequence as Sequence
from .mermaid import to_mermaid as to_mermaid
from .render import MISSING_HINT as MISSING_HINT
from .render import has_graphviz as has_graphviz
from .render import render as render
from .write import FORMATS as FORMATS
from .write import VIEWS as VIEWS
from .write import write_counterexample as write_counterexample
from .write import write_view as write_view

__all__ = [
    "Cluster", "Edge", "FORMATS", "Graph", "Lifeline", "MAX_GRAPH_STATES", "MISSING_HINT", "Mark", "Message",
    "Node", "Sequence", "VIEWS", "from_exploration", "from_machine", "from_system", "from_trace", "has_graphviz",
    "highlight", "render", "to_dot", "to_mermaid", "touched_instances", "write_counterexample", "write_view",
]
