"""Two doors, one table: engine/tiny.py (the reading core) against engine.Value (the fast engine).

tests/test_ops.py's table of Value functions runs through both: the same values, gradients and
second derivatives, to 1e-12. Its rows that call engine.sum, engine.dot and engine.max get tiny's
`apply` on the same entries instead. The reading core also keeps to its line budget.
"""

import math
import types
from pathlib import Path

import pytest
from hypothesis import given, settings

import engine
from engine import codegen, ops, tiny
from test_ops import BINARY, UNARY

TINY_LINES = 150


class TinyFunctions:
    """What the table's Value functions call on `engine`, made of tiny.apply on the same entries."""

    @staticmethod
    def sum(values, start=0.0):
        return tiny.apply(ops.OPS["sum"], (*values, start))

    @staticmethod
    def dot(weights, inputs, bias=None):
        return tiny.apply(ops.OPS["dot"], (*weights, *inputs, *(() if bias is None else (bias,))))

    @staticmethod
    def max(values):
        return tiny.apply(ops.OPS["max"], tuple(values))


def through_tiny(function):
    """The table's Value function with `engine` standing for TinyFunctions."""
    return types.FunctionType(function.__code__, {**function.__globals__, "engine": TinyFunctions},
                              function.__name__, function.__defaults__, function.__closure__)


def close(a, b):
    return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


def derivatives(value_class, function, numbers):
    """f(numbers), its gradient and the diagonal of its second derivatives, through one door."""
    inputs = [value_class(number) for number in numbers]
    out = function(*inputs)
    out.backward()
    first = [x.grad for x in inputs]
    second = []
    for index in range(len(inputs)):
        inputs = [value_class(number) for number in numbers]
        function(*inputs).backward(create_graph=True)
        gradient = inputs[index].grad
        inputs[index].grad = 0.0
        if value_class is engine.Value and not gradient.requires_grad:
            second.append(0.0)  # the fast engine's gradient of constants only: no graph, so 0
            continue
        gradient.backward()
        second.append(inputs[index].grad)
    return out.data, first, second


def same_through_both_doors(function, numbers):
    fast = derivatives(engine.Value, function, numbers)
    reading = derivatives(tiny.Value, through_tiny(function), numbers)
    assert close(fast[0], reading[0]), (fast, reading)
    assert all(map(close, fast[1] + fast[2], reading[1] + reading[2])), (fast, reading)


@pytest.mark.parametrize("name, float_fn, value_fn, inputs", UNARY, ids=[row[0] for row in UNARY])
def test_each_one_operand_row_gives_the_same_numbers_through_both_doors(name, float_fn, value_fn, inputs):
    @settings(max_examples=20, deadline=None)
    @given(inputs)
    def check(x):
        same_through_both_doors(value_fn, [x])

    check()


@pytest.mark.parametrize("name, float_fn, value_fn, a_inputs, b_inputs", BINARY, ids=[row[0] for row in BINARY])
def test_each_two_operand_row_gives_the_same_numbers_through_both_doors(name, float_fn, value_fn, a_inputs, b_inputs):
    @settings(max_examples=20, deadline=None)
    @given(a_inputs, b_inputs)
    def check(a, b):
        same_through_both_doors(value_fn, [a, b])

    check()


def test_a_deep_chain_and_a_shared_node_through_both_doors():
    def function(x):
        y = x
        for _ in range(3000):  # deeper than the recursion limit
            y = (y * 0.999 + 0.001).tanh()
        return y * y + x * y
    same_through_both_doors(function, [0.3])


def test_the_users_power_and_the_derivative_lines_power_differ_alike():
    with pytest.raises(ZeroDivisionError):
        tiny.Value(0.0) ** -1
    with pytest.raises(ZeroDivisionError):
        engine.Value(0.0) ** -1
    assert ops.power(tiny.Value(0.0), -0.5).data == ops.power(engine.Value(0.0), -0.5).data == math.inf


def test_the_reading_core_keeps_to_its_budget_and_imports_only_the_op_table():
    source = Path(tiny.__file__).read_text(encoding="utf-8")
    assert len(source.splitlines()) <= TINY_LINES
    imports = [line for line in source.splitlines() if line.startswith(("import ", "from "))]
    assert imports == ["from __future__ import annotations", "from typing import Any, Iterable",
                       "from engine import ops"]


@pytest.mark.parametrize("value_class", [engine.Value, tiny.Value, codegen.Symbol])
def test_value_tiny_value_and_symbol_share_the_value_like_protocol(value_class):
    """engine.ops.ValueLike: what the derivative lines ask of a non-number."""
    members = ["_power", "_rpower", "exp", "log", "sin", "cos", "tanh", "sigmoid", "sqrt", "relu"]
    assert all(callable(getattr(value_class, member, None)) for member in members)
    assert "data" in dir(value_class) or "data" in value_class.__init__.__code__.co_names
