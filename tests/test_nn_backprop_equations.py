"""The backprop equations of the texts, computed by hand with numpy, against the engine.

Text 002 (Nielsen, ch. 2): BP1-BP4 for a [3, 4, 2] sigmoid network with the quadratic cost.
Text 003: a one-hidden-layer MLP with L2 regularisation, J = L + s.
Text 004: softmax cross-entropy, and the Repeat/Sum/branch node rules.
"""

import numpy as np
import pytest

import engine
import nn
from engine import Value


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def weights_of(layer):
    return np.array([[w.data for w in neuron.w] for neuron in layer.neurons]), np.array([n.b.data for n in layer.neurons])


def test_bp1_to_bp4_nielsen_network():
    rng = np.random.default_rng(0)
    model = nn.MLP(3, [4, 2], activation="sigmoid", rng=7)
    model.layers[-1] = nn.Layer(4, 2, activation="sigmoid", rng=8)  # Nielsen's output layer is sigmoid too
    for neuron in model.layers[0].neurons + model.layers[1].neurons:
        neuron.b.data = float(rng.normal())
    x, y = rng.normal(size=3), np.array([0.0, 1.0])

    outputs = model([float(v) for v in x])
    cost = nn.quadratic_cost([outputs], [list(y)])  # C = 1/2 ||y - a||^2 for one sample
    cost.backward()

    (w2, b2), (w3, b3) = weights_of(model.layers[0]), weights_of(model.layers[1])
    z2 = w2 @ x + b2
    a2 = sigmoid(z2)
    z3 = w3 @ a2 + b3
    a3 = sigmoid(z3)
    delta3 = (a3 - y) * sigmoid(z3) * (1 - sigmoid(z3))  # BP1
    delta2 = (w3.T @ delta3) * sigmoid(z2) * (1 - sigmoid(z2))  # BP2
    assert cost.data == pytest.approx(0.5 * np.sum((y - a3) ** 2), rel=1e-12)
    for layer, delta, activation in ((model.layers[0], delta2, x), (model.layers[1], delta3, a2)):
        grad_w = np.array([[w.grad for w in neuron.w] for neuron in layer.neurons])
        grad_b = np.array([neuron.b.grad for neuron in layer.neurons])
        np.testing.assert_allclose(grad_b, delta, rtol=1e-12, atol=1e-15)  # BP3
        np.testing.assert_allclose(grad_w, np.outer(delta, activation), rtol=1e-12, atol=1e-15)  # BP4


def test_l2_regularised_mlp_j_equals_l_plus_s():
    # text 003: h = phi(W1 x), o = W2 h, L = loss(o, y), s = lambda/2 (||W1||^2 + ||W2||^2), J = L + s
    rng = np.random.default_rng(1)
    strength = 0.3
    hidden = nn.Layer(3, 4, activation="tanh", rng=2)
    output = nn.Layer(4, 2, activation="linear", rng=3)
    x, y = rng.normal(size=3), np.array([0.5, -1.0])
    h = hidden([float(v) for v in x])
    o = output(h)
    loss = nn.quadratic_cost([o], [list(y)])
    weights = [w for layer in (hidden, output) for neuron in layer.neurons for w in neuron.w]
    J = loss + nn.l2(weights, strength)
    J.backward()

    (W1, b1), (W2, b2) = weights_of(hidden), weights_of(output)
    z = W1 @ x + b1
    hh = np.tanh(z)
    oo = W2 @ hh + b2
    dJ_do = oo - y
    dJ_dW2 = np.outer(dJ_do, hh) + strength * W2
    dJ_dh = W2.T @ dJ_do
    dJ_dz = dJ_dh * (1 - hh**2)
    dJ_dW1 = np.outer(dJ_dz, x) + strength * W1
    got_W2 = np.array([[w.grad for w in n.w] for n in output.neurons])
    got_W1 = np.array([[w.grad for w in n.w] for n in hidden.neurons])
    np.testing.assert_allclose(got_W2, dJ_dW2, rtol=1e-12)
    np.testing.assert_allclose(got_W1, dJ_dW1, rtol=1e-12)
    assert J.data == pytest.approx(0.5 * np.sum((oo - y) ** 2) + strength / 2 * (np.sum(W1**2) + np.sum(W2**2)), rel=1e-12)


def test_softmax_cross_entropy_gradient_is_softmax_minus_onehot_over_n():
    batch = [[0.2, -1.3, 2.5], [1.0, 1.0, -0.5], [-2.0, 0.0, 3.0], [0.1, 0.2, 0.3]]
    targets = [2, 0, 1, 2]
    logits = [[Value(z) for z in row] for row in batch]
    loss = nn.cross_entropy(logits, targets)
    loss.backward()
    z = np.array(batch)
    p = np.exp(z - z.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    onehot = np.eye(3)[targets]
    np.testing.assert_allclose([[v.grad for v in row] for row in logits], (p - onehot) / len(batch), rtol=1e-10, atol=1e-15)
    assert loss.data == pytest.approx(-np.mean(np.log(p[np.arange(4), targets])), rel=1e-12)


def test_softmax_sums_to_one_and_large_logits_do_not_overflow():
    for row in ([1000.0, -1000.0, 0.0], [-1000.0, -1000.0], [1e4, 1e4 - 1]):
        logits = [Value(z) for z in row]
        probabilities = nn.softmax(logits)
        assert sum(p.data for p in probabilities) == pytest.approx(1.0)
        loss = nn.cross_entropy([logits], [len(row) - 1])
        loss.backward()
        assert all(np.isfinite(v.grad) for v in logits)
        assert np.isfinite(loss.data)
    z = [Value(1000.0), Value(-1000.0)]
    bce = nn.binary_cross_entropy(z, [0.0, 1.0])
    bce.backward()
    assert bce.data == pytest.approx(1000.0)
    assert (z[0].grad, z[1].grad) == (pytest.approx(0.5), pytest.approx(-0.5))


def test_binary_cross_entropy_gradient_is_sigmoid_minus_target():
    logits, targets = [0.0, 2.0, -3.0], [1.0, 0.0, 0.25]
    z = [Value(v) for v in logits]
    nn.binary_cross_entropy(z, targets).backward()
    expected = (sigmoid(np.array(logits)) - np.array(targets)) / 3
    np.testing.assert_allclose([v.grad for v in z], expected, rtol=1e-12)


def test_repeat_node_sums_upstream_gradients():
    # text 004: a value used N times (Repeat / branch) receives the sum of the N upstream gradients
    x = Value(1.5)
    upstream = [0.5, -2.0, 3.0, 0.25]
    total = engine.dot([x] * 4, upstream)  # out = sum_i upstream_i * x, so d/dx = sum of upstream
    total.backward()
    assert x.grad == sum(upstream)


def test_sum_node_passes_gradient_unchanged():
    # text 004: a Sum node copies its upstream gradient to every input
    xs = [Value(v) for v in (1.0, 2.0, 3.0)]
    s = engine.sum(xs)
    (s * 7.0).backward()
    assert [x.grad for x in xs] == [7.0, 7.0, 7.0]


def test_matmul_node_rules():
    # text 004: for y = W x, dL/dx = W^T dL/dy and dL/dW = dL/dy x^T
    rng = np.random.default_rng(3)
    W, x, upstream = rng.normal(size=(2, 3)), rng.normal(size=3), rng.normal(size=2)
    Wv = [[Value(w) for w in row] for row in W]
    xv = [Value(v) for v in x]
    y = [engine.dot(row, xv) for row in Wv]
    engine.dot(y, list(upstream)).backward()
    np.testing.assert_allclose([v.grad for v in xv], W.T @ upstream, rtol=1e-12)
    np.testing.assert_allclose([[w.grad for w in row] for row in Wv], np.outer(upstream, x), rtol=1e-12)
