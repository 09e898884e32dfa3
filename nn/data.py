"""Toy datasets in pure Python, seeded (no sklearn), and mini-batch iteration.

Each maker returns (X, y): X a list of [x1, x2] points, y a list of int class labels (0, 1, ...).
"""

from __future__ import annotations

import math
import random
from typing import Iterator, Sequence

Dataset = tuple[list[list[float]], list[int]]


def _rng(seed: int | random.Random) -> random.Random:
    return seed if isinstance(seed, random.Random) else random.Random(seed)


def _check_count(n: int, minimum: int = 1) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < minimum:
        raise ValueError(f"n must be an int >= {minimum}, got {n!r}")


def _noisy(rng: random.Random, x: float, y: float, noise: float) -> list[float]:
    return [x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)] if noise else [x, y]


def make_moons(n: int = 100, noise: float = 0.1, seed: int | random.Random = 0) -> Dataset:
    """Two interleaving half circles (as sklearn.datasets.make_moons), n // 2 upper with label 0."""
    _check_count(n, 2)
    rng = _rng(seed)
    upper, lower = n // 2, n - n // 2
    X = [_noisy(rng, math.cos(math.pi * i / max(upper - 1, 1)), math.sin(math.pi * i / max(upper - 1, 1)), noise)
         for i in range(upper)]
    X += [_noisy(rng, 1 - math.cos(math.pi * i / max(lower - 1, 1)), 0.5 - math.sin(math.pi * i / max(lower - 1, 1)), noise)
          for i in range(lower)]
    return _shuffled(rng, X, [0] * upper + [1] * lower)


def make_circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int | random.Random = 0) -> Dataset:
    """A small circle (label 1, radius `factor`) inside a large one (label 0)."""
    _check_count(n, 2)
    if not 0.0 < factor < 1.0:
        raise ValueError(f"factor must lie in (0, 1), got {factor!r}")
    rng = _rng(seed)
    outer, inner = n // 2, n - n // 2
    X = [_noisy(rng, math.cos(2 * math.pi * i / outer), math.sin(2 * math.pi * i / outer), noise) for i in range(outer)]
    X += [_noisy(rng, factor * math.cos(2 * math.pi * i / inner), factor * math.sin(2 * math.pi * i / inner), noise)
          for i in range(inner)]
    return _shuffled(rng, X, [0] * outer + [1] * inner)


def make_blobs(n: int = 100, centers: int = 3, spread: float = 0.5, seed: int | random.Random = 0) -> Dataset:
    """`centers` Gaussian blobs evenly placed on a circle of radius 2; label = blob index."""
    _check_count(n, 1)
    _check_count(centers, 1)
    rng = _rng(seed)
    X, y = [], []
    for i in range(n):
        label = i % centers
        angle = 2 * math.pi * label / centers
        X.append(_noisy(rng, 2 * math.cos(angle), 2 * math.sin(angle), spread))
        y.append(label)
    return _shuffled(rng, X, y)


def make_spiral(n: int = 100, classes: int = 2, noise: float = 0.2, seed: int | random.Random = 0) -> Dataset:
    """`classes` interleaved spiral arms (the CS231n spiral), n points shared among them."""
    _check_count(n, 1)
    _check_count(classes, 2)
    rng = _rng(seed)
    X, y = [], []
    for i in range(n):
        label = i % classes
        t = (i // classes) / max((n - 1) // classes, 1)  # 0 .. 1 along the arm
        angle = 4.0 * t + 2 * math.pi * label / classes + rng.gauss(0.0, noise)
        X.append([t * math.cos(angle), t * math.sin(angle)])
        y.append(label)
    return _shuffled(rng, X, y)


def make_xor(n: int = 100, noise: float = 0.1, seed: int | random.Random = 0) -> Dataset:
    """Points around the four corners (±1, ±1); label 1 where the signs differ (XOR)."""
    _check_count(n, 1)
    rng = _rng(seed)
    X, y = [], []
    for i in range(n):
        sx, sy = (1 if i % 2 else -1), (1 if (i // 2) % 2 else -1)
        X.append(_noisy(rng, float(sx), float(sy), noise))
        y.append(int(sx != sy))
    return _shuffled(rng, X, y)


def _shuffled(rng: random.Random, X: list[list[float]], y: list[int]) -> Dataset:
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [y[i] for i in order]


def batches(
    X: Sequence[Sequence[float]], y: Sequence[int], batch_size: int, seed: int | random.Random = 0
) -> Iterator[tuple[list[Sequence[float]], list[int]]]:
    """One epoch of mini-batches in an order shuffled by `seed`; the last batch may be smaller."""
    if len(X) != len(y):
        raise ValueError(f"batches: {len(X)} inputs but {len(y)} labels")
    _check_count(batch_size, 1)
    order = list(range(len(X)))
    _rng(seed).shuffle(order)
    for start in range(0, len(order), batch_size):
        chunk = order[start:start + batch_size]
        yield [X[i] for i in chunk], [y[i] for i in chunk]


DATASETS = {
    "moons": make_moons,
    "circles": make_circles,
    "blobs": make_blobs,
    "spiral": make_spiral,
    "xor": make_xor,
}
