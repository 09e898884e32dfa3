"""Pickling and deep-copying a graph of any depth: as a flat list of its nodes, never recursively.

A leaf (a parameter, an input, a constant) pickles as itself: its number, gradient, label and
whether it is tracked, so that pickle's memo keeps one object for every place it is shared (a
model's parameters and a loss built from them). A node made by ops pickles as the list of the
nodes of its graph, parents first, each naming its op and its operands: leaves and numbers as
they are, nodes made by ops by their place in the list. Unpickling rebuilds them in that order.

The reduction is registered with copyreg for Value (the standard hook that pickle and
copy.deepcopy both consult), so ``copy.deepcopy`` of a model or a graph keeps shared leaves
shared through its memo, and neither needs Python's recursion.
"""

from __future__ import annotations

import copyreg
from typing import Any

from engine.autograd import walk
from engine.ops import OPS, Primitive
from engine.node import is_nary, made_by_ops
from engine.value import LEAF, NaryValue, Value, _new


class _Node(tuple):
    """A reference to the node at this place in the flat list: a 1-tuple subclass, so that it can be
    told apart from a number or a Value wherever an operand may stand."""

    def __reduce__(self) -> tuple:
        return _Node, (tuple(self),)


def leaf(data: float, grad: Any, label: str, requires_grad: bool) -> Value:
    """A leaf or a constant, as Value() makes them."""
    value = Value(data, label=label, requires_grad=requires_grad)
    value.grad = grad
    return value


def flatten(root: Value) -> list[tuple]:
    """The records of the nodes made by ops in root's graph, parents first, root last."""
    nodes = walk(root)
    place = {node: _Node((index,)) for index, node in enumerate(nodes)}

    def operand(item: Any) -> Any:
        if item.__class__ is tuple:
            return tuple(place.get(part, part) if isinstance(part, Value) else part for part in item)
        return place.get(item, item) if isinstance(item, Value) else item

    records = []
    for node in nodes:
        entry: Primitive = node._entry
        name = entry.name if OPS.get(entry.name) is entry else entry
        if is_nary(node):  # tuples: parents, local derivatives, all operands (None: the parents themselves)
            records.append((name, node.data, node.grad, node._label, operand(node._first), node._first_local,
                            None if node._second is node._first else operand(node._second), None))
        else:
            records.append((name, node.data, node.grad, node._label, operand(node._first), node._first_local,
                            operand(node._second), node._second_local))
    return records


def unflatten(records: list[tuple]) -> Value:
    """The graph that flatten() recorded; returns its root."""
    built: list[Value] = []

    def operand(item: Any) -> Any:
        if item.__class__ is _Node:
            return built[item[0]]
        if item.__class__ is tuple:
            return tuple(built[part[0]] if part.__class__ is _Node else part for part in item)
        return item

    for name, data, grad, label, first, first_local, second, second_local in records:
        # the slots set one by one (engine.node): a copy is made, not checked (detect_anomaly)
        first = operand(first)
        if first_local.__class__ is tuple:  # the record of an n-ary node: its parents made by ops found again
            node: Value = _new(NaryValue)
            node._made_by_ops = made_by_ops(first)
            second = first if second is None else operand(second)
        else:
            node = _new(Value)
            second = operand(second)
        node.data, node.grad, node._label = data, grad, label
        node._entry = OPS[name] if isinstance(name, str) else name
        node._first, node._first_local, node._second, node._second_local = first, first_local, second, second_local
        built.append(node)
    return built[-1]


def reduce_value(value: Value) -> tuple:
    """What pickle and copy store for `value` (see the module docstring)."""
    if value.is_leaf:
        return leaf, (value.data, value.grad, value._label, value._entry is LEAF)
    records = flatten(value)
    return unflatten, (records,)


# Pickles name these by the umbrella's module, which is this very module (see chaingrad's docstring)
# whether or not a learner's own engine.py holds the top-level name `engine`.
for _function in (_Node, leaf, unflatten):
    _function.__module__ = "chaingrad.engine.flat"
copyreg.pickle(Value, reduce_value)
copyreg.pickle(NaryValue, reduce_value)
