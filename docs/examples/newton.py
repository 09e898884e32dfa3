"""Newton's method against gradient descent, on a 1-D and a 2-D function.

Gradient descent uses the first derivative only: x <- x - lr * f'(x). Newton's method also uses the
second, from create_graph: x <- x - f'(x) / f''(x) in 1-D, x <- x - H^-1 grad f in 2-D, and near a
minimum it doubles the number of correct digits at every step.

    python docs/examples/newton.py
"""

from __future__ import annotations

import math
from typing import Callable

from engine import Value, grad, hessian

TOLERANCE = 1e-10  # stop when |gradient| is below this


def exp_minus_2x(x: Value) -> Value:
    """e^x - 2x: its minimum is at x = ln 2, where f'' = 2."""
    return x.exp() - 2 * x


def rosenbrock(x: Value, y: Value) -> Value:
    """(1 - x)^2 + 100 (y - x^2)^2: a curved valley with its minimum at (1, 1)."""
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def newton_1d(f: Callable[[Value], Value], x: float, max_steps: int = 50) -> list[tuple[float, float]]:
    """(x, f'(x)) at each step of x <- x - f'(x) / f''(x), until |f'(x)| < TOLERANCE."""
    first, second = grad(f), grad(grad(f))
    path = [(x, first(x))]
    while abs(path[-1][1]) >= TOLERANCE and len(path) <= max_steps:
        x -= path[-1][1] / second(x)
        path.append((x, first(x)))
    return path


def descent_1d(f: Callable[[Value], Value], x: float, lr: float, max_steps: int) -> list[tuple[float, float]]:
    """(x, f'(x)) at each step of x <- x - lr f'(x), until |f'(x)| < TOLERANCE."""
    first = grad(f)
    path = [(x, first(x))]
    while abs(path[-1][1]) >= TOLERANCE and len(path) <= max_steps:
        x -= lr * path[-1][1]
        path.append((x, first(x)))
    return path


def newton_2d(f: Callable[[Value, Value], Value], point: tuple[float, float], max_steps: int = 50) -> list:
    """(point, |grad|) at each step of point <- point - H^-1 grad, with the 2x2 solve by Cramer's rule."""
    gradient = grad(f, (0, 1))
    x, y = point
    g = gradient(x, y)
    path = [((x, y), math.hypot(*g))]
    while path[-1][1] >= TOLERANCE and len(path) <= max_steps:
        (a, b), (c, d) = hessian(f, [x, y])
        determinant = a * d - b * c
        x, y = x - (d * g[0] - b * g[1]) / determinant, y - (a * g[1] - c * g[0]) / determinant
        g = gradient(x, y)
        path.append(((x, y), math.hypot(*g)))
    return path


def descent_2d(f: Callable[[Value, Value], Value], point: tuple[float, float], lr: float, max_steps: int) -> list:
    """(point, |grad|) at each step of point <- point - lr grad."""
    gradient = grad(f, (0, 1))
    x, y = point
    g = gradient(x, y)
    path = [((x, y), math.hypot(*g))]
    while path[-1][1] >= TOLERANCE and len(path) <= max_steps:
        x, y = x - lr * g[0], y - lr * g[1]
        g = gradient(x, y)
        path.append(((x, y), math.hypot(*g)))
    return path


def main(descent_steps: int = 2000) -> dict:
    newton = newton_1d(exp_minus_2x, 2.0)
    descent = descent_1d(exp_minus_2x, 2.0, lr=0.1, max_steps=descent_steps)
    print("1-D: f(x) = e^x - 2x from x = 2 (minimum at ln 2 = 0.6931471806)")
    print(" step   Newton x        |f'(x)|     gradient descent (lr 0.1) x   |f'(x)|")
    for step in range(max(len(newton), 6)):
        left = f"{newton[step][0]:14.10f}  {abs(newton[step][1]):9.2e}" if step < len(newton) else " " * 25
        right = descent[min(step, len(descent) - 1)]
        print(f"{step:5d}  {left}     {right[0]:14.10f}                {abs(right[1]):9.2e}")
    print(f"Newton: |f'| < {TOLERANCE:g} after {len(newton) - 1} steps; "
          f"gradient descent: after {len(descent) - 1} steps")

    newton2 = newton_2d(rosenbrock, (-1.2, 1.0))
    descent2 = descent_2d(rosenbrock, (-1.2, 1.0), lr=1e-3, max_steps=descent_steps)
    print("\n2-D: Rosenbrock (1 - x)^2 + 100 (y - x^2)^2 from (-1.2, 1) (minimum at (1, 1))")
    print(" step   Newton (x, y)                  |grad|")
    for step, ((x, y), size) in enumerate(newton2):
        print(f"{step:5d}  ({x:12.9f}, {y:12.9f})  {size:9.2e}")
    (x, y), size = descent2[-1]
    reached = "reached" if size < TOLERANCE else "not reached"
    print(f"Newton: |grad| < {TOLERANCE:g} after {len(newton2) - 1} steps; gradient descent (lr 0.001) after "
          f"{len(descent2) - 1} steps is at ({x:.6f}, {y:.6f}) with |grad| {size:.2e} ({reached})")
    return {"newton_1d": newton, "descent_1d": descent, "newton_2d": newton2, "descent_2d": descent2}


if __name__ == "__main__":
    main()
