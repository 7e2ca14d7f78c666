"""Weight-initialisation variances: Xavier/Glorot, He/Kaiming, LeCun, as PyTorch writes them.

A weight drawn with variance σ² keeps the variance of a layer's outputs equal to that of its
inputs when fan_in · σ² · gain⁻² = 1 (forward) or fan_out · σ² · gain⁻² = 1 (backward);
Xavier takes the average of the two fans, He and LeCun the forward one (PyTorch's mode
fan_in). U(−a, a) has variance a²/3, so a uniform scheme's bound is a = √3 · σ.

>>> gain("tanh"), gain("leaky_relu", 0.2) ** 2
(1.6666666666666667, 1.923076923076923)
>>> round(init("he_normal", 27).std, 6)
0.272166
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SCHEMES = ("xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "lecun_uniform",
           "lecun_normal")
NONLINEARITIES = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d", "sigmoid", "tanh", "relu",
                  "leaky_relu", "selu")
DEFAULT_NONLINEARITY = {"xavier": "linear", "he": "relu", "lecun": "linear"}


def gain(nonlinearity: str, negative_slope: float = 0.01) -> float:
    """torch.nn.init.calculate_gain: 1 for linear/conv/sigmoid, 5/3 tanh, √2 relu,
    √(2/(1 + slope²)) leaky_relu, 3/4 selu."""
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        return math.sqrt(2.0 / (1 + negative_slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    return 1.0


def fans(shape: list[int]) -> tuple[int, int]:
    """PyTorch's fans of a weight: dense [out, in]; conv [C_out, C_in, k...] times the
    receptive field (the product of the kernel sizes)."""
    receptive = math.prod(shape[2:])
    return shape[1] * receptive, shape[0] * receptive


@dataclass(frozen=True)
class Init:
    """The distribution of one scheme: std, variance, bound (uniform schemes) and gain."""

    scheme: str
    gain: float
    std: float
    variance: float
    bound: float | None


def family(scheme: str) -> str:
    """xavier, he or lecun."""
    return scheme.split("_")[0]


def init(scheme: str, fan_in: int, fan_out: int | None = None, g: float | None = None) -> Init:
    """std = gain·√(2/(fan_in + fan_out)) (xavier) or gain/√fan_in (he, lecun)."""
    fam = family(scheme)
    if g is None:
        g = gain(DEFAULT_NONLINEARITY[fam])
    if fam == "xavier":
        assert fan_out is not None
        std = g * math.sqrt(2.0 / (fan_in + fan_out))
    else:
        std = g / math.sqrt(fan_in)
    bound = math.sqrt(3.0) * std if scheme.endswith("uniform") else None
    return Init(scheme, g, std, std * std, bound)
