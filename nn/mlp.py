"""Neuron, Layer and MLP in micrograd's shape (an MLP whose last layer has one neuron returns a Value).

Initialisation: weights uniform in [-bound, bound] with bound = gain * sqrt(3 / nin), gain = sqrt(2)
for relu and leaky_relu (Kaiming/He uniform) and 1 otherwise (LeCun uniform); biases start at 0.
The numbers come from `rng` (a random.Random or an int seed) or, without one, from Python's `random`
(nn.generator). micrograd's `nonlin=True/False` is accepted for relu/linear. A neuron's pre-activation is
one engine.dot node, and neuron(x) is Neuron.forward itself (Module.__init_subclass__); MLP.forward
builds each layer with engine.linear (the same dot nodes, the inputs read once per layer).
"""

from __future__ import annotations

import math
from typing import Any, Sequence, Union

import engine
from engine import Value
from nn.activations import ACTIVATION_METHODS, ACTIVATIONS
from nn.generator import Generator, make_rng
from nn.module import Module, check_size
from nn.sequential import Sequential, sequential_from_mlp

Input = Sequence[Union[Value, float]]


def _activation(activation: str | None, nonlin: bool | None, default: str = "relu") -> str:
    """The activation name from `activation` or micrograd's `nonlin` (True: relu, False: linear)."""
    if nonlin is not None:
        if not isinstance(nonlin, bool):
            raise TypeError(f"nonlin must be True or False (micrograd's argument), got {nonlin!r}")
        wanted = "relu" if nonlin else "linear"
        if activation is not None and activation != wanted:
            raise ValueError(f"activation={activation!r} and nonlin={nonlin} disagree; pass one of them")
        return wanted
    activation = default if activation is None else activation
    if activation not in ACTIVATIONS:
        raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    return activation


class Neuron(Module):
    """activation(w · x + b), with the pre-activation w · x + b as one engine.dot node."""

    def __init__(self, nin: int, activation: str | None = None, rng: Generator = None, *, nonlin: bool | None = None) -> None:
        check_size("nin", nin)
        activation = _activation(activation, nonlin)
        generator = make_rng(rng)
        gain = math.sqrt(2.0) if activation in ("relu", "leaky_relu") else 1.0
        bound = gain * math.sqrt(3.0 / nin)
        self.w = [Value(generator.uniform(-bound, bound)) for _ in range(nin)]
        self.b = Value(0.0)
        self.activation = activation
        self._activate = ACTIVATION_METHODS[activation]

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: False for a linear neuron."""
        return self.activation != "linear"

    def forward(self, x: Input) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron expects {len(self.w)} inputs, got {len(x)}")
        return self._activate(engine.dot(self.w, x, bias=self.b))

    def __getstate__(self) -> dict[str, Any]:
        state = dict(vars(self))
        state.pop("_activate", None)  # a method of Value: found again by name
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        vars(self).update(state)
        self._activate = ACTIVATION_METHODS[self.activation]

    def extra_repr(self) -> str:
        return f"nin={len(self.w)}, activation={self.activation!r}"


class Layer(Module):
    """nout Neurons reading the same nin inputs."""

    def __init__(
        self, nin: int, nout: int, activation: str | None = None, rng: Generator = None, *, nonlin: bool | None = None
    ) -> None:
        check_size("nin", nin)
        check_size("nout", nout)
        activation = _activation(activation, nonlin)
        generator = make_rng(rng)
        self.neurons = [Neuron(nin, activation, generator) for _ in range(nout)]

    def forward(self, x: Input) -> list[Value]:
        nin = len(self.neurons[0].w)
        if len(x) != nin:
            raise ValueError(f"Layer expects {nin} inputs, got {len(x)}")
        return [neuron(x) for neuron in self.neurons]

    def extra_repr(self) -> str:
        first = self.neurons[0]
        return f"nin={len(first.w)}, nout={len(self.neurons)}, activation={first.activation!r}"

    def _children(self) -> list[tuple[str, Module]]:
        return []  # neurons are summarised by extra_repr


class MLP(Module):
    """A multi-layer perceptron: hidden layers use `activation` (or micrograd's nonlin), the last layer is linear."""

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: str | None = None, rng: Generator = None, *, nonlin: bool | None = None
    ) -> None:
        check_size("nin", nin)
        if not nouts:
            raise ValueError("nouts must list at least one layer size, e.g. MLP(3, [4, 4, 1])")
        activation = _activation(activation, nonlin)
        sizes = [nin] + [check_size(f"nouts[{index}]", size) for index, size in enumerate(nouts)]
        generator = make_rng(rng)
        self.layers = [
            Layer(sizes[index], sizes[index + 1], activation if index < len(nouts) - 1 else "linear", generator)
            for index in range(len(nouts))
        ]

    def forward(self, x: Input) -> Value | list[Value]:
        """The outputs for one input vector: a Value if the last layer has one neuron, else a list."""
        nin = len(self.layers[0].neurons[0].w)
        if len(x) != nin:
            raise ValueError(f"MLP expects {nin} inputs, got {len(x)}")
        out: list[Any] = list(x)
        for layer in self.layers:
            neurons = layer.neurons
            out = engine.linear([neuron.w for neuron in neurons], out, [neuron.b for neuron in neurons])
            activate = neurons[0]._activate
            out = [activate(value) for value in out]
        return out[0] if len(out) == 1 else out

    def to_sequential(self) -> Sequential:
        """An nn.Sequential of Linear and activation modules holding these very Values (training one
        trains the other), with torch's state-dict names: "0.weight", "0.bias", "2.weight", ..."""
        return sequential_from_mlp(self)
