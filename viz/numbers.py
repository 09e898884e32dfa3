"""How numbers read in every picture, caption and table: never '-0.0000'."""

from __future__ import annotations

import math


def format_number(number: float | None) -> str:
    """4 decimals as micrograd shows them (2.0000); 4 significant digits in scientific form where
    4 decimals would hide the value (tiny numbers) or grow too long (huge ones). A number that
    rounds to zero reads 0.0000, never -0.0000. A Value (a gradient made with create_graph=True)
    shows its number; a gradient of None (zero_grad(set_to_none=True), never reached) reads None."""
    if number is None:
        return "None"
    number = float(getattr(number, "data", number))  # a Value's number, read without float(v)
    if not math.isfinite(number):
        return str(number)
    if number != 0.0 and (abs(number) < 5e-5 or abs(number) >= 1e6):
        return f"{number:.3e}"
    text = f"{number:.4f}"
    return "0.0000" if text == "-0.0000" else text


def format_short(number: float | None) -> str:
    """Up to 6 significant digits, no trailing zeros (2, 0.5, 1.5e-07), never -0: the piles' sums
    and the edges' products (`1 × 2 = 2`); None reads None."""
    if number is None:
        return "None"
    number = float(getattr(number, "data", number))
    text = f"{number:.6g}"
    return "0" if text == "-0" else text
