"""Known slips of the newer losses: a branch, a factor, a term or the argument order wrong.

For one sample, each slip is (hint, the sample's loss with the slip made, its ∂E/∂o or None);
``loss_slips`` repeats it in every sample and reduces over the batch as the loss does. The
values come from the spec's own numbers and options (δ, β, γ, α, Δ), never written down.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from dlsolve.check.slips_more import Alternatives, add
from dlsolve.kernels import losses as L
from dlsolve.kernels import losses_more as M

Fn = Callable[[list[float], list[float]], Any]  # (targets, outputs) of one sample
Slip = tuple[str, Fn, Fn | None]


def _mean(ts: list[float]) -> float:
    return math.fsum(ts) / len(ts)


def _diffs(t: list[float], o: list[float]) -> list[float]:
    return [oi - ti for ti, oi in zip(t, o)]


def _sign(d: float) -> float:
    return float((d > 0) - (d < 0))


def _huber(s: L.LossSpec) -> list[Slip]:
    dl = s.delta
    q, lin = (lambda d: 0.5 * d * d), (lambda d: dl * (abs(d) - 0.5 * dl))

    def pw(qf: Callable, lf: Callable) -> Fn:  # PyTorch: quadratic for |d| <= δ
        return lambda t, o: _mean([qf(d) if abs(d) <= dl else lf(d) for d in _diffs(t, o)])
    return [
        ("the quadratic branch ½d² was used where |d| > δ: beyond δ Huber is linear, "
         "δ(|d| - ½δ)", pw(q, q), lambda t, o: [d / len(o) for d in _diffs(t, o)]),
        ("the linear branch δ(|d| - ½δ) was used where |d| ≤ δ: inside δ Huber is ½d²",
         pw(lin, lin), lambda t, o: [dl * _sign(d) / len(o) for d in _diffs(t, o)]),
        ("the ½ of ½d² was left out (Huber is ½d² for |d| ≤ δ)", pw(lambda d: d * d, lin),
         None),
        ("the ½ of δ(|d| - ½δ) was left out (beyond δ Huber is δ|d| - ½δ²)",
         pw(q, lambda d: dl * (abs(d) - dl)), None),
        ("the δ factor of δ(|d| - ½δ) was left out (|d| - ½δ is smooth L1's linear branch)",
         pw(q, lambda d: abs(d) - 0.5 * dl), None),
    ]


def _smooth_l1(s: L.LossSpec) -> list[Slip]:
    b = s.beta
    if b == 0:
        return []
    q, lin = (lambda d: 0.5 * d * d / b), (lambda d: abs(d) - 0.5 * b)

    def pw(qf: Callable, lf: Callable) -> Fn:  # PyTorch: quadratic for |d| < β
        return lambda t, o: _mean([qf(d) if abs(d) < b else lf(d) for d in _diffs(t, o)])
    return [
        ("the quadratic branch ½d²/β was used where |d| ≥ β: beyond β smooth L1 is |d| - ½β",
         pw(q, q), lambda t, o: [d / b / len(o) for d in _diffs(t, o)]),
        ("the linear branch |d| - ½β was used where |d| < β: inside β smooth L1 is ½d²/β",
         pw(lin, lin), lambda t, o: [_sign(d) / len(o) for d in _diffs(t, o)]),
        ("the ½ of ½d²/β was left out", pw(lambda d: d * d / b, lin), None),
        ("the ½ of |d| - ½β was left out (beyond β smooth L1 is |d| - ½β)",
         pw(q, lambda d: abs(d) - b), None),
        ("the /β of ½d²/β was left out (½d² is Huber's quadratic branch)",
         pw(lambda d: 0.5 * d * d, lin), None),
        ("that is the Huber loss with δ = β, β times smooth L1: smooth L1 divides ½d² by β and "
         "has no β factor beyond", lambda t, o: b * L.sample(s, t, o).loss,
         lambda t, o: [b * g for g in L.gradient(s, t, o)]),
    ]


def _kl(s: L.LossSpec) -> list[Slip]:
    def p(v: float) -> float:
        return max(min(v, 1.0), s.epsilon)

    def ln(v: float) -> float:
        return M._ln(s, v)

    def swapped(t: list[float], o: list[float]) -> float:
        return math.fsum(p(oi) * (ln(p(oi)) - ln(ti)) if ti > 0 else math.inf
                         for ti, oi in zip(t, o))
    k = 1 / math.log(s.log_base) if s.log_base else 1.0
    return [
        ("the arguments were swapped: that is Σ p ln(p/t); the KL divergence of the prediction "
         "from the target is Σ t ln(t/p)", swapped,
         lambda t, o: [ln(p(oi) / ti) + k if ti > 0 else math.inf for ti, oi in zip(t, o)]),
        ("that is the cross-entropy -Σ t ln p; KL subtracts the target's own entropy: "
         "Σ t ln(t/p) = -Σ t ln p + Σ t ln t",
         lambda t, o: math.fsum(-ti * ln(p(oi)) for ti, oi in zip(t, o) if ti != 0), None),
    ]


def _focal(s: L.LossSpec) -> list[Slip]:
    def using(spec: L.LossSpec) -> tuple[Fn, Fn]:
        return (lambda t, o: L.sample(spec, t, o).loss), (lambda t, o: L.gradient(spec, t, o))

    def wrong_class(t: list[float], o: list[float]) -> float:
        parts = [M.focal_parts(s, ti, oi) for ti, oi in zip(t, o)]
        return _mean([f["at"] * (1 - f["p"]) ** s.gamma * f["ce"] for f in parts])
    out = []
    if s.alpha is not None:
        out += [("the α weighting was left out: each term is multiplied by α_t (α for t = 1, "
                 "1 - α for t = 0)", *using(replace(s, alpha=None))),
                ("α and 1 - α were swapped: α_t = α goes with t = 1 and 1 - α with t = 0",
                 *using(replace(s, alpha=1 - s.alpha)))]
    return out + [
        ("(1 - p)^γ was used for t = 0 too: the factor is (1 - p_t)^γ, which is p^γ when t = 0",
         wrong_class, None),
        ("the modulating factor (1 - p_t)^γ was left out: that is the α-weighted cross-entropy",
         *using(replace(s, gamma=0.0))),
    ]


def _svm(s: L.LossSpec) -> list[Slip]:
    def raw(t: list[float], o: list[float]) -> list[float]:
        y = M.class_of(t, len(o))
        return [m for j, m in enumerate(M.svm_margins(s, t, o)) if j != y]

    def no_max_grad(t: list[float], o: list[float]) -> list[float]:
        y = M.class_of(t, len(o))
        return [1.0 - len(o) if j == y else 1.0 for j in range(len(o))]
    return [
        ("the j = y term was counted: it is max(0, s_y - s_y + Δ) = Δ; the sum runs over "
         "j ≠ y only", lambda t, o: L.sample(s, t, o).loss + s.margin, None),
        ("max(0, ·) was left out: a class with s_j - s_y + Δ < 0 adds 0, not its negative "
         "margin", lambda t, o: math.fsum(raw(t, o)), no_max_grad),
    ]


def _squared_hinge(s: L.LossSpec) -> list[Slip]:
    def margins(t: list[float], o: list[float]) -> list[float]:
        return [1 - M.pm1(ti) * oi for ti, oi in zip(t, o)]
    return [
        ("the square was left out: that is the hinge loss; squared hinge squares each "
         "max(0, 1 - t·o)", lambda t, o: _mean([max(0.0, m) for m in margins(t, o)]),
         lambda t, o: [-M.pm1(ti) / len(o) if m > 0 else 0.0
                       for ti, m in zip(t, margins(t, o))]),
        ("max(0, ·) was left out before squaring: an output with t·o > 1 adds 0",
         lambda t, o: _mean([m * m for m in margins(t, o)]), None),
    ]


LOSS_SLIPS: dict[str, Callable[[L.LossSpec], list[Slip]]] = {
    "huber": _huber, "smooth_l1": _smooth_l1, "kl_divergence": _kl, "focal": _focal,
    "multiclass_svm": _svm, "squared_hinge": _squared_hinge,
}
SUMMED = ("huber", "smooth_l1", "squared_hinge", "focal", "bce", "mae", "hinge")


def _slips_of(s: L.LossSpec) -> list[Slip]:
    out = LOSS_SLIPS.get(s.name, lambda s: [])(s)
    if s.name in SUMMED:
        out.append((f"the terms were summed: this loss ({s.name}) is their mean over the n "
                    "outputs", lambda t, o: L.sample(s, t, o).loss * len(o),
                    lambda t, o: [g * len(o) for g in L.gradient(s, t, o)]))
    return out


def loss_slips(out: Alternatives, s: L.LossSpec, targets: list[list[float]],
               rows: list[list[float]], names: dict[str, str]) -> None:
    """The slips of the loss ``s`` over samples (rows), reduced as the loss reduces them.

    ``names`` maps "loss", "per_sample", "gradient" to the result names to fill; "units" (a
    network's output units, space-separated) gets the ∂E/∂o slips as ``dE_d<unit>``. A slip
    repeats in every sample.
    """
    try:
        right = [L.sample(s, t, o).loss for t, o in zip(targets, rows)]
        grads = L.batch_gradient(s, targets, rows)
        n = len(rows) if s.reduction == "mean" else 1
        for hint, fn, gfn in _slips_of(s):
            per = [fn(t, o) for t, o in zip(targets, rows)]
            if "loss" in names:
                add(out, names["loss"], math.fsum(per) / n, hint, math.fsum(right) / n)
            if "per_sample" in names:
                add(out, names["per_sample"], per, hint, right)
            if gfn is None:
                continue
            g = [[v / n for v in gfn(t, o)] for t, o in zip(targets, rows)]
            if "gradient" in names:
                add(out, names["gradient"], g if len(g) > 1 else g[0], hint,
                    grads if len(g) > 1 else grads[0])
            for k, unit in enumerate(names.get("units", "").split()):
                add(out, f"dE_d{unit}", g[0][k], hint, grads[0][k])
    except (ValueError, ZeroDivisionError, OverflowError, IndexError):
        return  # a degenerate sample: no slip values rather than a failed check


def loss_problem(spec: Any, results: dict[str, Any]) -> Alternatives:
    out: Alternatives = {}
    loss_slips(out, spec.loss, spec.targets, spec.predictions,
               {"loss": "loss", "per_sample": "per_sample", "gradient": "gradient"})
    return out
