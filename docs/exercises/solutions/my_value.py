"""SOLUTION of exercises 1-4 (docs/exercises/my_value.py filled in). Try the exercises first.

    python -m chaingrad.exercises check 4 docs/exercises/solutions/my_value.py

chaingrad's own answer is engine/tiny.py, on the engine's op table; the same checks pass on it.

A Value made by an op keeps its parents in `_prev` and, beside them, the local derivatives
d(self)/d(parent) in `_local`, computed while the numbers are at hand. `backward()` is the one
place where the chain rule is applied.
"""

import math


class Value:
    """One number in a computation graph, and d(root)/d(this number) in .grad after root.backward()."""

    def __init__(self, data, _prev=(), _local=()):
        self.data = data
        self.grad = 0.0
        self._prev = _prev  # the Values this one was made from, in the order of the operands ((x, x) for x * x)
        self._local = _local  # d(self)/d(parent) for each parent, in the same order

    def __repr__(self):
        return f"Value(data={self.data}, grad={self.grad})"

    # ---- exercise 1: + and *, and their local derivatives -----------------------------------------

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)  # a plain number becomes a leaf
        return Value(self.data + other.data, (self, other), (1.0, 1.0))

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        return Value(self.data * other.data, (self, other), (other.data, self.data))

    # Given: these are built from the ops above, so they need no local derivatives of their own.
    def __radd__(self, other):  # other + self, where other is a number
        return self + other

    def __rmul__(self, other):  # other * self
        return self * other

    def __neg__(self):  # -self
        return self * -1

    def __sub__(self, other):  # self - other
        return self + (-other)

    def __rsub__(self, other):  # other - self
        return other + (-self)

    def __truediv__(self, other):  # self / other (needs ** from exercise 2)
        return self * other ** -1

    def __rtruediv__(self, other):  # other / self
        return other * self ** -1

    # ---- exercise 2: tanh, exp and ** ----------------------------------------------------------------

    def tanh(self):
        t = math.tanh(self.data)
        return Value(t, (self,), (1 - t * t,))

    def exp(self):
        e = math.exp(self.data)
        return Value(e, (self,), (e,))

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only a plain number as the exponent"
        return Value(self.data ** k, (self,), (k * self.data ** (k - 1),))

    # ---- exercise 4: backward, piling up (堆放) -------------------------------------------------------

    def backward(self):
        self.grad = 1.0  # d self/d self
        for node in reversed(topological_order(self)):  # the root first, each node after all its consumers
            for parent, local in zip(node._prev, node._local):
                parent.grad += local * node.grad  # the chain rule, piled up (堆放) from every path


# ---- exercise 3: the topological walk --------------------------------------------------------------


def topological_order(root):
    """Every Value of root's graph, leaves included, each once and after all of its parents (root last)."""
    order, visited, stack = [], set(), [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:  # the second meeting: every parent is in order
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))  # back under its parents
            stack.extend((parent, False) for parent in node._prev if parent not in visited)
    return order
