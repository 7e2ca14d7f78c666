"""Number formatting for display (``--digits``): exam style, never used for results.

``digits`` is the number of decimal places, as hand-worked answers write them (0.6023,
3130.3773); values smaller than 1 keep at least ``digits`` significant figures
(0.0003195), tiny and huge values switch to scientific notation, trailing zeros go.
"""

from __future__ import annotations

import math
from typing import Any


def fmt_number(x: Any, digits: int = 4) -> str:
    """Format a number for display.

    >>> fmt_number(0.95226982, 4), fmt_number(2.0), fmt_number(0.000319451), fmt_number(-1.5)
    ('0.9523', '2', '0.0003195', '-1.5')
    >>> fmt_number(248453923.56604272), fmt_number(4.07e-10), fmt_number(float('inf'))
    ('248453923.566', '4.07e-10', 'inf')
    """
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, int):
        return str(x)
    x = float(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    if x == 0:
        return "0"
    ax = abs(x)
    if ax < 10.0 ** -(digits) or ax >= 1e15:
        return _sci(x, digits)
    if ax < 1:
        decimals = max(digits, digits - 1 - math.floor(math.log10(ax)))
    else:
        decimals = digits
    text = f"{x:.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _sci(x: float, digits: int) -> str:
    mantissa, exponent = f"{x:.{max(digits - 1, 0)}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(exponent)}"


def is_number(x: Any) -> bool:
    """True for ints and floats (and numpy scalars), False for bools."""
    if isinstance(x, bool):
        return False
    return isinstance(x, (int, float)) or (hasattr(x, "dtype") and getattr(x, "ndim", 1) == 0)
