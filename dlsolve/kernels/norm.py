"""Batch and layer normalisation, forward and backward, on a samples × features matrix.

Batchnorm normalises each column (a feature over the batch), layernorm each row (a sample
over its features); both scale by a per-feature γ and shift by β:

    μ = mean(x),  σ² = mean((x − μ)²)  (biased),  x̂ = (x − μ)/√(σ² + ε),  y = γ x̂ + β.

Backward, with g = dL/dy and dx̂ = γ g, over the n entries one statistic covers:

    dβ = Σ_samples g,   dγ = Σ_samples g x̂,
    dx = (1/(n √(σ² + ε))) (n dx̂ − Σ dx̂ − x̂ Σ dx̂ x̂)    (batch statistics),
    dx = dx̂ / √(σ² + ε)                                    (fixed statistics: eval mode).

>>> f = forward([[0.0, 1.0], [2.0, 5.0]], axis=0, eps=0.0)
>>> f.mean.tolist(), f.var.tolist(), f.x_hat.tolist()
([1.0, 3.0], [1.0, 4.0], [[-1.0, -1.0], [1.0, 1.0]])
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Forward:
    """The forward pass: statistics along ``axis`` (0: per column, 1: per row), x̂, y."""

    mean: np.ndarray
    var: np.ndarray
    std: np.ndarray   # √(σ² + ε)
    x_hat: np.ndarray
    output: np.ndarray
    axis: int


def forward(x: list | np.ndarray, axis: int, eps: float, gamma: list | float = 1.0,
            beta: list | float = 0.0, mean: list | None = None,
            var: list | None = None) -> Forward:
    """Normalise along ``axis``; ``mean``/``var`` given (eval mode) replace the batch's."""
    x = np.asarray(x, dtype=float)
    mu = x.mean(axis=axis) if mean is None else np.asarray(mean, dtype=float)
    v = ((x - _b(mu, axis)) ** 2).mean(axis=axis) if var is None else np.asarray(var, float)
    std = np.sqrt(v + eps)
    x_hat = (x - _b(mu, axis)) / _b(std, axis)
    y = np.asarray(gamma, dtype=float) * x_hat + np.asarray(beta, dtype=float)
    return Forward(mu, v, std, x_hat, y, axis)


def _b(stat: np.ndarray, axis: int) -> np.ndarray:
    """A statistic shaped to broadcast against the matrix (a row for axis 0, a column for 1)."""
    return stat[None, :] if axis == 0 else stat[:, None]


def running(old_mean: list, old_var: list, f: Forward, momentum: float,
            n: int) -> tuple[np.ndarray, np.ndarray]:
    """PyTorch's update: r ← (1 − m) r + m · batch statistic, the variance unbiased (n/(n − 1))."""
    unbiased = f.var * n / (n - 1)
    rm = (1 - momentum) * np.asarray(old_mean, float) + momentum * f.mean
    rv = (1 - momentum) * np.asarray(old_var, float) + momentum * unbiased
    return rm, rv


@dataclass(frozen=True)
class Backward:
    """dL/dx, dL/dγ, dL/dβ, and the intermediate dL/dx̂ = γ g."""

    grad_input: np.ndarray
    grad_gamma: np.ndarray
    grad_beta: np.ndarray
    grad_x_hat: np.ndarray


def backward(f: Forward, g: list | np.ndarray, gamma: list | float = 1.0,
             batch_stats: bool = True) -> Backward:
    """The backward pass of ``forward``: three-term formula with batch statistics."""
    g = np.asarray(g, dtype=float)
    gx = g * np.asarray(gamma, dtype=float)
    a = f.axis
    if batch_stats:
        n = f.x_hat.shape[a]
        s1 = _b(gx.sum(axis=a), a)
        s2 = _b((gx * f.x_hat).sum(axis=a), a)
        dx = (n * gx - s1 - f.x_hat * s2) / (n * _b(f.std, a))
    else:
        dx = gx / _b(f.std, a)
    return Backward(dx, (g * f.x_hat).sum(axis=0), g.sum(axis=0), gx)
