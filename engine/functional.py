"""The functional API: `gradients(output, inputs)` as torch.autograd.grad; derivatives as
functions in the style of JAX and HIPS autograd, `grad(f)`, `value_and_grad(f)` and
`hessian(f, xs)`; and `topological_order`, `zero_grad`.

`grad(f)` returns a new function that computes df/dx where f would compute f(x). It composes:
`grad(grad(f))` is the second derivative, because an inner grad() called while an outer one is
running keeps its gradient as a Value in the graph (backward with create_graph) for the outer one
to differentiate.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any, Callable, Iterable, Sequence, Union

from engine import autograd
from engine.errors import NoGradError
from engine.modes import enable_grad, modes
from engine.value import Value, _as_float, _constant, tracked_copy

Argnums = Union[int, Sequence[int]]


def _sequence(items: Any, where: str, what: str, example: str) -> list:
    """`items` (a list, a tuple, a numpy array, any sequence) as a list, or TypeError naming the fix."""
    if isinstance(items, (Value, str, bytes)) or not hasattr(items, "__iter__") or not hasattr(items, "__len__"):
        raise TypeError(
            f"{where} needs the inputs as a sequence of {what}, got {type(items).__name__}: {items!r}; "
            f"for one input write {example}"
        )
    return list(items)


def _check_value(item: object, where: str) -> Value:
    if not isinstance(item, Value):
        raise TypeError(f"{where} needs a Value, got {type(item).__name__}: {item!r}")
    return item


def topological_order(root: Value) -> list[Value]:
    """Every Value of root's graph, leaves included, each after all of its parents (root last).

    The leaves come first, in the order they are first met among the parents of the nodes made by
    ops, then those nodes in the walk's order; the result is the same on every run. A root that is
    a leaf is the whole list.
    """
    nodes = autograd.walk(_check_value(root, "topological_order(root)"))
    return autograd.leaves_of(nodes) + nodes if nodes else [root]


def zero_grad(values: Iterable[Value]) -> None:
    """Set the gradient of every Value in `values` to 0.0."""
    if isinstance(values, Value) or not hasattr(values, "__iter__"):
        raise TypeError(
            f"zero_grad() needs an iterable of Values (e.g. model.parameters()), got {type(values).__name__}: "
            f"{values!r}; for one Value call v.zero_grad()"
        )
    for index, value in enumerate(values):
        _check_value(value, f"zero_grad(): item {index}").grad = 0.0


def gradients(output: Value, inputs: Sequence[Value], grad: float = 1.0, create_graph: bool = False) -> list[Any]:
    """d(output)/d(input) * grad for each of `inputs`, as torch.autograd.grad: no `.grad` is left changed.

    The inputs may be leaves or nodes made by ops; the pass visits only the nodes on a path from
    output down to an input. An input that output does not depend on gets 0.0. With
    ``create_graph=True`` the results are Values in a graph, to be differentiated again.
    """
    if not isinstance(output, Value):
        raise TypeError(f"gradients() needs a Value as output, got {type(output).__name__}: {output!r}")
    inputs = _sequence(inputs, "gradients()", "Values", "gradients(output, [x])")
    for index, item in enumerate(inputs):
        if not isinstance(item, Value):
            raise TypeError(
                f"gradients() needs Values as inputs, got {type(item).__name__} at inputs[{index}]: {item!r}; "
                "differentiate with respect to the Value the number went into"
            )
    if not output.requires_grad:
        raise NoGradError(
            f"gradients() of {output!r}, which does not require grad: it depends on no tracked Value; "
            "build it from Values with requires_grad=True"
        )
    seed = _as_float(grad, "gradients(grad=...)")
    return autograd.gradients(output, inputs, _constant(seed) if create_graph else seed, create_graph)


def _scalar_output(function: Callable[..., Any], output: object, where: str) -> bool:
    """True if `output` is a tracked Value, False if it is a constant; TypeError if it is no scalar."""
    if isinstance(output, Value):
        return output.requires_grad
    if isinstance(output, Real):
        return False
    name = getattr(function, "__name__", repr(function))
    raise TypeError(
        f"{where} needs {name} to return one scalar (a Value or a number), it returned "
        f"{type(output).__name__}: {output!r}; for several outputs, differentiate each one "
        "(e.g. sum them, or call grad on a function returning one of them)"
    )


def grad(function: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The function computing d function / d its argument(s) at argnums, for a scalar-valued function.

    Numbers in give floats out. Values in (or a call inside another grad) give Values out, which are
    part of a graph: that is how ``grad(grad(f))`` gives second derivatives. With a sequence of
    argnums the result is a tuple, one derivative per position. Keyword arguments are passed on to
    the function and not differentiated.

        >>> from engine import grad
        >>> grad(lambda x: x ** 3)(2.0)
        12.0
        >>> grad(grad(lambda x: x ** 3))(2.0)
        12.0
    """
    both = value_and_grad(function, argnums)

    def gradient_function(*args: Any, **kwargs: Any) -> Any:
        return both(*args, **kwargs)[1]

    gradient_function.__name__ = f"grad_of_{getattr(function, '__name__', 'function')}"
    gradient_function.__doc__ = f"d/d argument(s) {argnums!r} of {getattr(function, '__name__', function)!r}."
    return gradient_function


def value_and_grad(function: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., tuple[Any, Any]]:
    """As grad(), but the new function returns (function's value, its derivative(s)), from one pass."""
    if not callable(function):
        raise TypeError(f"grad() needs a function to differentiate, got {type(function).__name__}: {function!r}")
    if isinstance(argnums, Integral) and not isinstance(argnums, bool):
        positions: tuple = (int(argnums),)  # numpy's integers too
    elif hasattr(argnums, "__iter__") and not isinstance(argnums, (str, bytes)):
        positions = tuple(argnums)
    else:
        positions = ()
    if not positions or not all(isinstance(position, Integral) and not isinstance(position, bool) for position in positions):
        raise TypeError(f"argnums needs an int or a non-empty sequence of ints, got {argnums!r}")
    positions = tuple(int(position) for position in positions)
    if len(set(positions)) != len(positions):
        raise ValueError(f"argnums={argnums!r} names a position twice; name each argument once")

    def value_and_gradient_function(*args: Any, **kwargs: Any) -> tuple[Any, Any]:
        for position in positions:
            if not -len(args) <= position < len(args):
                raise IndexError(
                    f"argnums={argnums!r} differentiates argument {position}, but the function "
                    f"was called with {len(args)} argument(s); pass it or change argnums"
                )
        keep_graph = modes.grad_depth > 0 or any(isinstance(arg, Value) and arg.requires_grad for arg in args)
        call_args = list(args)
        inputs = []
        for position in positions:
            argument = args[position]
            if isinstance(argument, Value):
                input_value = tracked_copy(argument)
            else:
                input_value = Value(_as_float(argument, f"grad(): argument {position}"))
            call_args[position] = input_value
            inputs.append(input_value)
        modes.grad_depth += 1  # inside f, a grad() call keeps its results in the graph: f may close over ours
        try:
            with enable_grad():
                output = function(*call_args, **kwargs)
        finally:
            modes.grad_depth -= 1
        if _scalar_output(function, output, "grad()"):
            results = gradients(output, inputs, create_graph=keep_graph)
        else:
            results = [0.0] * len(inputs)  # f does not depend on anything tracked
        if isinstance(output, Value) and not keep_graph:
            output = output.data
        return output, (results[0] if isinstance(argnums, Integral) else tuple(results))

    value_and_gradient_function.__name__ = f"value_and_grad_of_{getattr(function, '__name__', 'function')}"
    return value_and_gradient_function


def hessian(function: Callable[..., Any], inputs: Sequence[Union[Value, float]]) -> list[list[float]]:
    """The matrix of second derivatives d²f / dx_i dx_j at `inputs`, as a list of rows of floats.

    ``function(*inputs)`` must return one scalar. Costs one backward pass with create_graph and one
    plain pass per input, so it is meant for a small number of inputs.
    """
    if not callable(function):
        raise TypeError(f"hessian() needs a function to differentiate, got {type(function).__name__}: {function!r}")
    inputs = _sequence(inputs, "hessian()", "numbers", "hessian(f, [x])")
    numbers = [item.data if isinstance(item, Value) else _as_float(item, f"hessian(): inputs[{index}]")
               for index, item in enumerate(inputs)]
    leaves = [Value(number, label=f"x{index}") for index, number in enumerate(numbers)]
    with enable_grad():
        output = function(*leaves)
    size = len(leaves)
    if not _scalar_output(function, output, "hessian()"):
        return [[0.0] * size for _ in range(size)]
    rows = []
    for first in gradients(output, leaves, create_graph=True):
        if isinstance(first, Value) and first.requires_grad:
            rows.append([float(second) for second in gradients(first, leaves)])
        else:  # this first derivative is a constant: its row is 0
            rows.append([0.0] * size)
    return rows
