"""Scalar functions behind the activations, computed stably in plain ``math``."""

from __future__ import annotations

import math

GELU_K = math.sqrt(2.0 / math.pi)
MAX_EXP = 709.78


def safe_exp(x: float) -> float:
    """e^x, inf instead of OverflowError."""
    return math.inf if x > MAX_EXP else math.exp(x)


def sigmoid(x: float) -> float:
    """1/(1 + e^-x), stable for large |x|."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    ex = math.exp(x)
    return ex / (1.0 + ex)


def softplus(x: float) -> float:
    """ln(1 + e^x), stable: max(x, 0) + ln(1 + e^-|x|)."""
    return max(x, 0.0) + math.log1p(math.exp(-abs(x)))


def phi(x: float) -> float:
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def gelu_tanh_d(x: float) -> float:
    u = GELU_K * (x + 0.044715 * x**3)
    t = math.tanh(u)
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_K * (1 + 3 * 0.044715 * x * x)


def mish_d(x: float) -> float:
    t = math.tanh(softplus(x))
    return t + x * (1 - t * t) * sigmoid(x)


def sinc(x: float) -> float:
    return 1.0 if x == 0 else math.sin(math.pi * x) / (math.pi * x)


def sinc_d(x: float) -> float:
    if x == 0:
        return 0.0
    px = math.pi * x
    return (math.cos(px) * px - math.sin(px)) / (math.pi * x * x)


def softplus_beta(x: float, b: float) -> float:
    return x if b * x > 20 else softplus(b * x) / b


def round_decimals(x: float, places: int) -> float:
    """``x`` to ``places`` decimals, half away from zero on its shortest decimal form, as a
    table worked by hand rounds (0.125 -> 0.13, though the double nearest 0.125 is exact and
    ``round`` gives 0.12).

    >>> round_decimals(0.768, 2), round_decimals(0.125, 2), round_decimals(-2.5, 0)
    (0.77, 0.13, -3.0)
    >>> round_decimals(2.0, 320), round_decimals(1e300, 3)
    (2.0, 1e+300)
    """
    if not math.isfinite(x) or abs(x) >= 2.0**53:  # no decimals left to round there
        return x
    from decimal import ROUND_HALF_UP, Decimal, localcontext

    if places > 340:  # below the smallest double: nothing left to round
        return x
    with localcontext(prec=places + 20):
        return float(Decimal(repr(x)).quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP))


def round_hand(x: float, places: int) -> float:
    """Round as a hand calculation writes a value: ``places`` decimals, and at least
    ``places`` significant figures below 1 (0.0010214 -> 0.001021, 0.60229 -> 0.6023).

    >>> round_hand(0.0010213958, 4), round_hand(0.602286, 4), round_hand(12.34567, 2)
    (0.001021, 0.6023, 12.35)
    """
    if x == 0 or not math.isfinite(x):
        return x
    decimals = places if abs(x) >= 1 else max(places, places - 1 - math.floor(math.log10(abs(x))))
    return round(x, decimals)
