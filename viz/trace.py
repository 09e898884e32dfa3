"""The backward pass, step by step: each node sends upstream gradient x local derivative along each
edge, and each parent piles up (堆放) what it receives until its gradient is complete.

`trace_backward(root)` runs the engine's backward() and returns the steps in a valid backward order,
printable as a table; `render_backward_frames` writes one picture per step and an index page.
"""

from __future__ import annotations

import html
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

import engine
from engine import Value
from viz.graph import draw
from nn.serialize import write_atomically
from viz.files import PathLike, write_picture


@dataclass(frozen=True)
class Edge:
    """One edge of one step: what a node sent to one parent, and that parent's pile afterwards."""

    parent: Value
    local: float
    contribution: float
    pile: float


@dataclass(frozen=True)
class Step:
    """One node passing its complete gradient on to its parents."""

    node: Value
    gradient: float
    edges: tuple[Edge, ...]


def _short(number: float) -> str:
    return f"{number:.6g}"


@dataclass
class BackwardTrace:
    """The steps of one backward pass and what each Value received (its pile)."""

    root: Value
    steps: list[Step]
    piles: dict[Value, list[float]]
    names: dict[Value, str] = field(default_factory=dict)

    def name(self, value: Value) -> str:
        """The Value's label, or a name from its place in the graph (v0, v1, ...)."""
        return value.label or self.names[value]

    def pile_text(self, value: Value) -> str:
        """What the Value received, e.g. 'b: 2 + 3 = 5'."""
        received = self.piles[value]
        total = value.grad
        if len(received) <= 1:
            return f"{self.name(value)}: {_short(total)}"
        return f"{self.name(value)}: {' + '.join(_short(x) for x in received)} = {_short(total)}"

    def table(self) -> str:
        """The steps as a text table, then every Value's pile."""
        rows = [("step", "node", "grad", "-> parent", "local", "sent", "parent's pile")]
        for number, step in enumerate(self.steps, start=1):
            for index, edge in enumerate(step.edges):
                rows.append((
                    str(number) if index == 0 else "",
                    self.name(step.node) if index == 0 else "",
                    _short(step.gradient) if index == 0 else "",
                    self.name(edge.parent),
                    _short(edge.local),
                    _short(edge.contribution),
                    _short(edge.pile),
                ))
        widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
        lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
        lines.append("")
        lines.append("piles (堆放): each Value's gradient is the sum of what it received")
        lines += ["  " + self.pile_text(value) for value in self.piles if value is not self.root]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.table()


def texts_example() -> tuple[Value, Value, Value, Value, Value]:
    """The graph of e = (a + b)(b + 1) at a = 2, b = 1 from the backprop texts, labelled: (a, b, c, d, e)."""
    a, b = Value(2.0, label="a"), Value(1.0, label="b")
    c = a + b
    c.label = "c"
    d = b + 1
    d.label = "d"
    e = c * d
    e.label = "e"
    return a, b, c, d, e


def trace_backward(root: Value, grad: float = 1.0) -> BackwardTrace:
    """Run root.backward(grad) on freshly zeroed gradients and record each step.

    The graph's gradients (leaves included) are reset first, so the trace shows one pass.
    """
    order = engine.topological_order(root)
    engine.zero_grad(order)
    root.backward(grad)
    names = {value: f"v{index}" for index, value in enumerate(order)}
    waiting = Counter(parent for node in order for parent in node.parents)  # edges still to arrive
    piles: dict[Value, list[float]] = {}
    running: dict[Value, float] = {}
    steps = []
    ready = deque([root])
    while ready:  # layer by layer from the root, as the texts tell it: a node whose pile is complete passes it on
        node = ready.popleft()
        edges = []
        for parent, local in zip(node.parents, node.local_derivatives):
            contribution = local * node.grad
            running[parent] = running.get(parent, 0.0) + contribution
            piles.setdefault(parent, []).append(contribution)
            edges.append(Edge(parent, local, contribution, running[parent]))
            waiting[parent] -= 1
            if waiting[parent] == 0 and parent.parents:
                ready.append(parent)
        if edges:
            steps.append(Step(node, node.grad, tuple(edges)))
    return BackwardTrace(root, steps, piles, names)


def render_backward_frames(root: Value, directory: PathLike, file_format: str = "svg", **options) -> list[Path]:
    """One picture per backward step (frame_000 is the forward pass) and an index.html to step through.

    Each frame shows the piles so far; the node passing its gradient on is drawn with a thick border.
    Options as for viz.draw().
    """
    trace = trace_backward(root)
    folder = Path(directory)
    shown = {root: root.grad}
    frames = [write_picture(draw(root, grads={}, **options), folder / f"frame_000.{file_format}")]
    captions = ["forward pass: every gradient still 0"]
    for number, step in enumerate(trace.steps, start=1):
        for edge in step.edges:
            shown[edge.parent] = edge.pile
        picture = draw(root, grads=dict(shown), highlight=[step.node], show_flow=False, **options)
        frames.append(write_picture(picture, folder / f"frame_{number:03d}.{file_format}"))
        sent = ", ".join(f"{_short(e.contribution)} to {trace.name(e.parent)}" for e in step.edges)
        captions.append(f"step {number}: {trace.name(step.node)} (grad {_short(step.gradient)}) sends {sent}")
    page = ["<!doctype html><meta charset='utf-8'><title>backward, step by step</title>",
            "<h1>The backward pass, step by step (堆放)</h1>"]
    for frame, caption in zip(frames, captions):
        page.append(f"<h2 id='{frame.stem}'>{html.escape(caption)}</h2><img src='{frame.name}'>")
    page.append(f"<pre>{html.escape(trace.table())}</pre>")
    write_atomically(folder / "index.html", "\n".join(page).encode("utf-8"))
    return frames
