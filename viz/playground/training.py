"""The playground's "train" tab, run in a Web Worker (its own Pyodide): an MLP on the moons, trained
through engine.compile by SGD on the hinge loss (micrograd's demo), step by step.

    >>> trainer = Trainer(points=40, hidden=(4,), seed=1)
    >>> losses = trainer.train(20)
    >>> losses[-1] < losses[0], trainer.source.startswith("def ")
    (True, True)

The page asks for a few steps at a time (`train`), draws the losses and the decision boundary
(`boundary`: the model's score on a grid, computed on plain floats from the parameters' .data, as
a picture only) and shows `source`, the Python that engine.compile wrote for one training step.
"""

from __future__ import annotations

import json
import math
from typing import Sequence

import engine
import nn
from engine import Value

FLOAT_ACTIVATIONS = {"relu": lambda z: z if z > 0 else 0.0, "tanh": math.tanh, "linear": lambda z: z,
                     "sigmoid": lambda z: 1 / (1 + math.exp(-z)) if z >= 0 else math.exp(z) / (1 + math.exp(z))}
AREA = (-1.5, 2.5, -1.0, 1.5)  # x from, x to, y from, y to: the moons and a margin around them
L2 = 1e-4


class Trainer:
    """An MLP(2, [*hidden, 1]) and its SGD optimizer on `points` moons; `train(steps)` returns the losses."""

    def __init__(self, points: int = 80, hidden: Sequence[int] = (8, 8), activation: str = "relu",
                 learning_rate: float = 0.1, noise: float = 0.1, seed: int = 0) -> None:
        if activation not in FLOAT_ACTIVATIONS:
            raise ValueError(f"activation {activation!r}: the train tab offers {', '.join(FLOAT_ACTIVATIONS)}")
        self.X, labels = nn.make_moons(points, noise=noise, seed=seed)
        self.labels = [2.0 * label - 1.0 for label in labels]  # hinge wants -1 / +1
        self.model = nn.MLP(2, list(hidden) + [1], activation=activation, rng=seed)
        self.optimizer = nn.SGD(self.model.parameters(), lr=learning_rate)
        self.step = engine.compile(self.loss_of)
        self.steps = 0

    def loss_of(self, X: list[list[float]], labels: list[float]) -> Value:
        """The hinge loss of the model's scores plus a small L2 penalty (as micrograd's demo)."""
        return nn.hinge([self.model(x) for x in X], labels) + nn.l2(self.model.parameters(), L2)

    def train(self, steps: int) -> list[float]:
        """Run `steps` SGD steps; the loss before each step's update."""
        losses = []
        for _ in range(steps):
            loss = self.step(self.X, self.labels)
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            losses.append(loss.data)
        self.steps += steps
        return losses

    def accuracy(self) -> float:
        """The share of points on the right side of the boundary."""
        right = sum((self.score(x) > 0) == (label > 0) for x, label in zip(self.X, self.labels))
        return right / len(self.X)

    def score(self, point: Sequence[float]) -> float:
        """The model's output at `point`, on floats read from the parameters (a picture only: no graph)."""
        out = list(point)
        for layer in self.model.layers:
            activate = FLOAT_ACTIVATIONS[layer.neurons[0].activation]
            out = [activate(math.fsum(w.data * x for w, x in zip(neuron.w, out)) + neuron.b.data)
                   for neuron in layer.neurons]
        return out[0]

    def boundary(self, size: int = 40) -> list[float]:
        """The scores on a size x size grid over AREA, row by row from the top."""
        x0, x1, y0, y1 = AREA
        return [self.score((x0 + (x1 - x0) * (i + 0.5) / size, y1 - (y1 - y0) * (j + 0.5) / size))
                for j in range(size) for i in range(size)]

    @property
    def source(self) -> str:
        """The Python engine.compile generated for one step (after the first step)."""
        return self.step.source


def state_json(trainer: Trainer, losses: list[float], with_source: bool = False) -> str:
    """What the page draws after a few steps, as JSON text."""
    state = {"losses": losses, "steps": trainer.steps, "accuracy": trainer.accuracy(), "boundary": trainer.boundary(),
             "points": trainer.X, "labels": trainer.labels, "area": AREA}
    if with_source:
        state["source"] = trainer.source
    return json.dumps(state)
