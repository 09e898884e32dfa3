"""The benchmark workloads for each engine: the floor (plain floats), chaingrad, and micrograd.

Every engine gets the same data and the same initial weights, and must compute the same loss.
W1: one demo training step, MLP(2, [16, 16, 1]) on 100 moons, mean hinge loss + 1e-4 * sum(p^2), SGD
(also through engine.compile: the engine "compiled"; its first step includes the trace and compile).
W2: the chain x = tanh(x * 1.0001 + 0.1), three nodes per link, build + backward (W2g: the same
inside chaingrad's opt-in engine.graph_mode()).
W3: sum of n products w_i * x_i, build + backward (from leaves made beforehand).
W4: memory per node of a W2 chain.
W5: the digits MLP, one training step of docs/examples/digits.py: MLP(64, [32, 10]) on 32 of
scikit-learn's 8x8 digits, mean softmax cross-entropy, SGD (eager, and through engine.compile).
"""

from __future__ import annotations

import math
import random
import sys

from bench import floor

LEARNING_RATE = 0.05
ALPHA = 1e-4
DIGITS_LEARNING_RATE = 0.5  # docs/examples/digits.py's
DIGITS_SIZES = [64, 32, 10]


def moons() -> tuple[list[list[float]], list[float]]:
    from nn.data import make_moons  # pure-Python data; the same points for every engine

    X, y = make_moons(100, noise=0.1, seed=0)
    return X, [2.0 * label - 1.0 for label in y]


def initial_weights() -> list[tuple[list[list[float]], list[float]]]:
    return floor.init_mlp([2, 16, 16, 1], seed=0)


def load_initial_weights(model, weights: floor.Layers | None = None):
    """Set a chaingrad or micrograd MLP (both: layers[i].neurons[j].w / .b) to `weights`, by default
    initial_weights()."""
    for layer, (W, b) in zip(model.layers, initial_weights() if weights is None else weights):
        for neuron, row, bias in zip(layer.neurons, W, b):
            for weight, number in zip(neuron.w, row):
                weight.data = number
            neuron.b.data = bias
    return model


def digits(batch: int = 32) -> tuple[list[list[float]], list[int]]:
    """The first `batch` of scikit-learn's 8x8 digits, 64 numbers in [0, 1] each (pixel / 16), and
    their labels, the same for every engine."""
    try:
        from sklearn.datasets import load_digits
    except ImportError:  # without scikit-learn: a fixed synthetic set of the same shape, so the bench still runs
        rng = random.Random(0)
        return [[rng.random() for _ in range(64)] for _ in range(batch)], [rng.randrange(10) for _ in range(batch)]
    data = load_digits()
    return [[pixel / 16.0 for pixel in image] for image in data.data[:batch].tolist()], data.target[:batch].tolist()


def digits_weights() -> floor.Layers:
    return floor.init_mlp(DIGITS_SIZES, seed=0)


def digits_training(batch: int = 32, compiled: bool = False):
    """chaingrad's W5: the model and a step, docs/examples/digits.py's loss_of (through
    engine.compile if `compiled`: its first call traces), backward and SGD; the step returns the loss."""
    import engine
    import nn

    images, labels = digits(batch)
    targets = [[1.0 if k == label else 0.0 for k in range(10)] for label in labels]  # one-hot rows, as digits.py
    model = load_initial_weights(nn.MLP(DIGITS_SIZES[0], DIGITS_SIZES[1:], rng=0), digits_weights())
    optimizer = nn.SGD(model.parameters(), lr=DIGITS_LEARNING_RATE)

    def loss_of(images, targets):
        """Mean softmax cross-entropy, -mean of log softmax(z)[label], from one-hot rows."""
        picked = [engine.dot(target, nn.log_softmax(model(image))) for image, target in zip(images, targets)]
        return engine.sum(picked) * (-1.0 / len(picked))

    loss_function = engine.compile(loss_of) if compiled else loss_of

    def step() -> float:
        loss = loss_function(images, targets)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        return loss.data

    return model, step


def wide_inputs(n: int) -> tuple[list[float], list[float]]:
    rng = random.Random(0)
    return [rng.uniform(-1, 1) for _ in range(n)], [rng.uniform(-1, 1) for _ in range(n)]


# ---------------------------------------------------------------------------------------------
class Floor:
    name = "floor"

    def w1(self):
        X, labels = moons()
        layers = initial_weights()
        return lambda: floor.w1_step(layers, X, labels, LEARNING_RATE, ALPHA)

    def w2(self, nodes: int) -> tuple[float, float]:
        return floor.w2_chain(nodes)

    def w3(self, n: int):
        weights, inputs = wide_inputs(n)

        def run() -> tuple[float, float]:
            total, grad_w, _ = floor.w3_wide(weights, inputs)
            return total, grad_w[0]

        return run

    def w5(self, batch: int = 32):
        X, labels = digits(batch)
        layers = digits_weights()
        return lambda: floor.w5_step(layers, X, labels, DIGITS_LEARNING_RATE)

    def build_chain(self, nodes: int):
        return None


# ---------------------------------------------------------------------------------------------
class ScalarEngine:
    """What chaingrad and micrograd share: a Value class with *, + and tanh, and backward()."""

    Value: type

    def build_chain(self, nodes: int):
        x = start = self.Value(0.5)
        for _ in range(nodes // 3):
            x = (x * 1.0001 + 0.1).tanh()
        return start, x

    def w2(self, nodes: int) -> tuple[float, float]:
        start, end = self.build_chain(nodes)
        end.backward()
        return end.data, start.grad

    def w3(self, n: int):
        weights, inputs = wide_inputs(n)
        ws = [self.Value(w) for w in weights]
        xs = [self.Value(x) for x in inputs]

        def run() -> tuple[float, float]:
            for w in ws:
                w.grad = 0.0
            total = self.wide_sum(ws, xs)
            self.backward_of_wide_sum(total)
            return total.data, ws[0].grad

        return run

    def wide_sum(self, ws: list, xs: list):
        raise NotImplementedError

    def backward_of_wide_sum(self, total) -> None:
        total.backward()


class Chaingrad(ScalarEngine):
    name = "chaingrad"

    def __init__(self) -> None:
        from engine import Value

        self.Value = Value

    def w1(self):
        import nn

        X, labels = moons()
        model = load_initial_weights(nn.MLP(2, [16, 16, 1]))
        parameters = model.parameters()
        optimizer = nn.SGD(parameters, lr=LEARNING_RATE)

        def step() -> float:
            scores = [model(x) for x in X]
            loss = nn.hinge(scores, labels) + nn.l2(parameters, 2 * ALPHA)  # l2 is (strength/2) sum p^2
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.data

        return step

    def w2_graph_mode(self, nodes: int) -> tuple[float, float]:
        """W2 inside engine.graph_mode(), which pauses the cycle collector while the chain is built."""
        import engine

        with engine.graph_mode():
            return self.w2(nodes)

    def wide_sum(self, ws: list, xs: list):
        import engine

        return engine.dot(ws, xs)  # one node with 200,000 parents

    def w5(self, batch: int = 32):
        return digits_training(batch)[1]


class CompiledChaingrad(Chaingrad):
    """chaingrad's W1 and W5 steps through engine.compile: the same model, loss and optimizer, one line changed."""

    name = "compiled"

    def w1(self):
        import engine
        import nn

        X, labels = moons()
        model = load_initial_weights(nn.MLP(2, [16, 16, 1]))
        parameters = model.parameters()
        optimizer = nn.SGD(parameters, lr=LEARNING_RATE)

        def loss_of(X, labels):
            scores = [model(x) for x in X]
            return nn.hinge(scores, labels) + nn.l2(parameters, 2 * ALPHA)

        compiled = engine.compile(loss_of)

        def step() -> float:
            loss = compiled(X, labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            return loss.data

        return step

    def w2_compiled(self, nodes: int):
        """W2's chain through engine.compile (x0 a Value argument): a function whose first call traces."""
        import engine

        links = nodes // 3

        def chain(x):
            for _ in range(links):
                x = (x * 1.0001 + 0.1).tanh()
            return x

        compiled = engine.compile(chain)

        def run() -> tuple[float, float]:
            start = self.Value(0.5)
            end = compiled(start)
            end.backward()
            return end.data, start.grad

        return run

    def w5(self, batch: int = 32):
        return digits_training(batch, compiled=True)[1]


class Tiny(ScalarEngine):
    """engine/tiny.py, the reading core on the same op table (W2, W3, W4 only: it has no nn)."""

    name = "tiny"

    def __init__(self) -> None:
        from engine.tiny import Value

        self.Value = Value

    def wide_sum(self, ws: list, xs: list):
        from engine import ops, tiny

        return tiny.apply(ops.OPS["dot"], (*ws, *xs))  # one node, as engine.dot


# ---------------------------------------------------------------------------------------------
class Micrograd(ScalarEngine):
    """micrograd 0.1.0 as published, with a tanh added in its own style (it has none)."""

    name = "micrograd"

    def __init__(self) -> None:
        from micrograd.engine import Value

        def tanh(self):
            t = math.tanh(self.data)
            out = Value(t, (self,), "tanh")

            def _backward():
                self.grad += (1 - t**2) * out.grad

            out._backward = _backward
            return out

        Value.tanh = tanh
        self.Value = Value

    def w1(self):
        from micrograd.nn import MLP

        X, labels = moons()
        model = load_initial_weights(MLP(2, [16, 16, 1]))
        parameters = model.parameters()

        def step() -> float:  # micrograd's demo.ipynb loss, with its own idioms
            scores = [model(x) for x in X]
            losses = [(1 + -label * score).relu() for label, score in zip(labels, scores)]
            data_loss = sum(losses) * (1.0 / len(losses))
            reg_loss = ALPHA * sum((p * p for p in parameters))
            loss = data_loss + reg_loss
            model.zero_grad()
            loss.backward()
            for p in parameters:
                p.data -= LEARNING_RATE * p.grad
            return loss.data

        return step

    def wide_sum(self, ws: list, xs: list):
        return sum((w * x for w, x in zip(ws, xs)), self.Value(0.0))  # a chain of adds, its only way

    def backward_of_wide_sum(self, total) -> None:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 1_000_000))  # its recursive sort needs a frame per chained add
        try:
            total.backward()
        finally:
            sys.setrecursionlimit(limit)


ENGINES = {"floor": Floor, "chaingrad": Chaingrad, "compiled": CompiledChaingrad, "micrograd": Micrograd, "tiny": Tiny}
