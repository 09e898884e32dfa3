"""The backward pass, step by step: each node sends upstream gradient x local derivative along each
edge, and each parent piles up (堆放) what it receives until its gradient is complete.

`trace_backward(root)` runs the engine's backward() and returns the steps in a valid backward order,
printable as a table; `render_backward_frames` writes one picture per step and an index page.
"""

from __future__ import annotations

import html
import json
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path

import engine
from engine import Value
from nn.weights.files import write_atomically
from viz.files import FONT, PathLike, write_picture
from viz.graph import build, collect, flow_text, value_names
from viz.numbers import format_short


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


_short = format_short


def pile_sum(received: list[float], total: float | None = None) -> str:
    """A pile as a sum: '2 + 3 = 5'; one contribution reads as itself ('2')."""
    total = sum(received) if total is None else total
    if len(received) <= 1:
        return _short(total)
    return f"{' + '.join(_short(x) for x in received)} = {_short(total)}"


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
        return f"{self.name(value)}: {pile_sum(self.piles[value], value.grad)}"

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


def trace_backward(root: Value, grad: float = 1.0) -> BackwardTrace:
    """Run root.backward(grad) on freshly zeroed gradients and record each step.

    The graph's gradients (leaves included) are reset first, so the trace shows one pass.
    """
    order = engine.topological_order(root)
    engine.zero_grad(order)
    root.backward(grad)
    names = value_names(order, {})
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


PAGE = """<!doctype html>
<html lang="en"><meta charset="utf-8"><title>The backward pass, step by step</title>
<style>
body {{ font-family: {font}, Arial, "Liberation Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif;
       margin: 1.5em; color: #222; }}
figure {{ margin: 0; }} img {{ max-width: 100%; }} pre {{ font-size: 0.9em; }}
button {{ font: inherit; }}
</style>
<h1>The backward pass, step by step (堆放)</h1>
<p><button id="previous">&larr; previous</button> <button id="next">next &rarr;</button>
<span id="counter"></span> (arrow keys step)</p>
<figure><img id="frame" alt=""><figcaption id="caption"></figcaption></figure>
{note}
<h2>All steps</h2>
<pre>{table}</pre>
<script>
const frames = {frames};
let current = 0;
function show(index) {{
  current = Math.max(0, Math.min(frames.length - 1, index));
  document.getElementById("frame").src = frames[current].file;
  document.getElementById("frame").alt = frames[current].caption;
  document.getElementById("caption").textContent = frames[current].caption;
  document.getElementById("counter").textContent = "frame " + current + " of " + (frames.length - 1);
}}
document.getElementById("previous").onclick = () => show(current - 1);
document.getElementById("next").onclick = () => show(current + 1);
document.addEventListener("keydown", (event) => {{
  if (event.key === "ArrowRight") show(current + 1);
  if (event.key === "ArrowLeft") show(current - 1);
}});
show(0);
</script>
</html>
"""


def render_backward_frames(
    root: Value,
    directory: PathLike,
    file_format: str = "svg",
    max_frames: int = 60,
    show_flow: bool = True,
    **options,
) -> list[Path]:
    """One picture per backward step (frame_000 is the forward pass, before any gradient) and an
    index.html that steps through them (buttons, arrow keys).

    Each frame shows every pile so far as its sum ('grad 2 + …', then 'grad 2 + 3 = 5'); Values not reached yet are
    dashed and read 'grad not yet'; the node passing its gradient on has a thick border, and the
    edges carrying gradient in that step are drawn thick, labelled `local × upstream = sent` when
    `show_flow` (edges that carried gradient in earlier steps keep their label).

    Args:
        max_frames: at most this many pictures: the forward pass, the first steps, and always the
            last step (the complete gradients); the page says which steps were left out.
        options: as for viz.draw() (rankdir, parameters, max_nodes, max_parents).
    """
    if max_frames < 2:
        raise ValueError(f"max_frames must be at least 2 (the forward pass and the last step), got {max_frames}")
    if file_format not in ("svg", "png"):
        raise ValueError(f"file_format must be 'svg' or 'png', got {file_format!r}")
    unknown = set(options) - {"rankdir", "parameters", "max_nodes", "max_parents"}
    if unknown:
        raise TypeError(f"render_backward_frames got unknown options {sorted(unknown)}; it takes rankdir, "
                        "parameters, max_nodes and max_parents as viz.draw() does")
    trace = trace_backward(root)
    parts = collect(root, options.get("parameters", ()), options.get("max_nodes", 200), options.get("max_parents", 12))
    trace.names.update(parts.names)  # one name per Value in captions, tables and pictures
    rankdir = options.get("rankdir", "LR")
    folder = Path(directory)
    numbers = list(range(1, len(trace.steps) + 1))
    if len(numbers) + 1 > max_frames:
        numbers = numbers[: max_frames - 2] + numbers[-1:]
    received: dict[Value, list[float]] = {}
    carried: dict[tuple[Value, int], str] = {}
    frames, captions = [], []

    expected = Counter(parent for node in parts.order for parent in node.parents)  # edges each Value receives

    def pile(value: Value) -> str:
        piled = received[value]
        return pile_sum(piled) if len(piled) == expected[value] else " + ".join(map(_short, piled)) + " + …"

    def write(number: int, highlight: list[Value], bold: list[tuple[Value, int]]) -> None:
        texts = {value: pile(value) for value in received}
        if received or number:
            texts.setdefault(root, _short(root.grad))
        labels = dict(carried) if show_flow else {}
        picture = build(parts, rankdir, texts.get, lambda value, slot: labels.get((value, slot)), highlight, bold)
        frames.append(write_picture(picture, folder / f"frame_{number:03d}.{file_format}"))

    write(0, [], [])
    captions.append("forward pass done: every gradient not yet computed")
    for number, step in enumerate(trace.steps, start=1):
        slots = {}
        for slot, edge in enumerate(step.edges):
            received.setdefault(edge.parent, []).append(edge.contribution)
            carried[(step.node, slot)] = flow_text(edge.local, step.gradient, _short)
            slots[slot] = edge
        if number not in numbers:
            continue
        write(number, [step.node], [(step.node, slot) for slot in slots])
        sent = ", ".join(f"{flow_text(e.local, step.gradient, _short)} to {trace.name(e.parent)}" for e in step.edges)
        captions.append(f"step {number}: {trace.name(step.node)} (grad {_short(step.gradient)}) sends {sent}")
    left_out = len(trace.steps) - (len(frames) - 1)
    note = (f"<p>max_frames={max_frames}: steps {numbers[-2] + 1} to {numbers[-1] - 1} are not drawn "
            f"({left_out} steps; raise max_frames, or use viz.explore for every step).</p>") if left_out else ""
    items = [{"file": frame.name, "caption": caption} for frame, caption in zip(frames, captions)]
    page = PAGE.format(font=FONT, note=note, table=html.escape(trace.table()),
                       frames=json.dumps(items, ensure_ascii=False).replace("</", "<\\/"))
    write_atomically(folder / "index.html", page.encode("utf-8"))
    return frames
