"""Module, Neuron, Layer and MLP: a miniature torch.nn built from engine Values.

Initialisation (the default for every constructor): weights uniform in [-bound, bound] with
bound = gain * sqrt(3 / nin), gain = sqrt(2) for relu and leaky_relu (Kaiming/He uniform) and 1
otherwise (LeCun uniform), so activations keep their scale from layer to layer; biases start at 0.
The random numbers come from the `rng` argument (a `random.Random` or an int seed; default seed 0),
never from a module-level generator, so the same seed always gives the same network.
"""

from __future__ import annotations

import math
import random
from typing import Any, Iterator, Sequence, Union

import engine
from engine import Value

Input = Sequence[Union[Value, float]]
ACTIVATION_METHODS = {
    "relu": Value.relu,
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "leaky_relu": Value.leaky_relu,
    "linear": lambda pre_activation: pre_activation,
}
ACTIVATIONS = tuple(ACTIVATION_METHODS)


def _make_rng(rng: random.Random | int | None) -> random.Random:
    """A random.Random from a generator, a seed, or None (seed 0)."""
    if isinstance(rng, random.Random):
        return rng
    if rng is None:
        return random.Random(0)
    if isinstance(rng, int) and not isinstance(rng, bool):
        return random.Random(rng)
    raise TypeError(f"rng must be a random.Random, an int seed or None, got {type(rng).__name__}: {rng!r}")


def _check_size(name: str, size: object) -> int:
    if isinstance(size, bool) or not isinstance(size, int):
        raise TypeError(f"{name} must be an int, got {type(size).__name__}: {size!r}")
    if size < 1:
        raise ValueError(f"{name} must be at least 1, got {size}")
    return size


class Module:
    """Base class: parameters found by walking attributes, zero_grad, state dicts, a torch-like repr."""

    def named_parameters(self, prefix: str = "") -> Iterator[tuple[str, Value]]:
        """(dotted name, Value) for each tracked parameter, each once, in attribute order."""
        seen: set[int] = set()  # ids of the Values and Modules already yielded or walked
        stack: list[tuple[str, object]] = [(prefix.rstrip("."), self)]
        while stack:
            name, item = stack.pop()
            children: list[tuple[str, object]] = []
            if isinstance(item, Value):
                if item.requires_grad and id(item) not in seen:
                    seen.add(id(item))
                    yield name, item
                continue
            if isinstance(item, Module):
                if id(item) in seen:  # a module reached twice (shared, or a back-reference): walk it once
                    continue
                seen.add(id(item))
                children = list(vars(item).items())
            elif isinstance(item, (list, tuple)):
                children = [(str(index), child) for index, child in enumerate(item)]
            for child_name, child in reversed(children):
                if isinstance(child, (Value, Module, list, tuple)) and not child_name.startswith("_"):
                    stack.append((f"{name}.{child_name}" if name else child_name, child))

    def parameters(self) -> list[Value]:
        """The tracked parameters, each once."""
        return [parameter for _, parameter in self.named_parameters()]

    def num_parameters(self) -> int:
        """How many scalar parameters the module has."""
        return len(self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        for parameter in self.parameters():
            parameter.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """{dotted name: number} for every parameter (the numbers, not the Values)."""
        return {name: parameter.data for name, parameter in self.named_parameters()}

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Set the parameters from `state`; a mismatch raises and changes nothing."""
        from nn.serialize import check_state_dict

        parameters = dict(self.named_parameters())
        numbers = check_state_dict(state, expected=list(parameters))
        for name, number in numbers.items():
            parameters[name].data = number

    def extra_repr(self) -> str:
        """The part of the repr inside the parentheses (as in torch.nn.Module)."""
        return ""

    def _children(self) -> list[tuple[str, Module]]:
        """(dotted name, module) for the modules held directly or in lists."""
        found = []
        for name, item in vars(self).items():
            if isinstance(item, Module):
                found.append((name, item))
            elif isinstance(item, (list, tuple)):
                found += [(f"{name}.{index}", child) for index, child in enumerate(item) if isinstance(child, Module)]
        return found

    def __repr__(self) -> str:
        children = self._children()
        if not children:
            return f"{type(self).__name__}({self.extra_repr()})"
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        for name, child in children:
            lines.append(f"  ({name}): " + repr(child).replace("\n", "\n  "))
        lines.append(")")
        return "\n".join(lines)


class Neuron(Module):
    """activation(w · x + b), with the pre-activation w · x + b as one engine.dot node."""

    def __init__(self, nin: int, activation: str = "relu", rng: random.Random | int | None = None) -> None:
        _check_size("nin", nin)
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        generator = _make_rng(rng)
        gain = math.sqrt(2.0) if activation in ("relu", "leaky_relu") else 1.0
        bound = gain * math.sqrt(3.0 / nin)
        self.w = [Value(generator.uniform(-bound, bound)) for _ in range(nin)]
        self.b = Value(0.0)
        self.activation = activation
        self._activate = ACTIVATION_METHODS[activation]

    def __call__(self, x: Input) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"Neuron expects {len(self.w)} inputs, got {len(x)}")
        return self._activate(engine.dot(self.w, x, bias=self.b))

    def extra_repr(self) -> str:
        return f"nin={len(self.w)}, activation={self.activation!r}"


class Layer(Module):
    """nout Neurons reading the same nin inputs."""

    def __init__(
        self, nin: int, nout: int, activation: str = "relu", rng: random.Random | int | None = None
    ) -> None:
        _check_size("nin", nin)
        _check_size("nout", nout)
        generator = _make_rng(rng)
        self.neurons = [Neuron(nin, activation, generator) for _ in range(nout)]

    def __call__(self, x: Input) -> list[Value]:
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
    """A multi-layer perceptron: hidden layers use `activation`, the last layer is linear."""

    def __init__(
        self, nin: int, nouts: Sequence[int], activation: str = "relu", rng: random.Random | int | None = None
    ) -> None:
        _check_size("nin", nin)
        if not nouts:
            raise ValueError("nouts must list at least one layer size, e.g. MLP(3, [4, 4, 1])")
        sizes = [nin] + [_check_size(f"nouts[{index}]", size) for index, size in enumerate(nouts)]
        generator = _make_rng(rng)
        self.layers = [
            Layer(sizes[index], sizes[index + 1], activation if index < len(nouts) - 1 else "linear", generator)
            for index in range(len(nouts))
        ]

    def __call__(self, x: Input) -> Value | list[Value]:
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

    def extra_repr(self) -> str:
        return ""
