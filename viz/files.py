"""Finding a Graphviz `dot` and writing pictures: SVG and PNG files, or the `.dot` source.

A `dot` on PATH is used when there is one; otherwise the `graphviz-pure` executable that the
`viz` extra installs (a static build of dot: no system package needed), found in this Python's
scripts folder, then on PATH.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import Union

from nn.serialize import write_atomically

PathLike = Union[str, "os.PathLike[str]"]
FORMATS = ("svg", "png", "dot")


class MissingRendererError(RuntimeError):
    """No Graphviz renderer (neither `dot` nor `graphviz-pure`) could be found."""


class MissingDependencyError(ImportError):
    """An optional dependency (an extra) is not installed."""


def require(module: str, extra: str):
    """Import an optional dependency, or say which extra installs it."""
    try:
        return __import__(module)
    except ImportError:
        raise MissingDependencyError(
            f"{module} is not installed; install the '{extra}' extra: pip install 'chaingrad[{extra}]'"
        ) from None


def find_dot() -> str | None:
    """The path of a Graphviz dot to run: `dot` on PATH, else graphviz-pure; None if neither exists."""
    on_path = shutil.which("dot")
    if on_path:
        return on_path
    for folder in (sysconfig.get_path("scripts"), os.path.dirname(sys.executable)):
        for name in ("graphviz-pure", "graphviz-pure.exe"):
            candidate = os.path.join(folder, name)
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    return shutil.which("graphviz-pure")


def configure_graphviz(required: bool = True):
    """The graphviz package, pointed at the renderer find_dot() chose (so that a Digraph displays in
    Jupyter and renders without a system Graphviz). Without a renderer: MissingRendererError if
    `required`, else the package as it is."""
    graphviz = require("graphviz", "viz")
    dot = find_dot()
    if dot is None and not required:
        return graphviz
    if dot is None:
        raise MissingRendererError(
            "no Graphviz renderer found: install the 'viz' extra (pip install 'chaingrad[viz]', which brings "
            "graphviz-pure, a static dot) or a system Graphviz; saving the '.dot' source works without one"
        )
    graphviz.backend.dot_command.DOT_BINARY = Path(dot)
    return graphviz


def write_picture(graph, path: PathLike) -> Path:
    """Write a graphviz.Digraph to `path`; the format comes from the suffix (.svg, .png or .dot).

    Files are written atomically (a temporary file renamed over the target).
    """
    target = Path(path)
    file_format = target.suffix.lstrip(".").lower()
    if file_format not in FORMATS:
        raise ValueError(f"cannot write {target.name!r}: use a .svg, .png or .dot file name")
    if file_format == "dot":
        write_atomically(target, graph.source.encode("utf-8"))
        return target
    configure_graphviz()
    data = graph.pipe(format=file_format, quiet=True)  # quiet: graphviz-pure warns about widths of non-ASCII text
    write_atomically(target, data)
    return target
