"""The whole idea of chaingrad in one short file: read this first, then engine/ops.py (the table).

A Value is a number that remembers how it was made: the op's entry in the op table (engine.ops),
its operands, and the local derivative d(out)/d(operand) of each, from the entry's own derivative
line while the numbers are at hand (`apply`). backward() orders the graph once (an iterative walk)
and applies the chain rule in one line, consumers first: each node piles its gradient times each
local derivative onto its operands (堆放). With create_graph=True the same derivative lines are
evaluated on the Values themselves, so every gradient is a Value that can be differentiated again.

    >>> from engine.tiny import Value
    >>> a, b = Value(2.0), Value(1.0)
    >>> e = (a + b) * (b + 1)
    >>> e.backward()
    >>> a.grad, b.grad
    (2.0, 5.0)

It gives engine.Value's numbers (tests/test_tiny.py: the op table through both to 1e-12, second
derivatives too) and leaves out no_grad() and requires_grad (every Value here is tracked), threads,
detect_anomaly(), compile, deep pickling and the errors that name a bad input. engine/value.py,
nary.py and autograd.py are this file plus the speed-ups below (by commit; docs/performance.md):
together 3.3x fewer instructions on W2 (a chain), 9.2x on W3 (a dot of 20,000), W4 280 -> 137 B/node.

- One or two operands and their local derivatives in slots, not tuples: one object per node, not
  three (1f84c2f: W4 200 -> 137 B per node, W2 time x0.69).
- The walk visits only nodes made by ops; a leaf's gradient piles up where it is; an n-ary node
  keeps its parents made by ops (980982f: W3 64.6 -> 23.8 ms, W1's walk 40 -> 22 M instructions).
- A neuron is one `dot` node built at C speed, a layer reads its inputs once (1ee02dc: W1 216.3
  -> 209.5 M instructions per step; 835f8fc: 212.6 -> 192.7 M).
- An n-ary node with gradient 0 and finite local derivatives passes nothing on (6bc2a81: W1 179
  -> 161 M): 47% of W1's neurons sit behind a ReLU that is off.
- Op methods made once per arity, operands told by `__class__ is`, modes as sets of threads (fc5367f,
  389410b, 155dfc3: a multiply node 6,300 -> 5,500 instructions, a relu 5,200 -> 4,600).
"""

from __future__ import annotations

from typing import Any, Iterable

from engine import ops


def _method(name: str, reflected: bool = False) -> Any:
    """Value's method applying the table's op `name`: to (self, *others), or to (other, self)."""
    entry = ops.OPS[name]
    if reflected:
        return lambda self, other: apply(entry, (other, self))
    return lambda self, *others: apply(entry, (self, *others))


class Value:
    """A number in a computation graph: its data, its gradient, and how it was made."""

    def __init__(self, data: float, label: str = "") -> None:
        self.data = float(data)
        self.grad: Any = 0.0  # d(root)/d(self) after root.backward(); a Value with create_graph
        self.label = label
        self.entry: Any = None  # the op's entry in engine.ops that made it; None for a leaf
        self.operands: tuple = ()  # what the op was given: Values and numbers, in order
        self.local_derivatives: tuple = ()  # d(self)/d(operand) for each operand

    @property
    def op(self) -> str:
        return self.entry.name if self.entry else ""

    @property
    def parents(self) -> tuple[Value, ...]:
        return tuple(operand for operand in self.operands if isinstance(operand, Value))

    def __repr__(self) -> str:
        return f"Value(data={self.data!r}, grad={self.grad!r})"

    # each op a line, from its entry in the table; x.exp(), x.relu(), ... are made below
    __add__, __radd__ = _method("+"), _method("+", reflected=True)
    __sub__, __rsub__ = _method("-"), _method("-", reflected=True)
    __mul__, __rmul__ = _method("*"), _method("*", reflected=True)
    __truediv__, __rtruediv__ = _method("/"), _method("/", reflected=True)
    __neg__, __abs__ = _method("neg"), _method("abs")

    # ** has two meanings (the '**' entry of engine.ops): the user's 0 ** -1 raises, a line's is inf
    def __pow__(self, k: Any) -> Value:
        ops.check_power(self.data, ops.number(k), isinstance(k, Value))
        return apply(ops.OPS["**"], (self, k))

    def __rpow__(self, base: Any) -> Value:
        ops.check_power(ops.number(base), self.data, True)
        return apply(ops.OPS["**"], (base, self))

    _power, _rpower = _method("**"), _method("**", reflected=True)  # ops.ValueLike: no check

    # comparisons read the numbers (relu's derivative line asks x > 0.0); identity stays the hash
    def __lt__(self, other: Any) -> bool:
        return self.data < ops.number(other)

    def __gt__(self, other: Any) -> bool:
        return self.data > ops.number(other)

    def backward(self, create_graph: bool = False) -> None:
        """Fill .grad of every Value below this one with d(self)/d(that Value)."""
        nodes = [node for node in topological_order(self) if node.entry]  # leaves keep their piles
        for node in nodes:
            node.grad = 0.0
        self.grad = Value(1.0) if create_graph else 1.0
        for node in reversed(nodes):  # consumers first
            if create_graph:  # the same derivative lines, on Values: a gradient graph
                local_derivatives = _as_tuple(node.entry.derivative(*node.operands, node))
            else:
                local_derivatives = node.local_derivatives
            for operand, local in zip(node.operands, local_derivatives):
                if isinstance(operand, Value):
                    operand.grad += local * node.grad  # the chain rule, once (堆放)
        if create_graph:  # a node's gradient graph holds the node: keep only its number (no cycle)
            for node in nodes:
                node.grad = ops.number(node.grad)


def _as_tuple(derivatives: Any) -> tuple:
    return derivatives if isinstance(derivatives, tuple) else (derivatives,)


def apply(entry: ops.Primitive, operands: Iterable[Any]) -> Value:
    """A new Value: entry's forward of the operands' numbers, and its derivative line's local
    derivatives, evaluated now (numbers in, numbers out)."""
    operands = tuple(operands)
    numbers = [ops.number(operand) for operand in operands]
    out = Value(entry.forward(*numbers))
    out.entry, out.operands = entry, operands
    out.local_derivatives = _as_tuple(entry.derivative(*numbers, out.data))
    return out


def topological_order(root: Value) -> list[Value]:
    """Every Value root depends on, each after its parents (root last): a depth-first walk with a
    stack of (Value, parents done?) pairs instead of recursion."""
    order: list[Value] = []
    visited: set[Value] = set()
    stack = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            stack.extend((parent, False) for parent in reversed(node.parents) if parent not in visited)
    return order


for _name in ops.OPS:  # x.exp(), x.tanh(), x.leaky_relu(0.1), ...: every entry named by a word
    if _name.isidentifier() and not hasattr(Value, _name):
        setattr(Value, _name, _method(_name))
