"""Text 002: why backprop is fast. Central differences need two forward passes per parameter;
backprop needs one forward and one backward pass for all of them, with the same answer.

    python docs/examples/numerical_vs_backprop.py
"""

import time

import engine
import nn
from engine import Value


def main(sizes: tuple[int, ...] = (4, 8, 16)) -> dict:
    X, y = nn.make_moons(20, seed=0)
    labels = [2 * t - 1 for t in y]
    rows = []
    for width in sizes:
        model = nn.MLP(2, [width, width, 1], activation="tanh", rng=0)  # smooth: no kinks for the differences to straddle
        parameters = model.parameters()

        def loss_of(*numbers: Value) -> Value:
            for parameter, number in zip(parameters, numbers):
                parameter.data = number.data
            return nn.hinge([model(x) for x in X], labels)

        start = [p.data for p in parameters]
        began = time.perf_counter()
        numeric = engine.numerical_grad(loss_of, start)
        numeric_seconds = time.perf_counter() - began
        for parameter, number in zip(parameters, start):
            parameter.data = number
        began = time.perf_counter()
        model.zero_grad()
        nn.hinge([model(x) for x in X], labels).backward()
        backprop_seconds = time.perf_counter() - began
        largest = max(abs(p.grad - n) for p, n in zip(parameters, numeric))
        rows.append((len(parameters), 2 * len(parameters), numeric_seconds, backprop_seconds, largest))
        print(f"{len(parameters):5d} parameters: central differences {2 * len(parameters):5d} forward passes "
              f"{numeric_seconds:7.3f} s; backprop 1 forward + 1 backward {backprop_seconds:7.4f} s "
              f"({numeric_seconds / backprop_seconds:5.0f}x faster); largest difference {largest:.1e}")
    return {"rows": rows}


if __name__ == "__main__":
    main()
