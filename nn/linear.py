"""Linear: y = W x + b with torch.nn.Linear's shapes (weight[out][in], bias[out]), names and initialisation."""

from __future__ import annotations

import math
from typing import Sequence, Union

import engine
from engine import Value
from nn.generator import Generator, make_rng
from nn.module import Module, check_size

Input = Sequence[Union[Value, float]]


class Linear(Module):
    """out_features dot products of the input with the rows of `weight`, each one engine.dot node.

    Initialisation as torch: weight and bias uniform in [-1/sqrt(in_features), 1/sqrt(in_features)]
    (kaiming_uniform with a = sqrt(5)), drawn from `rng` or Python's `random`.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, rng: Generator = None) -> None:
        check_size("in_features", in_features)
        check_size("out_features", out_features)
        if not isinstance(bias, bool):
            raise TypeError(f"Linear(bias=...) needs True or False, got {type(bias).__name__}: {bias!r}")
        generator = make_rng(rng)
        bound = 1.0 / math.sqrt(in_features)
        self.in_features, self.out_features = in_features, out_features
        self.weight = [[Value(generator.uniform(-bound, bound)) for _ in range(in_features)] for _ in range(out_features)]
        self.bias = [Value(generator.uniform(-bound, bound)) for _ in range(out_features)] if bias else None

    def forward(self, x: Input) -> list[Value]:
        """[W x + b] as a list of out_features Values (a list even for one output, as torch's shape (1,))."""
        if len(x) != self.in_features:
            raise ValueError(f"Linear expects {self.in_features} inputs, got {len(x)}")
        return engine.linear(self.weight, x, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"
