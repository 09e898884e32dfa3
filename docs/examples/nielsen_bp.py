"""Text 002 (Nielsen, ch. 2): the four equations of backpropagation, BP1-BP4, against the engine.

A [3, 4, 2] sigmoid network with the quadratic cost C = 1/2 ||y - a^L||^2 for one sample:
    BP1  delta^L = (a^L - y) * sigma'(z^L)
    BP2  delta^l = ((w^{l+1})^T delta^{l+1}) * sigma'(z^l)
    BP3  dC/db^l_j = delta^l_j
    BP4  dC/dw^l_jk = a^{l-1}_k delta^l_j

    python docs/examples/nielsen_bp.py
"""

import math

import nn


def sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def main() -> dict:
    hidden = nn.Layer(3, 4, activation="sigmoid", rng=1)
    output = nn.Layer(4, 2, activation="sigmoid", rng=2)
    x, y = [0.5, -1.0, 2.0], [0.0, 1.0]
    a = output(hidden(x))
    cost = nn.quadratic_cost([a], [y])
    cost.backward()

    # the same network by hand
    W2 = [[w.data for w in n.w] for n in hidden.neurons]
    b2 = [n.b.data for n in hidden.neurons]
    W3 = [[w.data for w in n.w] for n in output.neurons]
    b3 = [n.b.data for n in output.neurons]
    z2 = [sum(w * v for w, v in zip(row, x)) + b for row, b in zip(W2, b2)]
    a2 = [sigmoid(z) for z in z2]
    z3 = [sum(w * v for w, v in zip(row, a2)) + b for row, b in zip(W3, b3)]
    a3 = [sigmoid(z) for z in z3]
    delta3 = [(a_j - y_j) * sigmoid(z) * (1 - sigmoid(z)) for a_j, y_j, z in zip(a3, y, z3)]  # BP1
    delta2 = [sum(W3[j][k] * delta3[j] for j in range(2)) * sigmoid(z2[k]) * (1 - sigmoid(z2[k])) for k in range(4)]  # BP2

    largest = 0.0
    for layer, delta, inputs in ((hidden, delta2, x), (output, delta3, a2)):
        for j, neuron in enumerate(layer.neurons):
            largest = max(largest, abs(neuron.b.grad - delta[j]))  # BP3
            for k, w in enumerate(neuron.w):
                largest = max(largest, abs(w.grad - inputs[k] * delta[j]))  # BP4
    print(f"cost {cost.data:.6f}; delta^L = {[round(d, 6) for d in delta3]}")
    print(f"largest difference between the engine's gradients and BP1-BP4: {largest:.2e}")
    return {"largest_difference": largest, "cost": cost.data, "delta3": delta3}


if __name__ == "__main__":
    main()
