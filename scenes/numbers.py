"""How a number is written on screen and in narration, so both always agree."""

from __future__ import annotations

import math
from fractions import Fraction

MAX_DENOMINATOR = 16  # 1/9, 3/16: fractions a student reads at a glance


def fmt(value: float, digits: int = 2) -> str:
    """Integers without decimals, others rounded to `digits` places without trailing zeros.

    -0 is written 0: a viewer should never see a signed zero.
    """
    if not math.isfinite(value):
        return "∞" if value > 0 else ("-∞" if value < 0 else "NaN")
    rounded = round(value, digits)
    if rounded == 0:
        return "0"
    if float(rounded).is_integer():
        return str(int(rounded))
    return f"{rounded:.{digits}f}".rstrip("0").rstrip(".")


def fmt_exact(value: float) -> str:
    """An input value written so that arithmetic done with it on screen stays true: up to three
    decimals when that is exact, else a small fraction (1/9, not 0.11), else four decimals."""
    if not math.isfinite(value) or abs(value - round(value, 3)) < 1e-12:
        return fmt(value, 3)
    fraction = Fraction(value).limit_denominator(MAX_DENOMINATOR)
    if abs(float(fraction) - value) < 1e-12:
        return f"{fraction.numerator}/{fraction.denominator}"
    return fmt(value, 4)


def fmt_sci(value: float) -> str:
    """Like fmt, but a small non-zero magnitude (below 0.01, which fmt would show as 0) in
    scientific notation with two significant digits: 3.2e-4."""
    if math.isfinite(value) and value != 0 and abs(value) < 0.01:
        mantissa, exponent = f"{value:.1e}".split("e")
        return f"{mantissa}e{int(exponent)}"
    return fmt(value)


FORMATS = {"fmt": fmt, "exact": fmt_exact, "sci": fmt_sci}
