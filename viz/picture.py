"""The graphviz.Digraph that viz.draw returns: it shows itself in Jupyter through chaingrad's own
run of dot (viz.files.run_dot), so no Graphviz warning ever appears in a notebook's output."""

from __future__ import annotations

import functools

from viz.files import require, run_dot


@functools.lru_cache(maxsize=None)
def picture_class() -> type:
    """graphviz.Digraph with a quiet `_repr_mimebundle_` (the display hook graphviz documents)."""
    graphviz = require("graphviz", "viz")

    class Picture(graphviz.Digraph):  # type: ignore[name-defined]
        """A computation graph picture; in Jupyter it displays as SVG."""

        def _repr_mimebundle_(self, include=None, exclude=None, **_):
            return {"image/svg+xml": run_dot(self.source, "svg").decode("utf-8")}

        def _repr_image_svg_xml(self) -> str:
            return run_dot(self.source, "svg").decode("utf-8")

    return Picture
