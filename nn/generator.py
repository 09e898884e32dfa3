"""The random generator initial weights come from: an `rng` argument, or else Python's `random`
(seed it with `nn.manual_seed(n)` or `random.seed(n)`, as micrograd reads `random`).

Two modules built in a row draw different numbers from the one generator; a given seed gives the
same network every time.
"""

from __future__ import annotations

import random
from typing import Any, Union

Generator = Union[random.Random, int, None]


def manual_seed(seed: int) -> None:
    """Seed the generator that modules built without `rng` draw from (Python's `random`, as torch.manual_seed)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"manual_seed needs an int, got {type(seed).__name__}: {seed!r}")
    random.seed(seed)


def make_rng(rng: Generator) -> Any:
    """A generator with .uniform(): `rng` itself, a random.Random(seed) for an int, Python's `random` for None."""
    if isinstance(rng, random.Random) or rng is random:
        return rng
    if rng is None:
        return random  # the module's shared generator: random.seed(n) and nn.manual_seed(n) reach it
    if isinstance(rng, int) and not isinstance(rng, bool):
        return random.Random(rng)
    raise TypeError(f"rng must be a random.Random, an int seed or None, got {type(rng).__name__}: {rng!r}")
