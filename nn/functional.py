"""nn.functional, as torch.nn.functional: the loss functions and softmaxes under torch's names, beside
chaingrad's own (nn.mse is F.mse_loss). Batches are lists, as in nn.losses.

    >>> import engine
    >>> import nn.functional as F
    >>> F.mse_loss([engine.Value(1.0), engine.Value(3.0)], [0.0, 1.0]).data
    2.5

``binary_cross_entropy_with_logits`` takes logits, as torch's; torch's ``binary_cross_entropy``
takes probabilities, and chaingrad's ``nn.binary_cross_entropy`` takes logits, so that name is
not offered here (it would silently mean another thing to a torch user).
"""

from __future__ import annotations

from nn.losses import (
    binary_cross_entropy as binary_cross_entropy_with_logits,
    cross_entropy,
    hinge,
    l2,
    log_softmax,
    mse as mse_loss,
    quadratic_cost,
    softmax,
)

__all__ = [
    "binary_cross_entropy_with_logits", "cross_entropy", "hinge", "l2", "log_softmax", "mse_loss", "quadratic_cost",
    "softmax",
]
