"""viz.explore(root): one self-contained HTML page (no network: it works offline and from file://)
that steps through the forward and then the backward pass of any graph, and shows inline in Jupyter.

The layout is Graphviz's (the SVG of viz.graph's drawing, with ids on every node and edge); the
states of every step are computed here, in Python, from the engine's own backward() (viz.trace),
and a small script (explorer.js) only shows them: buttons, arrow keys, a slider, play.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import Value
from nn.weights.files import write_atomically
from viz.files import FONT, PathLike, run_dot
from viz.graph import Parts, build, collect, flow_text
from viz.numbers import format_number, format_short
from viz.trace import BackwardTrace, pile_sum, trace_backward

HERE = Path(__file__).resolve().parent
INFIX = {"+": "+", "-": "−", "*": "×", "/": "/", "**": "^"}


class GraphTooLargeError(ValueError):
    """The graph has more Values than the explorer draws (max_nodes)."""


def _expression(value: Value, parts: Parts) -> tuple[str, str]:
    """value's op with its operands' names and numbers: ('a + b', '2 + 1')."""
    constants = {c.position: c for c in parts.constants.get(value, [])}
    names, numbers, slot = [], [], 0
    count = len(value.parents) + len(constants)
    for position in range(count):
        if position in constants:
            text = format_short(constants[position].data)
            names.append(constants[position].label or text)
            numbers.append(text)
        else:
            parent = value.parents[slot]
            slot += 1
            names.append(parts.names[parent])
            numbers.append(format_short(parent.data))
    if value.op in INFIX and len(names) == 2:
        symbol = INFIX[value.op]
        return f"{names[0]} {symbol} {names[1]}", f"{numbers[0]} {symbol} {numbers[1]}"
    return f"{value.op}({', '.join(names)})", f"{value.op}({', '.join(numbers)})"


def _consumers(parts: Parts) -> dict[Value, list[tuple[Value, int]]]:
    """For each Value, the (consumer, slot) pairs through which it receives gradient."""
    found: dict[Value, list[tuple[Value, int]]] = {value: [] for value in parts.order}
    for value in parts.order:
        for slot, parent in enumerate(value.parents):
            found[parent].append((value, slot))
    return found


def _chain_rule(value: Value, parts: Parts, consumers: list[tuple[Value, int]]) -> list[str]:
    """dL/dv = sum over consumers t of dL/dt · dt/dv, in symbols, then numbers, then the total."""
    root = parts.names[parts.root]
    name = parts.names[value]
    if value is parts.root:
        return [f"∂{root}/∂{root} = 1", "the seed: backward() starts here"]
    symbols = [f"∂{root}/∂{parts.names[t]} · ∂{parts.names[t]}/∂{name}" for t, _ in consumers]
    numbers = [f"{format_short(t.grad)} × {format_short(t.local_derivatives[slot])}" for t, slot in consumers]
    return [f"∂{root}/∂{name} = " + " + ".join(symbols), "= " + " + ".join(numbers), f"= {format_short(value.grad)}"]


def _timeline(parts: Parts, trace: BackwardTrace) -> list[dict[str, Any]]:
    """Every step's caption, highlighted node and edges, and the texts that change."""
    ids, names, root = parts.ids, parts.names, parts.root
    kept = [value for value in parts.order if value in parts.kept]
    ops = [value for value in kept if value.parents]
    waiting = {value: len(cons) for value, cons in _consumers(parts).items()}
    steps: list[dict[str, Any]] = [{
        "phase": "start", "node": None, "edges": [], "labels": {},
        "caption": f"the graph of {names[root]}: the inputs are known ({len(kept) - len(ops)} leaves); "
                   f"{len(ops)} ops to compute",
        "set": {ids[v]: {"data": f"data {format_number(v.data)}" if not v.parents else "data ?",
                         "grad": "grad not yet", "state": "computed" if not v.parents else "pending"} for v in kept},
    }]
    for number, value in enumerate(ops, start=1):
        symbols, numbers = _expression(value, parts)
        edges = [f"{ids[value]}_in{slot}" for slot in parts.slots[value] if value.parents[slot] in parts.kept]
        edges += [f"{c.node}_in" for c in parts.constants.get(value, [])] + [f"{ids[value]}_out"]
        steps.append({
            "phase": "forward", "node": ids[value], "edges": edges, "labels": {},
            "caption": f"forward {number}/{len(ops)}: {names[value]} = {symbols} = {numbers} = {format_short(value.data)}",
            "set": {ids[value]: {"data": f"data {format_number(value.data)}", "state": "computed"}},
        })
    steps.append({
        "phase": "backward", "node": ids[root], "edges": [], "labels": {},
        "caption": f"backward starts: ∂{names[root]}/∂{names[root]} = 1 (the seed)",
        "set": {ids[root]: {"grad": "grad 1" if root.grad == 1 else f"grad {format_short(root.grad)}",
                            "state": "complete"}},
    })
    received: dict[Value, list[float]] = {}
    for step in trace.steps:
        changes, edges, labels, sent, piles = {}, [f"{ids[step.node]}_out"], {}, [], []
        for slot, edge in enumerate(step.edges):
            parent = edge.parent
            text = flow_text(edge.local, step.gradient, format_short)
            sent.append(f"{text} to {names[parent]}")
            received.setdefault(parent, []).append(edge.contribution)
            waiting[parent] -= 1
            if parent not in parts.kept or step.node not in parts.kept:
                continue
            edges.append(f"{ids[step.node]}_in{slot}")
            labels[f"{ids[step.node]}_in{slot}"] = text
            complete = waiting[parent] == 0
            pile = pile_sum(received[parent]) if complete else " + ".join(format_short(x) for x in received[parent]) + " + …"
            if len(received[parent]) > 1:
                piles.append(f"{names[parent]}'s pile: {pile}")
            changes[ids[parent]] = {"grad": f"grad {pile}", "state": "complete" if complete else "partial"}
        steps.append({
            "phase": "backward", "node": ids[step.node], "edges": edges, "labels": labels,
            "caption": f"{names[step.node]} (grad {format_short(step.gradient)}) sends " + ", ".join(sent)
                       + "".join(f"; {pile}" for pile in piles),
            "set": changes,
        })
    steps.append({
        "phase": "done", "node": None, "edges": [], "labels": {}, "set": {},
        "caption": "backward done: each gradient is the pile (堆放) of what its consumers sent; "
                   "click a node for its chain-rule sum",
    })
    return steps


def _page(parts: Parts, trace: BackwardTrace, title: str, steps: list[dict[str, Any]]) -> str:
    """The whole HTML page: styles, the SVG, the steps as JSON, the script."""
    consumers = _consumers(parts)
    final: dict[Value, str] = {}
    for value in parts.order:
        pile = trace.piles.get(value)
        final[value] = pile_sum(pile) if pile else format_short(value.grad)
    graph = build(parts, "LR", lambda v: final[v], lambda v, slot: flow_text(
        v.local_derivatives[slot], v.grad, format_short), with_ids=True)
    svg = run_dot(graph.source, "svg").decode("utf-8")
    svg = _scalable(svg[svg.index("<svg"):])
    details = {}
    for value in parts.order:
        if value not in parts.kept:
            continue
        role = parts.roles[value]
        what = f"{role}, data {format_number(value.data)}" + (f", made by {value.op}" if value.op else "")
        details[parts.ids[value]] = {"title": f"{parts.names[value]} ({what})",
                                     "lines": _chain_rule(value, parts, consumers[value])}
        for constant in parts.constants.get(value, []):
            details[constant.node] = {"title": f"constant {format_short(constant.data)}",
                                      "lines": [f"a number given to {value.op} (for {parts.names[value]}); "
                                                "no gradient flows to it"]}
    data = {"steps": steps, "details": details}
    payload = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    style = (HERE / "explorer.css").read_text(encoding="utf-8").replace("FONT", FONT)
    script = (HERE / "explorer.js").read_text(encoding="utf-8")
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title>\n<style>\n{style}</style></head>\n<body>\n"
        f"<header><h1>{html.escape(title)}</h1>\n"
        "<div id=\"controls\"><button id=\"first\" title=\"first step (Home)\">|◀</button>"
        "<button id=\"previous\" title=\"previous step (←)\">◀</button>"
        "<button id=\"play\" title=\"play / pause (space)\">▶ play</button>"
        "<button id=\"next\" title=\"next step (→)\">▶</button>"
        "<button id=\"last\" title=\"last step (End)\">▶|</button>"
        "<input id=\"slider\" type=\"range\" min=\"0\" value=\"0\" aria-label=\"step\">"
        "<span id=\"counter\"></span></div>\n"
        "<p id=\"caption\" aria-live=\"polite\"></p></header>\n"
        f"<main><div id=\"graph\">{svg}</div>\n"
        "<aside><h2>chain rule</h2><div id=\"detail\">click a node to see its gradient as a sum over its consumers</div>"
        "<h2>legend</h2><ul id=\"legend\"><li><span class=\"key pending\"></span>dashed: not computed / "
        "not reached yet</li><li><span class=\"sample partial\">grad 2 + …</span> pile still growing</li>"
        "<li><span class=\"sample complete\">grad 5</span> gradient complete</li>"
        "<li><span class=\"key active\"></span>this step's node and edges</li>"
        "<li>edge label: local × upstream = sent</li></ul>"
        "<p class=\"keys\">keys: ← → step, Home / End, space plays</p></aside></main>\n"
        f"<script type=\"application/json\" id=\"chaingrad-data\">{payload}</script>\n"
        f"<script>\n{script}</script>\n</body></html>\n"
    )


def _scalable(svg: str) -> str:
    """A small graph drawn 1.5 times its point size (for a projector), narrowed to the page when wider;
    a large one at its own size, scrolling, so that its text stays readable."""
    match = re.match(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg)
    if match is None:
        return svg
    width = float(match[1]) * 4 / 3  # points to CSS pixels
    style = f"width: min(100%, {width * 1.5:.0f}px)" if width < 900 else f"width: {width:.0f}px; max-width: none"
    return f'<svg style="{style}; height: auto"' + svg[match.end():]


@dataclass
class Explorer:
    """The explorer page of one graph: `.html` is the page, `.captions` the text of every step;
    Jupyter shows it inline."""

    html: str
    captions: list[str]
    path: Path | None = None

    def save(self, path: PathLike) -> Path:
        """Write the page (atomically); open it in any browser, online or not."""
        self.path = Path(path)
        write_atomically(self.path, self.html.encode("utf-8"))
        return self.path

    def _repr_html_(self) -> str:
        # an iframe keeps the page's ids, styles and keys apart from the notebook's
        return (f"<iframe srcdoc=\"{html.escape(self.html, quote=True)}\" style=\"width: 100%; height: 640px; "
                "border: 1px solid #ddd\" title=\"chaingrad explorer\"></iframe>")


def explore(root: Value, path: PathLike | None = None, max_nodes: int = 150, parameters: Any = (),
            title: str | None = None) -> Explorer:
    """The interactive explorer of root's graph: forward pass, then backward pass, step by step.

    Runs root.backward() on freshly zeroed gradients (as viz.trace_backward does), so afterwards the
    graph's .grad are those of one backward pass from root.

    Args:
        path: also write the page there (a single .html file with everything inside).
        max_nodes: the most Values drawn; a larger graph raises GraphTooLargeError (explore a piece
            of it, e.g. one neuron, or draw the network by layer with viz.draw_layers).
        parameters: Values (or a Module, whose names then label them) to colour as parameters.
        title: the page's heading (default: 'Backpropagation through <root's name>').
    """
    if not isinstance(root, Value):
        raise TypeError(f"viz.explore needs a Value (the output of a computation), got {type(root).__name__}")
    trace = trace_backward(root)
    if len(trace.names) > max_nodes:
        raise GraphTooLargeError(
            f"the graph of {root!r} has {len(trace.names)} Values; the explorer draws at most max_nodes={max_nodes} "
            "so that a class can follow every step: explore a piece of it (e.g. one neuron's output), "
            "draw the whole network by layer with viz.draw_layers(root, model), or raise max_nodes"
        )
    parts = collect(root, parameters, max_nodes=max_nodes, max_parents=max_nodes + 1)  # every Value drawn
    trace.names.update(parts.names)
    steps = _timeline(parts, trace)
    page = _page(parts, trace, title or f"Backpropagation through {parts.names[root]}", steps)
    explorer = Explorer(page, [step["caption"] for step in steps])
    if path is not None:
        explorer.save(path)
    return explorer
