"""viz.explore(root): one self-contained HTML page (no network: it works offline and from file://)
that steps through the forward and then the backward pass of any graph, and shows inline in Jupyter.

The layout is Graphviz's (the SVG of viz.graph's drawing, with ids on every node and edge), in both
directions and with each neuron as one box (viz.neurons); the states of every step (viz.steps) and
the side panel's views (viz.views) are computed in Python from the engine's own pass (viz.trace),
and a small script (explorer.js) only shows them: buttons, keys, a slider, play; zoom to fit, zoom
and pan, following the step; the current step as SVG or PNG for slides.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from engine import Value, topological_order
from viz.foreign import as_value, require_local_derivatives
from viz.files import FONT, PathLike, run_dot, write_atomically
from viz.graph import Parts, build, collect, flow_text
from viz.neurons import Neuron, collapsed, find_neurons, owners
from viz.numbers import format_number, format_short
from viz.steps import chain_rule, consumers_of, timeline
from viz.trace import BackwardTrace, pile_sum, script_json, trace_backward
from viz.views import nudge_lines, paths_lines
from viz.words import check_language, words

HERE = Path(__file__).resolve().parent


class GraphTooLargeError(ValueError):
    """The graph has more Values than the explorer draws (max_nodes)."""


def _layout(parts: Parts, trace: BackwardTrace, rankdir: str, lang: str, neurons: list[Neuron] | None = None) -> str:
    """The SVG of the graph laid out by Graphviz in `rankdir`, ids on every node and edge, each box
    showing its final gradient (the script sets every step's texts); with `neurons`, each one box."""
    final: dict[Value, str] = {}
    for value in parts.order:
        pile = trace.piles.get(value)
        final[value] = pile_sum(pile) if pile else format_short(trace.gradients[value])

    def edge_label(value: Value, slot: int) -> str:
        return flow_text(value.local_derivatives[slot], trace.gradients[value])

    options: dict[str, Any] = dict(rankdir=rankdir, grad_text=lambda v: final[v], with_ids=True, lang=lang,
                                   exact_grad=trace.gradients.get, compact=True)
    if neurons:
        graph = collapsed(parts, neurons, build, edge_label, **options)
    else:
        graph = build(parts, edge_label=edge_label, **options)
    svg = run_dot(graph.source, "svg").decode("utf-8")
    return svg[svg.index("<svg"):]


def _details(parts: Parts, trace: BackwardTrace, say: Callable[..., str]) -> dict[str, dict[str, Any]]:
    """What the side panel shows for each box: its chain-rule sum, its nudge and its paths."""
    consumers = consumers_of(parts)
    root_name = parts.names[parts.root]
    details: dict[str, dict[str, Any]] = {}
    for value in parts.order:
        if value not in parts.kept:
            continue
        fields = {"name": parts.names[value], "role": say(parts.roles[value]), "data": format_number(value.data),
                  "op": value.op}
        details[parts.ids[value]] = {
            "title": say("detail made" if value.op else "detail", **fields),
            "lines": chain_rule(value, parts, consumers[value], trace.gradients, say),
            "nudge": nudge_lines(parts.order, value, parts.names[value], root_name, trace.gradients[value], say),
            "paths": paths_lines(parts.order, value, parts.names.__getitem__, trace.gradients[value], say),
        }
        for constant in parts.constants.get(value, []):
            details[constant.node] = {"title": say("constant", number=format_short(constant.data)),
                                      "lines": [say("constant detail", op=value.op, name=parts.names[value])]}
    return details


def _page(parts: Parts, trace: BackwardTrace, title: str, steps: list[dict[str, Any]], lang: str, rankdir: str) -> str:
    """The whole HTML page: styles, the SVG in both layouts, the steps as JSON, the script; its words in `lang`."""
    say = words(lang)
    layouts = {direction: _layout(parts, trace, direction, lang) for direction in ("LR", "TB")}
    neurons = find_neurons(parts)
    if neurons:
        layouts.update({f"{direction} neurons": _layout(parts, trace, direction, lang, neurons) for direction in ("LR", "TB")})
    script_words = {key: say(key) for key in ("play", "pause", "none nudge", "none paths")}
    script_words["counter"] = say("counter", current="{current}", last="{last}")
    script_words["click"] = say("click a node")
    data = {"steps": steps, "details": _details(parts, trace, say), "words": script_words, "layout": rankdir,
            "layouts": layouts, "owners": owners(parts, neurons),
            "neurons": {parts.ids[neuron.box]: [parts.ids[value] for value in neuron.hidden] for neuron in neurons},
            "file": re.sub(r"[^\w-]+", "_", parts.names[parts.root]).strip("_") or "graph"}
    text = lambda key: html.escape(say(key))  # noqa: E731
    css = (HERE / "explorer.css").read_text(encoding="utf-8").replace("FONT", FONT)
    page_style, graph_style = css.split("/* graph:", 1)
    script = (HERE / "explorer.js").read_text(encoding="utf-8")

    def button(name: str, label: str, tip: str) -> str:
        return f"<button id=\"{name}\" title=\"{text(tip)}\">{label}</button>"

    return (
        f"<!doctype html>\n<html lang=\"{'zh-CN' if lang == 'zh' else 'en'}\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{html.escape(title)}</title>\n<style>\n{page_style}</style>\n"
        f"<style id=\"graph-style\">/* graph:{graph_style}</style></head>\n<body>\n"
        f"<header><h1>{html.escape(title)}</h1>\n<div id=\"controls\">"
        + button("first", "|◀", "first") + button("previous", "◀", "previous")
        + button("play", text("play"), "play title") + button("next", "▶", "next") + button("last", "▶|", "last")
        + f"<input id=\"slider\" type=\"range\" min=\"0\" value=\"0\" aria-label=\"{text('step slider')}\">"
        "<span id=\"counter\"></span><span class=\"gap\"></span>"
        + button("fit", text("fit"), "fit title") + button("zoom-out", "−", "zoom out") + button("zoom-in", "+", "zoom in")
        + button("layout", text("layout"), "layout title") + button("panel", text("panel"), "panel title")
        + (button("neurons", text("neurons"), "neurons title") if neurons else "")
        + button("export-svg", text("export svg"), "export svg title")
        + button("export-png", text("export png"), "export png title")
        + "</div>\n<p id=\"caption\" aria-live=\"polite\"></p></header>\n"
        f"<main><div id=\"graph\">{layouts['TB' if rankdir == 'TB' else 'LR']}</div>\n<aside>"
        "<div id=\"tabs\">"
        f"<button data-tab=\"chain\">{text('tab chain')}</button><button data-tab=\"nudge\">{text('tab nudge')}</button>"
        f"<button data-tab=\"paths\">{text('tab paths')}</button></div>"
        f"<div id=\"detail\">{text('click a node')}</div>"
        f"<h2>{text('legend')}</h2><ul id=\"legend\"><li><span class=\"key pending\"></span>{text('legend pending')}</li>"
        f"<li><span class=\"sample partial\">grad 2 + …</span> {text('legend partial')}</li>"
        f"<li><span class=\"sample complete\">grad 5</span> {text('legend complete')}</li>"
        f"<li><span class=\"key active\"></span>{text('legend active')}</li>"
        f"<li>{text('legend edge')}</li></ul>"
        f"<p class=\"keys\">{text('keys')}<br>{text('zoom keys')}</p></aside></main>\n"
        f"<script type=\"application/json\" id=\"chaingrad-data\">{script_json(data)}</script>\n"
        f"<script>\n{script}</script>\n</body></html>\n"
    )


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


def explore(root: Any, path: PathLike | None = None, max_nodes: int = 150, parameters: Any = (),
            title: str | None = None, lang: str = "en", rankdir: str = "auto") -> Explorer:
    """The interactive explorer of root's graph: forward pass, then backward pass, step by step.
    root: a Value, or a learner's own Value with micrograd's data, grad, _prev and _op (viz.foreign).

    The steps are those of one backward pass from root as the engine computes it (viz.trace_backward),
    on their own: every `.grad` is left as it was, gradients piled up over earlier passes included.

    Args:
        path: also write the page there (a single .html file with everything inside).
        max_nodes: the most Values drawn; a larger graph raises GraphTooLargeError (explore a piece
            of it, e.g. one neuron, or draw the network by layer with viz.draw_layers).
        parameters: Values (or a Module, whose names then label them) to colour as parameters.
        title: the page's heading (default: 'Backpropagation through <root's name>').
        lang: 'en' (English) or 'zh' (中文): the language of the captions, buttons, legend and boxes.
        rankdir: 'LR' (left to right) or 'TB' (top to bottom), the layout the page opens with; 'auto':
            the one the window shows larger. A button (or the key l) switches to the other.
    """
    say = words(check_language(lang))
    if rankdir not in ("auto", "LR", "TB"):
        raise ValueError(f"viz.explore's rankdir must be 'auto', 'LR' (left to right) or 'TB' (top to bottom), "
                         f"got {rankdir!r}")
    root, parameters, unknown = as_value(root, parameters)  # a learner's own Value: its chaingrad copy
    require_local_derivatives(unknown)
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
    steps = timeline(parts, trace, say)
    page = _page(parts, trace, title or say("page title", root=parts.names[root]), steps, lang, rankdir)
    explorer = Explorer(page, [step["caption"] for step in steps], frame_title=say("frame title"))
    if path is not None:
        explorer.save(path)
    return explorer
