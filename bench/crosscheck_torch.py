"""Optional: second and third derivatives of chaingrad against PyTorch's, on random expressions.

Not part of the test suite (which never needs PyTorch). In a venv with torch and chaingrad:

    pip install torch==2.13.0 && pip install -e .
    python -m bench.crosscheck_torch            # 2,000 random expressions by default

Each expression is a random tree over three inputs of the ops both engines share; the script compares
the Hessian (engine.hessian against torch.autograd.functional.hessian) and the third derivative in
the first input (grad of grad of grad, against torch.autograd.grad three times), in float64.
"""

from __future__ import annotations

import argparse
import math
import random
import sys

import torch

import engine
from engine import Value

UNARY = {
    "exp": (lambda v: v.exp(), torch.exp),
    "tanh": (lambda v: v.tanh(), torch.tanh),
    "sigmoid": (lambda v: v.sigmoid(), torch.sigmoid),
    "softplus": (lambda v: v.softplus(), torch.nn.functional.softplus),
    "sin": (lambda v: v.sin(), torch.sin),
    "cos": (lambda v: v.cos(), torch.cos),
    "log1+x^2": (lambda v: (1.0 + v * v).log(), lambda t: torch.log(1.0 + t * t)),
    "sqrt1+x^2": (lambda v: (1.0 + v * v).sqrt(), lambda t: torch.sqrt(1.0 + t * t)),
    "cube": (lambda v: v**3, lambda t: t**3),
    "2^x": (lambda v: 2**v, lambda t: 2**t),
    "1/(1+x^2)": (lambda v: 1.0 / (1.0 + v * v), lambda t: 1.0 / (1.0 + t * t)),
}
BINARY = {
    "+": (lambda a, b: a + b, lambda a, b: a + b),
    "-": (lambda a, b: a - b, lambda a, b: a - b),
    "*": (lambda a, b: a * b, lambda a, b: a * b),
    "/": (lambda a, b: a / (1.5 + b * b), lambda a, b: a / (1.5 + b * b)),
    "**": (lambda a, b: (1.0 + a * a) ** (b.tanh()), lambda a, b: (1.0 + a * a) ** torch.tanh(b)),
    "dot": (lambda a, b: engine.dot([a, b, 2.0], [b, b, a]), lambda a, b: a * b + b * b + 2.0 * a),
}


def random_expression(rng: random.Random, depth: int):
    """A random expression: ('x', i), ('unary', name, e) or ('binary', name, e1, e2)."""
    if depth == 0 or rng.random() < 0.2:
        return ("x", rng.randrange(3))
    if rng.random() < 0.5:
        return ("unary", rng.choice(sorted(UNARY)), random_expression(rng, depth - 1))
    return ("binary", rng.choice(sorted(BINARY)), random_expression(rng, depth - 1), random_expression(rng, depth - 1))


def evaluate(expression, inputs, side: int):
    """The expression on chaingrad Values (side 0) or torch tensors (side 1)."""
    kind = expression[0]
    if kind == "x":
        return inputs[expression[1]]
    if kind == "unary":
        return UNARY[expression[1]][side](evaluate(expression[2], inputs, side))
    return BINARY[expression[1]][side](evaluate(expression[2], inputs, side), evaluate(expression[3], inputs, side))


def torch_third(expression, point: list[float]) -> float:
    """d³/dx0³ of the expression at point, by torch.autograd.grad three times."""
    x = torch.tensor(point[0], dtype=torch.float64, requires_grad=True)
    rest = [torch.tensor(number, dtype=torch.float64) for number in point[1:]]
    derivative = evaluate(expression, [x, *rest], 1) + 0.0 * x
    for _ in range(3):
        (derivative,) = torch.autograd.grad(derivative, x, create_graph=True)
        derivative = derivative + 0.0 * x  # still differentiable where it is a constant
    return derivative.item()


def chaingrad_third(expression, point: list[float]) -> float:
    """d³/dx0³ of the expression at point, by grad(grad(grad(f)))."""
    rest = [Value(number, requires_grad=False) for number in point[1:]]
    return float(engine.grad(engine.grad(engine.grad(lambda a: evaluate(expression, [a, *rest], 0))))(point[0]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    arguments = parser.parse_args()
    rng = random.Random(arguments.seed)
    worst = 0.0
    compared = 0
    for _ in range(arguments.count):
        expression = random_expression(rng, 4)
        point = [rng.uniform(-1.5, 1.5) for _ in range(3)]
        ours = engine.hessian(lambda a, b, c: evaluate(expression, [a, b, c], 0), point)
        theirs = torch.autograd.functional.hessian(
            lambda t: evaluate(expression, [t[0], t[1], t[2]], 1) + 0.0 * t[0], torch.tensor(point, dtype=torch.float64)
        ).tolist()
        pairs = [*zip(sum(ours, []), sum(theirs, [])), (chaingrad_third(expression, point), torch_third(expression, point))]
        for mine, other in pairs:
            if not (math.isfinite(mine) and math.isfinite(other)):
                continue
            error = abs(mine - other) / max(1.0, abs(other))
            worst = max(worst, error)
            compared += 1
            if error > 1e-9:
                print(f"MISMATCH {expression} at {point}: chaingrad {mine!r}, torch {other!r}", file=sys.stderr)
                return 1
    print(f"{arguments.count} random expressions, {compared} second and third derivatives compared with "
          f"PyTorch {torch.__version__}: largest relative difference {worst:.1e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
