"""Draws the picture at the top of README.md: e = (a + b)(b + 1) after backward(), with the flow.

    python docs/readme_picture.py     # writes docs/graph.svg
"""

from pathlib import Path

import viz


def main() -> Path:
    e = viz.texts_example()[-1]
    e.backward()
    return viz.render(e, Path(__file__).with_name("graph.svg"), show_flow=True)


if __name__ == "__main__":
    print(main())
