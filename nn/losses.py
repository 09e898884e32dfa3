"""Losses as plain functions of Values, each a few commented steps, numerically stable.

Batches are lists: `predictions[i]` is sample i's output (a Value, or a list of Values for vectors).
"""

from __future__ import annotations

from numbers import Real
from typing import Any, Iterable, Sequence, Union

import engine
from engine import Value
from nn.module import Module
from nn.weights.state import short

Scalar = Union[Value, float]


def _check_batch(name: str, predictions: Sequence[object], targets: Sequence[object]) -> int:
    for what, items in (("predictions", predictions), ("targets", targets)):
        if not hasattr(items, "__len__"):
            raise TypeError(
                f"{name} takes lists, one item per sample: {what} is a {type(items).__name__} ({short(items)}); "
                f"e.g. {name}([model(x) for x in X], y), or for one sample {name}([output], [target])"
            )
    if len(predictions) != len(targets):
        raise ValueError(f"{name}: {len(predictions)} predictions but {len(targets)} targets; pass one target per sample")
    if not predictions:
        raise ValueError(f"{name}: the batch is empty")
    return len(predictions)


def _check_scalars(name: str, predictions: Sequence[Any], targets: Sequence[Any]) -> None:
    """One Value or number per sample on each side: a list in its place (a Linear's or Sequential's
    output, a list even for one output) is named, with the [0] that takes its one Value."""
    for what, items in (("predictions", predictions), ("targets", targets)):
        for index, item in enumerate(items):
            if isinstance(item, (list, tuple)) or hasattr(item, "shape") and getattr(item, "shape", ()) != ():
                fix = (f"take its one element: [p[0] for p in {what}]" if len(item) == 1 else
                       "flatten them into one list of samples (or use quadratic_cost for vectors)")
                why = ("a Linear or Sequential returns a list even for one output" if what == "predictions" else
                       "targets as a column, [[y0], [y1], ...], hold a list per sample")
                raise TypeError(
                    f"{name}: {what}[{index}] is a {type(item).__name__} of {len(item)} ({short(item)}), not one "
                    f"Value or number per sample; {fix} ({why})"
                )


def _check_values(name: str, items: Sequence[object], what: str) -> None:
    for index, item in enumerate(items):
        if not isinstance(item, Value):
            raise TypeError(
                f"{name}: {what}[{index}] is a {type(item).__name__} ({item!r}), not a Value; pass the model's "
                "outputs (Values), or wrap numbers as engine.Value(x)"
            )


def mse(predictions: Sequence[Scalar], targets: Sequence[float]) -> Value:
    """Mean squared error (1/n) Σ (prediction - target)^2, as torch.nn.functional.mse_loss."""
    n = _check_batch("mse", predictions, targets)
    _check_scalars("mse", predictions, targets)
    errors = [prediction - target for prediction, target in zip(predictions, targets)]
    return engine.dot(errors, errors) * (1.0 / n)


def quadratic_cost(outputs: Sequence[Sequence[Scalar]], targets: Sequence[Sequence[float]]) -> Value:
    """Nielsen's quadratic cost C = 1/(2n) Σ_x ||y(x) - a(x)||^2 over n samples of vectors."""
    n = _check_batch("quadratic_cost", outputs, targets)
    errors = []
    for index, (output, target) in enumerate(zip(outputs, targets)):
        if len(output) != len(target):
            raise ValueError(f"quadratic_cost: sample {index} has {len(output)} outputs but {len(target)} targets")
        errors += [a - y for a, y in zip(output, target)]
    return engine.dot(errors, errors) * (0.5 / n)


def hinge(scores: Sequence[Value], labels: Sequence[float]) -> Value:
    """Max-margin loss (1/n) Σ max(0, 1 - y s) for labels y in {-1, +1} (micrograd's demo)."""
    n = _check_batch("hinge", scores, labels)
    _check_values("hinge", scores, "scores")
    for label in labels:
        if not isinstance(label, Value) and label not in (-1, 1):  # Values: inputs traced by engine.compile
            raise ValueError(f"hinge: labels must be -1 or +1, got {label!r}; map 0/1 labels with 2*y - 1")
    margins = [(1.0 - label * score).relu() for score, label in zip(scores, labels)]
    return engine.sum(margins) * (1.0 / n)


def l2(parameters: Iterable[Value], strength: float) -> Value:
    """L2 penalty (strength / 2) Σ w^2, whose gradient is strength * w (weight decay). `parameters` may be
    any iterable (a generator is read once)."""
    if isinstance(parameters, Module) or not hasattr(parameters, "__iter__"):
        raise TypeError(
            f"l2(parameters) needs an iterable of Values, got {type(parameters).__name__}: {short(parameters)}; "
            "pass model.parameters()"
        )
    if isinstance(strength, bool) or not isinstance(strength, Real):
        raise TypeError(
            f"l2(strength) needs a number, got {type(strength).__name__}: {short(strength)}; e.g. l2(model.parameters(), 1e-4)"
        )
    items = list(parameters)
    if not items:
        raise ValueError("l2(parameters) got no parameters; pass model.parameters()")
    return engine.dot(items, items) * (0.5 * float(strength))


def log_softmax(logits: Sequence[Value]) -> list[Value]:
    """log softmax(z)_i = z_i - m - log Σ_j exp(z_j - m), with m = max(z) (no overflow; the gradients
    through m cancel, as the result does not depend on m)."""
    if not logits:
        raise ValueError("log_softmax: no logits")
    largest = engine.max(logits)  # an op, so that engine.compile recomputes it on every call
    shifted = [z - largest for z in logits]  # every exponent <= 0
    log_total = engine.sum([s.exp() for s in shifted]).log()  # >= log 1, the max term
    return [s - log_total for s in shifted]


def softmax(logits: Sequence[Value]) -> list[Value]:
    """softmax(z)_i = exp(z_i - m) / Σ_j exp(z_j - m), with m = max(z)."""
    if not logits:
        raise ValueError("softmax: no logits")
    largest = engine.max(logits)
    exps = [(z - largest).exp() for z in logits]
    total = engine.sum(exps)
    return [e / total for e in exps]


def cross_entropy(logits: Sequence[Sequence[Value]], targets: Sequence[int]) -> Value:
    """Mean over the batch of -log softmax(z)[target], from logits; dL/dz = (softmax - onehot) / N."""
    n = _check_batch("cross_entropy", logits, targets)
    picked = []
    for index, (row, target) in enumerate(zip(logits, targets)):
        if isinstance(target, bool) or not isinstance(target, int) or not 0 <= target < len(row):
            raise ValueError(f"cross_entropy: target of sample {index} must be a class index in [0, {len(row)}), got {target!r}")
        picked.append(log_softmax(row)[target])
    return engine.sum(picked) * (-1.0 / n)


def binary_cross_entropy(logits: Sequence[Value], targets: Sequence[float]) -> Value:
    """Mean of softplus(z) - y z = -[y log σ(z) + (1 - y) log(1 - σ(z))], from logits, stable; dL/dz = (σ(z) - y)/N."""
    n = _check_batch("binary_cross_entropy", logits, targets)
    _check_values("binary_cross_entropy", logits, "logits")
    for target in targets:
        if not isinstance(target, Value) and not 0.0 <= target <= 1.0:  # Values: traced by engine.compile
            raise ValueError(f"binary_cross_entropy: targets must lie in [0, 1], got {target!r}")
    losses = [z.softplus() - z * target for z, target in zip(logits, targets)]
    return engine.sum(losses) * (1.0 / n)
