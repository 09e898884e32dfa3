"""Text 000: the apple-purchase graph, and apple plus orange, with the gradients the text prints.

    python docs/examples/apple.py
"""

from engine import Value


def main() -> dict:
    # 2 apples at 100 each, consumption tax 1.1
    apple, count, tax = Value(100.0, label="apple"), Value(2.0, label="count"), Value(1.1, label="tax")
    total = apple * count * tax
    total.backward()
    print(f"apples: total {total.data:g}; d/d apple price {apple.grad:g}, d/d count {count.grad:g}, d/d tax {tax.grad:g}")

    # 2 apples at 100, 3 oranges at 150, tax 1.1
    apple2, apple_count = Value(100.0), Value(2.0)
    orange, orange_count = Value(150.0), Value(3.0)
    tax2 = Value(1.1)
    total2 = (apple2 * apple_count + orange * orange_count) * tax2
    total2.backward()
    print(f"apples and oranges: total {total2.data:g}; d/d apple count {apple_count.grad:g}, "
          f"d/d apple price {apple2.grad:g}, d/d orange price {orange.grad:g}, "
          f"d/d orange count {orange_count.grad:g}, d/d tax {tax2.grad:g}")
    return {
        "total": total.data, "apple": apple.grad, "count": count.grad, "tax": tax.grad,
        "total2": total2.data, "apple_count": apple_count.grad, "apple_price": apple2.grad,
        "orange_price": orange.grad, "orange_count": orange_count.grad, "tax2": tax2.grad,
    }


if __name__ == "__main__":
    main()
