"""The floor: the benchmark workloads in plain Python floats with hand-written backprop (BP1-BP4).

The least any pure-Python scalar engine can cost for the same maths; every engine is reported as a
multiple of it.
"""

from __future__ import annotations

import math
import random
from operator import mul

Layers = list[tuple[list[list[float]], list[float]]]  # each layer's weights (a list of rows) and biases


def init_mlp(sizes: list[int], seed: int = 0) -> Layers:
    """Weights as lists of rows, Kaiming-uniform like nn.MLP's default, biases zero."""
    rng = random.Random(seed)
    layers = []
    for index, (nin, nout) in enumerate(zip(sizes, sizes[1:])):
        gain = math.sqrt(2.0) if index < len(sizes) - 2 else 1.0
        bound = gain * math.sqrt(3.0 / nin)
        layers.append(([[rng.uniform(-bound, bound) for _ in range(nin)] for _ in range(nout)], [0.0] * nout))
    return layers


def forward(layers: Layers, x: list[float]) -> tuple[list[list[float]], list[list[float]]]:
    """One sample through the layers (ReLU between them, the last linear): each layer's input, then
    the output, and each layer's pre-activation."""
    activations = [x]
    pre = []
    a = x
    last = len(layers) - 1
    for index, (W, b) in enumerate(layers):
        z = [sum(map(mul, row, a)) + bias for row, bias in zip(W, b)]
        pre.append(z)
        a = z if index == last else [v if v > 0.0 else 0.0 for v in z]
        activations.append(a)
    return activations, pre


def backward(grads: Layers, columns: list[list[tuple[float, ...]]], activations: list[list[float]],
             pre: list[list[float]], delta: list[float]) -> None:
    """From the output's delta (BP1): BP3/BP4 into the gradients and BP2 down the layers, with no
    work for units whose delta is zero (dead ReLUs). `columns` holds each W^T."""
    for index in range(len(grads) - 1, -1, -1):
        gW, gb = grads[index]
        a_in = activations[index]
        for j, d in enumerate(delta):
            if d != 0.0:
                gb[j] += d
                gW[j] = [g + d * a_k for g, a_k in zip(gW[j], a_in)]
        if index:
            below = pre[index - 1]
            delta = [sum(map(mul, column, delta)) if z > 0.0 else 0.0 for column, z in zip(columns[index], below)]


def zero_grads(layers: Layers) -> Layers:
    """Zeros in the shape of the layers."""
    return [([[0.0] * len(W[0]) for _ in W], [0.0] * len(b)) for W, b in layers]


def w1_step(layers, X, labels, lr: float, alpha: float) -> float:
    """One demo step: forward, mean hinge loss + alpha * sum(p^2), backward, SGD; returns the loss.

    Written for speed in plain Python: C-level sum(map(mul, ...)) inner products, the weight matrix
    transposed once per step for BP2, and no work for samples past the margin or dead units.
    """
    n = len(X)
    grads = zero_grads(layers)
    columns = [list(zip(*W)) for W, _ in layers]  # W^T, for BP2
    total = 0.0
    for x, label in zip(X, labels):
        activations, pre = forward(layers, x)
        margin = 1.0 - label * activations[-1][0]
        if margin <= 0.0:
            continue
        total += margin
        backward(grads, columns, activations, pre, [-label / n])
    # L2: alpha * sum p^2 over weights and biases, gradient 2 alpha p; then SGD
    penalty = 0.0
    decay = 2.0 * alpha
    for (W, b), (gW, gb) in zip(layers, grads):
        for j, (row, grow) in enumerate(zip(W, gW)):
            penalty += sum(map(mul, row, row))
            W[j] = [w - lr * (g + decay * w) for w, g in zip(row, grow)]
        penalty += sum(map(mul, b, b))
        b[:] = [bias - lr * (g + decay * bias) for bias, g in zip(b, gb)]
    return total / n + alpha * penalty


def w5_gradients(layers: Layers, X: list[list[float]], labels: list[int]) -> tuple[float, Layers]:
    """The digits loss, the mean over the batch of -log softmax(z)[label], and its gradients (the
    same nesting as the layers), by BP1-BP4 with dL/dz = (softmax(z) - onehot) / n at the output."""
    n = len(X)
    grads = zero_grads(layers)
    columns = [list(zip(*W)) for W, _ in layers]  # W^T, for BP2
    total = 0.0
    for x, label in zip(X, labels):
        activations, pre = forward(layers, x)
        z = activations[-1]
        largest = max(z)  # log softmax(z)_k = z_k - m - log sum_j exp(z_j - m): no overflow
        exps = [math.exp(v - largest) for v in z]
        scale = sum(exps)
        total += z[label] - largest - math.log(scale)
        scale *= n
        delta = [e / scale for e in exps]
        delta[label] -= 1.0 / n
        backward(grads, columns, activations, pre, delta)
    return total * (-1.0 / n), grads


def w5_step(layers: Layers, X: list[list[float]], labels: list[int], lr: float) -> float:
    """One digits step: forward, mean softmax cross-entropy, backward, SGD; returns the loss.

    Written for speed like w1_step: C-level inner products, W^T for BP2, no work for dead units.
    """
    loss, grads = w5_gradients(layers, X, labels)
    for (W, b), (gW, gb) in zip(layers, grads):
        for j, (row, grow) in enumerate(zip(W, gW)):
            W[j] = [w - lr * g for w, g in zip(row, grow)]
        b[:] = [bias - lr * g for bias, g in zip(b, gb)]
    return loss


def w2_chain(nodes: int, x0: float = 0.5) -> tuple[float, float]:
    """x = tanh(x * 1.0001 + 0.1), three nodes per link; returns (the end value, d end / d x0)."""
    links = nodes // 3
    outputs = []
    x = x0
    for _ in range(links):
        x = math.tanh(x * 1.0001 + 0.1)
        outputs.append(x)
    grad = 1.0
    for y in reversed(outputs):
        grad *= (1.0 - y * y) * 1.0001
    return x, grad


def w3_wide(weights: list[float], inputs: list[float]) -> tuple[float, list[float], list[float]]:
    """sum_i w_i x_i and its gradients (x for w, w for x)."""
    total = sum(w * x for w, x in zip(weights, inputs))
    return total, list(inputs), list(weights)
