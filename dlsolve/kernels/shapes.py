"""Output sizes of conv, transposed-conv and pooling layers, one dimension at a time."""

from __future__ import annotations

import math


def out_size(n: int, k: int, s: int, p: int | str, d: int, layer: str, op: int = 0,
             ceil_mode: bool = False) -> tuple[int, float]:
    """(output size, raw size before rounding) of one dimension."""
    eff = d * (k - 1) + 1
    if layer == "transposed":
        out = (n - 1) * s - 2 * int(p) + d * (k - 1) + op + 1
        return out, float(out)
    if p == "same":
        out = -(-n // s)
        return out, float(out)
    raw = (n - eff + 2 * int(p)) / s + 1
    out = (math.ceil if ceil_mode else math.floor)((n - eff + 2 * int(p)) / s) + 1
    if ceil_mode and (out - 1) * s >= n + int(p):  # PyTorch: last window must start inside
        out -= 1
    return out, raw
