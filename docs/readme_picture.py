"""Draws the picture at the top of README.md: e = (a + b)(b + 1) after backward(), with the flow.

    python docs/readme_picture.py     # writes docs/graph.svg
"""

from pathlib import Path

import viz
from examples.texts_example import texts_example  # docs/examples


def main() -> Path:
    e = texts_example()[-1]
    e.backward()
    return viz.render(e, Path(__file__).with_name("graph.svg"), show_flow=True)


if __name__ == "__main__":
    print(main())
