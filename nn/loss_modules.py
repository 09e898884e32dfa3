"""The losses as modules, as torch.nn's MSELoss, CrossEntropyLoss and BCEWithLogitsLoss:
``loss_fn = nn.MSELoss(); loss = loss_fn(predictions, targets)``, each calling its function in
nn.losses on lists (one prediction and one target per sample).

    >>> import engine, nn
    >>> nn.MSELoss()([engine.Value(1.0), engine.Value(3.0)], [0.0, 1.0]).data
    2.5
    >>> nn.MSELoss(reduction="sum")([engine.Value(1.0), engine.Value(3.0)], [0.0, 1.0]).data
    5.0
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

from engine import Value
from nn.losses import binary_cross_entropy, cross_entropy, mse
from nn.module import Module

REDUCTIONS = ("mean", "sum")


class _Loss(Module):
    """A loss function as a module; reduction "mean" (the functions' own) or "sum" (mean times the batch size)."""

    function: Callable[[Any, Any], Value] = staticmethod(mse)

    def __init__(self, reduction: str = "mean") -> None:
        if reduction not in REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}(reduction={reduction!r}): chaingrad's losses reduce by 'mean' or 'sum'; "
                "for one loss per sample, call it on each sample: [loss_fn([p], [t]) for p, t in zip(predictions, targets)]"
            )
        self.reduction = reduction

    def forward(self, predictions: Sequence[Any], targets: Sequence[Any]) -> Value:
        loss = type(self).function(predictions, targets)
        return loss * float(len(predictions)) if self.reduction == "sum" else loss

    def extra_repr(self) -> str:
        return "" if self.reduction == "mean" else f"reduction={self.reduction!r}"


class MSELoss(_Loss):
    """torch.nn.MSELoss: nn.mse (predictions: one Value per sample)."""

    function = staticmethod(mse)


class CrossEntropyLoss(_Loss):
    """torch.nn.CrossEntropyLoss: nn.cross_entropy (logits: a list of Values per sample; targets: class indices)."""

    function = staticmethod(cross_entropy)


class BCEWithLogitsLoss(_Loss):
    """torch.nn.BCEWithLogitsLoss: nn.binary_cross_entropy (logits: one Value per sample; targets in [0, 1])."""

    function = staticmethod(binary_cross_entropy)
