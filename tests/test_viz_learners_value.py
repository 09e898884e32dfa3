"""A learner's own Value (micrograd's shape: data, grad, _prev, _op, an optional label) drawn, traced
and explored as chaingrad's own; clear errors for what cannot be."""

import math

import pytest

import viz
from graphs import lecture_neuron as lecture_values


class Value:
    """micrograd's engine.Value, as the lecture builds it (the ops the lecture's neuron needs)."""

    def __init__(self, data, _children=(), _op="", label=""):
        self.data = data
        self.grad = 0.0
        self._backward = lambda: None
        self._prev = set(_children)
        self._op = _op
        self.label = label

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other), "+")

        def _backward():
            self.grad += 1.0 * out.grad
            other.grad += 1.0 * out.grad
        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other), "*")

        def _backward():
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad
        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,), "tanh")

        def _backward():
            self.grad += (1 - t ** 2) * out.grad
        out._backward = _backward
        return out

    def backward(self):
        topo, visited = [], set()

        def build(v):
            if v not in visited:
                visited.add(v)
                for child in v._prev:
                    build(child)
                topo.append(v)
        build(self)
        self.grad = 1.0
        for node in reversed(topo):
            node._backward()


def lecture_neuron():
    named = lecture_values(Value)  # docs/examples/lecture_neuron.py, made of the learner's Value
    return named["o"], named


def test_the_lecture_neuron_of_a_learners_own_value_is_explored():
    o, named = lecture_neuron()
    o.backward()
    grads = {name: value.grad for name, value in named.items()}
    explorer = viz.explore(o)
    # micrograd keeps a node's children in a set: their order is lost, and viz orders them by label
    assert "forward 4/5: n = b + x1*w1 + x2*w2 = 6.8814 + (-6) = 0.8814" in explorer.captions
    assert "forward 1/5: x1*w1 = w1 × x1 = -3 × 2 = -6" in explorer.captions
    assert "forward 5/5: o = tanh(n) = tanh(0.8814) = 0.7071" in explorer.captions
    assert "o (grad 1) sends 0.5 × 1 = 0.5 to n" in explorer.captions
    assert {name: value.grad for name, value in named.items()} == grads  # only read, put back exactly
    trace = viz.trace_backward(o)
    by_label = {value.label: value for value in trace.gradients}
    assert trace.gradients[by_label["w1"]] == pytest.approx(1.0) and trace.gradients[by_label["x1"]] == pytest.approx(-1.5)
    assert trace.gradients[by_label["w2"]] == 0.0 and trace.gradients[by_label["x2"]] == pytest.approx(0.5)


def test_drawn_with_the_learners_gradients_and_a_nudge():
    o, named = lecture_neuron()
    o.backward()
    source = viz.draw(o, show_flow=True).source
    # the learner's own gradients, as they hold them
    assert "x1 | data 2.0000 | grad -1.5000" in source and "o | data 0.7071 | grad 1.0000" in source
    assert "tanh" in source and 'label="0.5 × 1 = 0.5"' in source
    page = viz.explore(o).html
    assert "nudge x1 by h = 0.001" in page  # micrograd's ops run again on numbers
    assert named["x1"].grad == pytest.approx(-1.5)


def test_x_times_x_keeps_its_local_derivative():
    x = Value(3.0, label="x")
    y = x * x  # micrograd's _prev is a set: one child, whose local derivative is 2x
    y.label = "y"
    trace = viz.trace_backward(y)
    assert [edge.local for edge in trace.steps[0].edges] == [6.0]
    assert viz.explore(y).captions[-2] == "y (grad 1) sends 6 × 1 = 6 to x"


def test_a_node_without_backward_is_drawn_but_not_explored():
    a, b = Value(2.0, label="a"), Value(3.0, label="b")
    c = a * b
    c.label = "c"
    del c._backward
    assert "c | data 6.0000" in viz.draw(c).source
    with pytest.raises(viz.LocalDerivativesUnknown, match=r"c \(op '\*'\): it has no _backward to run"):
        viz.explore(c)
    with pytest.raises(viz.LocalDerivativesUnknown, match="micrograd"):
        viz.draw(c, show_flow=True)
    broken = a + b
    broken.label = "d"
    broken._backward = lambda: 1 / 0
    with pytest.raises(viz.LocalDerivativesUnknown, match="raised ZeroDivisionError"):
        viz.trace_backward(broken)
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_an_op_viz_does_not_know_has_no_nudge():
    a = Value(2.0, label="a")
    out = Value(a.data ** 3, (a,), "cube", label="out")

    def _backward():
        a.grad += 3 * a.data ** 2 * out.grad
    out._backward = _backward
    page = viz.explore(out).html
    assert "cannot be run again here" in page and "out (grad 1) sends 12 × 1 = 12 to a" in page


@pytest.mark.parametrize("thing, missing", [
    (3.0, "data, grad, _prev, _op"),
    (type("Half", (), {"data": 1.0, "grad": 0.0})(), "_prev, _op"),
])
def test_anything_else_is_refused_naming_what_is_missing(thing, missing):
    with pytest.raises(TypeError, match=f"which has no {missing}"):
        viz.explore(thing)
    with pytest.raises(TypeError, match=f"which has no {missing}"):
        viz.draw(thing)


def test_a_child_that_is_not_a_number():
    a = Value("two", label="a")
    b = Value(1.0, (a,), "f", label="b")
    with pytest.raises(TypeError, match=r"viz needs numbers in \.data.*'two'"):
        viz.draw(b)
