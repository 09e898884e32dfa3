"""Text 003: one hidden layer with L2 regularisation, J = L + s, s = lambda/2 (||W1||^2 + ||W2||^2).

Forward: z = W1 x, h = phi(z), o = W2 h, L = loss(o, y); backward by hand:
    dJ/dW2 = (dJ/do) h^T + lambda W2,   dJ/dW1 = (dJ/dz) x^T + lambda W1, dJ/dz = (W2^T dJ/do) * phi'(z)
Training keeps z, h and o for the backward pass: the memory prediction does not need.

    python docs/examples/l2_mlp.py
"""

import math

import nn


def main() -> dict:
    strength = 0.1
    hidden = nn.Layer(3, 4, activation="tanh", rng=3)
    output = nn.Layer(4, 2, activation="linear", rng=4)
    for neuron in hidden.neurons + output.neurons:  # the texts' model has no biases
        neuron.b.requires_grad = False
    x, y = [1.0, -0.5, 0.25], [1.0, 0.0]
    o = output(hidden(x))
    L = nn.quadratic_cost([o], [y])
    weights = [w for layer in (hidden, output) for n in layer.neurons for w in n.w]
    J = L + nn.l2(weights, strength)
    J.backward()

    W1 = [[w.data for w in n.w] for n in hidden.neurons]
    W2 = [[w.data for w in n.w] for n in output.neurons]
    z = [sum(w * v for w, v in zip(row, x)) for row in W1]
    h = [math.tanh(v) for v in z]
    oo = [sum(w * v for w, v in zip(row, h)) for row in W2]
    dJ_do = [a - b for a, b in zip(oo, y)]
    dJ_dW2 = [[dJ_do[i] * h[k] + strength * W2[i][k] for k in range(4)] for i in range(2)]
    dJ_dz = [sum(W2[i][k] * dJ_do[i] for i in range(2)) * (1 - h[k] ** 2) for k in range(4)]
    dJ_dW1 = [[dJ_dz[k] * x[m] + strength * W1[k][m] for m in range(3)] for k in range(4)]
    largest = max(
        max(abs(n.w[k].grad - dJ_dW2[i][k]) for i, n in enumerate(output.neurons) for k in range(4)),
        max(abs(n.w[m].grad - dJ_dW1[k][m]) for k, n in enumerate(hidden.neurons) for m in range(3)),
    )
    print(f"J = L + s = {L.data:.6f} + {J.data - L.data:.6f} = {J.data:.6f}")
    print(f"largest difference between the engine's dJ/dW1, dJ/dW2 and the hand formulas: {largest:.2e}")
    return {"largest_difference": largest, "J": J.data, "L": L.data}


if __name__ == "__main__":
    main()
