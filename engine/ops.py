"""The op table: every op chaingrad knows, one entry each.

An entry is a name, the forward function on numbers, and the local derivatives d(out)/d(operand),
written once as ``derivative(*operands, out)``. The derivative line uses only arithmetic and the
functions below (``exp``, ``log``, ``cos``, ``power``, ...), which work on numbers and on Values
alike: on numbers they are ``math``; on a Value they call its method, which records a node. So the
same line gives the numbers the float path stores while the forward pass runs, and, evaluated on
the node's Values, the gradient graph of ``backward(create_graph=True)``: higher-order gradients
need no second table (as HIPS autograd's ``defvjp``, JAX's ``defjvp`` and tinygrad's gradient
table). A one-operand op's derivative may return a bare value instead of a 1-tuple.

Forward functions raise at the edges of their domain (log of x <= 0, sqrt of x < 0, x / 0, and
the user's 0 ** -1: see the '**' entry) with a message naming the op and the fix. Overflow gives +-inf in every op, as IEEE
arithmetic and PyTorch do (``detect_anomaly()`` stops at it), and NaN propagates through every op.
Derivatives that are infinite at a point (sqrt and x ** 0.5 at 0) are infinite, as in PyTorch.

This module imports nothing of chaingrad's: Values reach it only through their methods, the
`ValueLike` protocol that engine.Value, engine.tiny.Value and engine.codegen's Symbol share.
"""

from __future__ import annotations

import math
import operator
from numbers import Real
from typing import Any, Callable, NamedTuple, Protocol

Operand = Any  # a number or a Value: the derivative lines work on both


class Primitive(NamedTuple):
    """One op: its name, its forward on numbers, and its local derivatives (see the module docstring)."""

    name: str
    forward: Callable[..., float]
    derivative: Callable[..., Any]


class ValueLike(Protocol):
    """What the functions below ask of anything that is not a number (engine.Value, engine.tiny.Value,
    engine.codegen's Symbol): its number, ``**`` without the user's check (see the '**' entry), and
    a method for each one-operand op a derivative line calls (exp, log, sin, cos, tanh, sigmoid,
    sqrt, relu: ``exp(x)`` is ``x.exp()``). Arithmetic (+ - * / and comparisons) is Python's."""

    data: Any

    def _power(self, exponent: Any) -> Any: ...  # self ** exponent, inf at 0 ** -1

    def _rpower(self, base: Any) -> Any: ...  # base ** self, inf at 0 ** -1

    def exp(self) -> Any: ...


LEAF = Primitive("", None, None)  # type: ignore[arg-type] # the entry of a tracked leaf: made by no op

_NUMBERS = (float, int, bool)


# ---- functions of numbers or Values, for the derivative lines ------------------------------------


def _of_number_or_value(name: str, numeric: Callable[[float], float]) -> Callable[[Operand], Operand]:
    """The function `name` of a number (by `numeric`) or of a Value (by its method `name`)."""

    def function(x: Operand) -> Operand:
        if x.__class__ in _NUMBERS:
            return numeric(x)
        method = getattr(x.__class__, name, None)
        if method is not None:
            return method(x)
        if isinstance(x, Real):  # numpy's numbers, Fraction, Decimal...
            return numeric(float(x))
        raise TypeError(f"engine.{name}() needs a number or a Value, got {type(x).__name__}: {x!r}")

    function.__name__ = function.__qualname__ = name
    function.__doc__ = f"{name} of a number (a float) or of a Value (a node of op '{name}')."
    return function


def power(x: Operand, k: Operand) -> Operand:
    """x ** k of numbers or Values, as derivative lines write it: inf at 0 ** -1 (the '**' entry)."""
    if hasattr(x.__class__, "_power"):
        return x._power(k)
    if hasattr(k.__class__, "_rpower"):
        return k._rpower(x)
    return _power(number(x), number(k))


def number(x: Operand) -> float:
    """The number of a number or of a Value (a ValueLike): what a derivative line reads to make a constant."""
    if x.__class__ in _NUMBERS:
        return x
    if hasattr(x, "data") and hasattr(x.__class__, "_power"):
        return x.data
    if isinstance(x, Real):
        return float(x)
    raise TypeError(f"engine.number() needs a number or a Value, got {type(x).__name__}: {x!r}")


# ---- forward functions on numbers --------------------------------------------------------------


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _log(x: float) -> float:
    if x <= 0.0:
        raise ValueError(
            f"log needs x > 0, got x = {x!r} in op 'log'; shift or clamp the input (e.g. log(x + 1) for x >= 0)"
        )
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise ValueError(f"sqrt needs x >= 0, got x = {x!r} in op 'sqrt'; take abs() or clamp the input first")
    return math.sqrt(x)


def _sigmoid(x: float) -> float:
    """1/(1 + e^-x), split by sign so that neither branch overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _softplus(x: float) -> float:
    """ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|), stable for any x (NaN stays NaN)."""
    if x != x:
        return x
    return (x if x > 0.0 else 0.0) + math.log1p(math.exp(-abs(x)))


def _sin(x: float) -> float:
    return math.sin(x) if x - x == 0.0 else math.nan  # sin(+-inf) is NaN (IEEE, PyTorch), not an error


def _cos(x: float) -> float:
    return math.cos(x) if x - x == 0.0 else math.nan


def _relu(x: float) -> float:
    return x if x > 0.0 or x != x else 0.0  # NaN stays NaN


def _divide(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(
            f"division by zero in op '/': {a!r} / {b!r}; guard the denominator (e.g. add a small epsilon)"
        )
    try:
        return a / b
    except OverflowError:  # a huge quotient of finite numbers: the IEEE result
        return math.inf if (a > 0) == (b > 0) else -math.inf  # signs compared: an int too large for a float has one


def _is_odd_integer(k: float) -> bool:
    return float(k).is_integer() and k % 2 == 1


def _power(x: float, k: float) -> float:
    """x ** k in real numbers; 0 ** k = inf for k < 0 (-inf for -0.0 and an odd k), as IEEE pow."""
    if x == 0.0 and k < 0.0:
        return math.copysign(math.inf, x) if _is_odd_integer(k) else math.inf
    if x < 0.0 and k - k == 0.0 and not float(k).is_integer():  # (-2) ** inf is inf, ** nan is nan (IEEE)
        raise ValueError(
            f"a negative base with a non-integer exponent has no real value: ({x!r}) ** {k!r} in op '**'; "
            "use abs(x) ** k, or an integer exponent"
        )
    try:
        return x**k
    except OverflowError:
        return math.copysign(math.inf, x) if x < 0.0 and _is_odd_integer(k) else math.inf


def check_power(x: float, k: float, exponent_tracked: bool) -> None:
    """The domain checks of a user's x ** k (the '**' entry): 0 ** -1 raises, and a tracked
    exponent needs x >= 0 (d/dk = x^k ln x; 0 at x = 0, as torch and HIPS autograd give)."""
    if exponent_tracked and x < 0.0:
        raise ValueError(
            f"a ** b with a tracked exponent needs base a >= 0 (its derivative has ln a), got a = {x!r} in op '**'; "
            "use a constant exponent, or exp(b * log(a)) with a > 0"
        )
    if x == 0.0 and k < 0.0:
        raise ZeroDivisionError(f"0 ** {k!r} divides by zero in op '**'; keep the base away from 0 (e.g. x + 1e-12)")


def _power_derivative(a: Operand, b: Operand, y: Operand) -> tuple[Operand, Operand]:
    """d(a ** b)/da = b a^(b-1) (0 for b = 0; infinite at a = 0 for b < 1, as in PyTorch);
    d/db = y ln a (0 at a = 0 and nan for a < 0, where the exponent cannot be tracked anyway)."""
    # 0 for a number b = 0 (also an untracked Value b, and the compiled code's b); a tracked b keeps the term
    base = 0.0 if number(b) == 0.0 and not getattr(b, "requires_grad", False) else b * power(a, b - 1.0)
    a_number = number(a)
    if a_number > 0.0:
        exponent = y * log(a)
    else:
        exponent = 0.0 if a_number == 0.0 else math.nan
    return base, exponent


_builtin_sum = sum


def _dot_forward(operands: tuple) -> float:
    """sum of weights[i] * inputs[i] (+ bias), for operands (*weights, *inputs) or (*weights, *inputs, bias)."""
    count = len(operands) // 2
    total = _builtin_sum(map(operator.mul, operands[:count], operands[count : 2 * count]))
    return total + operands[-1] if len(operands) % 2 else total


def _dot_partners(operands: tuple) -> tuple:
    """d dot / d weights[i] = inputs[i], d/d inputs[i] = weights[i], d/d bias = 1."""
    count = len(operands) // 2
    return (*operands[count : 2 * count], *operands[:count], *((1.0,) if len(operands) % 2 else ()))


def largest(numbers: Any) -> float:
    """The largest of floats; NaN if any is NaN (torch.max; Python's max keeps NaN only when first)."""
    result = max(numbers)
    check = _builtin_sum(numbers)  # NaN if any is NaN (or for inf - inf: then look)
    if check != check:
        return next((item for item in numbers if item != item), result)
    return result


def _first_largest(operands: tuple) -> tuple:
    """d max / d operand: 1 for the first largest operand (the first NaN if any, as PyTorch's max),
    0 for the others."""
    numbers = [number(operand) for operand in operands]
    top = largest(numbers)
    chosen = numbers.index(top) if top == top else next(index for index, item in enumerate(numbers) if item != item)
    return tuple(1.0 if index == chosen else 0.0 for index in range(len(numbers)))


exp = _of_number_or_value("exp", _exp)
log = _of_number_or_value("log", _log)
sin = _of_number_or_value("sin", _sin)
cos = _of_number_or_value("cos", _cos)
tanh = _of_number_or_value("tanh", math.tanh)
sigmoid = _of_number_or_value("sigmoid", _sigmoid)
sqrt = _of_number_or_value("sqrt", _sqrt)
relu = _of_number_or_value("relu", _relu)


# ---- the table -------------------------------------------------------------------------------

OPS: dict[str, Primitive] = {
    entry.name: entry
    for entry in (
        Primitive("neg", operator.neg, lambda x, y: -1.0),
        Primitive("exp", _exp, lambda x, y: y),
        Primitive("log", _log, lambda x, y: 1.0 / x),
        Primitive("sqrt", _sqrt, lambda x, y: 0.5 * power(x, -0.5)),
        Primitive("tanh", math.tanh, lambda x, y: 1.0 - y * y),
        Primitive("sigmoid", _sigmoid, lambda x, y: y * (1.0 - y)),
        Primitive("softplus", _softplus, lambda x, y: sigmoid(x)),
        # the kinks' derivatives are constants (0 at the kink, as in PyTorch); a Value compares by its number
        Primitive("relu", _relu, lambda x, y: 1.0 if x > 0.0 else 0.0),
        Primitive("abs", abs, lambda x, y: 1.0 if x > 0.0 else (-1.0 if x < 0.0 else 0.0)),
        Primitive("sin", _sin, lambda x, y: cos(x)),
        Primitive("cos", _cos, lambda x, y: -sin(x)),
        Primitive("+", operator.add, lambda a, b, y: (1.0, 1.0)),
        Primitive("-", operator.sub, lambda a, b, y: (1.0, -1.0)),
        Primitive("*", operator.mul, lambda a, b, y: (b, a)),
        Primitive("/", _divide, lambda a, b, y: (1.0 / b, -y / b)),
        # ** has two meanings. The user's x ** k (Value.__pow__, __rpow__) calls check_power first:
        # 0 ** -1 raises ZeroDivisionError, as Python's does. A derivative line's power(x, k) (through
        # a Value's _power, _rpower) does not: 0 ** -0.5 is inf there, sqrt's derivative at 0, as in PyTorch.
        Primitive("**", _power, _power_derivative),
        Primitive("leaky_relu", lambda x, slope: x if x > 0.0 or x != x else slope * x,
                  lambda x, slope, y: (1.0 if x > 0.0 else slope, 0.0)),
        Primitive("copy", lambda x: x, lambda x, y: 1.0),  # what grad() differentiates with respect to
        # n-ary, one node for many operands (engine.nary builds them fast): sum(*values), and
        # dot(*weights, *inputs[, bias]) = sum of weights[i] * inputs[i] (+ bias)
        Primitive("sum", lambda *xs: _builtin_sum(xs), lambda *xs_and_y: (1.0,) * (len(xs_and_y) - 1)),
        Primitive("dot", lambda *operands: _dot_forward(operands), lambda *operands_and_y: _dot_partners(operands_and_y[:-1])),
        Primitive("max", lambda *xs: largest(xs), lambda *xs_and_y: _first_largest(xs_and_y[:-1])),
    )
}
