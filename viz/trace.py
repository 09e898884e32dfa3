"""The backward pass, step by step: each node sends upstream gradient x local derivative along each
edge, and each parent piles up (堆放) what it receives until its gradient is complete.

`trace_backward(root)` asks the engine for every gradient of one backward pass (engine.gradients, which
leaves every `.grad` as it was) and returns the steps in a valid backward order, printable as a table;
`render_backward_frames` writes one picture per step and an index page. Like every picture of viz,
neither changes a gradient or a value.
"""

from __future__ import annotations

import html
import json
import unicodedata
from collections import Counter, deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import engine
from engine import Value
from viz.foreign import as_value, require_local_derivatives
from viz.files import FONT, PathLike, write_atomically, write_picture
from viz.graph import build, collect, flow_text, value_names
from viz.numbers import format_short, format_term
from viz.words import check_language, words


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


def _width(text: str) -> int:
    """How many columns text takes in a monospaced font: a Chinese character takes two."""
    return sum(2 if unicodedata.east_asian_width(character) in "WF" else 1 for character in text)


def _terms(received: list[float]) -> str:
    """'2 + 3', '0.5 + (-0.5)': a pile's contributions as a sum."""
    return " + ".join(format_term(x) if index else _short(x) for index, x in enumerate(received))


def pile_sum(received: list[float], total: float | None = None) -> str:
    """A pile as a sum: '2 + 3 = 5'; one contribution reads as itself ('2'). A total that is rounding
    error next to the terms reads 0 ('0.5 + (-0.5) = 0')."""
    total = sum(received) if total is None else total
    if len(received) <= 1:
        return _short(total)
    return f"{_terms(received)} = {_short(total, max(map(abs, received)))}"


def pile_growing(received: list[float]) -> str:
    """A pile still waiting for contributions: '2 + …'."""
    return _terms(received) + " + …"


@dataclass
class BackwardTrace:
    """The steps of one backward pass and what each Value received (its pile)."""

    root: Value
    steps: list[Step]
    piles: dict[Value, list[float]]
    names: dict[Value, str] = field(default_factory=dict)
    lang: str = "en"
    gradients: dict[Value, float] = field(default_factory=dict)  # d(root)/d(value) × the seed, for every Value

    def name(self, value: Value) -> str:
        """The Value's label, or a name from its place in the graph (v0, v1, ...)."""
        return value.label or self.names[value]

    def pile_text(self, value: Value) -> str:
        """What the Value received, e.g. 'b: 2 + 3 = 5'."""
        return f"{self.name(value)}: {pile_sum(self.piles[value], self.gradients.get(value))}"

    def table(self) -> str:
        """The steps as a text table, then every Value's pile."""
        say = words(self.lang)
        rows = [tuple(say("table header").split("|"))]
        largest: dict[Value, float] = {}  # each pile's largest contribution so far: the size of its terms
        for number, step in enumerate(self.steps, start=1):
            for index, edge in enumerate(step.edges):
                largest[edge.parent] = max(largest.get(edge.parent, 0.0), abs(edge.contribution))
                rows.append((
                    str(number) if index == 0 else "",
                    self.name(step.node) if index == 0 else "",
                    _short(step.gradient) if index == 0 else "",
                    self.name(edge.parent),
                    _short(edge.local),
                    _short(edge.contribution),
                    _short(edge.pile, largest[edge.parent]),
                ))
        widths = [max(_width(row[column]) for row in rows) for column in range(len(rows[0]))]
        lines = ["  ".join(cell + " " * (width - _width(cell)) for cell, width in zip(row, widths)).rstrip()
                 for row in rows]
        lines.append("")
        lines.append(say("piles heading"))
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


def trace_backward(root: Any, grad: float = 1.0, lang: str = "en") -> BackwardTrace:
    """The steps of one backward pass from root (seeded with grad), as the engine computes it, on its own:
    what was in `.grad` before (gradients piled up over earlier passes) does not count, and every
    `.grad` is left as it was. The gradients are in `.gradients`.

    lang: 'en' or 'zh', the language of the printed table.
    """
    check_language(lang)
    root, _, unknown = as_value(root)  # a learner's own Value: its chaingrad copy
    require_local_derivatives(unknown)
    order = engine.topological_order(root)
    gradients = dict(zip(order, engine.gradients(root, order, grad)))
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
            contribution = local * gradients[node]
            running[parent] = running.get(parent, 0.0) + contribution
            piles.setdefault(parent, []).append(contribution)
            edges.append(Edge(parent, local, contribution, running[parent]))
            waiting[parent] -= 1
            if waiting[parent] == 0 and parent.parents:
                ready.append(parent)
        if edges:
            steps.append(Step(node, gradients[node], tuple(edges)))
    return BackwardTrace(root, steps, piles, names, lang, gradients)


PAGE = """<!doctype html>
<html lang="{html_lang}"><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: {font}, Arial, "Liberation Sans", "WenQuanYi Micro Hei", "Noto Sans CJK SC", sans-serif;
       margin: 1.5em; color: #222; }}
figure {{ margin: 0; }} img {{ max-width: 100%; }} pre {{ font-size: 0.9em; }}
button {{ font: inherit; }}
</style>
<h1>{title}</h1>
<p><button id="previous">{previous}</button> <button id="next">{next}</button>
<span id="counter"></span> {keys}</p>
<figure><img id="frame" alt=""><figcaption id="caption"></figcaption></figure>
{note}
<h2>{all_steps}</h2>
<pre>{table}</pre>
<script>
const frames = {frames};
const counter = {counter};
let current = 0;
function show(index) {{
  current = Math.max(0, Math.min(frames.length - 1, index));
  document.getElementById("frame").src = frames[current].file;
  document.getElementById("frame").alt = frames[current].caption;
  document.getElementById("caption").textContent = frames[current].caption;
  document.getElementById("counter").textContent =
    counter.replace("{{current}}", current).replace("{{last}}", frames.length - 1);
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


def script_json(data: object) -> str:
    """data as JSON that is safe inside an HTML <script> element: every '<' written as \\u003c, so no
    label ('</script>', '<!--<script>') can end the element or change how the browser parses it."""
    return json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")


def render_backward_frames(
    root: Any,
    directory: PathLike,
    file_format: str = "svg",
    max_frames: int = 60,
    show_flow: bool = True,
    lang: str = "en",
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
        lang: 'en' or 'zh', the language of the pictures, captions, table and page.
        options: as for viz.draw() (rankdir, parameters, max_nodes, max_parents).
    """
    say = words(lang)
    if max_frames < 2:
        raise ValueError(f"max_frames must be at least 2 (the forward pass and the last step), got {max_frames}")
    if file_format not in ("svg", "png"):
        raise ValueError(f"file_format must be 'svg' or 'png', got {file_format!r}")
    unknown = set(options) - {"rankdir", "parameters", "max_nodes", "max_parents"}
    if unknown:
        raise TypeError(f"render_backward_frames got unknown options {sorted(unknown)}; it takes rankdir, "
                        "parameters, max_nodes and max_parents as viz.draw() does")
    root, parameters, unknown_locals = as_value(root, options.get("parameters", ()))
    require_local_derivatives(unknown_locals)
    trace = trace_backward(root, lang=lang)
    parts = collect(root, parameters, options.get("max_nodes", 200), options.get("max_parents", 12))
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
        return pile_sum(piled) if len(piled) == expected[value] else pile_growing(piled)

    def write(number: int, highlight: list[Value], bold: list[tuple[Value, int]]) -> None:
        texts = {value: pile(value) for value in received}
        if received or number:
            texts.setdefault(root, _short(trace.gradients[root]))
        labels = dict(carried) if show_flow else {}
        picture = build(parts, rankdir, texts.get, lambda value, slot: labels.get((value, slot)), highlight, bold,
                        lang=lang, exact_grad=lambda value: sum(received[value]) if value in received
                        else trace.gradients[value])
        frames.append(write_picture(picture, folder / f"frame_{number:03d}.{file_format}"))

    write(0, [], [])
    captions.append(say("frame forward"))
    for number, step in enumerate(trace.steps, start=1):
        slots = {}
        for slot, edge in enumerate(step.edges):
            received.setdefault(edge.parent, []).append(edge.contribution)
            carried[(step.node, slot)] = flow_text(edge.local, step.gradient)
            slots[slot] = edge
        if number not in numbers:
            continue
        write(number, [step.node], [(step.node, slot) for slot in slots])
        sent = say("list separator").join(
            say("sent to", flow=flow_text(e.local, step.gradient), parent=trace.name(e.parent)) for e in step.edges)
        text = say("sends", node=trace.name(step.node), grad=_short(step.gradient), sent=sent)
        captions.append(say("frame step", number=number, text=text))
    left_out = len(trace.steps) - (len(frames) - 1)
    note = "<p>" + html.escape(say("frames left out", max_frames=max_frames, first=numbers[-2] + 1,
                                   last=numbers[-1] - 1, count=left_out)) + "</p>" if left_out else ""
    items = [{"file": frame.name, "caption": caption} for frame, caption in zip(frames, captions)]
    page = PAGE.format(font=FONT, note=note, table=html.escape(trace.table()), frames=script_json(items),
                       html_lang="zh-CN" if lang == "zh" else "en", title=html.escape(say("frames title")),
                       previous=html.escape(say("frames previous")), next=html.escape(say("frames next")),
                       keys=html.escape(say("frames keys")), all_steps=html.escape(say("all steps")),
                       counter=script_json(say("frames counter", current="{current}", last="{last}")))
    write_atomically(folder / "index.html", page.encode("utf-8"))
    return frames
