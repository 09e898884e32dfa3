"""chaingrad's viz: the computation graph (Graphviz), the backward pass step by step, the interactive
explorer (one offline HTML page), training plots.

`import viz` changes one thing outside chaingrad, and only when the machine has no Graphviz `dot`:
it appends a folder holding a `dot` link to the `viz` extra's graphviz-pure to the end of PATH, the
way the graphviz package documents for finding dot, so that a user's own graphviz.Digraph renders
too (see viz.files.offer_bundled_dot). It only fills a gap: a dot already on PATH (a system Graphviz)
is always the one found first, never shadowed. chaingrad's own pictures run dot themselves.
"""

from viz.explore import Explorer, GraphTooLargeError, explore
from viz.foreign import LocalDerivativesUnknown
from viz.files import MissingDependencyError, MissingFontError, MissingRendererError, find_dot, offer_bundled_dot, write_picture
from viz.graph import draw, render
from viz.layers import draw_layers
from viz.numbers import format_number, format_short
from viz.plots import plot_decision_boundary, plot_loss
from viz.trace import BackwardTrace, Edge, Step, render_backward_frames, texts_example, trace_backward

offer_bundled_dot()

__all__ = [
    "BackwardTrace", "Edge", "Explorer", "GraphTooLargeError", "LocalDerivativesUnknown", "MissingDependencyError",
    "MissingFontError", "MissingRendererError", "Step", "draw", "draw_layers", "explore", "find_dot", "format_number",
    "format_short", "plot_decision_boundary", "plot_loss", "render", "render_backward_frames", "texts_example", "trace_backward",
    "write_picture",
]
