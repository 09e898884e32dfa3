"""Backprop written out by the engine: engine.compile's generated code for one tanh neuron.

    python docs/examples/compiled_neuron.py

The neuron of micrograd's lecture, o = tanh(x1 w1 + x2 w2 + b), traced once by engine.compile.
`compiled.source` is the Python it runs from then on: the forward, one line per node, named after
the Values' labels, then the backward, one line per gradient, each the sum of its consumers'
gradients times their local derivatives (BP1-BP4 by hand, written by the engine). A line with
local derivative 1 (the + nodes) needs no line of its own: grad_n is also grad_x1w1_x2w2 and grad_b.
"""

from __future__ import annotations

import engine
from engine import Value


def main() -> dict:
    w1, w2, b = Value(-3.0, label="w1"), Value(1.0, label="w2"), Value(6.8813735870195432, label="b")

    def neuron(x1, x2):
        x1w1 = x1 * w1
        x1w1.label = "x1w1"
        x2w2 = x2 * w2
        x2w2.label = "x2w2"
        x1w1_x2w2 = x1w1 + x2w2
        x1w1_x2w2.label = "x1w1_x2w2"
        n = x1w1_x2w2 + b
        n.label = "n"
        o = n.tanh()
        o.label = "o"
        return o

    compiled = engine.compile(neuron)
    o = compiled(2.0, 0.0)  # the first call traces and generates the code; later calls only run it
    o.backward()
    print(compiled.source)
    print(f"o = {o.data:.4f}; w1.grad = {w1.grad:.4f}, w2.grad = {w2.grad:.4f}, b.grad = {b.grad:.4f}")
    return {"source": compiled.source, "o": o.data, "w1": w1.grad, "w2": w2.grad, "b": b.grad}


if __name__ == "__main__":
    main()
