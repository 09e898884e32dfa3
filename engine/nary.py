"""The n-ary nodes: `sum` and `dot`, one node for many operands (a neuron is one `dot`).

They get their forward and local derivatives from their entries in engine.ops ("sum", "dot"),
and build the node themselves, fast: the numbers are read, multiplied and added at C speed
(``map``, ``operator.mul``), and the local derivatives of a dot are its operands' numbers
swapped (d/dweights[i] = inputs[i], d/dinputs[i] = weights[i], d/dbias = 1).
"""

from __future__ import annotations

import builtins
from _thread import get_ident
import operator
from typing import Any, Iterable, Sequence

from engine.modes import threads_tracing, threads_without_grad
from engine.ops import LEAF, OPS
from engine.node import made_by_ops as _made_by_ops
from engine.ops import largest as _largest  # not max: engine.max is defined here
from engine.value import Operand, Value, _as_float, _constant, _nary_node, _traced_constant

_SUM, _DOT, _MAX = OPS["sum"], OPS["dot"], OPS["max"]
_builtin_sum = builtins.sum  # engine.sum shadows it here
_NUMBER_TYPES = frozenset([float, int, bool])
_FLOAT = {float}


def _as_list(items: Any, where: str) -> list:
    """`items` as a list: a list as it is; a tuple, a numpy array or any iterable copied."""
    if items.__class__ is list:
        return items
    if isinstance(items, (str, bytes)) or not hasattr(items, "__iter__"):
        raise TypeError(f"{where} needs a sequence of Values or numbers, got {type(items).__name__}: {items!r}")
    return list(items)


def _is_tracked(item: Any) -> bool:
    return isinstance(item, Value) and item._entry is not None


def _numbers(items: list, where: str) -> tuple[list[float], Sequence[Value], tuple]:
    """The numbers of `items` (Values or numbers), those items that are tracked Values (the
    parents), and those parents made by ops. The parents are `items` itself exactly when every item
    is a tracked Value and there is one at least (``parents is items`` asks it at no cost).

    A tracked Value's ``_entry`` is truthy (LEAF, or an op's entry), an untracked one's None, and
    only Values have it: so one comprehension both reads and checks them (one for leaves, which a
    neuron's weights are, and one for all tracked Values).
    """
    if items and items[0].__class__ is Value:
        try:
            numbers = [item.data for item in items if item._entry is LEAF]
            if len(numbers) == len(items):
                return numbers, items, ()
            numbers = [item.data for item in items if item._entry]
        except AttributeError:
            numbers = None
        if numbers is not None and len(numbers) == len(items):
            return numbers, items, _made_by_ops(items)
    kinds = {*map(type, items)}
    if kinds == _FLOAT:
        return items, (), ()  # read only: the numbers themselves
    if kinds <= _NUMBER_TYPES:
        return list(map(float, items)), (), ()
    numbers = [item.data if isinstance(item, Value) else _as_float(item, where) for item in items]
    parents = [item for item in items if _is_tracked(item)]
    return numbers, parents, _made_by_ops(parents)


def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:  # noqa: A001 - engine.sum, as torch.sum
    """One node for start + the sum of values; d/d(each) = 1. Numbers among them are constants.

        >>> import engine
        >>> x = engine.Value(2.0)
        >>> s = engine.sum([x, x, 3.0])
        >>> s.backward()
        >>> s.data, x.grad, len(s.parents)
        (7.0, 2.0, 2)
    """
    items = [*_as_list(values, "engine.sum()"), start]
    numbers, parents, made_by_ops = _numbers(items, "engine.sum()")
    total = _builtin_sum(numbers)
    if not parents or threads_without_grad and get_ident() in threads_without_grad:
        if threads_tracing and _traced_constant(tuple(items)):
            return _nary_node(total, _SUM, tuple(items), (), (), ())
        return _constant(total)
    if parents is items:
        operands = parents = tuple(items)
    else:
        operands, parents = tuple(items), tuple(parents)
    return _nary_node(total, _SUM, operands, parents, (1.0,) * len(parents), made_by_ops)


def max(values: Iterable[Operand]) -> Value:  # noqa: A001 - engine.max, as torch.max
    """One node for the largest of values (NaN if any is NaN); its gradient goes to the first largest
    (the first NaN), as in PyTorch.

        >>> import engine
        >>> a, b = engine.Value(1.0), engine.Value(3.0)
        >>> m = engine.max([a, b, 2.0])
        >>> m.backward()
        >>> m.data, a.grad, b.grad
        (3.0, 0.0, 1.0)
    """
    items = _as_list(values, "engine.max()")
    if not items:
        raise ValueError("engine.max() needs at least one value; got an empty sequence")
    numbers, parents, made_by_ops = _numbers(items, "engine.max()")
    largest = _largest(numbers)  # NaN if any is NaN, as torch.max
    if not parents or threads_without_grad and get_ident() in threads_without_grad:
        if threads_tracing and _traced_constant(tuple(items)):
            return _nary_node(largest, _MAX, tuple(items), (), (), ())
        return _constant(largest)
    derivatives = _MAX.derivative(*numbers, largest)
    local_derivatives = tuple(local for item, local in zip(items, derivatives) if _is_tracked(item))
    operands, parents = tuple(items), tuple(parents)
    return _nary_node(largest, _MAX, parents if len(parents) == len(operands) else operands, parents, local_derivatives,
                      made_by_ops)


def dot(weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand | None = None) -> Value:
    """One node for the sum of weights[i] * inputs[i], plus bias; a neuron is ``dot(w, x, bias=b)``.

    Either side may hold numbers (constants) or Values, and may be any sequence (a list, a tuple,
    a numpy array). The operands, in the order of the "dot" entry, are (*weights, *inputs, bias).
    """
    if weights.__class__ is not list:
        weights = _as_list(weights, "engine.dot() weights")
    if inputs.__class__ is not list:
        inputs = _as_list(inputs, "engine.dot() inputs")
    input_numbers, input_parents, input_ops = _numbers(inputs, "engine.dot() inputs")
    recording = not (threads_without_grad and get_ident() in threads_without_grad)
    return _dot(weights, inputs, input_numbers, input_parents, input_ops, bias, recording)


def linear(weights: Sequence[Sequence[Operand]], inputs: Sequence[Operand],
           biases: Sequence[Operand] | None = None) -> list[Value]:
    """A layer of neurons: ``[dot(row, inputs, bias) for row, bias in zip(weights, biases)]``, one
    dot node per row of `weights` (as torch's ``F.linear``, weights[out][in]), reading the inputs once.

        >>> import engine
        >>> x = [engine.Value(1.0), engine.Value(2.0)]
        >>> [y.data for y in engine.linear([[1.0, 0.0], [3.0, 4.0]], x, [0.5, 0.0])]
        [1.5, 11.0]
    """
    rows = _as_list(weights, "engine.linear() weights")
    if inputs.__class__ is not list:
        inputs = _as_list(inputs, "engine.linear() inputs")
    if biases is None:
        biases = [None] * len(rows)
    else:
        biases = _as_list(biases, "engine.linear() biases")
        if len(biases) != len(rows):
            raise ValueError(
                f"engine.linear needs one bias per row, got {len(rows)} rows and {len(biases)} biases; "
                "pass biases=None for none"
            )
    input_numbers, input_parents, input_ops = _numbers(inputs, "engine.linear() inputs")
    recording = not (threads_without_grad and get_ident() in threads_without_grad)
    return [
        _dot(row if row.__class__ is list else _as_list(row, "engine.linear() weights row"),
             inputs, input_numbers, input_parents, input_ops, bias, recording)
        for row, bias in zip(rows, biases)
    ]


def _dot(weights: list, inputs: list, input_numbers: list, input_parents: Sequence[Value], input_ops: tuple,
         bias: Operand | None, recording: bool) -> Value:
    """The dot node of `weights` and `inputs`, whose numbers, parents and parents made by ops (see
    _numbers) are read."""
    if len(weights) != len(inputs):
        raise ValueError(
            f"engine.dot needs sequences of equal length, got {len(weights)} weights and {len(inputs)} inputs; "
            "pass one weight per input"
        )
    weight_numbers, weight_parents, weight_ops = _numbers(weights, "engine.dot() weights")
    total = _builtin_sum(map(operator.mul, weight_numbers, input_numbers))
    inputs_tracked = input_parents is inputs  # every input a tracked Value (see _numbers)
    if weight_parents is weights and recording and (inputs_tracked or not input_parents):
        # a neuron: tracked weights, inputs all Values (a hidden layer) or all numbers (the first), and
        # a tracked bias or none; d/dweights = the inputs' numbers, d/dinputs = the weights' numbers
        made_by_ops = weight_ops
        if inputs_tracked:
            made_by_ops += input_ops  # (one layer's neurons share one tuple when their weights are leaves)
        if isinstance(bias, Value) and bias._entry is not None:
            total += bias.data
            if bias._first is not None:  # made by ops (as _made_by_ops tells them)
                made_by_ops += (bias,)
            if inputs_tracked:
                parents = (*weights, *inputs, bias)
                return _nary_node(total, _DOT, parents, parents, (*input_numbers, *weight_numbers, 1.0), made_by_ops)
            return _nary_node(total, _DOT, (*weights, *input_numbers, bias), (*weights, bias), (*input_numbers, 1.0),
                              made_by_ops)
        if bias is None:
            if inputs_tracked:
                parents = (*weights, *inputs)
                return _nary_node(total, _DOT, parents, parents, (*input_numbers, *weight_numbers), made_by_ops)
            return _nary_node(total, _DOT, (*weights, *input_numbers), tuple(weights), tuple(input_numbers), made_by_ops)
    # anything else: the tracked operands are the parents, each with its partner's number
    bias_operands: tuple = ()
    bias_parents: tuple = ()
    if isinstance(bias, Value):
        total += bias.data
        bias_operands = (bias,)
        bias_parents = bias_operands if bias._entry is not None else ()
    elif bias is not None:
        bias_operands = (_as_float(bias, "engine.dot(bias=...)"),)
        total += bias_operands[0]
    pairs = [(w, number) for w, number in zip(weights, input_numbers) if _is_tracked(w)]
    pairs += [(x, number) for x, number in zip(inputs, weight_numbers) if _is_tracked(x)]
    parents = (*(parent for parent, _ in pairs), *bias_parents)
    if not parents or not recording:
        if threads_tracing and _traced_constant((*weights, *inputs, *bias_operands)):
            return _nary_node(total, _DOT, (*weights, *inputs, *bias_operands), (), (), ())
        return _constant(total)
    local_derivatives = (*(local for _, local in pairs), *(1.0 for _ in bias_parents))
    operands = (*weights, *inputs, *bias_operands)
    return _nary_node(total, _DOT, parents if len(operands) == len(parents) else operands, parents, local_derivatives,
                      _made_by_ops(parents))
