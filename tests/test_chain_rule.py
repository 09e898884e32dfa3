"""Hand-derived chain-rule results: the worked examples of the backprop texts, with their numbers."""

import pytest

from engine import Value


def close(number: float) -> object:
    return pytest.approx(number, rel=1e-12, abs=1e-12)


def test_apple_purchase_graph():
    # text 000: 2 apples at 100 each, tax 1.1: total 220; gradients 2.2 (price), 110 (count), 200 (tax)
    apple, count, tax = Value(100.0), Value(2.0), Value(1.1)
    total = apple * count * tax
    total.backward()
    assert total.data == close(220.0)
    assert (apple.grad, count.grad, tax.grad) == (close(2.2), close(110.0), close(200.0))


def test_apple_and_orange_graph():
    # text 000: 2 apples at 100, 3 oranges at 150, tax 1.1: total 715;
    # gradients: apple count 110, apple price 2.2, orange price 3.3, orange count 165, tax 650
    apple, apple_count = Value(100.0), Value(2.0)
    orange, orange_count = Value(150.0), Value(3.0)
    tax = Value(1.1)
    total = (apple * apple_count + orange * orange_count) * tax
    total.backward()
    assert total.data == close(715.0)
    assert apple_count.grad == close(110.0)
    assert apple.grad == close(2.2)
    assert orange.grad == close(3.3)
    assert orange_count.grad == close(165.0)
    assert tax.grad == close(650.0)


@pytest.mark.parametrize("x0, y0", [(1.0, 2.0), (-3.0, 0.5), (0.0, 0.0)])
def test_square_of_sum(x0, y0):
    # text 000: z = t^2 with t = x + y, so dz/dx = dz/dt * dt/dx = 2t * 1 = 2(x + y)
    x, y = Value(x0), Value(y0)
    z = (x + y) ** 2
    z.backward()
    assert z.data == close((x0 + y0) ** 2)
    assert x.grad == close(2 * (x0 + y0))
    assert y.grad == close(2 * (x0 + y0))


def test_e_equals_a_plus_b_times_b_plus_1():
    # text 001: e = (a + b)(b + 1) at a = 2, b = 1: de/da = 2, de/db = 2*1 + 3*1 = 5, exactly
    a, b = Value(2.0), Value(1.0)
    c = a + b
    d = b + 1
    e = c * d
    e.backward()
    assert e.data == 6.0
    assert (c.grad, d.grad) == (2.0, 3.0)
    assert (a.grad, b.grad) == (2.0, 5.0)


def test_micrograd_lecture_graph():
    # L = (a*b + c) * f with a=2, b=-3, c=10, f=-2 (the micrograd lecture): L = -8
    a, b, c, f = Value(2.0), Value(-3.0), Value(10.0), Value(-2.0)
    e = a * b
    d = e + c
    L = d * f
    L.backward()
    assert L.data == -8.0
    assert (f.grad, d.grad, c.grad, e.grad) == (4.0, -2.0, -2.0, -2.0)
    assert (a.grad, b.grad) == (6.0, -4.0)


def test_neuron_tanh_by_hand():
    # o = tanh(x1 w1 + x2 w2 + b); do/dn = 1 - o^2 and dn/dw_i = x_i
    x1, x2, w1, w2 = Value(2.0), Value(0.0), Value(-3.0), Value(1.0)
    b = Value(6.881373587019543)
    n = x1 * w1 + x2 * w2 + b
    o = n.tanh()
    o.backward()
    assert o.data == close(0.7071067811865476)
    local = 1 - o.data**2
    assert n.grad == close(local)
    assert (w1.grad, w2.grad, x1.grad, x2.grad) == (close(2.0 * local), 0.0, close(-3.0 * local), close(local))
