"""Accumulation across backward() calls, no_grad, detach, constants, anomaly detection, gradcheck."""

import gc
import math

import pytest

import engine
from engine import AnomalyError, GradcheckError, NoGradError, Value


def build(x, w):
    return (x * w + w.exp()).tanh() * x


def test_leaf_gradients_pile_up_across_passes():
    x, w = Value(0.3), Value(-0.7)
    out = build(x, w)
    out.backward()
    once = (x.grad, w.grad)
    out.backward()
    # each contribution is added onto the pile as the chain rule reaches it: twice one pass, up to
    # the rounding of adding in that order (x gets three contributions a pass)
    assert (x.grad, w.grad) == pytest.approx((2 * once[0], 2 * once[1]), rel=1e-15, abs=0)


def test_a_pass_adds_each_contribution_onto_the_earlier_gradient_in_the_chain_rules_order():
    x = Value(2.0)
    x.grad = 0.1
    out = x * 0.6 + x * 0.1  # the chain rule reaches x through "* 0.1" first (consumers first, last operand first)
    out.backward()
    assert x.grad == (0.1 + 0.1) + 0.6  # not 0.1 + (0.1 + 0.6): the two differ in the last bit
    assert (0.1 + 0.1) + 0.6 != 0.1 + (0.1 + 0.6)
    y = Value(2.0)
    y.grad = 0.1
    (y * 3.0).backward()
    assert y.grad == 0.1 + 3.0  # one edge: exactly the earlier gradient plus this pass's


def test_intermediate_gradients_do_not_leak_between_passes():
    x = Value(0.3)
    h = x * 2
    out = h * h
    out.backward()
    assert h.grad == 2 * h.data
    out.backward()
    assert h.grad == 2 * h.data  # recomputed, not piled on the last pass
    assert x.grad == 2 * (2 * 2 * h.data)


def test_zero_grad_helpers():
    x, w = Value(0.3), Value(-0.7)
    build(x, w).backward()
    engine.zero_grad([x, w])
    assert (x.grad, w.grad) == (0.0, 0.0)
    build(x, w).backward()
    x.zero_grad()
    assert x.grad == 0.0 and w.grad != 0.0


def test_no_grad_records_nothing_and_restores():
    x = Value(2.0)
    assert engine.is_grad_enabled()
    with engine.no_grad():
        y = x * 3 + x.exp()
        s = engine.sum([x, x])
        d = engine.dot([x], [x])
        assert not engine.is_grad_enabled()
        with engine.enable_grad():
            z = x * 3
    assert engine.is_grad_enabled()
    for untracked in (y, s, d):
        assert untracked.parents == () and not untracked.requires_grad
    assert z.parents == (x,)
    assert x.is_leaf and not z.is_leaf
    with pytest.raises(NoGradError, match="does not require grad"):
        y.backward()


def test_no_grad_restores_after_an_exception():
    with pytest.raises(RuntimeError):
        with engine.no_grad():
            raise RuntimeError("boom")
    assert engine.is_grad_enabled()


def test_detach_cuts_the_graph():
    x = Value(2.0, label="x")
    y = (x * x).detach()
    assert y.data == 4.0 and y.label == "" and not y.requires_grad
    z = y * x
    z.backward()
    assert x.grad == 4.0  # only through the direct edge
    assert y.grad == 0.0


def test_constants_are_not_tracked():
    x = Value(2.0)
    c = Value(3.0, requires_grad=False)
    out = x * c + c
    assert out.parents[0].parents == (x,)
    out.backward()
    assert (x.grad, c.grad) == (3.0, 0.0)
    assert not (c * c).requires_grad


def test_requires_grad_can_be_switched_on_leaves_only():
    c = Value(1.0, requires_grad=False)
    c.requires_grad = True
    y = c * 2
    with pytest.raises(ValueError, match="only be changed on leaves"):
        y.requires_grad = False


def test_backward_on_a_leaf_and_with_a_seed():
    x = Value(2.0)
    x.backward(3.0)
    assert x.grad == 3.0
    y = Value(2.0)
    (y * y).backward(grad=0.5)
    assert y.grad == 2.0


def test_backward_restores_the_collector_setting():
    x = Value(1.0)
    y = x * x
    gc.disable()
    y.backward()
    assert not gc.isenabled()
    gc.enable()
    y.backward()
    assert gc.isenabled()


def test_detect_anomaly_in_forward():
    x = Value(1e308)
    with engine.detect_anomaly():
        with pytest.raises(AnomalyError, match=r"op '\*'.*inf"):
            x * 10
    assert math.isinf((x * 10).data)  # outside the block nothing is checked


def test_detect_anomaly_in_backward():
    x = Value(0.0)
    with engine.detect_anomaly():
        y = x.sqrt()
        with pytest.raises(AnomalyError, match="op 'sqrt'.*non-finite gradient inf"):
            y.backward()


def test_detect_anomaly_checks_what_the_pass_sends_not_what_a_leaf_held_before():
    x = Value(1.0)
    x.grad = math.inf  # from an earlier pass: not this pass's doing
    y = (x * 2).tanh()
    with engine.detect_anomaly():
        y.backward()
    assert x.grad == math.inf


def test_repr():
    assert repr(Value(2.0)) == "Value(data=2.0, grad=0.0)"
    assert repr(Value(-1, label="b")) == "Value(data=-1.0, grad=0.0, label='b')"


def test_item_and_float():
    v = Value(2.5) * 2
    assert v.item() == 5.0 and v.data == 5.0
    with pytest.warns(engine.LostGradientWarning, match="no gradient flows back"):
        assert float(v) == 5.0  # a tracked Value read as a float, grad mode on: said (issue 21)
    with engine.no_grad():
        assert float(v) == 5.0  # no warning: nothing is recorded anyway
    assert float(v.detach()) == 5.0  # untracked: no warning


def test_no_grad_as_a_decorator():
    @engine.no_grad()
    def predict(x):
        return x * 2

    assert not predict(Value(1.0)).requires_grad
    assert engine.is_grad_enabled()


def test_identity_hashing():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2


def test_gradcheck_passes_on_correct_ops():
    assert engine.gradcheck(lambda a, b: (a * b).tanh() + a.exp() / b, [0.3, 1.7])


def test_gradcheck_catches_a_wrong_derivative():
    wrong_tanh = engine.Op("tanh", math.tanh, lambda x, y: 1.0 - y)  # wrong: should be 1 - y^2
    with pytest.raises(GradcheckError, match=r"input 0 at 0\.5: backward\(\) gives .*central differences give"):
        engine.gradcheck(wrong_tanh, [0.5])


def test_numerical_grad():
    grads = engine.numerical_grad(lambda a, b: a * b * b, [2.0, 3.0])
    assert grads == [pytest.approx(9.0, rel=1e-8), pytest.approx(12.0, rel=1e-8)]


def test_sin_cos_of_infinity_and_powers_of_a_negative_base_are_ieee():
    import math

    import engine
    from engine import Value

    assert math.isnan(engine.sin(math.inf)) and math.isnan(engine.cos(-math.inf))
    assert math.isnan((Value(1e308) * 10).sin().data)  # an overflow goes on as NaN, for detect_anomaly to catch
    assert (Value(-2.0) ** math.inf).data == math.inf and (Value(-0.5) ** math.inf).data == 0.0
    assert math.isnan((Value(-2.0) ** math.nan).data)


def test_a_graph_pickles_beside_a_learners_own_engine_py(tmp_path):
    import subprocess
    import sys

    (tmp_path / "engine.py").write_text("class Value:\n    MINE = True\n")
    script = (
        "from chaingrad.engine import Value\nimport pickle\n"
        "y = (Value(2.0) * Value(3.0)).tanh()\nprint(pickle.loads(pickle.dumps(y)).data == y.data)\n"
    )
    completed = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True)
    assert completed.stdout.strip() == "True", completed.stderr


def test_a_copy_of_a_graph_holding_infinities_is_made_even_inside_detect_anomaly():
    import copy
    import pickle

    y = Value(1e308) * 10 + 1  # inf, made outside the block
    with engine.detect_anomaly():
        assert copy.deepcopy(y).data == math.inf and pickle.loads(pickle.dumps(y)).data == math.inf
