"""Drawing a computation graph with Graphviz: one record per Value (name | data | grad), one small
node per op, one grey node per constant (the 1 of b + 1), edges in data-flow order. Node ids and the
names of unlabelled Values (v0, v1, ...) come from the topological order, so drawings are the same on
every run, and the same names appear in captions, tables and pictures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from engine import Value, topological_order
from viz.foreign import as_value, require_local_derivatives
from viz.files import FONT, PathLike, write_picture
from viz.layers import draw_layers
from viz.numbers import exact, format_number, format_short, format_term
from viz.picture import picture_class
from viz.style import COLOURS, UNREACHED, cjk_width, escape
from viz.words import check_language, words


def role(value: Value, root: Value, parameters: Mapping[int, str]) -> str:
    """output, parameter, input or intermediate."""
    if value is root:
        return "output"
    if value.parents:
        return "intermediate"
    return "parameter" if id(value) in parameters else "input"


@dataclass(frozen=True)
class Constant:
    """A number (or an untracked Value) given to an op: drawn, but no gradient flows to it."""

    node: str  # its DOT node id
    consumer: Value
    position: int  # its place among the op's operands
    data: float
    label: str


@dataclass
class Parts:
    """What one drawing holds: the Values kept, their ids and names, the constants, the parent slots drawn."""

    root: Value
    order: list[Value]
    kept: set[Value]
    ids: dict[Value, str]
    names: dict[Value, str]
    roles: dict[Value, str]
    constants: dict[Value, list[Constant]] = field(default_factory=dict)
    slots: dict[Value, range] = field(default_factory=dict)
    left_out: dict[Value, int] = field(default_factory=dict)


def parameter_names(parameters: Any) -> dict[int, str]:
    """id(parameter) -> its name in a Module ('' for a plain list of Values)."""
    if hasattr(parameters, "named_parameters"):
        return {id(p): name for name, p in parameters.named_parameters()}
    return {id(p): "" for p in parameters}


def value_names(order: list[Value], parameters: Mapping[int, str]) -> dict[Value, str]:
    """Each Value's name: its label, else its parameter name, else v<place in the topological order>."""
    return {value: value.label or parameters.get(id(value), "") or f"v{index}" for index, value in enumerate(order)}


def constants_of(value: Value, node: str) -> list[Constant]:
    """The operands of value's op that are not parents (numbers, untracked Values), in operand order."""
    parents = value.parents
    found, slot = [], 0
    for position, operand in enumerate(value.operands):
        if slot < len(parents) and operand is parents[slot]:
            slot += 1
            continue
        if isinstance(operand, Value):
            found.append(Constant(f"{node}_k{position}", value, position, operand.data, operand.label))
        else:
            found.append(Constant(f"{node}_k{position}", value, position, float(operand), ""))
    if value.op == "sum" and found and found[-1].position == len(value.operands) - 1 and not found[-1].label \
            and not isinstance(value.operands[-1], Value) and found[-1].data == 0.0:
        found.pop()  # engine.sum's start, 0 unless given: adding 0 is not worth a box
    return found if slot == len(parents) else []  # operands that do not line up with the parents: draw none


def collect(root: Value, parameters: Any = (), max_nodes: int = 200, max_parents: int = 12) -> Parts:
    """The Values, names and constants of root's drawing (see draw)."""
    order = topological_order(root)
    named = parameter_names(parameters)
    kept = _nearest(root, max_nodes, max_parents)
    ids = {value: f"v{index}" for index, value in enumerate(order)}
    parts = Parts(root, order, kept, ids, value_names(order, named), {v: role(v, root, named) for v in order})
    for value in order:
        if value in kept and value.parents:
            parts.constants[value] = constants_of(value, ids[value])
            shown = _shown_slots(value.parents, max_parents)
            parts.slots[value] = shown
            parts.left_out[value] = len(value.parents) - len([s for s in shown if value.parents[s] in kept])
    return parts


def flow_text(local: float, upstream: float) -> str:
    """An edge's whole product: local derivative × upstream gradient = what the parent receives ('2 × (-1) = -2')."""
    return f"{format_short(local)} × {format_term(upstream)} = {format_short(float(local) * float(upstream))}"


def operand_numbers(value: Value) -> list[float]:
    """The numbers value's op was given, in operand order (parents, untracked Values, constants)."""
    return [float(operand.data if isinstance(operand, Value) else operand) for operand in value.operands]


def data_scale(value: Value) -> float:
    """The size of the terms value's data is the sum of (0 when it is not a sum): below a trillionth of
    it, the data is rounding error (viz.numbers.is_noise)."""
    numbers = operand_numbers(value)
    if value.op in ("+", "-", "sum"):
        return max(map(abs, numbers), default=0.0)
    if value.op == "dot":
        half = len(numbers) // 2
        terms = [w * x for w, x in zip(numbers[:half], numbers[half:2 * half])] + numbers[2 * half:]
        return max(map(abs, terms), default=0.0)
    return 0.0


def grad_scales(order: list[Value], gradient: Callable[[Value], Any]) -> dict[Value, float]:
    """For each Value, the largest of what its consumers send it (local × their gradient): the size of
    the terms its gradient is the sum of."""
    scales: dict[Value, float] = {}
    for value in order:
        for parent, local in zip(value.parents, value.local_derivatives):
            scales[parent] = max(scales.get(parent, 0.0), abs(float(local) * float(gradient(value))))
    return scales


def build(
    parts: Parts,
    rankdir: str,
    grad_text: Callable[[Value], str | None],
    edge_label: Callable[[Value, int], str | None],
    highlight: Iterable[Value] = (),
    bold_edges: Iterable[tuple[Value, int]] = (),
    with_ids: bool = False,
    lang: str = "en",
    exact_grad: Callable[[Value], Any] | None = None,
    compact: bool = False,
    op_text: Mapping[Value, str] | None = None,
):
    """The Digraph of `parts`. grad_text(value) is the text after 'grad' (None: not reached yet);
    edge_label(value, slot) labels the edge from value's parent in `slot` (None: no label);
    lang: the language of the words in the boxes ('en' or 'zh'); exact_grad(value): the gradient
    whose exact value the box's hover text gives with its data's (None: none); compact: ranks and
    nodes closer together (the explorer's layout, which must fit a projected window); op_text: what
    some op nodes say instead of the op's name (a collapsed neuron's 'tanh(w·x + b)')."""
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    say = words(lang)
    highlighted = {id(v) for v in highlight}
    bold = {(id(v), slot) for v, slot in bold_edges}
    font = {"fontname": FONT}
    spacing = {"ranksep": "0.3", "nodesep": "0.15"} if compact else {}
    graph = picture_class()(graph_attr={"rankdir": rankdir, **spacing, **font},
                            node_attr={**font, "fontsize": "11"}, edge_attr={**font, "fontsize": "9"})
    record = (lambda text: "{ " + text + " }") if rankdir in ("TB", "BT") else (lambda text: text)

    def node_id(name: str) -> dict[str, str]:
        return {"id": name} if with_ids else {}

    for value in parts.order:
        if value not in parts.kept:
            continue
        name = parts.ids[value]
        grad = grad_text(value)
        fields = [escape(parts.names[value]), f"data {format_number(value.data, data_scale(value))}",
                  escape(f"grad {grad}") if grad is not None else escape(say("grad not yet"))]
        attributes = {"shape": "record", "style": "filled", "fillcolor": COLOURS[parts.roles[value]],
                      "penwidth": "3" if id(value) in highlighted else "1"}
        if grad is None:
            attributes.update(style="filled,dashed", fillcolor=UNREACHED, fontcolor="#7f7f7f")
        width = cjk_width(fields)
        if width:
            attributes["width"] = width
        hover = f"data = {exact(value.data)}"
        if grad is not None and exact_grad is not None:
            hover += f"&#10;grad = {exact(exact_grad(value))}"
        graph.node(name, label=record(" | ".join(fields)), tooltip=hover, **attributes, **node_id(name))
        if not value.parents:
            continue
        op_name = f"{name}_op"
        neuron = {} if op_text is None or value not in op_text else {
            "label": escape(op_text[value]), "style": "filled", "fillcolor": COLOURS["parameter"], "peripheries": "2"}
        graph.node(op_name, **{"label": escape(value.op), "shape": "ellipse", **neuron}, width="0.3", height="0.3",
                   fontsize="10",
                   penwidth="3" if id(value) in highlighted else "1", **node_id(op_name))
        graph.edge(op_name, name, penwidth="3" if id(value) in highlighted else "1", **node_id(f"{name}_out"))
        for constant in parts.constants.get(value, []):
            text = f"{escape(constant.label)} | " if constant.label else ""
            words_of_constant = say("constant", number=format_short(constant.data))
            sized = {"width": width} if (width := cjk_width([constant.label, words_of_constant])) else {}
            graph.node(constant.node, label=record(text + escape(words_of_constant)), shape="record",
                       style="filled,rounded", fillcolor=COLOURS["constant"], fontsize="10", color="#a6a6a6",
                       **sized, **node_id(constant.node))
            graph.edge(constant.node, op_name, color="#a6a6a6", style="dashed", **node_id(f"{constant.node}_in"))
        for slot in parts.slots[value]:
            parent = value.parents[slot]
            if parent not in parts.kept:
                continue
            attributes = {}
            label = edge_label(value, slot)
            if label is not None:
                attributes["label"] = escape(label)
            if (id(value), slot) in bold:
                attributes.update(penwidth="3", color="#c55a11", fontcolor="#c55a11")
            graph.edge(parts.ids[parent], op_name, **attributes, **node_id(f"{name}_in{slot}"))
        if parts.left_out.get(value):
            marker = f"{name}_more"
            graph.node(marker, label=escape(say("more", count=parts.left_out[value])), shape="plaintext", fontsize="9")
            graph.edge(marker, op_name, style="dashed")
    return graph


def draw(
    root: Any,
    rankdir: str = "LR",
    parameters: Any = (),
    show_flow: bool = False,
    max_nodes: int = 200,
    max_parents: int = 12,
    grads: Mapping[Value, Any] | None = None,
    highlight: Iterable[Value] = (),
    lang: str = "en",
):
    """The computation graph of `root` as a graphviz.Digraph (shown inline in Jupyter); root may be a
    learner's own Value with micrograd's data, grad, _prev and _op (viz.foreign).

    Args:
        rankdir: 'LR' (left to right) or 'TB' (top to bottom).
        parameters: Values to colour as parameters, or a Module, whose parameter names then label
            unlabelled parameters (e.g. 'layers.0.neurons.1.w.0').
        show_flow: label each edge with the whole product backward() piles into the parent:
            local derivative × upstream gradient = sent (e.g. '3 × 1 = 3', as the explorer's).
        max_nodes: draw at most this many Values, nearest the root first; a marker says how many
            were left out. With a Module as `parameters`, a graph that does not fit (more Values
            than max_nodes, or an op with more parents than max_parents) is drawn layer by layer
            instead (viz.draw_layers).
        max_parents: an op with more parents shows the first ones and one marker node for the rest.
        grads: gradients to show instead of `.grad`; Values missing from it are drawn as not reached
            yet (dashed, 'grad not yet'), unlike a gradient of 0.
        highlight: Values drawn with a thick border.
        lang: 'en' or 'zh', the language of the boxes' words ('grad not yet', 'constant').
    """
    check_language(lang)
    root, parameters, unknown = as_value(root, parameters)  # a learner's own Value: its chaingrad copy
    if show_flow:
        require_local_derivatives(unknown)
    if hasattr(parameters, "named_parameters") and grads is None:
        order = topological_order(root)
        if len(order) > max_nodes or any(len(value.parents) > max_parents for value in order):
            return draw_layers(root, parameters, rankdir, lang)
    parts = collect(root, parameters, max_nodes, max_parents)
    gradient: Callable[[Value], Any] = (lambda value: value.grad) if grads is None else (lambda value: grads.get(value, 0.0))
    scales = grad_scales(parts.order, gradient)

    def grad_text(value: Value) -> str | None:
        if grads is not None and value not in grads:
            return None
        return format_number(gradient(value), scales.get(value, 0.0))

    def edge_label(value: Value, slot: int) -> str | None:
        if not show_flow:
            return None
        return flow_text(value.local_derivatives[slot], gradient(value))

    return build(parts, rankdir, grad_text, edge_label, highlight, lang=lang, exact_grad=gradient)


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
