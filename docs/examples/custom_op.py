"""Adding an op of your own in one entry: softsign, GELU and hypot.

    python docs/examples/custom_op.py

`engine.Op(name, forward, derivative)` takes the forward on numbers and the local derivatives
written once, in operations that work on numbers and Values alike (arithmetic, abs, engine.tanh,
engine.exp, engine.power, ...). The float path evaluates that line on numbers while the forward
pass runs; backward(create_graph=True) evaluates the same line on the node's Values, so second
(and higher) derivatives of the new op come with no more code. Here each op's first derivative
is checked against central differences and its second with gradgradcheck.
"""

from __future__ import annotations

import math

import engine
from engine import Value

# softsign(x) = x / (1 + |x|);  d/dx = 1 / (1 + |x|)^2
softsign = engine.Op("softsign", lambda x: x / (1.0 + abs(x)), lambda x, y: 1.0 / (1.0 + abs(x)) ** 2)

# GELU, tanh form: 0.5 x (1 + tanh(u)), u = c (x + 0.044715 x^3), c = sqrt(2/pi)
C = math.sqrt(2.0 / math.pi)


def gelu_forward(x: float) -> float:
    return 0.5 * x * (1.0 + math.tanh(C * (x + 0.044715 * x**3)))


def gelu_derivative(x, y):  # x: a number or a Value; y, the output, is not needed here
    t = engine.tanh(C * (x + 0.044715 * x * x * x))
    return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * C * (1.0 + 3 * 0.044715 * x * x)


gelu = engine.Op("gelu", gelu_forward, gelu_derivative)

# hypot(a, b) = sqrt(a^2 + b^2);  d/da = a / y, d/db = b / y: two operands, two local derivatives
hypot = engine.Op("hypot", math.hypot, lambda a, b, y: (a / y, b / y))


def main() -> dict:
    results = {}
    for name, function, point in [
        ("softsign", lambda x: softsign(x), [0.8]),
        ("gelu", lambda x: gelu(x), [0.8]),
        ("hypot", lambda a, b: hypot(a, b), [3.0, 4.0]),
        ("composed", lambda a, b: gelu(hypot(a, softsign(b))) * a, [0.6, -1.2]),
    ]:
        leaves = [Value(number) for number in point]
        out = function(*leaves)
        out.backward()
        numeric = engine.numerical_grad(function, point)
        engine.gradcheck(function, point)
        engine.gradgradcheck(function, point)
        results[name] = {
            "value": out.data,
            "grad": [leaf.grad for leaf in leaves],
            "numeric": numeric,
            "hessian": engine.hessian(function, point),
            "numeric_hessian": engine.numerical_hessian(function, point),
        }
        print(f"{name:9} at {point}: value {out.data:.6f}, gradient {[round(leaf.grad, 6) for leaf in leaves]}, "
              f"Hessian {[[round(h, 6) for h in row] for row in results[name]['hessian']]}")
    print(f"numbers in, a number out: softsign(3.0) = {softsign(3.0)}, hypot(3.0, 4.0) = {hypot(3.0, 4.0)}")
    return results


if __name__ == "__main__":
    main()
