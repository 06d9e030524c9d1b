"""The one palette and the font sizes every renderer uses, so all diagrams look alike."""

from __future__ import annotations

FONT = "Helvetica"  # metric-compatible Liberation Sans when rendered here; Helvetica/Arial in a browser
TITLE_SIZE = 18
NODE_SIZE = 14
EDGE_SIZE = 12
SMALL_SIZE = 11

INK = "#1f2933"  # text
MUTED = "#7b8794"  # tags, notes, de-emphasised edges
LINE = "#52606d"  # state borders, ordinary edges
FILL = "#f5f7fa"  # state fill
CLUSTER = "#cbd2d9"

STEP = "#1d4ed8"  # edges a counterexample takes (blue)
VISITED_FILL = "#dbeafe"
LOOP = "#c2410c"  # the repeating cycle of a lasso (orange)
LOOP_FILL = "#ffedd5"
FINAL = "#b91c1c"  # where a counterexample ends (red)
FINAL_FILL = "#fee2e2"
BROADCAST = "#7c3aed"  # broadcast events (purple, dashed)
NOTE_FILL = "#fffbea"
