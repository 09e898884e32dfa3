"""The scalar autograd core: `Value`, the op table and `backward()`.

A Value holds one float. Every op builds a new Value that records its parents (an ordered tuple)
and the local derivatives d(out)/d(parent), which the op's entry in the op table computes together
with the forward value, while the numbers are at hand. `backward()` orders the graph once, without recursion, and applies the
chain rule in exactly one place: ``parent.grad += local * node.grad``, piling up (堆放) each node's
gradient from everything downstream.

Nothing in a node refers to the node itself, so a graph is freed by reference counting the moment
the last Value of it is dropped (no reference cycles, no work for the cycle collector).

A Value's ``_locals`` slot says how it takes part in autograd: ``None`` for a constant (not
tracked), the marker ``_LEAF`` for a tracked leaf, and one local derivative per parent for a node
made by an op. Every tracked Value's ``_locals`` is truthy, so ``all(...)`` over a list of them
checks at C speed that all are tracked. A few nodes keep more after their local derivatives, for
``backward(create_graph=True)``, which evaluates the local derivatives again in Value ops
(GRAPH_DERIVATIVES) so that gradients can be differentiated: c / x, x ** k and c ** x keep their
two operands, and a dot node with numbers among its factors keeps each parent's partner. The
chain-rule loop zips parents with ``_locals`` and so never reads past the local derivatives.
"""

from __future__ import annotations

import builtins
import gc
import math
import operator
from contextlib import contextmanager, nullcontext
from numbers import Real
from typing import Any, Callable, Iterable, Iterator, Sequence, Union

from engine.errors import AnomalyError, NoGradError

Operand = Union["Value", int, float]

# Process-wide switches, changed only through the context managers at the end of this file.
_grad_enabled = True
_anomaly_mode = False


def _as_float(number: object, where: str) -> float:
    """`number` as a float, or TypeError naming its type."""
    if isinstance(number, (int, float, Real)):
        return float(number)
    if isinstance(number, Value):
        raise TypeError(
            f"{where} got a Value ({number!r}) where a number was expected; "
            "pass its number v.data, or use v.detach() for an untracked copy"
        )
    raise TypeError(
        f"{where} needs a number (int, float or bool), got {type(number).__name__}: {number!r}"
    )


# --------------------------------------------------------------------------------------------
# The op table. Each op is a function of its inputs' numbers that returns the output's number and
# the local derivatives d(out)/d(input): the forward line, then the derivative line.
# --------------------------------------------------------------------------------------------


def _exp(x: float) -> tuple[float, float]:
    """e^x; d/dx = e^x."""
    try:
        y = math.exp(x)
    except OverflowError:
        raise OverflowError(
            f"exp overflows for x = {x!r} in op 'exp' (the largest finite result is at x ~ 709.78); "
            "scale the input down or subtract the maximum first (as log-sum-exp does)"
        ) from None
    return y, y


def _log(x: float) -> tuple[float, float]:
    """ln x; d/dx = 1/x."""
    if x <= 0.0:
        raise ValueError(
            f"log needs x > 0, got x = {x!r}; shift or clamp the input (e.g. log(x + 1) for x >= 0)"
        )
    return math.log(x), 1.0 / x


def _sqrt(x: float) -> tuple[float, float]:
    """sqrt x; d/dx = 1/(2 sqrt x), infinite at 0 (as in PyTorch)."""
    if x < 0.0:
        raise ValueError(f"sqrt needs x >= 0, got x = {x!r}; take abs() or clamp the input first")
    y = math.sqrt(x)
    return y, (0.5 / y if y else math.inf)


def _tanh(x: float) -> tuple[float, float]:
    """tanh x; d/dx = 1 - tanh^2 x."""
    y = math.tanh(x)
    return y, 1.0 - y * y


def _logistic(x: float) -> float:
    """1/(1 + e^-x), split by sign so that neither branch overflows."""
    if x >= 0.0:
        return 1.0 / (1.0 + math.exp(-x))
    z = math.exp(x)
    return z / (1.0 + z)


def _sigmoid(x: float) -> tuple[float, float]:
    """sigmoid x = 1/(1 + e^-x); d/dx = y (1 - y)."""
    y = _logistic(x)
    return y, y * (1.0 - y)


def _softplus(x: float) -> tuple[float, float]:
    """ln(1 + e^x) = max(x, 0) + ln(1 + e^-|x|), stable for any finite x; d/dx = sigmoid x."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x))), _logistic(x)


def _relu(x: float) -> tuple[float, float]:
    """max(x, 0); d/dx = 1 for x > 0, else 0 (0 at the kink, as in PyTorch)."""
    return (x, 1.0) if x > 0.0 else (0.0, 0.0)


def _abs(x: float) -> tuple[float, float]:
    """|x|; d/dx = sign x (0 at the kink)."""
    return (x, 1.0) if x > 0.0 else ((-x, -1.0) if x < 0.0 else (0.0, 0.0))


def _sin(x: float) -> tuple[float, float]:
    """sin x; d/dx = cos x."""
    return math.sin(x), math.cos(x)


def _cos(x: float) -> tuple[float, float]:
    """cos x; d/dx = -sin x."""
    return math.cos(x), -math.sin(x)


def _neg(x: float) -> tuple[float, float]:
    """-x; d/dx = -1."""
    return -x, -1.0


UNARY_OPS: dict[str, Callable[[float], tuple[float, float]]] = {
    "neg": _neg,
    "exp": _exp,
    "log": _log,
    "sqrt": _sqrt,
    "tanh": _tanh,
    "sigmoid": _sigmoid,
    "softplus": _softplus,
    "relu": _relu,
    "abs": _abs,
    "sin": _sin,
    "cos": _cos,
}


def _add(a: float, b: float) -> tuple[float, float, float]:
    """a + b; d/da = 1, d/db = 1."""
    return a + b, 1.0, 1.0


def _subtract(a: float, b: float) -> tuple[float, float, float]:
    """a - b; d/da = 1, d/db = -1."""
    return a - b, 1.0, -1.0


def _multiply(a: float, b: float) -> tuple[float, float, float]:
    """a * b; d/da = b, d/db = a."""
    return a * b, b, a


def _divide(a: float, b: float) -> tuple[float, float, float]:
    """a / b; d/da = 1/b, d/db = -a/b^2 = -y/b."""
    if b == 0.0:
        raise ZeroDivisionError(
            f"division by zero in {a!r} / {b!r}; guard the denominator (e.g. add a small epsilon)"
        )
    y = a / b
    return y, 1.0 / b, -y / b


def _power(a: float, b: float) -> tuple[float, float, float]:
    """a ** b for a tracked exponent b, defined for a > 0; d/da = b a^(b-1), d/db = y ln a."""
    if a <= 0.0:
        raise ValueError(
            f"a ** b with a tracked exponent needs base a > 0 (its derivative has ln a), got a = {a!r}; "
            "use a constant exponent, or exp(b * log(a)) with a > 0"
        )
    y = a**b
    return y, b * a ** (b - 1.0), y * math.log(a)


BINARY_OPS: dict[str, Callable[[float, float], tuple[float, float, float]]] = {
    "+": _add,
    "-": _subtract,
    "*": _multiply,
    "/": _divide,
    "**": _power,
}


def _power_constant(x: float, k: float) -> tuple[float, float]:
    """x ** k for a number k; d/dx = k x^(k-1). Real results only (never complex)."""
    if x == 0.0 and k < 0.0:
        raise ZeroDivisionError(
            f"0 ** {k!r} divides by zero in op '**'; keep the base away from 0 (e.g. x + 1e-12)"
        )
    if x < 0.0 and not float(k).is_integer():
        raise ValueError(
            f"a negative base with a non-integer exponent has no real value: ({x!r}) ** {k!r} in op '**'; "
            "use abs(x) ** k, or an integer exponent"
        )
    if k == 0.0:
        return 1.0, 0.0
    if x == 0.0 and k < 1.0:
        return 0.0, math.inf
    return x**k, k * x ** (k - 1.0)


# --------------------------------------------------------------------------------------------
# The same local derivatives written in Value ops, for backward(create_graph=True): evaluated on
# the operands (Values, or numbers) and the op's output y, they make each gradient a Value in the
# graph, which can be differentiated again. One rule per operand. The ops of CONSTANT_DERIVATIVES
# have constant local derivatives: their numbers already are the rule, and their second
# derivatives are 0 (away from the kinks of relu and abs, as in PyTorch).
# --------------------------------------------------------------------------------------------


def _log_of(x: Operand) -> Operand:
    """ln x of a Value or a number."""
    return x.log() if x.__class__ is Value else math.log(x)


def _power_base_derivative(a: Value, b: Operand, y: Value) -> Operand:
    """d(a ** b)/da = b a^(b-1): 0 for b = 0, infinite at a = 0 for b < 1 (as the number rule)."""
    if isinstance(b, Value) or b == 0.0 or b >= 1.0 or a.data != 0.0:
        return 0.0 if b == 0.0 else b * a ** (b - 1.0)
    return b * _zero_to_negative_power(a, b - 1.0)


def _zero_to_negative_power(zero: Value, k: float) -> Value:
    """zero ** k for a Value at 0 and k < 0: infinite, with an infinite derivative, where the op
    itself raises (a forward 0 ** -1 is a bug; an infinite derivative at 0 is maths, as in PyTorch)."""

    def infinite_power(exponent: float) -> float:  # 0 ** exponent < 0; (-0) ** odd = -inf
        return math.copysign(math.inf, zero.data) if exponent % 2 == 1.0 else math.inf

    return _one_parent_keeping(infinite_power(k), "**", zero, k * infinite_power(k - 1.0), (zero, k))


GRAPH_DERIVATIVES: dict[str, tuple[Callable[..., Operand], ...]] = {
    "exp": (lambda x, y: y,),
    "log": (lambda x, y: 1.0 / x,),
    "sqrt": (lambda x, y: 0.5 / y if y.data else _power_base_derivative(x, 0.5, y),),  # x ** 0.5 at 0
    "tanh": (lambda x, y: 1.0 - y * y,),
    "sigmoid": (lambda x, y: y * (1.0 - y),),
    "softplus": (lambda x, y: x.sigmoid(),),
    "sin": (lambda x, y: x.cos(),),
    "cos": (lambda x, y: -x.sin(),),
    "*": (lambda a, b, y: b, lambda a, b, y: a),
    "/": (lambda a, b, y: 1.0 / b, lambda a, b, y: -y / b),
    "**": (_power_base_derivative, lambda a, b, y: y * _log_of(a)),
}
CONSTANT_DERIVATIVES = frozenset(["neg", "relu", "abs", "leaky_relu", "+", "-", "sum", "copy"])


# --------------------------------------------------------------------------------------------
# Building nodes
# --------------------------------------------------------------------------------------------

_new = object.__new__
_LEAF = ("leaf",)  # _locals of a tracked leaf: truthy, and never read (a leaf has no parents to zip it with)
_builtin_sum = builtins.sum  # engine.sum below shadows it in this module
_NUMBER = (int, float, Real)


def _node(data: float, op: str, parents: tuple, local_derivatives: tuple) -> Value:
    """A new tracked Value made by `op` from `parents` (all tracked)."""
    if _anomaly_mode and not math.isfinite(data):
        raise AnomalyError(
            f"op '{op}' produced a non-finite value {data!r} from "
            + ", ".join(repr(parent) for parent in parents)
            + "; look at these inputs (detect_anomaly() stopped at the first non-finite result)"
        )
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    out.parents = parents
    out._locals = local_derivatives
    return out


def _constant(data: float) -> Value:
    """A new untracked Value: made under no_grad(), or from constants only."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = ""
    out.parents = ()
    out._locals = None
    return out


# One-element local-derivative tuples for the commonest locals (relu, +, -), shared by all nodes
# instead of one tuple each: 48 bytes less per such node.
_ONE, _ZERO = (1.0,), (0.0,)


def _one_parent(data: float, op: str, parent: Value, local: float) -> Value:
    """The result of an op on one Value (and maybe a number): a node, or a constant if untracked."""
    if parent._locals is None or not _grad_enabled:
        return _constant(data)
    return _node(data, op, (parent,), _ONE if local == 1.0 else (_ZERO if local == 0.0 else (local,)))


def _one_parent_keeping(data: float, op: str, parent: Value, local: float, operands: tuple) -> Value:
    """As _one_parent, and the node keeps `operands` (both operands of the binary op, in order) after
    its local derivative: for c / x, x ** k and c ** x, whose local derivative depends on the tracked
    operand in a way the number alone cannot say, and backward(create_graph=True) needs them."""
    if parent._locals is None or not _grad_enabled:
        return _constant(data)
    return _node(data, op, (parent,), (local, *operands))


# The binary ops whose one-parent nodes keep their operands (see _one_parent_keeping).
_KEEP_OPERANDS = frozenset(["/", "**"])


def _two_parents(data: float, op: str, a: Value, local_a: float, b: Value, local_b: float) -> Value:
    """The result of an op on two Values; untracked ones are left out of the parents."""
    if not _grad_enabled:
        return _constant(data)
    if a._locals is not None:
        if b._locals is not None:
            return _node(data, op, (a, b), (local_a, local_b))
        if op in _KEEP_OPERANDS:
            return _one_parent_keeping(data, op, a, local_a, (a, b))
        return _one_parent(data, op, a, local_a)
    if b._locals is not None:
        if op in _KEEP_OPERANDS:
            return _one_parent_keeping(data, op, b, local_b, (a, b))
        return _one_parent(data, op, b, local_b)
    return _constant(data)


def _unary(name: str) -> Callable[[Value], Value]:
    """The Value method for the op `name` of UNARY_OPS."""
    function = UNARY_OPS[name]

    def method(self: Value) -> Value:  # _one_parent inlined: the hottest path of the engine
        data, local = function(self.data)
        if self._locals is None or not _grad_enabled:
            return _constant(data)
        return _node(data, name, (self,), _ONE if local == 1.0 else (_ZERO if local == 0.0 else (local,)))

    method.__name__ = name
    method.__doc__ = function.__doc__
    return method


def _binary(name: str) -> tuple[Callable[[Value, object], Value], Callable[[Value, object], Value]]:
    """The Value methods for `self name other` and the reflected `other name self` (other a number)."""
    function = BINARY_OPS[name]
    keep_operands = name in _KEEP_OPERANDS

    def method(self: Value, other: object) -> Value:
        if other.__class__ is Value:
            data, local_self, local_other = function(self.data, other.data)
            return _two_parents(data, name, self, local_self, other, local_other)
        if isinstance(other, _NUMBER):
            data, local_self, _ = function(self.data, float(other))
            if keep_operands:
                return _one_parent_keeping(data, name, self, local_self, (self, float(other)))
            return _one_parent(data, name, self, local_self)
        return NotImplemented

    def reflected(self: Value, other: object) -> Value:
        if isinstance(other, _NUMBER):
            data, _, local_self = function(float(other), self.data)
            if keep_operands:
                return _one_parent_keeping(data, name, self, local_self, (float(other), self))
            return _one_parent(data, name, self, local_self)
        return NotImplemented

    method.__doc__ = reflected.__doc__ = function.__doc__
    return method, reflected


# --------------------------------------------------------------------------------------------
# Value
# --------------------------------------------------------------------------------------------


class Value:
    """One scalar in a computation graph: its number, its gradient and how it was made.

    Attributes:
        data: the number (a float).
        grad: d(root)/d(self) after ``root.backward()``; 0.0 before. A float, or a Value (itself in
            a graph, to be differentiated again) after ``root.backward(create_graph=True)``.
        label: a name for pictures and messages ('' if none).
        op: the op that made this Value ('' for leaves and constants).
        parents: the Values it was made from, in order (``x*x`` has ``(x, x)``).
    """

    __slots__ = ("data", "grad", "label", "op", "parents", "_locals")

    data: float
    grad: Any  # a float, or a Value after backward(create_graph=True)
    label: str
    op: str
    parents: tuple[Value, ...]
    _locals: Any  # None, _LEAF, or one local derivative per parent (see the module docstring)

    def __init__(self, data: float, label: str = "", requires_grad: bool = True) -> None:
        self.data = _as_float(data, "Value()")
        if not isinstance(label, str):
            raise TypeError(f"Value(label=...) needs a str, got {type(label).__name__}: {label!r}")
        self.grad = 0.0
        self.label = label
        self.op = ""
        self.parents = ()
        self._locals = _LEAF if requires_grad else None

    # ---- autograd state ----

    @property
    def requires_grad(self) -> bool:
        """True if backward() computes a gradient for this Value."""
        return self._locals is not None

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        if self.parents:
            raise ValueError(
                f"requires_grad can only be changed on leaves, and {self!r} was made by op '{self.op}'; "
                "use .detach() for an untracked copy"
            )
        self._locals = _LEAF if flag else None

    @property
    def local_derivatives(self) -> tuple[float, ...]:
        """d(self)/d(parent) for each parent, in the order of `parents`."""
        return self._locals[: len(self.parents)] if self.parents else ()

    @property
    def is_leaf(self) -> bool:
        """True for Values not made by an op (inputs, parameters, constants)."""
        return not self.parents

    def detach(self) -> Value:
        """An untracked copy of this Value: same number, no history, no gradient."""
        out = _constant(self.data)
        out.label = self.label
        return out

    def zero_grad(self) -> None:
        """Set this Value's gradient to 0.0."""
        self.grad = 0.0

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        return self.data

    def __format__(self, spec: str) -> str:
        """f"{v:.4f}" formats the number (as for a 0-d torch tensor); f"{v}" is the repr."""
        return format(self.data, spec) if spec else repr(self)

    def item(self) -> float:
        """The number, as torch.Tensor.item() gives it."""
        return self.data

    # ---- binary ops: Value with Value or number, both ways round ----

    __add__, __radd__ = _binary("+")
    __sub__, __rsub__ = _binary("-")
    __mul__, __rmul__ = _binary("*")
    __truediv__, __rtruediv__ = _binary("/")

    def __pow__(self, exponent: Operand) -> Value:
        """self ** exponent: a number k (integer k for a negative base) or a tracked Value (base > 0)."""
        if exponent.__class__ is Value and exponent._locals is not None:
            data, local_self, local_exponent = _power(self.data, exponent.data)
            return _two_parents(data, "**", self, local_self, exponent, local_exponent)
        if exponent.__class__ is Value:
            exponent = exponent.data
        elif not isinstance(exponent, _NUMBER):
            return NotImplemented
        number = float(exponent)
        data, local = _power_constant(self.data, number)
        return _one_parent_keeping(data, "**", self, local, (self, number))

    def __rpow__(self, base: Operand) -> Value:
        """base ** self for a number base > 0; d/dself = y ln(base)."""
        if not isinstance(base, _NUMBER):
            return NotImplemented
        number = float(base)
        data, _, local = _power(number, self.data)
        return _one_parent_keeping(data, "**", self, local, (number, self))

    # ---- unary ops ----

    __neg__ = _unary("neg")
    exp = _unary("exp")
    log = _unary("log")
    sqrt = _unary("sqrt")
    tanh = _unary("tanh")
    sigmoid = _unary("sigmoid")
    softplus = _unary("softplus")
    relu = _unary("relu")
    sin = _unary("sin")
    cos = _unary("cos")
    __abs__ = _unary("abs")
    abs = __abs__

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x if x > 0 else slope * x; d/dx = 1 or slope."""
        slope = _as_float(slope, "leaky_relu(slope)")
        x = self.data
        data, local = (x, 1.0) if x > 0.0 else (slope * x, slope)
        return _one_parent(data, "leaky_relu", self, local)

    # ---- backward ----

    def backward(self, grad: float = 1.0, create_graph: bool = False) -> None:
        """Fill `.grad` of every Value this one depends on with d(self)/d(that Value) * grad.

        Leaf gradients accumulate across calls (call `zero_grad` between steps); the gradients of
        intermediate nodes are recomputed from zero on each call. With ``create_graph=True`` the local
        derivatives are evaluated in Value ops (GRAPH_DERIVATIVES), so every `.grad` is a Value in a
        graph of its own: ``x.grad.backward()`` then gives second derivatives (as in PyTorch, they add
        to what x.grad held unless it is zeroed first). The default is the float path, and faster.
        Only leaves keep Value gradients; nodes made by ops keep the number. As in PyTorch, a leaf
        whose ``.grad`` is such a graph is part of that graph: a reference cycle, freed by the cycle
        collector or at once by ``zero_grad()``. ``engine.gradients``, ``grad`` and ``hessian`` store
        no gradient and make no cycle.
        """
        seed = _as_float(grad, "backward(grad=...)")
        if self._locals is None:
            raise NoGradError(
                f"backward() on {self!r}, which does not require grad: it was made under no_grad(), "
                "from constants only, or by detach(), or it is a gradient that depends on no tracked "
                "Value (so its own derivative is 0); build it from Values with requires_grad=True"
            )
        if not self.parents:
            self.grad += _constant(seed) if create_graph else seed
            return
        with _collector_paused():
            order, earlier_grads = _consumers_first(self)
            self.grad = _constant(seed) if create_graph else seed
            _backpropagate(order, create_graph)
            if create_graph:  # a node's gradient graph contains the node: keep only its number, no cycle
                for node in order:
                    node.grad = node.grad.data if node.grad.__class__ is Value else node.grad
            for leaf, earlier in earlier_grads.items():
                leaf.grad += earlier


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cycle collector: a backward pass allocates only objects that refcounting frees or that
    survive, and a collection in the middle would rescan the whole graph for nothing."""
    collector_was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collector_was_enabled:
            gc.enable()


def _backpropagate(order: list[Value], create_graph: bool) -> None:
    """The chain rule, the one place it is applied: each node, consumers first, piles its gradient
    times each local derivative onto its parents (堆放). With create_graph the local derivatives are
    Values, recorded even inside no_grad(), as in PyTorch."""
    with enable_grad() if create_graph else nullcontext():
        for node in order:
            gradient = node.grad
            for parent, local in zip(node.parents, _graph_locals(node) if create_graph else node._locals):
                parent.grad += local * gradient
            if _anomaly_mode:
                _check_gradients(node)


def _graph_locals(node: Value) -> tuple:
    """node's local derivatives in Value ops (numbers where they are constants), for create_graph=True."""
    parents, stored = node.parents, node._locals
    count = len(parents)
    if node.op == "dot":
        if len(stored) > count:  # some factors are numbers: the partners were kept after the locals
            return stored[count:]
        half = count // 2  # all Values: the parents are (*weights, *inputs) and maybe a bias
        return (*parents[half : 2 * half], *parents[:half], *stored[2 * half :])
    rules = GRAPH_DERIVATIVES.get(node.op)
    if rules is None:
        if node.op in CONSTANT_DERIVATIVES:
            return stored
        raise NotImplementedError(
            f"backward(create_graph=True) reached op '{node.op}' (in {node!r}), which has no rule in "
            "engine.GRAPH_DERIVATIVES; add its local derivatives written in Value ops there (or to "
            "CONSTANT_DERIVATIVES if they are constants), or use create_graph=False"
        )
    if len(stored) > count:  # one tracked operand of two, and the operands kept after its local
        operands = stored[count:]
        return (rules[0 if operands[0] is parents[0] else 1](*operands, node),)
    if len(rules) != count:  # x * c: the local derivative is the number c
        return stored
    return tuple(rule(*parents, node) for rule in rules)


def _consumers_first(root: Value) -> tuple[list[Value], dict[Value, float]]:
    """The interior nodes of root's graph, each before all of its parents, with their grads reset.

    Iterative depth-first search (no recursion limit). Leaves need no place in the order, as they
    only receive gradient; a leaf that still holds a gradient from an earlier pass is set to 0.0
    and its earlier gradient returned, to be added back once this pass is complete (so that two
    passes give exactly twice one pass, as in PyTorch).
    """
    postorder: list[Value] = []
    earlier_grads: dict[Value, float] = {}
    visited = set()
    stack: list[Any] = [root]  # Values, each followed by None once expanded
    while stack:
        node = stack.pop()
        if node is None:  # the marker pushed below: all of this node's parents are done
            postorder.append(stack.pop())
            continue
        if node in visited:
            continue
        visited.add(node)
        node.grad = 0.0
        stack.append(node)
        stack.append(None)
        for parent in node.parents:
            if parent.parents:
                if parent not in visited:
                    stack.append(parent)
            elif parent.grad:
                earlier_grads[parent] = parent.grad
                parent.grad = 0.0
    postorder.reverse()
    return postorder, earlier_grads


def _check_gradients(node: Value) -> None:
    """Under detect_anomaly(): raise if passing node's gradient on made a parent's gradient non-finite."""
    for parent, local in zip(node.parents, node._locals):
        if not math.isfinite(parent.grad):
            raise AnomalyError(
                f"backward through op '{node.op}' made a non-finite gradient {parent.grad!r} for "
                f"{parent!r}: local derivative {local!r} times upstream gradient {node.grad!r} "
                f"(the node is {node!r})"
            )


def topological_order(root: Value) -> list[Value]:
    """Every Value of root's graph, leaves included, each after all of its parents (root last).

    Ties keep the parents' order, so the result is the same on every run.
    """
    order: list[Value] = []
    visited = {root}
    stack: list[tuple[Value, Iterator[Value]]] = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in visited:
                visited.add(parent)
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def gradients(output: Value, inputs: Sequence[Value], grad: float = 1.0, create_graph: bool = False) -> list[Any]:
    """d(output)/d(input) * grad for each of `inputs`, as torch.autograd.grad: no `.grad` is left changed.

    The inputs may be leaves or nodes made by ops; the pass visits only the nodes on a path from
    output down to an input. An input that output does not depend on gets 0.0. With
    ``create_graph=True`` the results are Values in a graph, to be differentiated again.
    """
    if output.__class__ is not Value:
        raise TypeError(f"gradients() needs a Value as output, got {type(output).__name__}: {output!r}")
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(
            f"gradients() needs the inputs as a list or tuple of Values, got {type(inputs).__name__}: {inputs!r}; "
            "for one input write gradients(output, [x])"
        )
    for index, item in enumerate(inputs):
        if item.__class__ is not Value:
            raise TypeError(
                f"gradients() needs Values as inputs, got {type(item).__name__} at inputs[{index}]: {item!r}; "
                "differentiate with respect to the Value the number went into"
            )
    if output._locals is None:
        raise NoGradError(
            f"gradients() of {output!r}, which does not require grad: it depends on no tracked Value; "
            "build it from Values with requires_grad=True"
        )
    seed = _as_float(grad, "gradients(grad=...)")
    order = _paths_to(output, inputs)
    saved = {node: node.grad for node in order}
    for node in order:
        saved.update((parent, parent.grad) for parent in node.parents)
    saved.update((item, item.grad) for item in inputs)
    saved[output] = output.grad
    with _collector_paused():
        try:
            for node in saved:
                node.grad = 0.0
            output.grad = _constant(seed) if create_graph else seed
            _backpropagate(order, create_graph)
            return [item.grad for item in inputs]
        finally:
            for node, earlier in saved.items():
                node.grad = earlier


def _paths_to(root: Value, inputs: Sequence[Value]) -> list[Value]:
    """The nodes made by ops that have one of `inputs` below them, consumers first.

    Only these pass gradient on that can reach an input; an input made by ops is among them when
    another input lies below it (d out/d a counts the paths through an input b made from a, as in
    torch.autograd.grad). Iterative depth-first search: a node's flag, "an input is at or below
    it", is known once all of its parents are done.
    """
    targets = set(inputs)
    below: dict[Value, bool] = {}
    postorder: list[Value] = []
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the marker: every parent of the node under it has its flag
            node = stack.pop()
            passes_on = any(below[parent] for parent in node.parents)
            below[node] = passes_on or node in targets
            if passes_on:
                postorder.append(node)
            continue
        if node in below:
            continue
        if not node.parents:
            below[node] = node in targets
            continue
        below[node] = False  # for now; set at its marker
        stack.append(node)
        stack.append(None)
        stack.extend(parent for parent in node.parents if parent not in below)
    postorder.reverse()
    return postorder


def _tracked_copy(value: Value) -> Value:
    """A new tracked Value standing for `value` (op 'copy', local derivative 1), or a new leaf if
    `value` is untracked: what grad() differentiates with respect to, so that nested grads do not
    confuse an argument with the same Value reached some other way."""
    if value._locals is None:
        return Value(value.data, label=value.label)
    out = _node(value.data, "copy", (value,), _ONE)
    out.label = value.label
    return out


# --------------------------------------------------------------------------------------------
# n-ary nodes: one node with many parents
# --------------------------------------------------------------------------------------------


def _numbers(items: Sequence[Any], where: str) -> tuple[list[float], list[bool] | bool]:
    """The numbers of `items` (Values or numbers) and which are tracked Values.

    The second result is True when all are tracked Values, False when none is, else one flag each.
    Tracked Values have a truthy ``_locals``, so one comprehension both reads and checks them.
    """
    if items and items[0].__class__ is Value:
        try:  # the common case in one pass: only Values have _locals, and untracked ones are dropped
            numbers = [item.data for item in items if item._locals]
        except AttributeError:
            numbers = None
        if numbers is not None and len(numbers) == len(items):
            return numbers, True
    kinds = {*map(type, items)}
    if kinds <= _NUMBER_TYPES:
        return list(map(float, items)), False
    numbers = [item.data if item.__class__ is Value else _as_float(item, where) for item in items]
    tracked = [item.__class__ is Value and item._locals is not None for item in items]
    return numbers, (True if all(tracked) else False if not any(tracked) else tracked)


_NUMBER_TYPES = frozenset([float, int, bool])


def sum(values: Iterable[Operand], start: Operand = 0.0) -> Value:  # noqa: A001 - engine.sum, as torch.sum
    """One node for start + Σ values; d/d(each value) = 1. Numbers among them are constants."""
    items = [*values, start]
    numbers, tracked = _numbers(items, "engine.sum()")
    total = _builtin_sum(numbers)
    if tracked is True:
        parents = tuple(items)
    elif tracked is False:
        parents = ()
    else:
        parents = tuple(item for item, flag in zip(items, tracked) if flag)
    if not (_grad_enabled and parents):
        return _constant(total)
    return _node(total, "sum", parents, (1.0,) * len(parents))


def dot(weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand | None = None) -> Value:
    """One node for Σ weights[i] * inputs[i] (+ bias); d/dweights[i] = inputs[i], d/dinputs[i] = weights[i].

    Either side may hold numbers (constants) or Values; a neuron is `dot(w, x, bias=b)`.
    When both sides are all tracked Values the parents are (*weights, *inputs, bias), and each one's
    partner in its product is found by position; otherwise the partners (Values or numbers, 1.0 for
    the bias) are kept after the local derivatives, for backward(create_graph=True).
    """
    if len(weights) != len(inputs):
        raise ValueError(
            f"engine.dot needs sequences of equal length, got {len(weights)} weights and {len(inputs)} inputs"
        )
    weight_numbers, weight_tracked = _numbers(weights, "engine.dot() weights")
    input_numbers, input_tracked = _numbers(inputs, "engine.dot() inputs")
    total = _builtin_sum(map(operator.mul, weight_numbers, input_numbers))
    bias_parents: tuple = ()
    if bias.__class__ is Value:
        total += bias.data
        if bias._locals is not None:
            bias_parents = (bias,)
    elif bias is not None:
        total += _as_float(bias, "engine.dot(bias=...)")
    bias_locals = (1.0,) * len(bias_parents)
    if weight_tracked is True and input_tracked is True:  # Values times Values
        parents = (*weights, *inputs, *bias_parents)
        local_derivatives: tuple[Any, ...] = (*input_numbers, *weight_numbers, *bias_locals)
    elif weight_tracked is True and input_tracked is False:  # parameters times numbers (a first layer)
        parents = (*weights, *bias_parents)
        local_derivatives = (*input_numbers, *bias_locals) * 2  # the partners are these numbers
    else:  # anything mixed: keep the tracked ones, and each one's partner
        count = len(weights)
        weight_flags = [weight_tracked] * count if isinstance(weight_tracked, bool) else weight_tracked
        input_flags = [input_tracked] * count if isinstance(input_tracked, bool) else input_tracked
        triples = [(w, x, number) for w, x, number, flag in zip(weights, inputs, input_numbers, weight_flags) if flag]
        triples += [(x, w, number) for x, w, number, flag in zip(inputs, weights, weight_numbers, input_flags) if flag]
        parents = (*(parent for parent, _, _ in triples), *bias_parents)
        local_derivatives = (
            *(local for _, _, local in triples), *bias_locals, *(partner for _, partner, _ in triples), *bias_locals
        )
    if not (_grad_enabled and parents):
        return _constant(total)
    return _node(total, "dot", parents, local_derivatives)


# --------------------------------------------------------------------------------------------
# Modes and helpers
# --------------------------------------------------------------------------------------------


@contextmanager
def no_grad() -> Iterator[None]:
    """Inside this block ops record no graph: results are untracked constants (as torch.no_grad)."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = False
    try:
        yield
    finally:
        _grad_enabled = previous


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record graphs again inside a no_grad() block (as torch.enable_grad)."""
    global _grad_enabled
    previous = _grad_enabled
    _grad_enabled = True
    try:
        yield
    finally:
        _grad_enabled = previous


def is_grad_enabled() -> bool:
    """True unless inside no_grad()."""
    return _grad_enabled


@contextmanager
def detect_anomaly() -> Iterator[None]:
    """Raise AnomalyError at the first non-finite data or gradient, naming the op and its inputs."""
    global _anomaly_mode
    previous = _anomaly_mode
    _anomaly_mode = True
    try:
        yield
    finally:
        _anomaly_mode = previous


def zero_grad(values: Iterable[Value]) -> None:
    """Set the gradient of every Value in `values` to 0.0."""
    for value in values:
        value.grad = 0.0
