"""Training pictures with matplotlib (the `plot` extra, imported only when called).

Each function returns a matplotlib Figure (Jupyter shows it inline) and writes it to `path` when
one is given. Figures are made with matplotlib.figure.Figure, not pyplot: no backend is chosen or
switched, and pyplot's list of open figures is not touched, so a notebook's own plt.show() keeps
working.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Mapping, Sequence, Union

import engine
from viz.files import PathLike, require, write_atomically

History = Union[Sequence[float], Mapping[str, Sequence[float]]]


@functools.lru_cache(maxsize=None)
def figure_class() -> type:
    """matplotlib's Figure that also shows itself as PNG in Jupyter when no backend registered one."""
    require("matplotlib", "plot")
    from matplotlib.figure import Figure

    class PlotFigure(Figure):
        """A matplotlib Figure made without pyplot."""

        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
            return buffer.getvalue()

    return PlotFigure


def _figure(width: float, height: float):
    """A Figure of its own (no pyplot, no backend switch)."""
    require("matplotlib", "plot")
    return figure_class()(figsize=(width, height))


def _save(figure, path: PathLike) -> Path:
    target = Path(path)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=target.suffix.lstrip(".") or "png", dpi=110, bbox_inches="tight")
    write_atomically(target, buffer.getvalue())
    return target


def plot_decision_boundary(model, X: Sequence[Sequence[float]], y: Sequence[int], path: PathLike | None = None,
                           resolution: int = 60):
    """The model's decision regions over the data's range with the points on top, as a Figure
    (also written to `path` if given).

    Binary models (one output) split at score 0; multi-class models colour the arg-max class.
    """
    figure = _figure(5, 5)
    xs = [point[0] for point in X]
    ys = [point[1] for point in X]
    margin_x = (max(xs) - min(xs)) * 0.1 + 0.1
    margin_y = (max(ys) - min(ys)) * 0.1 + 0.1
    grid_x = [min(xs) - margin_x + (max(xs) - min(xs) + 2 * margin_x) * i / (resolution - 1) for i in range(resolution)]
    grid_y = [min(ys) - margin_y + (max(ys) - min(ys) + 2 * margin_y) * j / (resolution - 1) for j in range(resolution)]
    with engine.no_grad():
        regions = []
        for gy in grid_y:
            row = []
            for gx in grid_x:
                out = model([gx, gy])
                if isinstance(out, list):
                    row.append(max(range(len(out)), key=lambda k: out[k].data))
                else:
                    row.append(1 if out.data > 0 else 0)
            regions.append(row)
    axes = figure.subplots()
    classes = max(max(y) + 1, 2)
    axes.contourf(grid_x, grid_y, regions, alpha=0.35, cmap="coolwarm", levels=[c - 0.5 for c in range(classes + 1)])
    axes.scatter(xs, ys, c=list(y), cmap="coolwarm", edgecolors="black", s=28)
    axes.set_title("decision boundary")
    if path is not None:
        _save(figure, path)
    return figure


def plot_loss(history: History, path: PathLike | None = None):
    """Loss per step (and accuracy, when `history` is a mapping with an 'accuracy' list), as a
    Figure (also written to `path` if given)."""
    series = {"loss": list(history)} if not isinstance(history, Mapping) else dict(history)
    if "loss" not in series or not series["loss"]:
        raise ValueError("plot_loss needs a non-empty loss history (a list, or a mapping with a 'loss' list)")
    figure = _figure(6, 3.5)
    axes = figure.subplots()
    axes.plot(series["loss"], color="tab:red", label="loss")
    axes.set_xlabel("step")
    axes.set_ylabel("loss")
    if series.get("accuracy"):
        other = axes.twinx()
        other.plot(series["accuracy"], color="tab:blue", label="accuracy")
        other.set_ylabel("accuracy")
        other.set_ylim(0, 1.05)
        lines = axes.get_lines() + other.get_lines()
        axes.legend(lines, [line.get_label() for line in lines], loc="center right")
    axes.set_title("training")
    if path is not None:
        _save(figure, path)
    return figure
