"""chaingrad's viz: the computation graph (Graphviz), the backward pass step by step, training plots."""

from viz.graph import draw, format_number, render
from viz.plots import plot_decision_boundary, plot_loss
from viz.files import MissingDependencyError, MissingRendererError, find_dot, write_picture
from viz.trace import BackwardTrace, Edge, Step, render_backward_frames, texts_example, trace_backward

__all__ = [
    "BackwardTrace", "Edge", "MissingDependencyError", "MissingRendererError", "Step", "draw", "find_dot",
    "format_number", "plot_decision_boundary", "plot_loss", "render", "render_backward_frames", "texts_example",
    "trace_backward",
    "write_picture",
]
