"""Text 001: e = (a + b)(b + 1) at a = 2, b = 1, by backprop (堆放) and by summing over every path.

Summing the products along every path from e to a leaf repeats work (a-c-e and b-c-e both walk c-e);
backprop visits each edge once, piling each node's gradient before passing it on. On a layered graph
the number of paths grows exponentially while the edges grow linearly.

    python docs/examples/backprop_vs_paths.py
"""

from engine import Value, topological_order
from viz import trace_backward


def path_sum(root: Value, leaf: Value) -> tuple[float, int]:
    """d root / d leaf as the sum over every path of the product of local derivatives; and the count
    of multiplications this takes (one per edge of each path)."""
    total, multiplications = 0.0, 0
    stack = [(root, 1.0, 0)]
    while stack:
        node, product, length = stack.pop()
        if node is leaf:
            total += product
            multiplications += length
            continue
        for parent, local in zip(node.parents, node.local_derivatives):
            stack.append((parent, product * local, length + 1))
    return total, multiplications


def backprop_multiplications(root: Value) -> int:
    """backward() does one multiplication per edge."""
    return sum(len(node.parents) for node in topological_order(root))


def layered(width: int, depth: int) -> tuple[Value, Value]:
    """depth layers of `width` nodes, each the sum of every node of the layer below times a constant."""
    x = Value(0.5, label="x")
    layer = [x * (1.0 + 0.1 * k) for k in range(width)]
    for _ in range(depth - 1):
        layer = [sum((node * (1.0 + 0.01 * k) for node in layer), Value(0.0, requires_grad=False)) for k in range(width)]
    out = layer[0]
    for node in layer[1:]:
        out = out + node
    return out, x


def main() -> dict:
    a, b = Value(2.0, label="a"), Value(1.0, label="b")  # the texts' example (texts_example.py)
    c, d = a + b, b + 1
    e = c * d  # e = (a + b)(b + 1) at a = 2, b = 1
    c.label, d.label, e.label = "c", "d", "e"
    trace = trace_backward(e)  # a picture of one pass: it reads the graph, and changes no .grad
    print(trace)
    e.backward()
    by_paths = {name: path_sum(e, leaf) for name, leaf in (("a", a), ("b", b))}
    print(f"\nby paths: de/da = {by_paths['a'][0]:g}, de/db = {by_paths['b'][0]:g} "
          f"({by_paths['a'][1] + by_paths['b'][1]} multiplications); "
          f"backprop: {a.grad:g}, {b.grad:g} ({backprop_multiplications(e)} multiplications)")

    counts = []
    for depth in (2, 4, 6, 8):
        out, x = layered(3, depth)
        out.backward()
        gradient, path_multiplications = path_sum(out, x)
        counts.append((depth, path_multiplications, backprop_multiplications(out), gradient, x.grad))
        print(f"layered graph, width 3, depth {depth}: paths cost {path_multiplications} multiplications, "
              f"backprop {backprop_multiplications(out)}; both give d/dx = {x.grad:.6g}")
    return {"a": a.grad, "b": b.grad, "paths_a": by_paths["a"][0], "paths_b": by_paths["b"][0],
            "b_pile": trace.piles[b], "layered": counts}


if __name__ == "__main__":
    main()
