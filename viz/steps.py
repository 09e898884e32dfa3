"""The explorer's steps: every step's caption, its highlighted node and edges, and the texts of the
boxes that change, from the forward pass through the backward pass (as viz.trace_backward records it),
in the words of one language."""

from __future__ import annotations

from typing import Any, Callable

from engine import Value
from viz.graph import Parts, data_scale, flow_text
from viz.numbers import exact, format_number, format_short, format_term
from viz.trace import BackwardTrace, pile_growing, pile_sum

INFIX = {"+": "+", "-": "−", "*": "×", "/": "/", "**": "^"}


def expression(value: Value, parts: Parts) -> tuple[str, str]:
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


def consumers_of(parts: Parts) -> dict[Value, list[tuple[Value, int]]]:
    """For each Value, the (consumer, slot) pairs through which it receives gradient."""
    found: dict[Value, list[tuple[Value, int]]] = {value: [] for value in parts.order}
    for value in parts.order:
        for slot, parent in enumerate(value.parents):
            found[parent].append((value, slot))
    return found


def chain_rule(value: Value, parts: Parts, consumers: list[tuple[Value, int]], gradients: dict[Value, float],
               say: Callable[..., str]) -> list[str]:
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


def timeline(parts: Parts, trace: BackwardTrace, say: Callable[..., str]) -> list[dict[str, Any]]:
    """Every step's caption, highlighted node and edges, and the texts that change (in say's language)."""
    ids, names, root = parts.ids, parts.names, parts.root
    kept = [value for value in parts.order if value in parts.kept]
    ops = [value for value in kept if value.parents]
    waiting = {value: len(cons) for value, cons in consumers_of(parts).items()}
    steps: list[dict[str, Any]] = [{
        "phase": "start", "node": None, "edges": [], "labels": {},
        "caption": say("start", root=names[root], leaves=len(kept) - len(ops), ops=len(ops)),
        "set": {ids[v]: {"data": f"data {format_number(v.data)}" if not v.parents else say("data unknown"),
                         "grad": say("grad not yet"), "state": "computed" if not v.parents else "pending",
                         "hover": f"data = {exact(v.data)}" if not v.parents else ""} for v in kept},
    }]
    for number, value in enumerate(ops, start=1):
        symbols, numbers = expression(value, parts)
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
