"""The backprop texts' example graph: e = (a + b)(b + 1) at a = 2, b = 1, every Value labelled.

The pictures, the explorer and the tests draw this graph; it lives here, beside the other worked
examples, rather than in the library.

    python docs/examples/texts_example.py
"""

from engine import Value


def texts_example() -> tuple[Value, Value, Value, Value, Value]:
    """(a, b, c, d, e) with c = a + b, d = b + 1, e = c * d, at a = 2, b = 1."""
    a, b = Value(2.0, label="a"), Value(1.0, label="b")
    c, d = a + b, b + 1
    e = c * d
    c.label, d.label, e.label = "c", "d", "e"
    return a, b, c, d, e


def main() -> dict:
    a, b, c, d, e = texts_example()
    e.backward()
    print(f"e = {e.data:g}; de/da = {a.grad:g}, de/db = {b.grad:g} (b reaches e along two paths)")
    return {"e": e.data, "a": a.grad, "b": b.grad}


if __name__ == "__main__":
    main()
