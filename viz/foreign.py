"""A learner's own Value (the one micrograd's lecture builds first) drawn and explored: any object with
micrograd's `data`, `grad`, `_prev` and `_op` (and an optional `label`) is copied, node by node, into
a graph of chaingrad Values with the same numbers, ops, labels and gradients, which viz then reads.

A node's local derivatives are not stored by micrograd: they live in its `_backward` closure. They are
recovered by running it once with the node's gradient set to 1 and its children's set to 0 (what it
adds to each child is then d(node)/d(child)); every gradient is put back at once. A node without a
working `_backward` is drawn, but not explored: the error names it and says why.
"""

from __future__ import annotations

import math
import re
from typing import Any, Callable, NamedTuple

import engine
from engine import Value

NEEDED = ("data", "grad", "_prev", "_op")


class LocalDerivativesUnknown(ValueError):
    """A learner's node whose local derivatives could not be recovered from its _backward."""


class Mirrored(NamedTuple):
    """The chaingrad copy of a graph, `parameters` mapped onto it, and the nodes whose local derivatives are unknown."""

    root: Value
    parameters: Any
    unknown: list[str]


def _recorded(data: float) -> Callable[..., float]:
    """The forward of an op viz does not know: it can only give the number the learner's node holds,
    so it is marked not to be run again on other numbers (the nudge view says so)."""

    def forward(*_: float) -> float:
        return data

    forward.replayable = False  # type: ignore[attr-defined]
    return forward


def _forward_of(op: str, count: int) -> Callable[..., float] | None:
    """micrograd's ops on numbers, so that the nudge view can run the forward pass again; None if unknown.
    `count` parents: micrograd keeps them in a set, so x * x has one ('*' on one parent is its square)."""
    power = re.fullmatch(r"\*\*(-?[\d.]+(?:e-?\d+)?)", op)
    if power:
        exponent = float(power[1])
        return lambda x: x ** exponent
    table: dict[str, Callable[..., float]] = {
        "+": (lambda x: x + x) if count == 1 else (lambda *xs: math.fsum(xs)),
        "*": (lambda x: x * x) if count == 1 else (lambda *xs: math.prod(xs)),
        "tanh": math.tanh, "exp": math.exp, "ReLU": lambda x: max(0.0, x), "relu": lambda x: max(0.0, x),
    }
    return table.get(op)


def _check(node: Any) -> None:
    missing = [name for name in NEEDED if not hasattr(node, name)]
    if missing:
        raise TypeError(
            f"viz draws a Value: chaingrad's, or any object with micrograd's data, grad, _prev and _op; got "
            f"{type(node).__name__} {node!r}, which has no {', '.join(missing)}: pass the output of a computation "
            "(e.g. the loss), or give your Value class those attributes"
        )
    for name in ("data", "grad"):
        try:
            float(getattr(node, name))
        except (TypeError, ValueError):
            raise TypeError(f"viz needs numbers in .{name}; {type(node).__name__} {node!r} has "
                            f".{name} = {getattr(node, name)!r}") from None


def _order(root: Any) -> list[Any]:
    """The learner's nodes, each after its children (iterative: no recursion limit)."""
    order, seen = [], {id(root)}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        _check(node)
        stack.append((node, True))
        for child in _children(node):
            if id(child) not in seen:
                seen.add(id(child))
                stack.append((child, False))
    return order


def _children(node: Any) -> list[Any]:
    """node._prev in an order that is the same on every run: micrograd keeps a set, which has lost the
    operands' order, so children are ordered by label, then number (b + x1*w1 for the lecture's n)."""
    children = list(node._prev)
    for child in children:
        _check(child)
    return sorted(children, key=lambda child: (str(getattr(child, "label", "") or ""), float(child.data)))


def _locals(node: Any, children: list[Any]) -> tuple[float, ...] | str:
    """d(node)/d(child) for each child, from one run of node._backward; a reason (str) if that fails."""
    step = getattr(node, "_backward", None)
    if not callable(step):
        return "it has no _backward to run"
    saved = [(item, item.grad) for item in [node, *children]]
    try:
        for child in children:
            child.grad = 0.0
        node.grad = 1.0
        step()
        found = tuple(float(child.grad) for child in children)
    except Exception as error:  # the learner's code: any failure is reported, not raised from here
        return f"its _backward raised {type(error).__name__}: {error}"
    finally:
        for item, gradient in saved:
            item.grad = gradient
    if not all(math.isfinite(x) for x in found) and all(math.isfinite(float(c.data)) for c in children):
        return "its _backward gave no finite number"
    return found


def as_value(root: Any, parameters: Any = ()) -> Mirrored:
    """root itself if it is chaingrad's Value; else the chaingrad copy of a learner's graph, and
    `parameters` (a list, or an object with parameters()) mapped onto the copies."""
    if isinstance(root, Value):
        return Mirrored(root, parameters, [])
    order = _order(root)
    copies: dict[int, Value] = {}
    unknown: list[str] = []
    for node in order:
        label = str(getattr(node, "label", "") or "")
        children = _children(node)
        if not children:
            copy = Value(float(node.data), label=label)
        else:
            found = _locals(node, children)
            if isinstance(found, str):
                unknown.append(f"{label or 'a node'} (op {node._op!r}): {found}")
                found = (math.nan,) * len(children)
            copy = _node(node, [copies[id(child)] for child in children], found)
            copy.label = label
        copy.grad = float(node.grad)
        copies[id(node)] = copy
    if hasattr(parameters, "parameters") and not hasattr(parameters, "named_parameters"):
        parameters = parameters.parameters()
    if parameters and not hasattr(parameters, "named_parameters"):
        parameters = [copies.get(id(p), p) for p in parameters]
    return Mirrored(copies[id(root)], parameters, unknown)


def require_local_derivatives(unknown: list[str]) -> None:
    """Raise LocalDerivativesUnknown naming the learner's nodes whose local derivatives are unknown."""
    if unknown:
        raise LocalDerivativesUnknown(
            "viz cannot show the backward pass of this graph: the local derivatives of "
            + "; ".join(unknown) + ". Give each op a _backward as micrograd's (it adds local derivative × "
            "out.grad to each child's grad), or draw the graph without gradients flowing: viz.draw(root)"
        )


def _node(node: Any, parents: list[Value], local: tuple[float, ...]) -> Value:
    """A chaingrad Value made by an op named as node's, of `parents`, with these local derivatives."""
    name = str(node._op) or "?"
    data = float(node.data)
    op = engine.Op(name, _forward_of(name, len(parents)) or _recorded(data),
                   lambda *operands: local if len(local) > 1 else local[0])
    made = op(*parents)
    made.data = data  # the learner's own number, whatever a forward of ours would give
    return made
