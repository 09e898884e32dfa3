"""How numbers read in every picture, caption and table: at the precision of the boxes (4 decimals),
never '-0.0000', never float noise; the exact value is a hover away (`exact`).

A box shows `format_number` (2.0000, as micrograd); captions, edges, piles and tables show the same
number rounded the same way, without trailing zeros (`format_short`: 2, 0.2794). Where a sum cancels
(0.5 + -0.5000000000000001), the result is within rounding error of zero: given the size of the
terms (`scale`), it reads 0, and its exact value stays on hover.
"""

from __future__ import annotations

import math

NOISE = 1e-12  # a sum smaller than this times its largest term is rounding error (doubles carry ~1e-16)


def is_noise(number: float, scale: float) -> bool:
    """True if `number` is a cancellation's leftover: nonzero, but below NOISE times the terms' size."""
    return number != 0.0 and abs(number) <= NOISE * abs(scale)


def format_number(number: float, scale: float = 0.0) -> str:
    """4 decimals as micrograd shows them (2.0000); 4 significant digits in scientific form where
    4 decimals would hide the value (tiny numbers) or grow too long (huge ones). A number that
    rounds to zero reads 0.0000, never -0.0000; a sum's leftover of rounding (see `scale`) reads
    0.0000. A Value (a gradient made with create_graph=True) shows its number."""
    number = float(number)
    if not math.isfinite(number):
        return str(number)
    if is_noise(number, scale):
        return "0.0000"
    if number != 0.0 and (abs(number) < 5e-5 or abs(number) >= 1e6):
        return f"{number:.3e}"
    text = f"{number:.4f}"
    return "0.0000" if text == "-0.0000" else text


def format_short(number: float, scale: float = 0.0) -> str:
    """The same number as format_number, without trailing zeros (2, 0.5, 0.2794, 1.23e-07), never -0:
    the captions, the piles' sums, the edges' products (`1 × 2 = 2`) and the tables."""
    number = float(number)
    if not math.isfinite(number):
        return str(number)
    if number == 0.0 or is_noise(number, scale):
        return "0"
    if abs(number) < 5e-5 or abs(number) >= 1e6:
        mantissa, exponent = f"{number:.3e}".split("e")
        return f"{mantissa.rstrip('0').rstrip('.')}e{exponent}"
    text = f"{number:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def format_term(number: float, scale: float = 0.0) -> str:
    """format_short for a number that follows '+' or '×' in a caption: a negative one in brackets,
    so that 0 + -0.2794 reads 0 + (-0.2794)."""
    text = format_short(number, scale)
    return f"({text})" if text.startswith("-") else text


def exact(number: float) -> str:
    """The number as Python holds it (shortest round-trip form), for hover texts: 0.1 + 0.2 -> 0.30000000000000004."""
    return repr(float(number))
