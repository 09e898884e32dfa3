"""Bad input gets a typed error naming the op, the value and the fix, and changes nothing."""

import math
import re

import pytest

import engine
from engine import Value


@pytest.mark.parametrize("data", ["abc", None, [1], (2.0,), {}, 1j])
def test_value_rejects_non_numbers(data):
    with pytest.raises(TypeError, match=type(data).__name__):
        Value(data)


def test_label_must_be_text():
    with pytest.raises(TypeError, match="label=.*int"):
        Value(1.0, label=3)


def test_value_of_a_value_says_what_to_do():
    with pytest.raises(TypeError, match="detach"):
        Value(Value(1.0))


@pytest.mark.parametrize("data", [True, 3, 2.5])
def test_value_accepts_bool_int_float(data):
    assert Value(data).data == float(data)
    assert isinstance(Value(data).data, float)


@pytest.mark.parametrize("other", ["2", None, [1.0], 1j])
def test_foreign_operands_give_pythons_type_error(other):
    x = Value(1.0)
    for op in (lambda: x + other, lambda: other + x, lambda: x * other, lambda: other * x,
               lambda: x - other, lambda: other - x, lambda: x / other, lambda: other / x,
               lambda: x ** other, lambda: other ** x):
        with pytest.raises(TypeError):
            op()
    assert x.__add__(other) is NotImplemented


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_domain(x):
    with pytest.raises(ValueError, match=r"log needs x > 0, got x = -?\d"):
        Value(x).log()


def test_sqrt_domain():
    with pytest.raises(ValueError, match="sqrt needs x >= 0, got x = -4.0"):
        Value(-4.0).sqrt()


def test_negative_base_with_fractional_exponent_is_not_complex():
    with pytest.raises(ValueError, match=r"negative base.*\(-8.0\) \*\* 0.5"):
        Value(-8.0) ** 0.5
    assert (Value(-2.0) ** 3).data == -8.0  # integer exponents are fine


def test_value_exponent_needs_a_base_of_at_least_zero():
    with pytest.raises(ValueError, match="base a >= 0"):
        Value(-2.0) ** Value(2.0)
    with pytest.raises(ValueError, match="base a >= 0"):
        (-2) ** Value(0.5)


@pytest.mark.parametrize("base", [0.0, Value(0.0), Value(0.0, requires_grad=False)])
def test_zero_to_a_tracked_power_is_zero_with_zero_gradient(base):
    """torch.pow(0, y) and HIPS autograd: value 0, d/dy = 0 (and d/dbase = y * 0^(y-1) = 0 for y = 2)."""
    y = Value(2.0)
    out = base ** y
    out.backward()
    assert out.data == 0.0 and y.grad == 0.0
    if isinstance(base, Value) and base.requires_grad:
        assert base.grad == 0.0


def test_zero_to_a_negative_power():
    with pytest.raises(ZeroDivisionError, match=r"0 \*\* -1.0.*'\*\*'"):
        Value(0.0) ** -1


@pytest.mark.parametrize("make", [lambda x: x / 0, lambda x: x / Value(0.0), lambda x: 1 / (x - x)])
def test_division_by_zero(make):
    with pytest.raises(ZeroDivisionError, match="division by zero"):
        make(Value(1.0))


def test_overflow_is_infinite_in_every_op_and_anomaly_mode_names_it():
    # one policy, as IEEE arithmetic and PyTorch: overflow gives inf, never an exception of its own
    assert Value(1000.0).exp().data == math.inf
    assert (Value(1e300) * 1e300).data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (2.0 ** Value(5000.0)).data == math.inf
    assert (Value(1e300) / 1e-300).data == math.inf
    with engine.detect_anomaly(), pytest.raises(engine.AnomalyError, match=r"op 'exp' produced a non-finite value inf"):
        Value(1000.0).exp()


@pytest.mark.parametrize("seed", ["1", None, [1.0]])
def test_backward_seed_must_be_a_number(seed):
    x = Value(2.0)
    y = x * x
    with pytest.raises(TypeError, match="backward"):
        y.backward(seed)
    assert x.grad == 0.0


def test_dot_length_mismatch():
    with pytest.raises(ValueError, match="2 weights and 3 inputs"):
        engine.dot([Value(1.0), Value(2.0)], [1.0, 2.0, 3.0])


def test_sum_rejects_strings():
    with pytest.raises(TypeError, match="str"):
        engine.sum([Value(1.0), "2"])


def test_failed_op_changes_nothing():
    x = Value(-1.0)
    with pytest.raises(ValueError):
        x.log()
    assert (x.data, x.grad, x.parents) == (-1.0, 0.0, ())


def test_functional_api_takes_any_sequence_and_names_wrong_types():
    import numpy

    import engine
    from engine import Value

    x = Value(2.0)
    y = x * x * x
    assert engine.gradients(y, numpy.array([x], dtype=object)) == [12.0]
    assert engine.hessian(lambda a, b: a * a * b, numpy.array([1.0, 2.0])) == [[4.0, 2.0], [2.0, 0.0]]
    assert engine.grad(lambda a, b: a * b, argnums=numpy.int64(1))(2.0, 3.0) == 2.0
    assert engine.grad(lambda a, b: a * b, argnums=numpy.array([0, 1]))(2.0, 3.0) == (3.0, 2.0)
    for call, words in [
        (lambda: engine.hessian(5, [1.0]), "hessian() needs a function"),
        (lambda: engine.gradcheck(5, [1.0]), "gradcheck() needs a function"),
        (lambda: engine.gradcheck(lambda v: v * v, Value(1.0)), "for one input write [x]"),
        (lambda: engine.gradcheck(lambda v: v * v, ["a"]), "inputs[0] needs a number"),
        (lambda: engine.gradients(y, x), "for one input write gradients(output, [x])"),
    ]:
        with pytest.raises(TypeError, match=re.escape(words)):
            call()


def test_set_grad_enabled_called_alone_sets_the_mode_as_torch():
    import engine
    from engine import Value

    try:
        engine.set_grad_enabled(False)
        assert not engine.is_grad_enabled() and not (Value(1.0) * 2).requires_grad
    finally:
        engine.set_grad_enabled(True)
    assert engine.is_grad_enabled()
    with engine.no_grad():
        with engine.set_grad_enabled(True):
            assert engine.is_grad_enabled()
        assert not engine.is_grad_enabled()


def test_losses_given_numbers_where_values_belong_raise_type_error():
    import nn

    with pytest.raises(TypeError, match=r"hinge: scores\[0\] is a float"):
        nn.hinge([1.0], [1.0])
    with pytest.raises(TypeError, match=r"binary_cross_entropy: logits\[0\] is a str"):
        nn.binary_cross_entropy("x", [1.0])
