"""Two views the texts teach, for one Value of a graph, computed here and shown by the explorer:

- nudge: move the Value by h and watch the output move, next to grad × h (the lecture's h = 0.001
  cells; text 002's numerical check of backpropagation);
- paths: every path from the Value to the output with the product of its local derivatives, summing
  to the gradient (text 001's comparison), with the count of multiplications each way: summing over
  paths repeats the shared stretches, backpropagation (堆放) multiplies once per edge.

Neither changes a value or a gradient: the nudged forward pass works on copies of the numbers.
"""

from __future__ import annotations

import math
from typing import Callable

from engine import Value
from viz.numbers import format_short, format_term

H = 0.001  # the lecture's nudge
MOST_PATHS = 12  # paths listed; all are counted


def forward_again(order: list[Value], value: Value, new_data: float) -> float | None:
    """The output's data (the last of `order`) when `value` holds new_data, every op run again on numbers;
    None if an op cannot be run again (a node whose forward is unknown)."""
    data: dict[Value, float] = {value: new_data}
    for node in order:
        if node in data or not node.parents:
            continue
        forward = getattr(getattr(node, "_entry", None), "forward", None)
        if forward is None or not getattr(forward, "replayable", True):  # a learner's op viz cannot run again
            return None
        numbers = [data.get(operand, operand.data) if isinstance(operand, Value) else float(operand)
                   for operand in node.operands]
        try:
            data[node] = float(forward(*numbers))
        except (ArithmeticError, ValueError):
            data[node] = math.nan
    root = order[-1]
    return data.get(root, root.data)


def nudge_lines(order: list[Value], value: Value, name: str, root_name: str, gradient: float,
                say: Callable[..., str], h: float = H) -> list[str]:
    """The nudge of `value` by h, in words: the output before and after, the slope, grad × h."""
    moved = forward_again(order, value, value.data + h)
    if moved is None:
        return [say("nudge unknown")]
    before = order[-1].data
    change = moved - before
    return [
        say("nudge what", name=name, h=format_short(h)),
        f"{root_name}: {format_short(before)} → {_precise(moved)} (Δ{root_name} = {_precise(change)})",
        f"Δ{root_name} / h = {_precise(change)} / {format_short(h)} = {_precise(change / h)}",
        f"∂{root_name}/∂{name} × h = {format_short(gradient)} × {format_term(h)} = {_precise(gradient * h)}",
        say("nudge says", name=name, root=root_name, slope=_precise(change / h), grad=format_short(gradient)),
    ]


def _precise(number: float) -> str:
    """Six significant digits: a nudge's change is small, and its digits are the point."""
    text = f"{number:.6g}"
    return "0" if text == "-0" else text


def paths_lines(order: list[Value], value: Value, names: Callable[[Value], str], gradient: float,
                say: Callable[..., str], most: int = MOST_PATHS) -> list[str]:
    """Every path from `value` up to the output with its product of local derivatives, their sum, and
    the count of multiplications each way."""
    root = order[-1]
    position = {node: index for index, node in enumerate(order)}
    consumers: dict[Value, list[tuple[Value, float]]] = {node: [] for node in order}
    for node in order:
        for parent, local in zip(node.parents, node.local_derivatives):
            consumers[parent].append((node, float(local)))
    # how many paths lead from each node to the root, how many edges they hold in all, and the sum of
    # their products (the sum the texts write out path by path, gathered here edge by edge)
    count: dict[Value, int] = {root: 1}
    edges_on: dict[Value, int] = {root: 0}
    through: dict[Value, float] = {root: 1.0}
    for node in reversed(order[:-1]):
        count[node] = sum(count[t] for t, _ in consumers[node])
        edges_on[node] = sum(edges_on[t] + count[t] for t, _ in consumers[node])
        through[node] = sum(local * through[t] for t, local in consumers[node])
    if value is root:
        return [say("paths root", root=names(root))]
    if count.get(value, 0) == 0:
        return [say("paths none", name=names(value), root=names(root))]
    lines = [say("paths count", count=count[value], name=names(value), root=names(root))]
    listed = 0
    stack: list[tuple[Value, list[Value], list[float]]] = [(value, [value], [])]
    while stack and listed < most:  # depth first, the output's side first
        node, path, factors = stack.pop()
        if node is root:
            chain = " → ".join(names(n) for n in path)
            product = " × ".join(format_short(x) if i == 0 else format_term(x) for i, x in enumerate(factors))
            lines.append(f"{chain}: {product} = {format_short(math.prod(factors))}")
            listed += 1
            continue
        for consumer, local in sorted(consumers[node], key=lambda pair: position[pair[0]]):
            stack.append((consumer, path + [consumer], factors + [local]))
    if count[value] > listed:
        lines.append(say("paths more", count=count[value] - listed))
    lines.append(say("paths sum", total=format_short(through[value]), grad=format_short(gradient)))
    edges = sum(len(node.parents) for node in order)
    lines.append(say("paths cost", by_paths=edges_on[value] - count[value], count=count[value], edges=edges))
    return lines
