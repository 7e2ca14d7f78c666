"""Margin, robust and focal losses: one sample's terms and dE/d(prediction).

Each function takes the loss spec (its options: margin, delta, beta, gamma, alpha, epsilon,
from_logits, log_base), the targets t and the predictions o of one sample, and returns
``(terms, loss)`` or the gradient list (the shape of o). Conventions (t target, o prediction):
  multiclass_svm    Σ_{j≠y} max(0, s_j - s_y + Δ)        CS231n's Weston–Watkins, Δ = margin
  squared_hinge     (1/n) Σ max(0, 1 - t·o)²              Keras, labels ±1 (0 read as -1)
  categorical_hinge max(0, 1 + max_{t_j=0} o_j - Σ t·o)   Keras
  kl_divergence     Σ t ln(t / p), 0·ln 0 = 0, p ∈ [ε, 1] Keras' KLDivergence
  huber             (1/n) Σ ½d² (|d| ≤ δ), δ(|d| - ½δ)    PyTorch's HuberLoss, d = o - t
  smooth_l1         (1/n) Σ ½d²/β (|d| < β), |d| - ½β     PyTorch's SmoothL1Loss (β = 0: L1)
  focal             (1/n) Σ α_t (1 - p_t)^γ CE(p, t)      torchvision's sigmoid_focal_loss
A kink (a margin exactly 0) takes the derivative relu'(0) = 0 gives: 0.
"""

from __future__ import annotations

import math
from typing import Any

from dlsolve.kernels.activations import sigmoid


def _ln(spec: Any, x: float) -> float:
    v = math.log(x)
    return v / math.log(spec.log_base) if spec.log_base else v


def _scale(spec: Any) -> float:
    return 1 / math.log(spec.log_base) if spec.log_base else 1.0


def class_of(t: list[float], n: int) -> int:
    """The true class: [index] (0-based), or the position of the 1 of a one-hot row."""
    if len(t) == 1 and n > 1:
        return int(t[0])
    return max(range(len(t)), key=lambda k: t[k])


def pm1(t: float) -> float:
    """A hinge label: 0 is read as -1."""
    return -1.0 if t == 0 else t


def svm_margins(spec: Any, t: list[float], o: list[float]) -> list[float]:
    """s_j - s_y + Δ for every class (0 at the true class, which is not a term)."""
    y = class_of(t, len(o))
    return [0.0 if j == y else o[j] - o[y] + spec.margin for j in range(len(o))]


def hinge_negative(t: list[float], o: list[float]) -> list[int]:
    """The classes with t = 0 holding the largest prediction (categorical_hinge's neg)."""
    others = [j for j in range(len(o)) if t[j] == 0] or list(range(len(o)))
    top = max(o[j] for j in others)
    return [j for j in others if o[j] == top]


def huber_term(spec: Any, d: float) -> float:
    a = abs(d)
    if spec.name == "huber":
        return 0.5 * d * d if a <= spec.delta else spec.delta * (a - 0.5 * spec.delta)
    if spec.beta == 0 or a >= spec.beta:
        return a - 0.5 * spec.beta
    return 0.5 * d * d / spec.beta


def huber_slope(spec: Any, d: float) -> float:
    sign = (d > 0) - (d < 0)
    if spec.name == "huber":
        return d if abs(d) <= spec.delta else spec.delta * sign
    return float(sign) if spec.beta == 0 or abs(d) >= spec.beta else d / spec.beta


def focal_parts(spec: Any, t: float, o: float) -> dict[str, float]:
    """p, p_t, α_t, the cross-entropy and the focal term of one output."""
    if spec.from_logits:
        p = sigmoid(o)
        ls_pos = min(o, 0.0) - math.log1p(math.exp(-abs(o)))
        ls_neg = min(-o, 0.0) - math.log1p(math.exp(-abs(o)))
        ce = -(t * ls_pos + (1 - t) * ls_neg) * _scale(spec)
    else:
        p = min(max(o, spec.epsilon), 1 - spec.epsilon)
        ce = -(t * _ln(spec, p) + (1 - t) * _ln(spec, 1 - p))
    pt = p * t + (1 - p) * (1 - t)
    at = 1.0 if spec.alpha is None else spec.alpha * t + (1 - spec.alpha) * (1 - t)
    q = 1 - pt
    mod = q ** spec.gamma if q > 0 or spec.gamma > 0 else 1.0
    return {"p": p, "pt": pt, "at": at, "ce": ce, "mod": mod, "term": at * mod * ce}


def terms(spec: Any, t: list[float], o: list[float]) -> tuple[list[float], float]:
    """One sample's terms and its loss."""
    name, n = spec.name, len(o)
    if name == "multiclass_svm":
        y = class_of(t, n)
        ts = [max(0.0, m) for j, m in enumerate(svm_margins(spec, t, o)) if j != y]
        return ts, math.fsum(ts)
    if name == "squared_hinge":
        ms = [max(0.0, 1 - pm1(ti) * oi) for ti, oi in zip(t, o)]
        ts = [m * m for m in ms]  # inf, not OverflowError
        return ts, math.fsum(ts) / n
    if name == "categorical_hinge":
        pos = math.fsum(ti * oi for ti, oi in zip(t, o))
        neg = o[hinge_negative(t, o)[0]]
        return [pos, neg], max(0.0, neg - pos + 1)
    if name == "kl_divergence":
        ts = [0.0 if ti == 0 else ti * (_ln(spec, ti) - _ln(spec, max(min(pi, 1.0), spec.epsilon)))
              for ti, pi in zip(t, o)]
        return ts, math.fsum(ts)
    if name in ("huber", "smooth_l1"):
        ts = [huber_term(spec, oi - ti) for ti, oi in zip(t, o)]
        return ts, math.fsum(ts) / n
    ts = [focal_parts(spec, ti, oi)["term"] for ti, oi in zip(t, o)]
    return ts, math.fsum(ts) / n


def gradient(spec: Any, t: list[float], o: list[float]) -> list[float]:
    """dE/do for one sample (for from_logits focal: dE/dz of the logits)."""
    name, n = spec.name, len(o)
    if name == "multiclass_svm":
        y = class_of(t, n)
        g = [1.0 if j != y and m > 0 else 0.0 for j, m in enumerate(svm_margins(spec, t, o))]
        g[y] = -sum(g)
        return g
    if name == "squared_hinge":
        return [-2 * pm1(ti) * max(0.0, 1 - pm1(ti) * oi) / n for ti, oi in zip(t, o)]
    if name == "categorical_hinge":
        g = [0.0] * n
        pos = math.fsum(ti * oi for ti, oi in zip(t, o))
        top = hinge_negative(t, o)
        if o[top[0]] - pos + 1 > 0:
            g = [-ti for ti in t]
            for j in top:
                g[j] += 1 / len(top)
        return g
    if name == "kl_divergence":
        return [0.0 if ti == 0 or not spec.epsilon <= pi <= 1 else -ti / pi * _scale(spec)
                for ti, pi in zip(t, o)]
    if name in ("huber", "smooth_l1"):
        return [huber_slope(spec, oi - ti) / n for ti, oi in zip(t, o)]
    return [focal_slope(spec, ti, oi) / n for ti, oi in zip(t, o)]


def focal_slope(spec: Any, t: float, o: float) -> float:
    """d(α_t (1 - p_t)^γ CE)/do: the product rule, with dp_t/dp = 2t - 1."""
    f = focal_parts(spec, t, o)
    p, q, g = f["p"], 1 - f["pt"], spec.gamma
    dmod = 0.0 if g == 0 or (q == 0 and g > 1) else (1.0 if q == 0 else g * q ** (g - 1))
    if spec.from_logits:
        dp, dce = p * (1 - p), (p - t) * _scale(spec)
    else:
        if min(max(o, spec.epsilon), 1 - spec.epsilon) != o:
            return 0.0  # clipped: the loss does not move with o
        dp, dce = 1.0, (-(t / p) + (1 - t) / (1 - p)) * _scale(spec)
    return f["at"] * (-dmod * (2 * t - 1) * dp * f["ce"] + f["mod"] * dce)
