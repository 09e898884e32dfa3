"""The graphviz.Digraph that viz.draw returns: it shows itself in Jupyter through chaingrad's own
run of dot (viz.files.run_dot), so no Graphviz warning ever appears in a notebook's output, and
narrowed to the notebook's width when it is wider (a wide graph keeps its output in view)."""

from __future__ import annotations

import functools
import re

from viz.files import require, run_dot


def fit_width(svg: str) -> str:
    """Graphviz's SVG shown at its own size, or narrower to fit its container (never wider)."""
    return re.sub(r"<svg width=", '<svg style="max-width: 100%; height: auto" width=', svg, count=1)


@functools.lru_cache(maxsize=None)
def picture_class() -> type:
    """graphviz.Digraph with a quiet `_repr_mimebundle_` (the display hook graphviz documents)."""
    graphviz = require("graphviz", "viz")

    class Picture(graphviz.Digraph):  # type: ignore[name-defined]
        """A computation graph picture; in Jupyter it displays as SVG."""

        def _repr_mimebundle_(self, include=None, exclude=None, **_):
            return {"image/svg+xml": self._repr_image_svg_xml()}

        def _repr_image_svg_xml(self) -> str:
            return fit_width(run_dot(self.source, "svg").decode("utf-8"))

    return Picture
