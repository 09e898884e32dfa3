"""Draws the picture at the top of README.md: e = (a + b)(b + 1) after backward(), with the flow.

    python docs/readme_picture.py     # writes docs/graph.svg
"""

from pathlib import Path

import viz
from engine import Value


def main() -> Path:
    a, b = Value(2.0, label="a"), Value(1.0, label="b")
    c = a + b
    c.label = "c"
    d = b + 1
    d.label = "d"
    e = c * d
    e.label = "e"
    e.backward()
    return viz.render(e, Path(__file__).with_name("graph.svg"), show_flow=True)


if __name__ == "__main__":
    print(main())
