"""Batch and layer normalisation, forward and backward, on a samples × features matrix.

Batchnorm normalises each column (a feature over the batch), layernorm each row (a sample
over its features); both scale by a per-feature γ and shift by β:

    μ = mean(x),  σ² = mean((x − μ)²)  (biased),  x̂ = (x − μ)/√(σ² + ε),  y = γ x̂ + β.

The numbers are the graph engine's (``dlsolve.kernels.graph``): ``graph`` writes the
computation as its gates (mean along an axis, subtract, multiply, add ε, sqrt, divide, scale
and shift), ``forward`` runs them, and ``backward`` carries g = dL/dy back through them,
summing the paths through μ and σ². The exam's closed form, with dx̂ = γ g over the n
entries one statistic covers,

    dβ = Σ_samples g,   dγ = Σ_samples g x̂,
    dx = (1/(n √(σ² + ε))) (n dx̂ − Σ dx̂ − x̂ Σ dx̂ x̂)    (batch statistics),
    dx = dx̂ / √(σ² + ε)                                    (fixed statistics: eval mode),

is ``closed_form``: the derivation writes it out, and ``disagreement`` measures it against
the engine's numbers.

>>> f = forward([[0.0, 1.0], [2.0, 5.0]], axis=0, eps=0.0)
>>> f.mean.tolist(), f.var.tolist(), f.x_hat.tolist()
([1.0, 3.0], [1.0, 4.0], [[-1.0, -1.0], [1.0, 1.0]])
>>> b = backward(f, [[1.0, 0.0], [0.0, 2.0]])
>>> b.grad_beta.tolist(), b.grad_gamma.tolist()
([1.0, 2.0], [-1.0, 2.0])
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from dlsolve.kernels.graph.core import Gate, Graph

MEAN0 = (("axis", 0.0),)


def graph(axis: int, eps: float, batch_stats: bool = True) -> Graph:
    """y = γ x̂ + β as the engine's gates, inputs x, γ, β (and μ, σ² when they are fixed).

    The statistics run down the columns (``mean(·, axis=0)``); layernorm, which normalises
    the rows, is batchnorm of the transpose, so its graph transposes x in and x̂ out.
    """
    gates, x = [], "x"
    if axis == 1:
        gates.append(Gate("x_t", "call", ("x",), "transpose"))
        x = "x_t"
    inputs = ["x", "gamma", "beta"]
    if batch_stats:
        gates += [Gate("mu", "call", (x,), "mean", MEAN0), Gate("d", "sub", (x, "mu")),
                  Gate("d_sq", "mul", ("d", "d")),
                  Gate("var", "call", ("d_sq",), "mean", MEAN0)]
    else:
        inputs += ["mu", "var"]
        gates.append(Gate("d", "sub", (x, "mu")))
    hat = "x_hat" if axis == 0 else "x_hat_t"
    gates += [Gate("var_eps", "add", ("var", float(eps))), Gate("s", "call", ("var_eps",), "sqrt"),
              Gate(hat, "div", ("d", "s"))]
    if axis == 1:
        gates.append(Gate("x_hat", "call", (hat,), "transpose"))
    gates += [Gate("gx", "mul", ("gamma", "x_hat")), Gate("y", "add", ("gx", "beta"))]
    return Graph(inputs, gates, "y")


@dataclass(frozen=True)
class Forward:
    """The forward pass: statistics along ``axis`` (0: per column, 1: per row), x̂, y; and
    what it was given (x, ε, γ and β one per feature, and whether μ, σ² were fixed)."""

    mean: np.ndarray
    var: np.ndarray
    std: np.ndarray   # √(σ² + ε)
    x_hat: np.ndarray
    output: np.ndarray
    axis: int
    x: np.ndarray
    eps: float
    gamma: np.ndarray
    beta: np.ndarray
    fixed: bool = False


def forward(x: list | np.ndarray, axis: int, eps: float, gamma: list | float = 1.0,
            beta: list | float = 0.0, mean: list | None = None,
            var: list | None = None) -> Forward:
    """Normalise along ``axis``; ``mean`` and ``var`` given (eval mode) replace the batch's.

    Raises ``GraphError`` where a value is not finite (a variance of 0 with ε = 0).
    """
    x = np.asarray(x, dtype=float)
    d, fixed = x.shape[1], mean is not None
    values = {"x": x, "gamma": _per_feature(gamma, d), "beta": _per_feature(beta, d)}
    if fixed:
        values.update(mu=np.asarray(mean, dtype=float), var=np.asarray(var, dtype=float))
    v = graph(axis, eps, not fixed).forward_only(values)
    return Forward(v["mu"], v["var"], v["s"], v["x_hat"], v["y"], axis, x, float(eps),
                   values["gamma"], values["beta"], fixed)


def output(x: np.ndarray, axis: int, eps: float, gamma: list | float = 1.0,
           beta: list | float = 0.0, mean: list | None = None,
           var: list | None = None) -> np.ndarray:
    """y by NumPy's direct formulas, without the engine: what the finite-difference check
    perturbs, so that it does not check the engine against itself."""
    mu = x.mean(axis=axis) if mean is None else np.asarray(mean, dtype=float)
    v = ((x - _b(mu, axis)) ** 2).mean(axis=axis) if var is None else np.asarray(var, float)
    x_hat = (x - _b(mu, axis)) / _b(np.sqrt(v + eps), axis)
    return np.asarray(gamma, dtype=float) * x_hat + np.asarray(beta, dtype=float)


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


def backward(f: Forward, g: list | np.ndarray, gamma: list | float | None = None,
             batch_stats: bool | None = None) -> Backward:
    """The backward pass of ``forward`` from g = dL/dy, run by the graph engine.

    The engine's staged gradients reach sizes the closed form never forms (dL/dσ² is of the
    order γ g (x − μ)/s³), so numbers far from 1 run rescaled by powers of two (``Scale``):
    x̂ stays the same, every gradient scales by a power of two, and scaling back is exact.
    Raises ``GraphError`` if a value or gradient is still not finite (the spec's bounds
    keep every one finite).
    """
    g, gm, batch_stats = _given(f, g, gamma, batch_stats)
    k = Scale.of(f, g, gm)
    values = {"x": np.ldexp(f.x, k.b), "gamma": np.ldexp(gm, k.c), "beta": f.beta}
    if not batch_stats:
        values.update(mu=np.ldexp(f.mean, k.b), var=np.ldexp(f.var, 2 * k.b))
    ev = graph(f.axis, math.ldexp(f.eps, 2 * k.b), batch_stats).evaluate(
        values, np.ldexp(g, k.a), wrt=("x", "gamma", "beta"))  # fixed μ, σ²: constants
    return k.back(ev.grads["x"], ev.grads["gamma"], ev.grads["beta"], ev.grads["x_hat"])


@dataclass(frozen=True)
class Scale:
    """Powers of two for g (2^a), x (2^b, ε and σ² by 4^b) and γ (2^c) that bring |g|, |γ|
    and the middle of √(σ² + ε) near 1 when they are far from it (beyond 2^±100); exam
    numbers run as they are (a = b = c = 0)."""

    a: int
    b: int
    c: int

    @classmethod
    def of(cls, f: Forward, g: np.ndarray, gamma: np.ndarray) -> Scale:
        lo, hi = _exponent(f.std.min(initial=np.inf)), _exponent(f.std.max(initial=0.0))
        return cls(_toward_one(_exponent(np.abs(g).max(initial=0.0))),
                   _toward_one((lo + hi) // 2),
                   _toward_one(_exponent(np.abs(gamma).max(initial=0.0))))

    def back(self, dx: np.ndarray, dgamma: np.ndarray, dbeta: np.ndarray,
             dx_hat: np.ndarray) -> Backward:
        """The gradients of the rescaled problem scaled back to the problem's."""
        a, b, c = self.a, self.b, self.c
        return Backward(np.ldexp(dx, b - a - c), np.ldexp(dgamma, -a), np.ldexp(dbeta, -a),
                        np.ldexp(dx_hat, -a - c))


def _given(f: Forward, g: list | np.ndarray, gamma: list | float | None,
           batch_stats: bool | None) -> tuple[np.ndarray, np.ndarray, bool]:
    """g as an array, γ one per feature (the forward's unless given), the statistics' kind
    (the forward's own unless said: fixed ones in eval mode)."""
    gm = f.gamma if gamma is None else _per_feature(gamma, f.x.shape[1])
    return np.asarray(g, dtype=float), gm, not f.fixed if batch_stats is None else batch_stats


def _toward_one(e: int, near: int = 100) -> int:
    """The shift that takes 2^e to 2^0, or 0 when 2^e is within 2^±near already."""
    return 0 if abs(e) <= near else -e


def _exponent(v: float) -> int:
    """e with 2^(e-1) <= v < 2^e (0 for 0 and what is not finite)."""
    return math.frexp(v)[1] if v and math.isfinite(v) else 0


def _per_feature(v: list | float | np.ndarray, d: int) -> np.ndarray:
    """γ or β as one number per feature (so their gradients are per feature too)."""
    return np.broadcast_to(np.asarray(v, dtype=float), (d,)).copy()


def closed_form(f: Forward, g: list | np.ndarray, gamma: list | float | None = None,
                batch_stats: bool | None = None) -> Backward:
    """The exam's formulas for the same gradients: the three-term dx with batch statistics
    (evaluated on the problem rescaled as ``backward`` rescales it, so that γ g does not
    underflow where the numbers are tiny)."""
    g, gm, batch_stats = _given(f, g, gamma, batch_stats)
    k = Scale.of(f, g, gm)
    g = np.ldexp(g, k.a)
    gx = g * np.ldexp(gm, k.c)
    std = np.ldexp(f.std, k.b)
    a = f.axis
    if batch_stats:
        n = f.x_hat.shape[a]
        s1 = _b(gx.sum(axis=a), a)
        s2 = _b((gx * f.x_hat).sum(axis=a), a)
        dx = (n * gx - s1 - f.x_hat * s2) / (n * _b(std, a))
    else:
        dx = gx / _b(std, a)
    return k.back(dx, (g * f.x_hat).sum(axis=0), g.sum(axis=0), gx)


def disagreement(engine: Backward, closed: Backward, f: Forward, g: list | np.ndarray,
                 gamma: list | float | None = None, batch_stats: bool | None = None) -> float:
    """The largest gap between the engine's gradients and the closed form's, in units of the
    rounding each entry can carry: below 1e-9 they are the same numbers.

    The sizes are measured in the problem as ``Scale`` rescales it, so nothing underflows;
    a result below the normal range is rounded to a multiple of the smallest subnormal, so
    one such step is no gap. The closed form assumes Σ x̂ = 0 along a line; the engine
    differentiates the computed x̂, whose sum is a rounding error away from 0 (far away
    when the entries sit on a large offset), and the two differ by S2 Σx̂ / (n² s) exactly:
    that much is no gap either.
    """
    g, gm, batch_stats = _given(f, g, gamma, batch_stats)
    k = Scale.of(f, g, gm)
    g = np.ldexp(g, k.a)
    gx, std, a = g * np.ldexp(gm, k.c), np.ldexp(f.std, k.b), f.axis
    if batch_stats:
        n = f.x_hat.shape[a]
        s2 = _b((gx * f.x_hat).sum(axis=a), a)
        size = (n * np.abs(gx) + _b(np.abs(gx).sum(axis=a), a)
                + np.abs(f.x_hat) * _b(np.abs(gx * f.x_hat).sum(axis=a), a)) / (n * _b(std, a))
        dropped = np.abs(s2 * _b(f.x_hat.sum(axis=a), a)) / (n * n * _b(std, a))
    else:
        size, dropped = np.abs(gx) / _b(std, a), 0.0
    pairs = ((engine.grad_input, closed.grad_input, size, dropped, k.a + k.c - k.b),
             (engine.grad_gamma, closed.grad_gamma, np.abs(g * f.x_hat).sum(axis=0), 0.0, k.a),
             (engine.grad_beta, closed.grad_beta, np.abs(g).sum(axis=0), 0.0, k.a),
             (engine.grad_x_hat, closed.grad_x_hat, np.abs(gx), 0.0, k.a + k.c))
    worst, step = 0.0, np.finfo(float).smallest_subnormal
    for e, c, size, drop, shift in pairs:
        with np.errstate(all="ignore"):
            gap = np.ldexp(np.maximum(np.abs(np.asarray(e) - c) - step, 0.0), shift)
            rel = np.maximum(gap - drop, 0.0) / np.maximum(size, np.finfo(float).tiny)
        worst = max(worst, float(np.nan_to_num(rel, nan=np.inf).max(initial=0.0)))
    return worst
