"""One table of (name, float function, Value function) pairs, checked by hypothesis against floats
and against central differences. Inputs stay off kinks and domain edges."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import engine
from engine import Value

finite = st.floats(min_value=-5.0, max_value=5.0, allow_nan=False)
positive = st.floats(min_value=0.1, max_value=5.0)
off_zero = finite.filter(lambda x: abs(x) > 1e-3)


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


UNARY = [
    # name, float function, Value function, inputs
    ("neg", lambda x: -x, lambda v: -v, finite),
    ("exp", math.exp, lambda v: v.exp(), finite),
    ("log", math.log, lambda v: v.log(), positive),
    ("sqrt", math.sqrt, lambda v: v.sqrt(), positive),
    ("tanh", math.tanh, lambda v: v.tanh(), finite),
    ("sigmoid", sigmoid, lambda v: v.sigmoid(), finite),
    ("softplus", lambda x: math.log1p(math.exp(x)), lambda v: v.softplus(), finite),
    ("relu", lambda x: max(x, 0.0), lambda v: v.relu(), off_zero),
    ("abs", abs, lambda v: abs(v), off_zero),
    ("leaky_relu", lambda x: x if x > 0 else 0.1 * x, lambda v: v.leaky_relu(0.1), off_zero),
    ("sin", math.sin, lambda v: v.sin(), finite),
    ("cos", math.cos, lambda v: v.cos(), finite),
    ("square", lambda x: x**2, lambda v: v**2, finite),
    ("cube", lambda x: x**3, lambda v: v**3, finite),
    ("inverse", lambda x: 1 / x, lambda v: v**-1, off_zero),
    ("power 0.5", lambda x: x**0.5, lambda v: v**0.5, positive),
    ("power 2.5", lambda x: x**2.5, lambda v: v**2.5, positive),
    ("x + 2", lambda x: x + 2, lambda v: v + 2, finite),
    ("2 + x", lambda x: 2 + x, lambda v: 2 + v, finite),
    ("x - 2", lambda x: x - 2, lambda v: v - 2, finite),
    ("2 - x", lambda x: 2 - x, lambda v: 2 - v, finite),
    ("x * 3", lambda x: x * 3, lambda v: v * 3, finite),
    ("3 * x", lambda x: 3 * x, lambda v: 3 * v, finite),
    ("x / 4", lambda x: x / 4, lambda v: v / 4, finite),
    ("2 / x", lambda x: 2 / x, lambda v: 2 / v, off_zero.filter(lambda x: abs(x) > 0.1)),
    ("2 ** x", lambda x: 2**x, lambda v: 2**v, finite),
]

BINARY = [
    ("a + b", lambda a, b: a + b, lambda a, b: a + b, finite, finite),
    ("a - b", lambda a, b: a - b, lambda a, b: a - b, finite, finite),
    ("a * b", lambda a, b: a * b, lambda a, b: a * b, finite, finite),
    ("a / b", lambda a, b: a / b, lambda a, b: a / b, finite, off_zero.filter(lambda x: abs(x) > 0.1)),
    ("a ** b", lambda a, b: a**b, lambda a, b: a**b, positive, finite),
    ("sum", lambda a, b: a + b + 1.5, lambda a, b: engine.sum([a, b, 1.5]), finite, finite),
    ("dot", lambda a, b: a * b + 2 * a + 3 * b, lambda a, b: engine.dot([a, 2.0, b], [b, a, 3.0]), finite, finite),
    # max: odd offsets, so that no simple pair of points hypothesis tries ties (a kink)
    ("max", lambda a, b: max(a, 2 * b + 0.123, 0.377), lambda a, b: engine.max([a, 2 * b + 0.123, 0.377]),
     finite, finite),
]


@pytest.mark.parametrize("name, float_fn, value_fn, inputs", UNARY, ids=[row[0] for row in UNARY])
def test_unary_op(name, float_fn, value_fn, inputs):
    @settings(max_examples=60, deadline=None)
    @given(inputs)
    def check(x):
        out = value_fn(Value(x))
        assert out.data == pytest.approx(float_fn(x), rel=1e-12, abs=1e-12)
        engine.gradcheck(value_fn, [x], eps=1e-6, atol=1e-6, rtol=1e-4)

    check()


@pytest.mark.parametrize("name, float_fn, value_fn, a_inputs, b_inputs", BINARY, ids=[row[0] for row in BINARY])
def test_binary_op(name, float_fn, value_fn, a_inputs, b_inputs):
    @settings(max_examples=60, deadline=None)
    @given(a_inputs, b_inputs)
    def check(a, b):
        out = value_fn(Value(a), Value(b))
        assert out.data == pytest.approx(float_fn(a, b), rel=1e-12, abs=1e-12)
        engine.gradcheck(value_fn, [a, b], eps=1e-6, atol=1e-6, rtol=1e-4)

    check()


def test_every_entry_of_the_op_table_has_a_property_test():
    covered = set()
    for row in UNARY:
        covered |= {node.op for node in engine.topological_order(row[2](Value(0.7)))}
    for row in BINARY:
        covered |= {node.op for node in engine.topological_order(row[2](Value(0.7), Value(1.3)))}
    missing = set(engine.OPS) - covered - {"copy"}  # copy: grad()'s stand-in, tested in test_higher_order
    assert not missing, f"ops with no property test: {missing}"


@pytest.mark.parametrize("x", [-1000.0, -40.0, 0.0, 40.0, 1000.0])
def test_sigmoid_and_softplus_are_stable_for_large_inputs(x):
    v = Value(x)
    s = v.sigmoid()
    p = v.softplus()
    assert 0.0 <= s.data <= 1.0
    assert math.isfinite(p.data) and p.data >= 0.0
    (s + p).backward()
    assert math.isfinite(v.grad)


def test_kinks_follow_pytorch():
    # relu'(0) = 0, |x|'(0) = 0, sqrt'(0) = inf, (x**0.5)'(0) = inf, (x**2)'(0) = 0
    for fn, expected in [
        (lambda v: v.relu(), 0.0),
        (lambda v: abs(v), 0.0),
        (lambda v: v.sqrt(), math.inf),
        (lambda v: v**0.5, math.inf),
        (lambda v: v**2, 0.0),
        (lambda v: v**0, 0.0),
    ]:
        x = Value(0.0)
        fn(x).backward()
        assert x.grad == expected


# Points inside each op's domain, away from kinks: one row per entry of the op table.
ENTRY_POINTS = {
    "neg": [(0.7,), (-1.3,)], "exp": [(0.7,), (-2.0,)], "log": [(0.7,), (3.0,)], "sqrt": [(0.7,), (4.0,)],
    "tanh": [(0.7,), (-1.3,)], "sigmoid": [(0.7,), (-3.0,)], "softplus": [(0.7,), (-3.0,)],
    "relu": [(0.7,), (-1.3,)], "abs": [(0.7,), (-1.3,)], "sin": [(0.7,), (-1.3,)], "cos": [(0.7,), (-1.3,)],
    "+": [(0.7, -1.3)], "-": [(0.7, -1.3)], "*": [(0.7, -1.3)], "/": [(0.7, -1.3)], "**": [(0.7, -1.3), (2.0, 3.0)],
    "leaky_relu": [(0.7, 0.1), (-1.3, 0.1)], "copy": [(0.7,)],
    "sum": [(0.7, -1.3, 2.0)], "max": [(0.7, -1.3, 2.0), (3.0, -1.3)],
    "dot": [(0.7, -1.3, 2.0, 0.5), (0.7, -1.3, 2.0, 0.5, 0.25)],
}


def test_every_entry_has_points_in_the_table():
    assert set(ENTRY_POINTS) == set(engine.OPS)


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_each_entrys_derivative_line_matches_central_differences_of_its_forward(name):
    # straight from the op table, no Value involved: the derivative line on numbers against the
    # forward function, operand by operand
    entry = engine.OPS[name]
    h = 1e-6
    for point in ENTRY_POINTS[name]:
        out = entry.forward(*point)
        derivatives = entry.derivative(*point, out)
        derivatives = derivatives if isinstance(derivatives, tuple) else (derivatives,)
        assert len(derivatives) == len(point), name
        for index, derivative in enumerate(derivatives):
            if name == "leaky_relu" and index == 1:
                continue  # the slope is a constant of the op, not differentiated
            up = list(point)
            down = list(point)
            up[index] += h
            down[index] -= h
            numeric = (entry.forward(*up) - entry.forward(*down)) / (2 * h)
            assert derivative == pytest.approx(numeric, rel=1e-6, abs=1e-8), (name, point, index)


@pytest.mark.parametrize("name", sorted(ENTRY_POINTS))
def test_each_entrys_derivative_line_gives_the_same_numbers_on_values(name):
    # the line create_graph evaluates on Values gives the numbers the float path stores
    entry = engine.OPS[name]
    for point in ENTRY_POINTS[name]:
        out = entry.forward(*point)
        on_numbers = entry.derivative(*point, out)
        on_values = entry.derivative(*[Value(x) for x in point], Value(out))
        on_numbers = on_numbers if isinstance(on_numbers, tuple) else (on_numbers,)
        on_values = on_values if isinstance(on_values, tuple) else (on_values,)
        assert [engine.number(d) for d in on_values] == pytest.approx(list(on_numbers), rel=1e-12, abs=1e-15), name
