"""Drawing a computation graph with Graphviz: one record per Value (label | data | grad), one small
node per op, edges in data-flow order, ids from the topological order so drawings are the same on
every run.
"""

from __future__ import annotations

import math
from typing import Any, Iterable, Mapping

from engine import Value, topological_order
from viz.files import PathLike, configure_graphviz, write_picture

COLOURS = {
    "output": "#f4b183",  # the root
    "parameter": "#a9d18e",  # leaves passed as `parameters`
    "input": "#9dc3e6",  # other leaves (numbers mixed into ops are constants and not drawn)
    "intermediate": "#ffffff",
}


def format_number(number: float) -> str:
    """4 decimals as micrograd shows them (2.0000); 4 significant digits in scientific form where
    4 decimals would hide the value (tiny numbers) or grow too long (huge ones). A Value (a gradient
    made with create_graph=True) shows its number."""
    number = float(number)
    if not math.isfinite(number):
        return str(number)
    if number != 0.0 and (abs(number) < 5e-5 or abs(number) >= 1e6):
        return f"{number:.3e}"
    return f"{number:.4f}"


def role(value: Value, root: Value, parameters: Mapping[int, str]) -> str:
    """output, parameter, input or intermediate."""
    if value is root:
        return "output"
    if value.parents:
        return "intermediate"
    return "parameter" if id(value) in parameters else "input"


def _escape(text: str) -> str:
    for character in "\\{}|<>\"":
        text = text.replace(character, "\\" + character)
    return text


def draw(
    root: Value,
    rankdir: str = "LR",
    parameters: Any = (),
    show_flow: bool = False,
    max_nodes: int = 200,
    max_parents: int = 12,
    grads: Mapping[Value, float] | None = None,
    highlight: Iterable[Value] = (),
):
    """The computation graph of `root` as a graphviz.Digraph (shown inline in Jupyter).

    Args:
        rankdir: 'LR' (left to right) or 'TB' (top to bottom).
        parameters: Values to colour as parameters, or a Module, whose parameter names then label
            unlabelled parameters (e.g. 'layers.0.neurons.1.w.0').
        show_flow: label each edge with its local derivative and the gradient it carried
            (local x upstream gradient), the products that backward() piles into each parent.
        max_nodes: draw at most this many Values, nearest the root first; a marker says how many
            were left out.
        max_parents: an op with more parents shows the first ones and one marker node for the rest.
        grads: gradients to show instead of `.grad` (used by the step-by-step backward frames).
        highlight: Values drawn with a thick border.
    """
    graphviz = configure_graphviz(required=False)  # the Digraph can then display itself in Jupyter
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    order = topological_order(root)
    kept = _nearest(root, max_nodes, max_parents)
    ids = {value: f"v{index}" for index, value in enumerate(order)}
    if hasattr(parameters, "named_parameters"):
        parameter_names = {id(p): name for name, p in parameters.named_parameters()}
    else:
        parameter_names = {id(p): "" for p in parameters}
    highlighted = {id(v) for v in highlight}
    shown_grad = (lambda v: grads.get(v, 0.0)) if grads is not None else (lambda v: v.grad)

    graph = graphviz.Digraph(graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica", "fontsize": "11"})
    for value in order:
        if value not in kept:
            continue
        name = ids[value]
        label = value.label or parameter_names.get(id(value), "")
        numbers = f"data {format_number(value.data)} | grad {format_number(shown_grad(value))}"
        text = f"{_escape(label)} | {numbers}" if label else numbers
        graph.node(
            name,
            label="{ " + text + " }" if rankdir in ("TB", "BT") else text,
            shape="record",
            style="filled",
            fillcolor=COLOURS[role(value, root, parameter_names)],
            penwidth="3" if id(value) in highlighted else "1",
        )
        if not value.parents:
            continue
        op_name = f"{name}_op"
        graph.node(op_name, label=_escape(value.op), shape="ellipse", width="0.3", height="0.3", fontsize="10")
        graph.edge(op_name, name)
        parents = value.parents
        locals_ = value.local_derivatives
        shown = _shown_slots(parents, max_parents)
        for slot in shown:
            parent = parents[slot]
            if parent not in kept:
                continue
            attributes = {}
            if show_flow:
                contribution = locals_[slot] * shown_grad(value)
                attributes["label"] = f"×{format_number(locals_[slot])} = {format_number(contribution)}"
                attributes["fontsize"] = "9"
            graph.edge(ids[parent], op_name, **attributes)
        left_out = len(parents) - len(shown) + len([slot for slot in shown if parents[slot] not in kept])
        if left_out:
            marker = f"{name}_more"
            graph.node(marker, label=f"… {left_out} more", shape="plaintext", fontsize="9")
            graph.edge(marker, op_name, style="dashed")
    return graph


def _shown_slots(parents: tuple[Value, ...], max_parents: int) -> range:
    """The parent slots drawn: all, or the first max_parents - 1 and a marker for the rest."""
    return range(len(parents)) if len(parents) <= max_parents else range(max_parents - 1)


def _nearest(root: Value, max_nodes: int, max_parents: int) -> set[Value]:
    """The max_nodes Values nearest the root (breadth first), through the parent slots that are drawn."""
    if max_nodes < 1:
        raise ValueError(f"max_nodes must be at least 1, got {max_nodes}")
    if max_parents < 2:
        raise ValueError(f"max_parents must be at least 2, got {max_parents}")
    kept = {root}
    frontier = [root]
    while frontier and len(kept) < max_nodes:
        following = []
        for value in frontier:
            for parent in (value.parents[slot] for slot in _shown_slots(value.parents, max_parents)):
                if parent not in kept and len(kept) < max_nodes:
                    kept.add(parent)
                    following.append(parent)
        frontier = following
    return kept


def render(root: Value, path: PathLike, **options) -> PathLike:
    """Draw root's graph and write it to `path` (.svg, .png or .dot); options as for draw()."""
    return write_picture(draw(root, **options), path)
