"""The fast node's layout, described once, and every function that reads it.

A Value (engine.value) is one node of a computation graph. It is made of slots, not a dict, and a
node of one or two operands holds them in slots rather than in tuples, so that it is one object
instead of three (W4: bytes per node). Every Value has these slots (`SLOTS`):

    data                the number
    grad                d(root)/d(this Value) after root.backward(): a float, or a Value after
                        backward(create_graph=True)
    _label              a name for pictures and messages ('' if none)
    _entry              the op's entry (engine.ops.Primitive); LEAF for a tracked leaf; None for an
                        untracked constant (made under no_grad(), from constants, or by detach())
    _first, _second     the operands as the op was given them, Values or numbers; ``_second`` is
                        None for a one-operand op, and both are None for a Value made by no op (so
                        ``_first is None`` tells a leaf or a constant from a node made by ops)
    _first_local,       d(out)/d(operand) for each operand, or None where the operand is a number
    _second_local       or an untracked Value (it is not a parent)

A node made by an n-ary op (engine.sum, engine.dot, engine.max, users' ops of three or more
operands) is of the class engine.value.NaryValue: a Value with one more slot (`NARY_SLOTS`), whose
class says how its slots are read (never the class of what another slot holds):

    _first              the tuple of its parents (the operands that are tracked Values), in order
    _first_local        the tuple of their local derivatives d(out)/d(parent), in the same order
    _second             the tuple of all of its operands, numbers included (the very tuple in
                        ``_first`` when every operand is a parent, as in a neuron)
    _second_local       None
    _made_by_ops        those of its parents made by ops (not leaves): the only ones the graph walk
                        descends into, so a neuron's leaf weights are never looked at one by one

Every other Value reads ``_made_by_ops`` as None (a class attribute), which is how the functions
below tell an n-ary node. Three places read or write the slots themselves: the node builders
(engine.value), pickling (engine.flat, which records and rebuilds them), and, inline for speed, the
graph walk and the chain rule (engine.autograd), which tell an n-ary node by ``type(node) is nary``
(``Value._nary_class``): one
more slot on every Value would cost 16 bytes per node (W4 139 -> 154 B, objects come in 16-byte
steps), and loops whose attribute reads see two classes cost +2% W1 instructions on CPython 3.11
unless each read sits in a branch of one class, as they do.

Nothing in a node refers to the node itself, so a graph is freed by reference counting the moment
its last Value is dropped (no reference cycles, no work for the cycle collector).
"""

from __future__ import annotations

from typing import Any

SLOTS = ("data", "grad", "_label", "_entry", "_first", "_second", "_first_local", "_second_local")
NARY_SLOTS = ("_made_by_ops",)


def made_by_ops(parents: Any) -> tuple:
    """Those of `parents` made by ops (not leaves): what an n-ary node keeps in ``_made_by_ops``."""
    return tuple([parent for parent in parents if parent._first is not None])  # a leaf has no operands


def is_nary(node: Any) -> bool:
    """True for a node made by an n-ary op (a NaryValue)."""
    return node._made_by_ops is not None


def parents_of(node: Any) -> tuple:
    """The Values a node was made from that take part in autograd, in operand order."""
    if node._made_by_ops is not None:
        return node._first
    if node._first_local is None:
        return () if node._second_local is None else (node._second,)
    return (node._first,) if node._second_local is None else (node._first, node._second)


def local_derivatives_of(node: Any) -> tuple:
    """d(node)/d(parent) for each of parents_of(node), in the same order."""
    if node._made_by_ops is not None:
        return node._first_local
    return tuple(local for local in (node._first_local, node._second_local) if local is not None)


def operands_of(node: Any) -> tuple:
    """Everything the op was given, in order: parents, untracked Values and numbers (the 1 of b + 1)."""
    if node._made_by_ops is not None:
        return node._second
    if node._first is None:  # a leaf or a constant
        return ()
    return (node._first,) if node._second is None else (node._first, node._second)


def operand_layout(node: Any) -> tuple[list[Any], list[bool]]:
    """The node's operands (Values or numbers), and for each whether it is a parent (a tracked Value)."""
    if node._made_by_ops is not None:
        if node._second is node._first:  # every operand is a parent
            return list(node._first), [True] * len(node._first)
        parents = set(map(id, node._first))
        return list(node._second), [id(operand) in parents for operand in node._second]
    if node._second is None:
        return [node._first], [node._first_local is not None]
    return [node._first, node._second], [node._first_local is not None, node._second_local is not None]


def _is_tracked(operand: Any) -> bool:
    return not isinstance(operand, (int, float)) and operand._entry is not None


def graph_locals(node: Any) -> Any:
    """node's local derivatives evaluated in Value ops, from its op entry's derivative line (what
    create_graph multiplies gradients by): for an n-ary node a tuple, in the order of its parents;
    else the pair laid out as (``_first_local``, ``_second_local``)."""
    if node._made_by_ops is not None:
        operands = node._second
        derivatives = node._entry.derivative(*operands, node)
        return tuple(d for operand, d in zip(operands, derivatives) if _is_tracked(operand))
    second = node._second
    if second is None:  # one operand
        derivative = node._entry.derivative(node._first, node)
        return (derivative[0] if derivative.__class__ is tuple else derivative), None
    first_derivative, second_derivative = node._entry.derivative(node._first, second, node)
    return (
        None if node._first_local is None else first_derivative,
        None if node._second_local is None else second_derivative,
    )
