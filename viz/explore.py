"""viz.explore(root): one self-contained HTML page (no network: it works offline and from file://)
that steps through the forward and then the backward pass of any graph, and shows inline in Jupyter.

The layout is Graphviz's (the SVG of viz.graph's drawing, with ids on every node and edge); the
states of every step are computed here, in Python, from the engine's own backward() (viz.trace),
and a small script (explorer.js) only shows them: buttons, arrow keys, a slider, play.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine import Value, topological_order
from viz.files import FONT, PathLike, run_dot, write_atomically
from viz.graph import Parts, build, collect, data_scale, flow_text
from viz.numbers import exact, format_number, format_short, format_term
from viz.trace import BackwardTrace, pile_growing, pile_sum, script_json, trace_backward
from viz.words import check_language, words

HERE = Path(__file__).resolve().parent
INFIX = {"+": "+", "-": "−", "*": "×", "/": "/", "**": "^"}


class GraphTooLargeError(ValueError):
    """The graph has more Values than the explorer draws (max_nodes)."""


def _expression(value: Value, parts: Parts) -> tuple[str, str]:
    """value's op with its operands' names and numbers: ('a + b', '2 + 1'); a dot as products,
    ('w0·x1 + w1·x2 + b', '1.19 × 0.5 + (-0.3) × 2 + 0.1'); negative numbers after the first in brackets."""
    constants = {c.position: c for c in parts.constants.get(value, [])}
    names, numbers, slot = [], [], 0
    for position in range(len(value.parents) + len(constants)):
        if position in constants:
            names.append(constants[position].label or format_short(constants[position].data))
            numbers.append(constants[position].data)
        else:
            parent = value.parents[slot]
            slot += 1
            names.append(parts.names[parent])
            numbers.append(parent.data)
    if value.op in INFIX and len(names) == 2:
        symbol = INFIX[value.op]
        return f"{names[0]} {symbol} {names[1]}", f"{format_short(numbers[0])} {symbol} {format_term(numbers[1])}"
    if value.op == "sum" and names:
        return " + ".join(names), " + ".join(format_term(n) if i else format_short(n) for i, n in enumerate(numbers))
    if value.op == "dot" and len(names) == len(value.operands) and len(names) >= 2:
        half = len(names) // 2
        symbols = [f"{names[i]}·{names[half + i]}" for i in range(half)] + names[2 * half:]
        products = [f"{format_short(numbers[i]) if i == 0 else format_term(numbers[i])} × {format_term(numbers[half + i])}"
                    for i in range(half)] + [format_term(n) for n in numbers[2 * half:]]
        if len(symbols) > 6:  # a wide neuron: the first terms, then the last
            symbols = symbols[:3] + ["…"] + symbols[-2:]
            products = products[:3] + ["…"] + products[-2:]
        return " + ".join(symbols), " + ".join(products)
    return f"{value.op}({', '.join(names)})", f"{value.op}({', '.join(format_short(n) for n in numbers)})"


def _consumers(parts: Parts) -> dict[Value, list[tuple[Value, int]]]:
    """For each Value, the (consumer, slot) pairs through which it receives gradient."""
    found: dict[Value, list[tuple[Value, int]]] = {value: [] for value in parts.order}
    for value in parts.order:
        for slot, parent in enumerate(value.parents):
            found[parent].append((value, slot))
    return found


def _chain_rule(value: Value, parts: Parts, consumers: list[tuple[Value, int]], gradients: dict[Value, float],
                say) -> list[str]:
    """dL/dv = sum over consumers t of dL/dt · dt/dv, in symbols, then numbers, then the total."""
    root = parts.names[parts.root]
    name = parts.names[value]
    if value is parts.root:
        return [f"∂{root}/∂{root} = 1", say("the seed")]
    symbols = [f"∂{root}/∂{parts.names[t]} · ∂{parts.names[t]}/∂{name}" for t, _ in consumers]
    numbers = [f"{format_short(gradients[t]) if index == 0 else format_term(gradients[t])} × "
               f"{format_term(t.local_derivatives[slot])}" for index, (t, slot) in enumerate(consumers)]
    scale = max((abs(gradients[t] * t.local_derivatives[slot]) for t, slot in consumers), default=0.0)
    return [f"∂{root}/∂{name} = " + " + ".join(symbols), "= " + " + ".join(numbers),
            f"= {format_short(gradients[value], scale)}"]


def _timeline(parts: Parts, trace: BackwardTrace, say) -> list[dict[str, Any]]:
    """Every step's caption, highlighted node and edges, and the texts that change (in say's language)."""
    ids, names, root = parts.ids, parts.names, parts.root
    kept = [value for value in parts.order if value in parts.kept]
    ops = [value for value in kept if value.parents]
    waiting = {value: len(cons) for value, cons in _consumers(parts).items()}
    steps: list[dict[str, Any]] = [{
        "phase": "start", "node": None, "edges": [], "labels": {},
        "caption": say("start", root=names[root], leaves=len(kept) - len(ops), ops=len(ops)),
        "set": {ids[v]: {"data": f"data {format_number(v.data)}" if not v.parents else say("data unknown"),
                         "grad": say("grad not yet"), "state": "computed" if not v.parents else "pending",
                         "hover": f"data = {exact(v.data)}" if not v.parents else ""} for v in kept},
    }]
    for number, value in enumerate(ops, start=1):
        symbols, numbers = _expression(value, parts)
        edges = [f"{ids[value]}_in{slot}" for slot in parts.slots[value] if value.parents[slot] in parts.kept]
        edges += [f"{c.node}_in" for c in parts.constants.get(value, [])] + [f"{ids[value]}_out"]
        steps.append({
            "phase": "forward", "node": ids[value], "edges": edges, "labels": {},
            "caption": say("forward", number=number, total=len(ops), name=names[value], symbols=symbols,
                           numbers=numbers, value=format_short(value.data, data_scale(value))),
            "set": {ids[value]: {"data": f"data {format_number(value.data, data_scale(value))}", "state": "computed",
                                 "hover": f"data = {exact(value.data)}"}},
        })
    steps.append({
        "phase": "backward", "node": ids[root], "edges": [], "labels": {},
        "caption": say("seed", root=names[root]),
        "set": {ids[root]: {"grad": f"grad {format_short(trace.gradients[root])}", "state": "complete",
                            "hover": f"data = {exact(root.data)}\ngrad = {exact(trace.gradients[root])}"}},
    })
    received: dict[Value, list[float]] = {}
    for step in trace.steps:
        changes, edges, labels, sent, piles = {}, [f"{ids[step.node]}_out"], {}, [], []
        for slot, edge in enumerate(step.edges):
            parent = edge.parent
            text = flow_text(edge.local, step.gradient)
            sent.append(say("sent to", flow=text, parent=names[parent]))
            received.setdefault(parent, []).append(edge.contribution)
            waiting[parent] -= 1
            if parent not in parts.kept or step.node not in parts.kept:
                continue
            edges.append(f"{ids[step.node]}_in{slot}")
            labels[f"{ids[step.node]}_in{slot}"] = text
            complete = waiting[parent] == 0
            pile = pile_sum(received[parent]) if complete else pile_growing(received[parent])
            if len(received[parent]) > 1:
                piles.append(say("pile", name=names[parent], pile=pile))
            changes[ids[parent]] = {"grad": f"grad {pile}", "state": "complete" if complete else "partial",
                                    "hover": f"data = {exact(parent.data)}\ngrad = {exact(sum(received[parent]))}"}
        steps.append({
            "phase": "backward", "node": ids[step.node], "edges": edges, "labels": labels,
            "caption": say("sends", node=names[step.node], grad=format_short(step.gradient),
                           sent=say("list separator").join(sent)) + "".join(piles),
            "set": changes,
        })
    steps.append({
        "phase": "done", "node": None, "edges": [], "labels": {}, "set": {},
        "caption": say("done"),
    })
    return steps


def _page(parts: Parts, trace: BackwardTrace, title: str, steps: list[dict[str, Any]], lang: str) -> str:
    """The whole HTML page: styles, the SVG, the steps as JSON, the script; its words in `lang`."""
    say = words(lang)
    consumers = _consumers(parts)
    final: dict[Value, str] = {}
    for value in parts.order:
        pile = trace.piles.get(value)
        final[value] = pile_sum(pile) if pile else format_short(trace.gradients[value])
    graph = build(parts, "LR", lambda v: final[v], lambda v, slot: flow_text(
        v.local_derivatives[slot], trace.gradients[v]), with_ids=True, lang=lang, exact_grad=trace.gradients.get)
    svg = run_dot(graph.source, "svg").decode("utf-8")
    svg = _scalable(svg[svg.index("<svg"):])
    details = {}
    for value in parts.order:
        if value not in parts.kept:
            continue
        title_fields = {"name": parts.names[value], "role": say(parts.roles[value]),
                        "data": format_number(value.data), "op": value.op}
        details[parts.ids[value]] = {"title": say("detail made" if value.op else "detail", **title_fields),
                                     "lines": _chain_rule(value, parts, consumers[value], trace.gradients, say)}
        for constant in parts.constants.get(value, []):
            details[constant.node] = {"title": say("constant", number=format_short(constant.data)),
                                      "lines": [say("constant detail", op=value.op, name=parts.names[value])]}
    words_of_script = {key: say(key) for key in ("play", "pause")}
    words_of_script["counter"] = say("counter", current="{current}", last="{last}")
    data = {"steps": steps, "details": details, "words": words_of_script}
    payload = script_json(data)
    text = lambda key: html.escape(say(key))  # noqa: E731
    style = (HERE / "explorer.css").read_text(encoding="utf-8").replace("FONT", FONT)
    script = (HERE / "explorer.js").read_text(encoding="utf-8")
    return (
        f"<!doctype html>\n<html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">"
        f"<title>{html.escape(title)}</title>\n<style>\n{style}</style></head>\n<body>\n"
        f"<header><h1>{html.escape(title)}</h1>\n"
        f"<div id=\"controls\"><button id=\"first\" title=\"{text('first')}\">|◀</button>"
        f"<button id=\"previous\" title=\"{text('previous')}\">◀</button>"
        f"<button id=\"play\" title=\"{text('play title')}\">{text('play')}</button>"
        f"<button id=\"next\" title=\"{text('next')}\">▶</button>"
        f"<button id=\"last\" title=\"{text('last')}\">▶|</button>"
        f"<input id=\"slider\" type=\"range\" min=\"0\" value=\"0\" aria-label=\"{text('step slider')}\">"
        "<span id=\"counter\"></span></div>\n"
        "<p id=\"caption\" aria-live=\"polite\"></p></header>\n"
        f"<main><div id=\"graph\">{svg}</div>\n"
        f"<aside><h2>{text('chain rule')}</h2><div id=\"detail\">{text('click a node')}</div>"
        f"<h2>{text('legend')}</h2><ul id=\"legend\"><li><span class=\"key pending\"></span>{text('legend pending')}</li>"
        f"<li><span class=\"sample partial\">grad 2 + …</span> {text('legend partial')}</li>"
        f"<li><span class=\"sample complete\">grad 5</span> {text('legend complete')}</li>"
        f"<li><span class=\"key active\"></span>{text('legend active')}</li>"
        f"<li>{text('legend edge')}</li></ul>"
        f"<p class=\"keys\">{text('keys')}</p></aside></main>\n"
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
    frame_title: str = "chaingrad explorer"  # the inline frame's name for screen readers

    def save(self, path: PathLike) -> Path:
        """Write the page (atomically); open it in any browser, online or not."""
        self.path = Path(path)
        write_atomically(self.path, self.html.encode("utf-8"))
        return self.path

    def _repr_html_(self) -> str:
        # an iframe keeps the page's ids, styles and keys apart from the notebook's
        return (f"<iframe srcdoc=\"{html.escape(self.html, quote=True)}\" style=\"width: 100%; height: 640px; "
                f"border: 1px solid #ddd\" title=\"{html.escape(self.frame_title)}\"></iframe>")


def explore(root: Value, path: PathLike | None = None, max_nodes: int = 150, parameters: Any = (),
            title: str | None = None, lang: str = "en") -> Explorer:
    """The interactive explorer of root's graph: forward pass, then backward pass, step by step.

    The steps are those of one backward pass from root as the engine computes it (viz.trace_backward),
    on their own: every `.grad` is left as it was, gradients piled up over earlier passes included.

    Args:
        path: also write the page there (a single .html file with everything inside).
        max_nodes: the most Values drawn; a larger graph raises GraphTooLargeError (explore a piece
            of it, e.g. one neuron, or draw the network by layer with viz.draw_layers).
        parameters: Values (or a Module, whose names then label them) to colour as parameters.
        title: the page's heading (default: 'Backpropagation through <root's name>').
        lang: 'en' (English) or 'zh' (中文): the language of the captions, buttons, legend and boxes.
    """
    say = words(check_language(lang))
    if not isinstance(root, Value):
        raise TypeError(f"viz.explore needs a Value (the output of a computation), got {type(root).__name__}")
    count = len(topological_order(root))
    if count > max_nodes:  # refused before any work
        raise GraphTooLargeError(
            f"the graph of {root!r} has {count} Values; the explorer draws at most max_nodes={max_nodes} "
            "so that a class can follow every step: explore a piece of it (e.g. one neuron's output), "
            "draw the whole network by layer with viz.draw_layers(root, model), or raise max_nodes"
        )
    trace = trace_backward(root)
    parts = collect(root, parameters, max_nodes=max_nodes, max_parents=max_nodes + 1)  # every Value drawn
    trace.names.update(parts.names)
    steps = _timeline(parts, trace, say)
    page = _page(parts, trace, title or say("page title", root=parts.names[root]), steps, lang)
    explorer = Explorer(page, [step["caption"] for step in steps], frame_title=say("frame title"))
    if path is not None:
        explorer.save(path)
    return explorer
