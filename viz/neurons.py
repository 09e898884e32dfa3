"""Big graphs by their structure: a neuron (its dot, its activation, and the weights and bias only it
uses) drawn as one box, `tanh(w·x + b)`, which the explorer opens on a click.

The box is the neuron's output Value (its activation; the dot itself for a linear neuron), so every
step that changes that Value changes the box; a step inside the neuron lights the box up.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Callable

from engine import Value
from viz.graph import Parts
from viz.style import escape

ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu", "softplus")


@dataclass(frozen=True)
class Neuron:
    """One neuron of a graph: the Value its box shows, its dot, and the Values hidden inside the box."""

    box: Value
    dot: Value
    hidden: tuple[Value, ...]

    @property
    def text(self) -> str:
        """What the box says: 'tanh(w·x + b)', or 'w·x + b' for a linear neuron."""
        inside = "w·x + b" if len(self.dot.operands) % 2 else "w·x"
        return inside if self.box is self.dot else f"{self.box.op}({inside})"


def find_neurons(parts: Parts) -> list[Neuron]:
    """The neurons among the drawn Values: a dot with leaves only it uses (its weights and bias),
    with the activation that is its one consumer."""
    consumers: dict[Value, list[Value]] = {value: [] for value in parts.order}
    for value in parts.order:
        for parent in value.parents:
            consumers[parent].append(value)
    found = []
    for dot in parts.order:
        if dot.op != "dot" or dot not in parts.kept:
            continue
        own = tuple(dict.fromkeys(p for p in dot.parents if not p.parents and consumers[p] == [dot] and p in parts.kept))
        if not own:
            continue
        users = consumers[dot]
        if len(users) == 1 and users[0].op in ACTIVATIONS and users[0] in parts.kept and users[0] is not parts.root:
            found.append(Neuron(users[0], dot, (dot,) + own))
        else:
            found.append(Neuron(dot, dot, own))
    return found


def collapsed(parts: Parts, neurons: list[Neuron], build: Callable[..., object], edge_label: Callable[[Value, int], str | None],
              **options: object):
    """The Digraph of `parts` with every neuron as one box: build(parts, edge_label=..., op_text=..., **options),
    then the edges into each neuron drawn into its box, with the ids of its dot's edges."""
    hidden = {value for neuron in neurons for value in neuron.hidden}
    shown = replace(parts, kept=parts.kept - hidden)
    graph = build(shown, edge_label=edge_label, op_text={neuron.box: neuron.text for neuron in neurons}, **options)
    for neuron in neurons:
        if neuron.box is neuron.dot:
            continue  # a linear neuron's box is its dot: its edges are drawn as they are
        target = f"{parts.ids[neuron.box]}_op"
        for slot, parent in enumerate(neuron.dot.parents):
            if parent in shown.kept:
                label = edge_label(neuron.dot, slot)
                graph.edge(parts.ids[parent], target, id=f"{parts.ids[neuron.dot]}_in{slot}",  # type: ignore[attr-defined]
                           **({"label": escape(label)} if label else {}))
    return graph


def owners(parts: Parts, neurons: list[Neuron]) -> dict[str, str]:
    """Each hidden node id (and its op's) -> the id of the box that holds it."""
    found = {}
    for neuron in neurons:
        box = parts.ids[neuron.box]
        for value in neuron.hidden:
            found[parts.ids[value]] = box
            found[f"{parts.ids[value]}_op"] = f"{box}_op"
    return found
