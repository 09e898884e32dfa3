"""Text 004: softmax with cross-entropy over a mini-batch, and the Repeat, Sum and MatMul node rules.

    dL/ds = (softmax(s) - t) / N       for L = -1/N sum_n sum_k t_nk log y_nk
    Repeat: a value copied N times receives the sum of the N upstream gradients
    Sum:    every input of a sum receives the upstream gradient unchanged
    MatMul: y = x W gives dL/dx = dL/dy W^T and dL/dW = x^T dL/dy

    python docs/examples/softmax_nodes.py
"""

import math

import engine
import nn
from engine import Value


def main() -> dict:
    batch = [[0.3, 2.9, 4.0], [1.0, -1.0, 0.5]]
    targets = [2, 0]
    logits = [[Value(s) for s in row] for row in batch]
    loss = nn.cross_entropy(logits, targets)
    loss.backward()
    largest = 0.0
    for row, target, values in zip(batch, targets, logits):
        total = sum(math.exp(s) for s in row)
        for k, (s, value) in enumerate(zip(row, values)):
            expected = (math.exp(s) / total - (1.0 if k == target else 0.0)) / len(batch)
            largest = max(largest, abs(value.grad - expected))
    print(f"cross-entropy {loss.data:.6f}; largest |dL/ds - (softmax - onehot)/N| = {largest:.2e}")

    x = Value(2.0, label="x")
    upstream = [0.1, 0.2, 0.3]
    repeat = engine.dot([x, x, x], upstream)  # x copied three times, then each copy scaled by its upstream
    repeat.backward()
    print(f"Repeat: x receives {' + '.join(map(str, upstream))} = {x.grad:g}")

    parts = [Value(v) for v in (1.0, 2.0, 3.0)]
    (engine.sum(parts) * 5.0).backward()
    print(f"Sum: every input receives the upstream 5: {[p.grad for p in parts]}")

    X = [Value(v) for v in (1.0, 2.0)]
    W = [[Value(v) for v in row] for row in ([1.0, 0.5, -1.0], [2.0, -0.5, 0.0])]  # D=2 x H=3
    y = [engine.dot([X[d] for d in range(2)], [W[d][h] for d in range(2)]) for h in range(3)]
    dL_dy = [1.0, -1.0, 0.5]
    engine.dot(y, dL_dy).backward()
    dL_dx = [sum(dL_dy[h] * W[d][h].data for h in range(3)) for d in range(2)]
    print(f"MatMul: dL/dx = {[v.grad for v in X]} = dL/dy W^T = {dL_dx}")
    return {"largest_difference": largest, "repeat": x.grad, "sum": [p.grad for p in parts],
            "matmul_x": [v.grad for v in X], "matmul_expected": dL_dx,
            "matmul_W": [[w.grad for w in row] for row in W], "x": [v.data for v in X], "dL_dy": dL_dy}


if __name__ == "__main__":
    main()
