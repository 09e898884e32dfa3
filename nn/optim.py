"""Optimizers: SGD (with momentum and weight decay) and Adam, with PyTorch's update rules."""

from __future__ import annotations

import math
from typing import Iterable

from engine import Value


def _unique_parameters(parameters: Iterable[Value], owner: str) -> list[Value]:
    """The Values in `parameters`, each once, in order; TypeError for anything else."""
    unique: dict[int, Value] = {}
    for parameter in parameters:
        if not isinstance(parameter, Value):
            raise TypeError(f"{owner} optimizes Values, got {type(parameter).__name__}: {parameter!r}")
        unique.setdefault(id(parameter), parameter)
    if not unique:
        raise ValueError(f"{owner} got an empty parameter list; pass model.parameters()")
    return list(unique.values())


def _check(owner: str, name: str, number: object, low: float, high: float = math.inf, low_open: bool = False) -> float:
    """`number` as a float in [low, high) (or (low, high) with low_open); ValueError naming the argument."""
    if isinstance(number, bool) or not isinstance(number, (int, float)):
        raise TypeError(f"{owner}: {name} must be a number, got {type(number).__name__}: {number!r}")
    value = float(number)
    if not (low < value if low_open else low <= value) or not value < high or math.isnan(value):
        interval = f"{'(' if low_open else '['}{low}, {high})"
        raise ValueError(f"{owner}: {name} must lie in {interval}, got {number!r}")
    return value


class Optimizer:
    """Holds the parameters; zero_grad() clears their gradients, step() updates them (reading a
    Value gradient, from backward(create_graph=True), by its number)."""

    def __init__(self, parameters: Iterable[Value], lr: float) -> None:
        owner = type(self).__name__
        self.parameters = _unique_parameters(parameters, owner)
        self.lr = _check(owner, "lr", lr, 0.0, low_open=True)

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0."""
        for parameter in self.parameters:
            parameter.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """p -= lr * v with v = momentum * v + (grad + weight_decay * p) (v = the first gradient at step 1)."""

    def __init__(self, parameters: Iterable[Value], lr: float, momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        super().__init__(parameters, lr)
        self.momentum = _check("SGD", "momentum", momentum, 0.0, 1.0)
        self.weight_decay = _check("SGD", "weight_decay", weight_decay, 0.0)
        self.velocity: list[float] | None = None

    def step(self) -> None:
        lr, momentum, decay = self.lr, self.momentum, self.weight_decay
        if momentum == 0.0:
            for parameter in self.parameters:
                parameter.data -= lr * (float(parameter.grad) + decay * parameter.data)
            return
        gradients = [float(parameter.grad) + decay * parameter.data for parameter in self.parameters]
        if self.velocity is None:
            self.velocity = gradients
        else:
            self.velocity = [momentum * v + g for v, g in zip(self.velocity, gradients)]
        for parameter, v in zip(self.parameters, self.velocity):
            parameter.data -= lr * v


class Adam(Optimizer):
    """Adam (Kingma and Ba), bias-corrected, with L2 weight decay added to the gradient as in torch.optim.Adam."""

    def __init__(
        self,
        parameters: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(parameters, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_check("Adam", "betas[0]", betas[0], 0.0, 1.0), _check("Adam", "betas[1]", betas[1], 0.0, 1.0))
        self.eps = _check("Adam", "eps", eps, 0.0, low_open=True)
        self.weight_decay = _check("Adam", "weight_decay", weight_decay, 0.0)
        self.steps = 0
        self.first_moment = [0.0] * len(self.parameters)
        self.second_moment = [0.0] * len(self.parameters)

    def step(self) -> None:
        beta1, beta2 = self.betas
        self.steps += 1
        correction1 = 1.0 - beta1**self.steps
        correction2 = 1.0 - beta2**self.steps
        for index, parameter in enumerate(self.parameters):
            gradient = float(parameter.grad) + self.weight_decay * parameter.data
            m = self.first_moment[index] = beta1 * self.first_moment[index] + (1.0 - beta1) * gradient
            v = self.second_moment[index] = beta2 * self.second_moment[index] + (1.0 - beta2) * gradient * gradient
            parameter.data -= self.lr * (m / correction1) / (math.sqrt(v / correction2) + self.eps)
