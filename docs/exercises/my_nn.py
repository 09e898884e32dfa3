"""My network: exercises 5-6 of chaingrad's exercise track (instructions: README.md or README.zh-CN.md here).

Fill in each TODO, then check:

    python -m chaingrad.exercises check 5 my_nn.py
    python -m chaingrad.exercises check 6 my_nn.py

and run this file to watch the training (python my_nn.py).
"""

import random

from chaingrad.engine import Value  # once `check 4` passes on your my_value.py: from my_value import Value


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
        # TODO: w[0] * x[0] + ... + b, then .tanh() if self.nonlin.
        raise NotImplementedError("exercise 5: Neuron.__call__")

    def parameters(self):
        # TODO: the weights, then the bias.
        raise NotImplementedError("exercise 5: Neuron.parameters")


class Layer(Module):
    def __init__(self, nin, nout, **kwargs):
        # TODO: self.neurons, nout neurons of nin inputs each (pass **kwargs on to them).
        raise NotImplementedError("exercise 5: Layer.__init__")

    def __call__(self, x):
        outs = [n(x) for n in self.neurons]
        return outs[0] if len(outs) == 1 else outs

    def parameters(self):
        # TODO: every neuron's parameters, in order.
        raise NotImplementedError("exercise 5: Layer.parameters")


class MLP(Module):
    def __init__(self, nin, nouts):
        # TODO: self.layers: one Layer per entry of nouts (sizes nin -> nouts[0] -> nouts[1] -> ...),
        #       tanh in every layer but the last, which is linear (nonlin=False).
        raise NotImplementedError("exercise 5: MLP.__init__")

    def __call__(self, x):
        # TODO: feed x through the layers in turn.
        raise NotImplementedError("exercise 5: MLP.__call__")

    def parameters(self):
        return [p for layer in self.layers for p in layer.parameters()]


# ---- exercise 6: training on moons -----------------------------------------------------------------


def loss_of(model, X, y):
    """The mean squared error of the model's scores on the points X against the labels y (-1 or +1)."""
    # TODO: the mean of (model(x) - label) ** 2 over the points.
    raise NotImplementedError("exercise 6: loss_of")


def train_step(model, X, y, learning_rate):
    """One step of gradient descent on the whole of (X, y); returns the loss (a number) before the step."""
    # TODO: zero the gradients, the loss, backward, then move each parameter against its gradient.
    raise NotImplementedError("exercise 6: train_step")


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
