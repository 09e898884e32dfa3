"""`Value`: one scalar in a computation graph, and the node builders every op goes through.

A Value made by an op records its operands and its local derivatives d(out)/d(operand), which the
op's entry in engine.ops computes while the numbers are at hand. Its slots, and those of an n-ary
node (NaryValue), are described once, in engine.node, with every function that reads them.
"""

from __future__ import annotations

import warnings
from _thread import get_ident
from sys import _getframe
from numbers import Real
from typing import Any, Callable, Iterator, Sequence

from engine import autograd, node, ops
from engine.errors import AnomalyError, LostGradientWarning, NoGradError, RebindingWarning
from engine.modes import (
    is_grad_enabled,
    refuse_inside_trace,
    threads_in_anomaly_mode,
    threads_tracing,
    threads_without_grad,
)
from engine.node import made_by_ops
from engine.ops import LEAF, Primitive

Operand = Any  # a Value or a number

_new = object.__new__


def _as_float(number: object, where: str) -> float:
    """`number` as a float, or TypeError naming its type."""
    if number.__class__ is float:
        return number
    if isinstance(number, Real):
        return float(number)
    if isinstance(number, Value):
        raise TypeError(
            f"{where} got a Value ({number!r}) where a number was expected; "
            "pass its number v.data, or use v.detach() for an untracked copy"
        )
    raise TypeError(f"{where} needs a number (int, float or bool), got {type(number).__name__}: {number!r}")


def _check_flag(flag: object, where: str) -> None:
    """TypeError unless `flag` is True or False (a string such as "no" is truthy: it would track)."""
    if flag is not True and flag is not False:
        raise TypeError(f"{where} needs True or False, got {type(flag).__name__}: {flag!r:.60}; pass False to freeze")


def _check_label(label: object) -> str:
    if not isinstance(label, str):
        raise TypeError(f"Value(label=...) needs a str, got {type(label).__name__}: {label!r}")
    for character in label:
        if ord(character) < 32 or 127 <= ord(character) < 160:
            raise ValueError(
                f"label {label!r} holds the control character {character!r}, which no picture can show; "
                "use printable text (spaces, letters, digits, symbols, any script)"
            )
    return label


def _number_for_comparison(x: Operand) -> Any:
    if isinstance(x, Value):
        if threads_tracing:
            _refuse_inside_trace("a comparison of Values (<, <=, >, >=, == or != with a number, max, min, sorted)")
        return x.data
    return x


def _refuse_inside_trace(what: str) -> None:
    """Raise TraceError if this thread is tracing for engine.compile, naming the user's line."""
    refuse_inside_trace(
        f"{what} at {{where}} reads a number that the compiled code computes anew on every call, so the "
        "trace cannot branch on it; write the branch as an op (relu, abs, leaky_relu, engine.max, or your "
        "own engine.Op, whose branch runs inside the compiled code), or run this function eagerly"
    )


# ---- building nodes ----------------------------------------------------------------------------


def _refuse_non_finite(data: float, entry: Primitive, operands: Sequence[Any]) -> None:
    """Under detect_anomaly(): raise AnomalyError if `data` is not finite (data - data: 0.0 if finite)."""
    if threads_in_anomaly_mode and data - data and get_ident() in threads_in_anomaly_mode:
        raise AnomalyError(
            f"op '{entry.name}' produced a non-finite value {data!r} from operands "
            + ", ".join(repr(operand) for operand in operands if operand is not None)
            + "; look at these inputs (detect_anomaly() stopped at the first non-finite result)"
        )


def _node(data: float, entry: Primitive, first: Operand, first_local: Any, second: Operand, second_local: Any) -> Value:
    """The node builder of one- and two-operand ops: a new tracked Value made by `entry` (engine.node
    describes its slots)."""
    if threads_in_anomaly_mode:
        _refuse_non_finite(data, entry, (first, second))
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._label = ""
    out._entry = entry
    out._first = first
    out._first_local = first_local
    out._second = second
    out._second_local = second_local
    return out


def _refuse_value_in_data(where: str, culprit: object) -> None:
    """TypeError: a Value was stored in ``.data`` (``p.data -= lr * p``), met where it surfaces; a check
    when ``.data`` is set would make every read a property call (7x slower), one per node +0.5% W1."""
    raise TypeError(
        f"{where} met a Value where a number belongs ({culprit!r:.120}): a Value was stored in .data, which "
        "holds numbers only; this comes from a line such as p.data -= lr * p (the .grad forgotten): write "
        "p.data -= lr * p.grad"
    )


_FORWARD_FILES = frozenset([ops.__file__, __file__])  # where ops' forwards run: they are given numbers only


def _nary_node(data: float, entry: Primitive, operands: tuple, parents: tuple, local_derivatives: tuple,
               made_by_ops: tuple) -> Value:
    """The node builder of n-ary ops: a new NaryValue made by `entry` from `operands`, of which
    `parents` are tracked Values (`operands` is `parents` itself when all are) and `made_by_ops`
    were made by ops (engine.node describes its slots)."""
    if threads_in_anomaly_mode:
        _refuse_non_finite(data, entry, operands)
    out = _new(NaryValue)
    out.data = data
    out.grad = 0.0
    out._label = ""
    out._entry = entry
    out._first = parents
    out._first_local = local_derivatives
    out._second = operands
    out._second_local = None
    out._made_by_ops = made_by_ops
    return out


def _traced_constant(operands: tuple) -> bool:
    """While this thread traces for engine.compile, an op on untracked Values still makes a node (one
    with no parents), so that the compiled code computes it anew from their numbers on every call
    instead of folding it into a constant: only true constants are folded."""
    return get_ident() in threads_tracing and any(isinstance(operand, Value) for operand in operands)


def _constant(data: float) -> Value:
    """A new untracked Value: made under no_grad(), from constants only, or by detach()."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out._label = ""
    out._entry = out._first = out._first_local = out._second = out._second_local = None
    return out


def _unary(entry: Primitive) -> Callable[[Value], Value]:
    """The Value method applying the one-operand op `entry`."""
    forward, derivative = entry.forward, entry.derivative

    def method(self: Value) -> Value:
        number = self.data
        data = forward(number)
        if self._entry is None or threads_without_grad and get_ident() in threads_without_grad:
            if threads_tracing and _traced_constant((self,)):
                return _node(data, entry, self, None, None, None)
            return _constant(data)
        local = derivative(number, data)
        return _node(data, entry, self, local[0] if local.__class__ is tuple else local, None, None)

    method.__name__ = entry.name
    return method


def _binary(entry: Primitive) -> Callable[[Operand, Operand], Any]:
    """The function applying the two-operand op `entry` to a and b: a Value and a Value or a number,
    in either order; NotImplemented for anything else (so Python tries the other operand's method)."""
    forward, derivative = entry.forward, entry.derivative

    def function(a: Operand, b: Operand) -> Any:
        if a.__class__ is Value:
            a_number, a_tracked = a.data, a._entry is not None
        elif a.__class__ is float:
            a_number, a_tracked = a, False
        elif isinstance(a, Value):  # an n-ary node (NaryValue), or a user's subclass of Value
            a_number, a_tracked = a.data, a._entry is not None
        elif isinstance(a, Real):
            a = a_number = float(a)
            a_tracked = False
        else:
            return NotImplemented
        if b.__class__ is Value:
            b_number, b_tracked = b.data, b._entry is not None
        elif b.__class__ is float:
            b_number, b_tracked = b, False
        elif isinstance(b, Value):  # an n-ary node (NaryValue)
            b_number, b_tracked = b.data, b._entry is not None
        elif isinstance(b, Real):
            b = b_number = float(b)
            b_tracked = False
        else:
            return NotImplemented
        data = forward(a_number, b_number)
        if not (a_tracked or b_tracked) or threads_without_grad and get_ident() in threads_without_grad:
            if threads_tracing and _traced_constant((a, b)):
                return _node(data, entry, a, None, b, None)
            return _constant(data)
        local_a, local_b = derivative(a_number, b_number, data)
        return _node(data, entry, a, local_a if a_tracked else None, b, local_b if b_tracked else None)

    return function


def _reflected(function: Callable[[Operand, Operand], Any]) -> Callable[[Value, Operand], Any]:
    """other op self, for Value's reflected methods (__radd__, ...)."""

    def method(self: Value, other: Operand) -> Any:
        return function(other, self)

    return method


def _in_place(function: Callable[[Operand, Operand], Any], symbol: str) -> Callable[[Value, Operand], Any]:
    """Value's ``symbol=``: a new Value, as ``a = a symbol b``; a warning when a tracked leaf takes a
    number (``p -= lr * p.grad`` trains nothing; torch raises), none for ``total += x`` of a Value x."""

    def method(self: Value, other: Operand) -> Any:
        if self._entry is LEAF and not (isinstance(other, Value) and other._entry is not None):
            warnings.warn(f"p {symbol}= ... on a tracked leaf Value (a parameter) makes the name p point to a new Value "
                          f"(p {symbol} ...); the parameter itself does not change, so training does nothing. Change its "
                          f"number instead: p.data {symbol}= lr * p.grad (or, to build a graph, write p = p {symbol} ...)",
                          RebindingWarning, stacklevel=2)
        return function(self, other)

    method.__name__ = {"+": "__iadd__", "-": "__isub__", "*": "__imul__", "/": "__itruediv__"}[symbol]
    return method


def _many(entry: Primitive, operands: tuple) -> Any:
    """entry applied to three or more operands (Values or numbers): an n-ary node."""
    numbers = [operand.data if isinstance(operand, Value) else _as_float(operand, f"op '{entry.name}'")
               for operand in operands]
    data = entry.forward(*numbers)
    tracked = [isinstance(operand, Value) and operand._entry is not None for operand in operands]
    if not any(tracked) or not is_grad_enabled():
        if threads_tracing and _traced_constant(operands):
            return _nary_node(data, entry, tuple(operands), (), (), ())
        return _constant(data)
    derivatives = entry.derivative(*numbers, data)
    parents = tuple(operand for operand, flag in zip(operands, tracked) if flag)
    local_derivatives = tuple(local for local, flag in zip(derivatives, tracked) if flag)
    return _nary_node(data, entry, parents if all(tracked) else operands, parents, local_derivatives, made_by_ops(parents))


_COPY = ops.OPS["copy"]
_DETACH = Primitive("detach", lambda x: x, lambda x, y: 0.0)  # inside a trace only: its operand is not a parent
_add, _subtract, _multiply, _divide, _power, _leaky_relu = (
    _binary(ops.OPS[name]) for name in ("+", "-", "*", "/", "**", "leaky_relu")
)


# ---- Value ---------------------------------------------------------------------------------------

_LOST_GRADIENT = (  # one text, so that Python's warning filter shows it once per line of code
    "a tracked Value was read as a plain float (float(v), or a math function such as math.exp(v)) while grad "
    "mode is on: no gradient flows back through that number (x * math.exp(x) gives d/dx = e, not 2e). Use the "
    "Value's ops (v.exp(), engine.exp(v), v.tanh()), read v.data where a constant is meant, or compute under "
    "engine.no_grad()"
)


class Value:
    """One scalar in a computation graph: its number, its gradient and how it was made (an
    engine.ops.ValueLike, so the op table's derivative lines run on it).

    Attributes:
        data: the number (a float).
        grad: d(root)/d(self) after ``root.backward()``; 0.0 before. A float, or a Value (itself in
            a graph, to be differentiated again) after ``root.backward(create_graph=True)``.
        label: a name for pictures and messages ('' if none).
        op: the op that made this Value ('' for leaves and constants).
        parents: the Values it was made from that take part in autograd, in order (``x*x`` has ``(x, x)``).
        local_derivatives: d(self)/d(parent) for each parent, in the same order.
    """

    __slots__ = node.SLOTS
    _made_by_ops: tuple | None = None  # a slot of n-ary nodes (NaryValue) only; see engine.node
    _nary_class: type  # NaryValue, for engine.autograd's loops (which cannot import this module)

    data: float
    grad: Any  # a float, or a Value after backward(create_graph=True)
    _label: str
    _entry: Primitive | None
    _first: Any
    _second: Any
    _first_local: Any
    _second_local: Any

    def __init__(self, data: float, label: str = "", requires_grad: bool = True) -> None:
        self.data = _as_float(data, "Value()")
        self.grad = 0.0
        self._label = _check_label(label)
        if requires_grad is not True and requires_grad is not False:
            _check_flag(requires_grad, "Value(requires_grad=...)")
        self._entry = LEAF if requires_grad else None
        self._first = self._first_local = self._second = self._second_local = None

    # ---- what it is ----

    @property
    def label(self) -> str:
        """A name for pictures and messages ('' if none); printable text."""
        return self._label

    @label.setter
    def label(self, label: str) -> None:
        self._label = _check_label(label)

    @property
    def op(self) -> str:
        """The name of the op that made this Value ('' for leaves and constants)."""
        return "" if self._entry is None else self._entry.name

    @property
    def parents(self) -> tuple[Value, ...]:
        """The Values this one was made from that take part in autograd, in operand order."""
        return node.parents_of(self)

    @property
    def local_derivatives(self) -> tuple[Any, ...]:
        """d(self)/d(parent) for each parent, in the order of `parents`."""
        return node.local_derivatives_of(self)

    @property
    def operands(self) -> tuple[Any, ...]:
        """Everything the op was given, in order: parents, untracked Values and numbers (the 1 of b + 1)."""
        return node.operands_of(self)

    @property
    def requires_grad(self) -> bool:
        """True if backward() computes a gradient for this Value."""
        return self._entry is not None

    @requires_grad.setter
    def requires_grad(self, flag: bool) -> None:
        _check_flag(flag, "v.requires_grad = ...")
        if not self.is_leaf:
            raise ValueError(
                f"requires_grad can only be changed on leaves, and {self!r} was made by op '{self.op}'; "
                "use .detach() for an untracked copy"
            )
        self._entry = LEAF if flag else None

    @property
    def is_leaf(self) -> bool:
        """True for Values not made by an op (inputs, parameters, constants)."""
        return self._entry is None or self._entry is LEAF

    def __copy__(self) -> Value:
        """copy.copy(v): a new Value sharing v's operands (instant on a long chain); deepcopy copies."""
        kind = type(self)  # Value, NaryValue or a user's subclass
        out = _new(kind)
        for slot in node.SLOTS + (node.NARY_SLOTS if kind is NaryValue else ()):
            setattr(out, slot, getattr(self, slot))
        if hasattr(self, "__dict__"):  # a user's subclass may keep attributes of its own
            out.__dict__.update(self.__dict__)
        return out

    def detach(self) -> Value:
        """An untracked copy of this Value: same number, no history, no gradient. (While engine.compile
        traces, a node of op 'detach' that passes no gradient, so the compiled code reads the number anew.)"""
        if threads_tracing and get_ident() in threads_tracing:
            out = _node(self.data, _DETACH, self, None, None, None)
            out._label = self._label
            return out
        out = _constant(self.data)
        out._label = self._label
        return out

    def zero_grad(self) -> None:
        """Set this Value's gradient to 0.0."""
        self.grad = 0.0

    def item(self) -> float:
        """The number, as torch.Tensor.item() gives it."""
        if threads_tracing:
            _refuse_inside_trace("v.item()")
        return self.data

    def __repr__(self) -> str:
        label = f", label={self._label!r}" if self._label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        """The number; a tracked Value read so with grad mode on warns (LostGradientWarning, once a line)."""
        if threads_tracing:
            _refuse_inside_trace("float(v)")
        if self._entry is not None and not (threads_without_grad and get_ident() in threads_without_grad):
            if _getframe(1).f_code.co_filename in _FORWARD_FILES:  # an op's forward was given a Value
                _refuse_value_in_data("an op's forward", self)
            warnings.warn(_LOST_GRADIENT, LostGradientWarning, stacklevel=2)
        return self.data

    def __bool__(self) -> bool:
        """False for 0.0, as a number (and a 0-d torch tensor) is."""
        if threads_tracing:
            _refuse_inside_trace("a branch on a Value (if v, and, or, bool(v))")
        return self.data != 0.0

    def __format__(self, spec: str) -> str:
        """f"{v:.4f}" formats the number (as for a 0-d torch tensor); f"{v}" is the repr."""
        return format(self.data, spec) if spec else repr(self)

    # Comparisons compare the numbers (no graph: derivative 0); Value(2.0) == 2 too, as torch's t == 2.
    # Two Values are equal only if they are one Value, hashed by identity: dict keys, set members, and
    # `in`/list.index find that very Value (compare a.data == b.data). README: "Coming from micrograd".
    __hash__ = object.__hash__

    def __eq__(self, other: object) -> Any:
        if other.__class__ is float or isinstance(other, Real):
            return _number_for_comparison(self) == other
        return self is other if isinstance(other, Value) else NotImplemented

    def __lt__(self, other: Operand) -> bool:
        return _number_for_comparison(self) < _number_for_comparison(other)

    def __le__(self, other: Operand) -> bool:
        return _number_for_comparison(self) <= _number_for_comparison(other)

    def __gt__(self, other: Operand) -> bool:
        return _number_for_comparison(self) > _number_for_comparison(other)

    def __ge__(self, other: Operand) -> bool:
        return _number_for_comparison(self) >= _number_for_comparison(other)

    # ---- ops: each a line that hands its entry of engine.ops to the node builder ----

    __add__, __radd__ = _add, _reflected(_add)
    __sub__, __rsub__ = _subtract, _reflected(_subtract)
    __mul__, __rmul__ = _multiply, _reflected(_multiply)
    __truediv__, __rtruediv__ = _divide, _reflected(_divide)
    __iadd__, __isub__ = _in_place(_add, "+"), _in_place(_subtract, "-")
    __imul__, __itruediv__ = _in_place(_multiply, "*"), _in_place(_divide, "/")
    __neg__ = _unary(ops.OPS["neg"])
    exp = _unary(ops.OPS["exp"])
    log = _unary(ops.OPS["log"])  # x > 0
    sqrt = _unary(ops.OPS["sqrt"])  # x >= 0; its derivative is infinite at 0, as in PyTorch
    tanh = _unary(ops.OPS["tanh"])
    sigmoid = _unary(ops.OPS["sigmoid"])
    softplus = _unary(ops.OPS["softplus"])  # ln(1 + e^x), stable for any x
    relu = _unary(ops.OPS["relu"])  # max(x, 0); NaN stays NaN
    sin = _unary(ops.OPS["sin"])
    cos = _unary(ops.OPS["cos"])
    __abs__ = abs = _unary(ops.OPS["abs"])  # NaN stays NaN

    def __pow__(self, exponent: Operand) -> Value:
        """self ** exponent: a number k (integer k for a negative base) or a tracked Value (base >= 0);
        0 ** -1 raises (the '**' entry of engine.ops says both meanings of **)."""
        if isinstance(exponent, (Value, Real)):
            ops.check_power(self.data, float(ops.number(exponent)), isinstance(exponent, Value) and exponent._entry is not None)
        return _power(self, exponent)

    def __rpow__(self, base: Operand) -> Value:
        """base ** self for a number base; d/dself = y ln(base)."""
        if isinstance(base, Real):
            ops.check_power(float(base), self.data, self._entry is not None)
        return _power(base, self)

    def _power(self, exponent: Operand) -> Value:
        """self ** exponent as derivative lines write it (engine.ops.power): inf at 0 ** -1."""
        return _power(self, exponent)

    def _rpower(self, base: Operand) -> Value:
        """base ** self as derivative lines write it (engine.ops.power): inf at 0 ** -1."""
        return _power(base, self)

    def __pos__(self) -> Value:
        return self

    def leaky_relu(self, slope: float = 0.01) -> Value:
        """x if x > 0 else slope * x."""
        return _leaky_relu(self, _as_float(slope, "leaky_relu(slope)"))

    # ---- backward ----

    def backward(self, grad: float = 1.0, create_graph: bool = False) -> None:
        """Fill `.grad` of every Value this one depends on with d(self)/d(that Value) * grad.

        Leaf gradients accumulate across calls (call `zero_grad` between steps); the gradients of
        intermediate nodes are recomputed from zero on each call. With ``create_graph=True`` the local
        derivatives are evaluated in Value ops (each op entry's derivative line), so every `.grad` is
        a Value in a graph of its own: ``x.grad.backward()`` then gives second derivatives (as in
        PyTorch, they add to what x.grad held unless it is zeroed first). The default is the float
        path, and faster. Only leaves keep Value gradients; nodes made by ops keep the number. As in
        PyTorch, a leaf whose ``.grad`` is such a graph is part of that graph: a reference cycle,
        freed by the cycle collector or at once by ``zero_grad()``. ``engine.gradients``, ``grad``
        and ``hessian`` store no gradient and make no cycle.
        """
        seed = _as_float(grad, "backward(grad=...)")
        if self.data.__class__ is not float and isinstance(self.data, Value):
            _refuse_value_in_data("backward()", self)
        if self._entry is None:
            raise NoGradError(
                f"backward() on {self!r}, which does not require grad: it was made under no_grad(), "
                "from constants only, or by detach(), or it is a gradient that depends on no tracked "
                "Value (so its own derivative is 0); build it from Values with requires_grad=True"
            )
        if self._entry is LEAF:
            if self.grad is None:  # x.grad = None, zero_grad(set_to_none=True): 0, as in torch
                self.grad = 0.0
            self.grad += _constant(seed) if create_graph else seed
            return
        autograd.backward(self, _constant(seed) if create_graph else seed, create_graph)

    # ---- micrograd's names, so that its lecture runs unchanged ----

    @property
    def _prev(self) -> set[Value]:
        """micrograd's name: the set of this Value's parents."""
        return set(self.parents)

    @property
    def _op(self) -> str:
        """micrograd's name for `op`."""
        return self.op

    def _backward(self) -> None:
        """micrograd's one-node step: add self.grad times each local derivative to the parents' grads
        (the lecture's manual backprop: ``o._backward(); n._backward(); ...``)."""
        if not self.is_leaf:
            autograd.backpropagate([self])


class NaryValue(Value):
    """A Value made by an n-ary op (engine.sum, engine.dot, engine.max, users' ops of three or more
    operands): one more slot, its parents made by ops (engine.node describes its layout)."""

    __slots__ = node.NARY_SLOTS


Value._nary_class = NaryValue


class Op:
    """A new op in one entry, on Values and numbers alike: a name, the forward on numbers, and the
    local derivatives written in ops that work on numbers and on Values.

    ``derivative(*operands, out)`` returns one local derivative per operand (a tuple; a bare value
    for a one-operand op), built from arithmetic and engine's functions (``engine.exp``,
    ``engine.log``, ``engine.tanh``, ``engine.power``, ...), so first, second and higher derivatives
    of the new op need no more code. Write them with engine's functions, not ``math``'s: ``math.cos(v)``
    reads a Value's number (``float(v)``), so its second derivative would silently be 0;
    ``engine.gradgradcheck`` catches that.

        >>> import engine
        >>> softsign = engine.Op("softsign", lambda x: x / (1 + abs(x)),
        ...                      lambda x, y: 1 / (1 + abs(x)) ** 2)
        >>> x = engine.Value(1.0)
        >>> y = softsign(x)
        >>> y.backward()
        >>> y.data, x.grad
        (0.5, 0.25)
        >>> softsign(3.0)
        0.75
    """

    def __init__(self, name: str, forward: Callable[..., float], derivative: Callable[..., Any]) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"Op() needs a name (a non-empty str), got {name!r}")
        for argument, function in (("forward", forward), ("derivative", derivative)):
            if not callable(function):
                raise TypeError(f"Op({name!r}) needs {argument} to be a function, got {type(function).__name__}: {function!r}")
        self.entry = Primitive(name, forward, derivative)
        self.__name__ = name
        self._one, self._two = _unary(self.entry), _binary(self.entry)

    def __call__(self, *operands: Operand) -> Any:
        """A Value if any operand is a Value, else the number the forward gives (so that derivative
        lines that use this op work on numbers too)."""
        name = self.entry.name
        if not any(isinstance(operand, Value) for operand in operands):
            return self.entry.forward(*[_as_float(operand, f"op '{name}'") for operand in operands])
        if len(operands) == 1:
            return self._one(operands[0])
        if len(operands) > 2:
            return _many(self.entry, operands)
        result = self._two(*operands)
        if result is NotImplemented:
            other = operands[1] if isinstance(operands[0], Value) else operands[0]
            raise TypeError(f"op '{name}' needs Values or numbers, got {type(other).__name__}: {other!r}")
        return result

    def __repr__(self) -> str:
        return f"Op({self.entry.name!r})"


def tracked_copy(value: Value) -> Value:
    """A new tracked Value standing for `value` (op 'copy', local derivative 1), or a new leaf if
    `value` is untracked: what grad() differentiates with respect to, so that nested grads do not
    confuse an argument with the same Value reached some other way."""
    if value._entry is None:
        return Value(value.data, label=value._label)
    out = _node(value.data, _COPY, value, 1.0, None, None)
    out._label = value._label
    return out


def nodes_of(values: Iterator[Any]) -> list[Value]:
    """The Values in `values`, or TypeError naming the first item that is not one."""
    result = []
    for index, item in enumerate(values):
        if not isinstance(item, Value):
            raise TypeError(f"expected Values, got {type(item).__name__} at position {index}: {item!r}")
        result.append(item)
    return result
