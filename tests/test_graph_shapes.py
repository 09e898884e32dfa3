"""Graph-shape regressions: reused nodes, diamonds, n-ary nodes with repeated parents, deep chains."""

import math
import pickle
import sys

import pytest

import engine
from engine import Value, autograd
from engine.value import NaryValue


def test_x_times_x_keeps_both_slots():
    x = Value(3.0)
    y = x * x
    assert y.parents == (x, x)
    y.backward()
    assert x.grad == 6.0


def test_x_plus_x_times_x():
    # tinygrad's regression: d/dx (x + x) x = 4x
    x = Value(3.0)
    ((x + x) * x).backward()
    assert x.grad == 12.0


def test_diamond():
    # a feeds b and c, both feed d: dd/da = db/da * dd/db + dc/da * dd/dc
    a = Value(2.0)
    b = a * 3
    c = a.exp()
    d = b * c
    d.backward()
    assert a.grad == pytest.approx(3 * c.data + b.data * c.data, rel=1e-12)


def test_node_used_100_times():
    x = Value(0.5)
    y = x.tanh()
    total = y
    for _ in range(99):
        total = total + y
    total.backward()
    assert y.grad == 100.0
    assert x.grad == pytest.approx(100 * (1 - y.data**2), rel=1e-12)


def test_sum_with_repeated_parents():
    x, y = Value(2.0), Value(-1.0)
    s = engine.sum([x, y, x, x, 4.0])
    assert s.parents == (x, y, x, x)
    assert s.data == 9.0
    s.backward()
    assert (x.grad, y.grad) == (3.0, 1.0)


def test_dot_with_repeated_parents_is_a_sum_of_squares():
    xs = [Value(1.0), Value(-2.0), Value(3.0)]
    d = engine.dot(xs, xs)
    assert d.data == 14.0
    assert len(d.parents) == 6
    d.backward()
    assert [x.grad for x in xs] == [2.0, -4.0, 6.0]


def test_dot_is_one_node_with_bias():
    w = [Value(0.5), Value(-1.0)]
    b = Value(0.25)
    out = engine.dot(w, [2.0, 3.0], bias=b)
    assert out.op == "dot"
    assert out.parents == (w[0], w[1], b)
    assert out.data == 0.5 * 2 - 3 + 0.25
    out.backward()
    assert (w[0].grad, w[1].grad, b.grad) == (2.0, 3.0, 1.0)


def test_dot_mixes_values_and_constants_on_both_sides():
    a, b = Value(2.0), Value(5.0)
    constant = Value(7.0, requires_grad=False)
    out = engine.dot([a, 3.0, constant], [4.0, b, a])
    assert out.data == 2 * 4 + 3 * 5 + 7 * 2
    out.backward()
    assert (a.grad, b.grad, constant.grad) == (4.0 + 7.0, 3.0, 0.0)


def test_intermediate_gradients_are_right():
    a, b = Value(2.0), Value(1.0)
    c = a + b
    d = b + 1
    e = c * d
    e.backward()
    assert (e.grad, c.grad, d.grad) == (1.0, 2.0, 3.0)


@pytest.mark.slow
def test_million_node_chain():
    x = start = Value(0.5)
    for _ in range(1_000_000):
        x = (x * 1.0001).tanh()
    assert sys.getrecursionlimit() < 1_000_000
    x.backward()
    # d x_{n+1}/d x_n = 1.0001 (1 - x_{n+1}^2), so the gradient is a product we recompute with floats
    expected, value = 1.0, 0.5
    factors = []
    for _ in range(1_000_000):
        value = math.tanh(value * 1.0001)
        factors.append(1.0001 * (1 - value * value))
    for factor in reversed(factors):
        expected *= factor
    assert start.grad == pytest.approx(expected, rel=1e-9)


def test_graph_is_freed_by_reference_counting(count_values):
    before = count_values()
    x = Value(1.0)
    y = x
    for _ in range(100):
        y = (y * 2.0).tanh() + x
    y.backward()
    assert count_values() - before == 301
    del x, y
    assert count_values() == before, "the graph outlived its last reference: a reference cycle"


def n_ary_nodes():
    """An n-ary node from every builder path, with leaves and nodes made by ops among its parents."""
    import pickle

    import nn

    a, b, c = Value(1.0), Value(-2.0), Value(0.5)
    made = a * b
    relu = (a + c).relu()
    hypot3 = engine.Op("hypot3", lambda x, y, z: (x * x + y * y + z * z) ** 0.5,
                       lambda x, y, z, out: (x / out, y / out, z / out))
    layer = engine.linear([[a, b], [c, a]], [made, relu], [c, made])
    nodes = {
        "sum of Values": engine.sum([a, made, b, relu]),
        "sum with numbers": engine.sum([a, 2.0, made]),
        "max": engine.max([a, made, 0.0]),
        "dot of leaves": engine.dot([a, b], [c, a]),
        "dot, nodes as inputs": engine.dot([a, b], [made, relu], bias=c),
        "dot, a node as bias": engine.dot([a, b], [1.0, 2.0], bias=made),
        "dot, nodes as weights": engine.dot([made, relu], [a, 3.0]),
        "dot, numbers as weights": engine.dot([1.0, 2.0], [made, a]),
        "linear, first row": layer[0],
        "linear, second row": layer[1],
        "user op of three": hypot3(made, b, relu),
        "l2 of parameters": nn.l2([a, b, c], 0.1),
    }
    nodes["unpickled dot"] = pickle.loads(pickle.dumps(nodes["dot, nodes as inputs"]))
    return nodes


@pytest.mark.parametrize("name", list(n_ary_nodes()))
def test_the_walk_descends_only_into_parents_made_by_ops(name):
    node = n_ary_nodes()[name]
    n_ary = node if node.op != "*" else node.parents[0]  # l2 is a dot times a number
    assert isinstance(n_ary, NaryValue) and n_ary._second_local is None  # one slot, one meaning (engine.node)
    assert n_ary._made_by_ops == tuple(parent for parent in n_ary.parents if not parent.is_leaf)
    order = engine.topological_order(node)
    assert order[-1] is node and len(order) == len(set(order))
    assert all(order.index(parent) < order.index(value) for value in order for parent in value.parents)
    assert autograd.walk(node) == [value for value in order if not value.is_leaf]


def test_a_leaf_whose_requires_grad_is_turned_off_after_the_graph_is_made_stays_a_leaf():
    import copy
    import pickle

    import nn

    model = nn.MLP(2, [3, 1], rng=0)
    x = [Value(0.5), Value(-1.0)]
    out = model(x)
    expected = engine.gradients(out, x)
    model.requires_grad_(False)  # the graph was made with the weights tracked
    assert engine.gradients(out, x) == expected
    order = engine.topological_order(out)
    assert all(order.index(parent) < order.index(value) for value in order for parent in value.parents)
    assert set(model.parameters()) <= set(order)
    assert pickle.loads(pickle.dumps(out)).data == copy.deepcopy(out).data == out.data
    w = Value(2.0)
    w.grad = 5.0
    y = (w * 3.0).tanh() * 0.0 + w * 3.0
    w.requires_grad = False
    y.backward()
    assert w.grad == 5.0 + 3.0  # a leaf: its gradient piles up, never zeroed as a node's would be
    assert autograd.walk(y) == [value for value in engine.topological_order(y) if not value.is_leaf]


@pytest.mark.parametrize("name", list(n_ary_nodes()))
def test_the_fast_n_ary_builders_store_what_their_entrys_derivative_line_gives(name):
    # engine.nary builds sum, dot and max nodes without calling their entry's derivative (it would
    # copy every operand twice more); this pins that what they store is exactly the entry's line
    node = n_ary_nodes()[name]
    n_ary = node if node.op != "*" else node.parents[0]
    operands = [engine.number(operand) for operand in n_ary.operands]
    expected = n_ary._entry.derivative(*operands, n_ary.data)
    tracked = [isinstance(operand, Value) and operand.requires_grad for operand in n_ary.operands]
    assert list(n_ary.local_derivatives) == [local for local, flag in zip(expected, tracked) if flag]


def test_an_n_ary_node_goes_wherever_a_value_goes():
    """n-ary nodes are of their own class (engine.node): as operands, biases, first items of a sum,
    in comparisons and in pickles they behave as any Value, and their slots read one way."""
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    d = engine.dot([a, b], [b, c])  # 8
    e = engine.dot([a, b], [c, 2.0], bias=d)  # 15: an n-ary bias, numbers among the operands
    f = engine.sum([e, d, 1.0])  # 24: an n-ary first item
    g = (2 * f - e) / d + engine.max([d, e, 0.0])
    assert d < e and max(d, e) is e and e.operands == (a, b, c, 2.0, d) and e.parents == (a, b, c, d)
    assert d._second is d._first and e._second == e.operands and e._made_by_ops == (d,)
    g.backward()
    # g = e/d + 2 + 2/d + e: dg/de = 1/d + 1 = 9/8; dg/dd = -(e + 2)/d^2 + dg/de (d is e's bias) = 55/64
    assert (a.grad, b.grad, c.grad) == (9 / 8 * 3 + 55 / 64 * 2, 9 / 8 * 2 + 55 / 64 * 4, 9 / 8 * 1 + 55 / 64 * 2)
    copy = pickle.loads(pickle.dumps(g))
    assert copy.data == g.data == 19.125
    assert [type(node).__name__ for node in engine.topological_order(copy)].count("NaryValue") == 4
