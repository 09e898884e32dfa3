"""SOLUTION of exercises 5-6 (docs/exercises/my_nn.py filled in), on the solution's own Value. Try them first.

    python -m chaingrad.exercises check 6 docs/exercises/solutions/my_nn.py
"""

import random

from my_value import Value  # this folder's solution of exercises 1-4


class Module:
    def zero_grad(self):
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self):
        return []


# ---- exercise 5: Neuron, Layer, MLP ----------------------------------------------------------------


class Neuron(Module):
    def __init__(self, nin, nonlin=True):
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin  # tanh after the weighted sum, or not (the last layer)

    def __call__(self, x):
        total = self.b
        for wi, xi in zip(self.w, x):
            total = total + wi * xi
        return total.tanh() if self.nonlin else total

    def parameters(self):
        return self.w + [self.b]


class Layer(Module):
    def __init__(self, nin, nout, **kwargs):
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x):
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        return [p for n in self.neurons for p in n.parameters()]


class MLP(Module):
    def __init__(self, nin, nouts):
        sizes = [nin] + nouts
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x):
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


# ---- exercise 6: training on moons -----------------------------------------------------------------


def loss_of(model, X, y):
    """The mean squared error of the model's scores on the points X against the labels y (-1 or +1)."""
    total = Value(0.0)
    for x, label in zip(X, y):
        total = total + (model(x) - label) ** 2
    return total * (1.0 / len(X))


def train_step(model, X, y, learning_rate):
    """One step of gradient descent on the whole of (X, y); returns the loss (a number) before the step."""
    model.zero_grad()  # backward piles up (堆放): last step's gradients must go first
    loss = loss_of(model, X, y)
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss.data


if __name__ == "__main__":
    from chaingrad.nn import make_moons

    X, labels = make_moons(40, noise=0.1, seed=0)
    y = [2.0 * label - 1.0 for label in labels]  # -1 and +1
    random.seed(0)
    model = MLP(2, [16, 16, 1])
    for step in range(100):
        loss = train_step(model, X, y, 0.1)
        right = sum((model(x).data > 0) == (label > 0) for x, label in zip(X, y))
        print(f"step {step:2d}  loss {loss:.4f}  accuracy {right / len(y):.0%}")
