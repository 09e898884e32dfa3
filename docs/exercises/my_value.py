"""My Value: exercises 1-4 of chaingrad's exercise track (instructions: README.md or README.zh-CN.md here).

Copy this file next to your work, fill in each TODO (replace the `raise NotImplementedError`),
and check each exercise as you go:

    python -m chaingrad.exercises check 1 my_value.py
    python -m chaingrad.exercises check 1 my_value.py --lang zh   # 中文提示

A Value made by an op keeps its parents in `_prev` and, beside them, the local derivatives
d(self)/d(parent) in `_local`, computed while the numbers are at hand. `backward()` (exercise 4)
is then the one place where the chain rule is applied.
"""

import math  # noqa: F401 - for tanh and exp (exercise 2)


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
        # TODO: return a new Value holding self.data + other.data, whose parents are (self, other)
        #       and whose local derivatives are (d out/d self, d out/d other).
        raise NotImplementedError("exercise 1: Value.__add__")

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        # TODO: the same for self.data * other.data.
        raise NotImplementedError("exercise 1: Value.__mul__")

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
        # TODO: out = tanh(self.data); its local derivative uses out's number (see the instructions).
        raise NotImplementedError("exercise 2: Value.tanh")

    def exp(self):
        # TODO: out = e ** self.data, and its local derivative.
        raise NotImplementedError("exercise 2: Value.exp")

    def __pow__(self, k):
        assert isinstance(k, (int, float)), "only a plain number as the exponent"
        # TODO: out = self.data ** k, one parent (self), and its local derivative.
        raise NotImplementedError("exercise 2: Value.__pow__")

    # ---- exercise 4: backward, piling up (堆放) -------------------------------------------------------

    def backward(self):
        # TODO: seed this node's gradient (d self/d self), then walk topological_order(self) reversed:
        #       each node passes node.grad * local derivative on to each of its parents, piling it up.
        raise NotImplementedError("exercise 4: Value.backward")


# ---- exercise 3: the topological walk --------------------------------------------------------------


def topological_order(root):
    """Every Value of root's graph, leaves included, each once and after all of its parents (root last)."""
    # TODO: without recursion: a list used as a stack, and a set of the nodes already visited.
    raise NotImplementedError("exercise 3: topological_order")
