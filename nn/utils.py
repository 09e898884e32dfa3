"""Gradient clipping, as torch.nn.utils: clip_grad_norm_ and clip_grad_value_ (scale or clamp .grad in place)."""

from __future__ import annotations

import math
from typing import Iterable, Union

from engine import Value

Parameters = Union[Value, Iterable[Value]]


def _with_gradients(parameters: Parameters, owner: str) -> list[Value]:
    items = [parameters] if isinstance(parameters, Value) else list(parameters)
    for item in items:
        if not isinstance(item, Value):
            raise TypeError(f"{owner} takes Values (model.parameters()), got {type(item).__name__}")
    return [item for item in items if item.grad is not None]


def clip_grad_norm_(parameters: Parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False) -> float:
    """Scale the gradients so that their joint norm is at most max_norm (by max_norm / (norm + 1e-6),
    as torch); returns the norm before clipping. norm_type may be math.inf."""
    gradients = _with_gradients(parameters, "clip_grad_norm_")
    max_norm, norm_type = float(max_norm), float(norm_type)
    if not gradients:
        return 0.0
    numbers = [abs(float(getattr(item.grad, "data", item.grad))) for item in gradients]  # a Value's number as is
    if norm_type == math.inf:
        total = max(numbers)
    else:
        total = math.fsum(number**norm_type for number in numbers) ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"the total norm of order {norm_type} of the gradients is {total}, so they cannot be clipped; "
            "set error_if_nonfinite=False to clip anyway"
        )
    coefficient = max_norm / (total + 1e-6)
    if coefficient < 1.0:
        for item in gradients:
            item.grad = item.grad * coefficient
    return total


def clip_grad_value_(parameters: Parameters, clip_value: float) -> None:
    """Clamp every gradient into [-clip_value, clip_value]."""
    limit = float(clip_value)
    for item in _with_gradients(parameters, "clip_grad_value_"):
        item.grad = min(max(item.grad, -limit), limit)
