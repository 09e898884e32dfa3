"""micrograd's lecture neuron: o = tanh(x1·w1 + x2·w2 + b), built op by op, every Value labelled as
the lecture labels it (10 Values; b chosen so that n = 0.8814 and o = 0.7071).

The explorer's screenshots and its tests draw this graph; it lives here, beside the other worked
examples, rather than in the library.

    python docs/examples/lecture_neuron.py
"""

from typing import Any

from engine import Value


def lecture_neuron(value_class: Any = Value) -> dict[str, Any]:
    """The lecture's Values by label (x1, x2, w1, w2, b, n, o, ...), made with `value_class`: chaingrad's
    Value, or a learner's own micrograd-style one (taking data and label)."""
    x1, x2 = value_class(2.0, label="x1"), value_class(0.0, label="x2")
    w1, w2 = value_class(-3.0, label="w1"), value_class(1.0, label="w2")
    b = value_class(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    x1w1x2w2 = x1w1 + x2w2
    x1w1x2w2.label = "x1*w1 + x2*w2"
    n = x1w1x2w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return {value.label: value for value in (x1, x2, w1, w2, b, x1w1, x2w2, x1w1x2w2, n, o)}


def main() -> dict:
    values = lecture_neuron()
    values["o"].backward()
    print(f"o = {values['o'].data:.4f}; do/dx1 = {values['x1'].grad:g}, do/dw1 = {values['w1'].grad:g}, "
          f"do/dx2 = {values['x2'].grad:g}, do/dw2 = {values['w2'].grad:g}")
    return {label: (value.data, value.grad) for label, value in values.items()}


if __name__ == "__main__":
    main()
