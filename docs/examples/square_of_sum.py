"""Text 000: z = t^2 with t = x + y; the chain rule gives dz/dx = dz/dt dt/dx = 2t = 2(x + y).

    python docs/examples/square_of_sum.py
"""

from engine import Value


def main() -> dict:
    rows = []
    for x0, y0 in [(1.0, 2.0), (3.0, -1.0), (0.5, 0.25)]:
        x, y = Value(x0), Value(y0)
        z = (x + y) ** 2
        z.backward()
        rows.append((x0, y0, z.data, x.grad, 2 * (x0 + y0)))
        print(f"x={x0:g} y={y0:g}: z={z.data:g}, dz/dx by backprop {x.grad:g}, by hand 2(x+y) = {2 * (x0 + y0):g}")
    return {"rows": rows}


if __name__ == "__main__":
    main()
