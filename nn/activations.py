"""Activation modules (ReLU, Tanh, Sigmoid, LeakyReLU, Identity), as torch.nn's: each maps
a Value, or a list of Values, elementwise. ACTIVATIONS names the ones a Neuron takes by name."""

from __future__ import annotations

from typing import Any, Callable

from engine import Value
from nn.module import Module


def identity(x: Value) -> Value:
    """x (the 'linear' activation)."""
    return x


ACTIVATION_METHODS: dict[str, Callable[[Value], Value]] = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,
    "linear": identity,
}
ACTIVATIONS = tuple(ACTIVATION_METHODS)


class Activation(Module):
    """Applies `name`'s function to a Value or to each Value of a list."""

    name = "linear"

    def function(self, x: Value) -> Value:
        return ACTIVATION_METHODS[self.name](x)

    def forward(self, x: Any) -> Any:
        """The activation of a Value or of each item of a list (numbers are taken as untracked constants)."""
        if isinstance(x, (list, tuple)):
            return [self.function(item if isinstance(item, Value) else Value(item, requires_grad=False)) for item in x]
        return self.function(x if isinstance(x, Value) else Value(x, requires_grad=False))


class ReLU(Activation):
    """max(0, x)."""

    name = "relu"


class Tanh(Activation):
    """tanh(x)."""

    name = "tanh"


class Sigmoid(Activation):
    """1 / (1 + exp(-x))."""

    name = "sigmoid"


class Identity(Activation):
    """x."""

    name = "linear"


class LeakyReLU(Activation):
    """x if x > 0 else negative_slope * x."""

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01) -> None:
        if isinstance(negative_slope, bool) or not isinstance(negative_slope, (int, float)):
            raise TypeError(f"LeakyReLU(negative_slope) needs a number, got {type(negative_slope).__name__}: {negative_slope!r}")
        self.negative_slope = float(negative_slope)

    def function(self, x: Value) -> Value:
        return x.leaky_relu(self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


BY_NAME: dict[str, type[Activation]] = {
    "relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU, "linear": Identity,
}
