"""Numerical differentiation and gradient checks: backward() against central differences in float64,
and second derivatives (create_graph) against central differences of first derivatives."""

from __future__ import annotations

from typing import Any, Callable, Sequence, Union

from engine.errors import GradcheckError
from engine.functional import hessian
from engine.modes import no_grad
from engine.value import Value, _as_float

Function = Callable[..., Value]
Inputs = Sequence[Union[Value, float]]


def _numbers(inputs: Inputs) -> list[float]:
    """The numbers of `inputs` (Values or numbers, in any sequence), or TypeError naming the fix."""
    if isinstance(inputs, (Value, str, bytes)) or not hasattr(inputs, "__iter__"):
        raise TypeError(
            f"the gradient checks need the inputs as a sequence of numbers or Values, got "
            f"{type(inputs).__name__}: {inputs!r}; for one input write [x]"
        )
    return [x.data if isinstance(x, Value) else _as_float(x, f"the gradient checks: inputs[{index}]")
            for index, x in enumerate(inputs)]


def _check_function(f: object, where: str) -> None:
    if not callable(f):
        raise TypeError(f"{where}() needs a function of the inputs returning a Value, got {type(f).__name__}: {f!r}")


def _evaluate(f: Function, numbers: list[float]) -> float:
    """f at `numbers`, without recording a graph."""
    with no_grad():
        out = f(*[Value(number) for number in numbers])
    if not isinstance(out, Value):
        raise TypeError(f"the function must return a Value, it returned {type(out).__name__}: {out!r}")
    return out.data


def numerical_grad(f: Function, inputs: Inputs, eps: float = 1e-6) -> list[float]:
    """d f / d inputs[i] by central differences: (f(x + eps e_i) - f(x - eps e_i)) / (2 eps).

    Costs two evaluations of f per input, which is why backprop (one backward pass) wins.
    """
    _check_function(f, "numerical_grad")
    pairs = _shifted_pairs(lambda shifted: _evaluate(f, shifted), inputs, eps, "numerical_grad")
    return [(above - below) / (2.0 * eps) for above, below in pairs]


def _shifted_pairs(
    evaluate: Callable[[list[float]], Any], inputs: Inputs, eps: float, where: str
) -> list[tuple[Any, Any]]:
    """For each input i: evaluate() at the inputs with input i moved up by eps, and moved down by eps."""
    if not eps > 0:
        raise ValueError(f"{where} needs eps > 0, got eps={eps!r}")
    numbers = _numbers(inputs)
    pairs = []
    for index in range(len(numbers)):
        shifted = list(numbers)
        shifted[index] = numbers[index] + eps
        above = evaluate(shifted)
        shifted[index] = numbers[index] - eps
        pairs.append((above, evaluate(shifted)))
    return pairs


def analytic_grad(f: Function, inputs: Inputs) -> list[float]:
    """d f / d inputs[i] by one backward() pass, on fresh leaves (the inputs are not touched)."""
    _check_function(f, "analytic_grad")
    leaves = [Value(number, label=f"x{index}") for index, number in enumerate(_numbers(inputs))]
    out = f(*leaves)
    if not isinstance(out, Value):
        raise TypeError(f"the function must return a Value, it returned {type(out).__name__}: {out!r}")
    if out.requires_grad:
        out.backward()
    return [leaf.grad for leaf in leaves]


def gradcheck(
    f: Function, inputs: Inputs, eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3
) -> bool:
    """Check backward() against central differences for every input; True or GradcheckError.

    An input passes when |analytic - numeric| <= atol + rtol * |numeric|. The error names the first
    input that fails, with both values.
    """
    _check_function(f, "gradcheck")
    analytic = analytic_grad(f, inputs)
    numeric = numerical_grad(f, inputs, eps)
    for index, (exact, estimate) in enumerate(zip(analytic, numeric)):
        if not abs(exact - estimate) <= atol + rtol * abs(estimate):
            item = inputs[index]
            name = item.label if isinstance(item, Value) else ""
            raise GradcheckError(
                f"gradient of input {index}{f' ({name!r})' if name else ''} at {_numbers(inputs)[index]!r}: "
                f"backward() gives {exact!r}, central differences give {estimate!r} "
                f"(tolerance atol={atol}, rtol={rtol}); check that op's local derivative"
            )
    return True


def numerical_hessian(f: Function, inputs: Inputs, eps: float = 1e-5) -> list[list[float]]:
    """d²f / dx_i dx_j by central differences of the backward() gradient: row i is
    (grad f(x + eps e_i) - grad f(x - eps e_i)) / (2 eps)."""
    _check_function(f, "numerical_hessian")
    pairs = _shifted_pairs(lambda shifted: analytic_grad(f, shifted), inputs, eps, "numerical_hessian")
    return [[(a - b) / (2.0 * eps) for a, b in zip(above, below)] for above, below in pairs]


def gradgradcheck(
    f: Function, inputs: Inputs, eps: float = 1e-5, atol: float = 1e-5, rtol: float = 1e-3
) -> bool:
    """Check second derivatives (engine.hessian, through create_graph) against central differences of
    first derivatives (backward()), as torch.autograd.gradgradcheck; True or GradcheckError naming (i, j)."""
    _check_function(f, "gradgradcheck")
    exact_rows = hessian(f, inputs)
    estimated_rows = numerical_hessian(f, inputs, eps)
    for i, (exact_row, estimated_row) in enumerate(zip(exact_rows, estimated_rows)):
        for j, (exact, estimate) in enumerate(zip(exact_row, estimated_row)):
            if not abs(exact - estimate) <= atol + rtol * abs(estimate):
                raise GradcheckError(
                    f"second derivative d²f/dx{i}dx{j} at {_numbers(inputs)!r}: create_graph gives {exact!r}, "
                    f"central differences of backward() give {estimate!r} (tolerance atol={atol}, rtol={rtol}); "
                    "check the derivative line of that op's entry (engine.ops)"
                )
    return True
