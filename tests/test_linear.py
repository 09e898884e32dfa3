"""engine.linear: a layer of dot nodes, one per row, reading the inputs once."""

import pytest

import engine
from engine import Value


def layer(rows, inputs, biases):
    return [engine.dot(row, inputs, bias=bias) for row, bias in zip(rows, biases)]


@pytest.mark.parametrize("inputs_kind", ["values", "numbers", "mixed"])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_equals_a_dot_per_row(inputs_kind, with_bias):
    numbers = [0.5, -1.25, 2.0]
    rows = [[Value(0.1 * (i + j) - 0.3) for j in range(3)] for i in range(4)]
    biases = [Value(0.2 * i) for i in range(4)] if with_bias else [None] * 4
    if inputs_kind == "values":
        xs = [Value(n) for n in numbers]
    elif inputs_kind == "numbers":
        xs = list(numbers)
    else:
        xs = [Value(numbers[0]), numbers[1], Value(numbers[2], requires_grad=False)]
    parameters = [p for row in rows for p in row] + [b for b in biases if b is not None]
    tracked_inputs = [x for x in xs if isinstance(x, Value) and x.requires_grad]

    expected = layer(rows, xs, biases)
    engine.sum([y * (k + 1) for k, y in enumerate(expected)]).backward()
    expected_grads = [p.grad for p in parameters + tracked_inputs]
    engine.zero_grad(parameters + tracked_inputs)

    got = engine.linear(rows, xs, biases if with_bias else None)
    assert [y.data for y in got] == [y.data for y in expected]
    assert [y.op for y in got] == ["dot"] * 4
    assert [len(y.parents) for y in got] == [len(y.parents) for y in expected]
    engine.sum([y * (k + 1) for k, y in enumerate(got)]).backward()
    assert [p.grad for p in parameters + tracked_inputs] == expected_grads


def test_linear_of_numbers_and_under_no_grad_records_nothing():
    rows = [[Value(1.0), Value(2.0)]]
    assert engine.linear([[1.0, 2.0]], [3.0, 4.0])[0].requires_grad is False
    with engine.no_grad():
        (y,) = engine.linear(rows, [3.0, 4.0], [Value(0.5)])
    assert y.data == 11.5 and not y.requires_grad


def test_linear_accepts_any_sequence():
    np = pytest.importorskip("numpy")
    rows = [[Value(1.0), Value(-1.0)], [Value(2.0), Value(0.5)]]
    got = engine.linear(tuple(rows), np.array([3.0, 4.0]), (Value(0.0), Value(1.0)))
    assert [y.data for y in got] == [-1.0, 9.0]


def test_linear_errors_name_the_fix():
    rows = [[Value(1.0), Value(2.0)], [Value(3.0)]]
    with pytest.raises(ValueError, match="equal length"):
        engine.linear(rows, [1.0, 2.0])
    with pytest.raises(ValueError, match="one bias per row"):
        engine.linear(rows[:1], [1.0, 2.0], [Value(0.0), Value(1.0)])
    with pytest.raises(TypeError, match="sequence"):
        engine.linear(5, [1.0])
    with pytest.raises(TypeError, match="sequence"):
        engine.linear([[Value(1.0)]], 3.0)
