"""Scaled dot-product attention on row vectors, as in "Attention is all you need".

Queries, keys and values are rows: S = Q Kᵀ, A = softmax(scale · S) row by row (masked
entries set to −∞ first, so their weight is exactly 0), output = A V. Several heads split
the columns of Q, K and V into equal blocks in order, attend in each block, and concatenate.

>>> r = attend([[1.0, 0.0]], [[1.0, 0.0], [0.0, 1.0]], [[1.0], [3.0]], 1.0)
>>> [round(float(w), 4) for w in r.weights[0]]
[0.7311, 0.2689]
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dlsolve.kernels.network import softmax

NEG_INF = float("-inf")


@dataclass(frozen=True)
class Attention:
    """One head's matrices: scores Q Kᵀ, scaled (masked −∞), weights, output."""

    scores: np.ndarray
    scaled: np.ndarray
    weights: np.ndarray
    output: np.ndarray


def causal(tq: int, tk: int) -> np.ndarray:
    """PyTorch's top-left aligned causal mask: query i may attend to keys j <= i (1 = may)."""
    return np.tril(np.ones((tq, tk), dtype=int))


def masked_softmax(scaled: np.ndarray) -> np.ndarray:
    """softmax of each row over its finite entries; −∞ entries get weight 0.

    Every row needs one finite entry (softmax of all −∞ is 0/0; the spec layer refuses it).
    """
    out = np.zeros_like(scaled, dtype=float)
    for i, row in enumerate(scaled):
        keep = np.isfinite(row)
        out[i, keep] = softmax(row[keep].tolist())
    return out


def attend(q: list | np.ndarray, k: list | np.ndarray, v: list | np.ndarray, scale: float,
           allowed: np.ndarray | None = None) -> Attention:
    """One head of attention; ``allowed`` is a 0/1 matrix (1 = may attend), None for all."""
    q, k, v = (np.asarray(m, dtype=float) for m in (q, k, v))
    s = q @ k.T
    scaled = s * scale
    if allowed is not None:
        scaled = np.where(np.asarray(allowed) != 0, scaled, NEG_INF)
    w = masked_softmax(scaled)
    return Attention(s, scaled, w, w @ v)


def split(m: np.ndarray, heads: int) -> list[np.ndarray]:
    """The columns of ``m`` in ``heads`` equal blocks, in order (head 1 takes the first)."""
    return np.split(np.asarray(m, dtype=float), heads, axis=1)


def sinusoidal(position: float, i: int, d_model: int, base: float = 10000.0) -> float:
    """PE(pos, 2k) = sin(pos / base^(2k/d)), PE(pos, 2k+1) = cos(pos / base^(2k/d)).

    >>> sinusoidal(1, 0, 4), round(sinusoidal(1, 1, 4), 6)
    (0.8414709848078965, 0.540302)
    """
    angle = position / base ** ((i - i % 2) / d_model)
    return math.sin(angle) if i % 2 == 0 else math.cos(angle)


def positional(positions: list[float], d_model: int, base: float = 10000.0) -> list[list[float]]:
    """The sinusoidal encoding table: one row per position, ``d_model`` columns."""
    return [[sinusoidal(p, i, d_model, base) for i in range(d_model)] for p in positions]


def flops(tq: int, tk: int, d_k: int, d_v: int, heads: int) -> dict[str, int]:
    """FLOPs of one attention step (a multiply-add counts 2): Q Kᵀ, the softmax, A V."""
    return {"scores": 2 * heads * tq * tk * d_k, "softmax": 3 * heads * tq * tk,
            "weighted_sum": 2 * heads * tq * tk * d_v}
