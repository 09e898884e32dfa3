"""A network too big to draw Value by Value, drawn layer by layer: one box per layer of the Module
(its parameters, the Values it computed, its parameters' gradients), the inputs, the output, and
arrows counting the edges between them.

Each Value belongs to the deepest layer whose parameters it depends on (walking the topological
order once); Values after the last layer (a loss) go with the last layer; the root has a box of its own.
"""

from __future__ import annotations

import re
from typing import Any

from engine import Value, topological_order
from viz.files import FONT
from viz.numbers import format_number
from viz.picture import picture_class
from viz.style import COLOURS, cjk_width, escape
from viz.words import words


def layer_of(name: str) -> str:
    """The layer a parameter name belongs to: 'layers.0.neurons.1.w.0' -> 'layers.0', 'fc1.weight' -> 'fc1'."""
    match = re.match(r"^([^.]+\.\d+)\.", name) or re.match(r"^([^.]+)\.", name)
    return match[1] if match else name


def _describe(model: Any, layer: str) -> str:
    """The layer's one-line repr, e.g. Layer(nin=4, nout=16, activation='relu'), if the model has it."""
    target = model
    for part in layer.split("."):
        target = target[int(part)] if part.isdigit() and isinstance(target, (list, tuple)) else getattr(target, part, None)
        if target is None:
            return ""
    text = repr(target)
    return text if "\n" not in text and len(text) < 80 else type(target).__name__


def draw_layers(root: Value, model: Any, rankdir: str = "LR", lang: str = "en"):
    """root's graph summarised by the layers of `model` (a Module with named_parameters()), as a Digraph;
    lang: 'en' or 'zh', the language of the boxes' words."""
    say = words(lang)
    if not hasattr(model, "named_parameters"):
        raise TypeError(f"draw_layers needs a Module (with named_parameters()), got {type(model).__name__}")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    layers: list[str] = []
    stage_of_parameter: dict[int, int] = {}
    for name, parameter in model.named_parameters():
        layer = layer_of(name)
        if layer not in layers:
            layers.append(layer)
        stage_of_parameter[id(parameter)] = layers.index(layer)
    order = topological_order(root)
    stage: dict[Value, int] = {}  # -1: inputs
    for value in order:
        if not value.parents:
            stage[value] = stage_of_parameter.get(id(value), -1)
        else:
            stage[value] = max(stage[parent] for parent in value.parents)
    # inputs, the layers, the network's output, the loss: the last layer keeps the Values its parameters
    # and activations make; what is computed from its output afterwards (a loss) is a box of its own
    last = len(layers)
    group = {value: stage[value] + 1 for value in order}
    for value in order:
        if group[value] == last and value.parents and not _made_in_layer(value, group, stage_of_parameter, last):
            group[value] = last + 2
    # the network's output: the last layer's Values the loss is computed from (or the root itself)
    outputs = [root] if group[root] == last else []
    for value in order:
        for parent in value.parents:
            if group[value] == last + 2 and group[parent] == last and parent not in outputs:
                outputs.append(parent)
    groups = ["inputs"] + layers + ["output", "loss"]
    counts = [0] * len(groups)
    parameter_counts = [0] * len(groups)
    gradients: list[list[float]] = [[] for _ in groups]
    for value in order:
        counts[group[value]] += 1
        if id(value) in stage_of_parameter:
            parameter_counts[group[value]] += 1
            gradients[group[value]].append(abs(value.grad))
    links: dict[tuple[int, int], int] = {}
    for value in order:
        for parent in value.parents:
            if group[parent] != group[value]:
                key = (last + 1 if group[parent] == last and group[value] == last + 2 else group[parent], group[value])
                links[key] = links.get(key, 0) + 1  # the loss reads the network's output
    if outputs:
        links[(last, last + 1)] = len(outputs)
    font = {"fontname": FONT}
    graph = picture_class()(graph_attr={"rankdir": rankdir, **font}, node_attr={**font, "fontsize": "11"},
                            edge_attr={**font, "fontsize": "9"})
    record = (lambda text: "{ " + text + " }") if rankdir in ("TB", "BT") else (lambda text: text)
    inputs = [value for value in order if group[value] == 0]
    counted = (say("one value") if len(inputs) == 1 else say("values", count=len(inputs))) if inputs \
        else say("plain numbers")
    sized = {"width": width} if (width := cjk_width([say("inputs"), counted])) else {}
    graph.node("inputs", label=record(f"{escape(say('inputs'))} | {escape(counted)}"), shape="record", style="filled",
               fillcolor=COLOURS["input"], **sized)
    for index, layer in enumerate(layers, start=1):
        fields = [escape(layer)]
        description = _describe(model, layer)
        if description:
            fields.append(escape(description))
        fields.append(escape(say("layer counts", parameters=parameter_counts[index],
                                 computed=counts[index] - parameter_counts[index])))
        if gradients[index]:
            largest = max(gradients[index])
            mean = sum(gradients[index]) / len(gradients[index])
            fields.append(escape(say("layer grads", mean=format_number(mean), largest=format_number(largest))))
        sized = {"width": width} if (width := cjk_width(fields)) else {}
        graph.node(f"layer{index}", label=record(" | ".join(fields)), shape="record", style="filled",
                   fillcolor=COLOURS["parameter"], **sized)
    losses = [value for value in order if group[value] == last + 2]
    for name, members in (("output", outputs), ("loss", losses[-1:])):
        if not members:
            continue
        if len(members) == 1:
            value = members[0]
            text = f"{escape(value.label or say(name))} | data {format_number(value.data)} | grad {format_number(value.grad)}"
        else:
            text = f"{escape(say(name))} | {escape(say('values', count=len(members)))}"
        graph.node(name, label=record(text), shape="record", style="filled",
                   fillcolor=COLOURS["output"] if root in members else COLOURS["intermediate"])
    names = ["inputs"] + [f"layer{index}" for index in range(1, last + 1)] + ["output", "loss"]
    if not inputs and layers:  # the inputs are numbers inside the first layer's ops: drawn as what they are
        numbers = sum(1 for value in order if group[value] == 1 and value.parents
                      for operand in value.operands if not isinstance(operand, Value))
        if numbers:
            graph.edge("inputs", "layer1", style="dashed", label=say("numbers", count=numbers))
    for (source, target), count in sorted(links.items()):
        graph.edge(names[source], names[target], label=say("one edge") if count == 1 else say("edges", count=count))
    return graph


ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "softplus")


def _made_in_layer(value: Value, group: dict[Value, int], stage_of_parameter: dict[int, int], layer: int) -> bool:
    """value is made by the layer: from one of its parameters (a neuron's dot), or as the activation of
    such a Value."""
    if any(id(parent) in stage_of_parameter and group[parent] == layer for parent in value.parents):
        return True
    return value.op in ACTIVATIONS and all(group[parent] == layer for parent in value.parents)
