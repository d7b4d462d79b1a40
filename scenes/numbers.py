"""How a number is written on screen and in narration, so both always agree."""

from __future__ import annotations

import math


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
