"""Optimizer updates, PyTorch's formulas and defaults (other conventions selectable).

Per coordinate, with gradient g (weight decay λ adds λ·p to g, except AdamW's decoupled form):
  sgd       p ← p - lr·g
  momentum  b ← μb + (1 - τ)g (b = g on the first step), p ← p - lr·b   (PyTorch)
            v ← μv + (1 - μ)g, p ← p - lr·v                    (momentum_form: ema)
            v ← μv + lr·g, p ← p - v                           (momentum_form: lr_inside)
  nesterov  as momentum, then p ← p - lr·(g + μb)
  adagrad   s ← s + g², p ← p - lr_t·g/(√s + ε), lr_t = lr/(1 + (t - 1)·lr_decay)
  rmsprop   v ← αv + (1 - α)g², p ← p - lr·g/(√v + ε)  (centered: √(v - ḡ²), ḡ ← αḡ + (1 - α)g)
  adadelta  v ← ρv + (1 - ρ)g², Δ = √(u + ε)/√(v + ε)·g, u ← ρu + (1 - ρ)Δ², p ← p - lr·Δ
  adam      m ← β1m + (1 - β1)g, v ← β2v + (1 - β2)g², m̂ = m/(1 - β1^t), v̂ = v/(1 - β2^t),
            p ← p - lr·m̂/(√v̂ + ε)   (eps_inside_sqrt: √(v̂ + ε))
  adamw     p ← p(1 - lr·λ) first, then the Adam step
"""

from __future__ import annotations

import math
from typing import Any

from dlsolve.names import OPTIMIZERS

NAMES = OPTIMIZERS
_SGD = {"lr": 0.001, "momentum": 0.0, "dampening": 0.0, "nesterov": False, "weight_decay": 0.0,
        "momentum_form": "pytorch"}
DEFAULTS: dict[str, dict[str, Any]] = {
    "sgd": dict(_SGD),
    "momentum": {**_SGD, "momentum": 0.9},
    "nesterov": {**_SGD, "momentum": 0.9, "nesterov": True},
    "adagrad": {"lr": 0.01, "lr_decay": 0.0, "weight_decay": 0.0,
                "initial_accumulator_value": 0.0, "eps": 1e-10, "eps_inside_sqrt": False},
    "rmsprop": {"lr": 0.01, "alpha": 0.99, "eps": 1e-8, "weight_decay": 0.0, "momentum": 0.0,
                "centered": False, "eps_inside_sqrt": False},
    "adadelta": {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.0},
    "adam": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.0,
             "eps_inside_sqrt": False},
    "adamw": {"lr": 0.001, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8, "weight_decay": 0.01,
              "eps_inside_sqrt": False},
}
STATE_NAMES = {"sgd": ("velocity",), "momentum": ("velocity",), "nesterov": ("velocity",),
               "adagrad": ("accumulator",), "rmsprop": ("square_avg",),
               "adadelta": ("square_avg", "acc_delta"), "adam": ("m", "v"), "adamw": ("m", "v")}


def state_names(name: str, hyper: dict[str, Any]) -> tuple[str, ...]:
    if name == "sgd" and hyper["momentum"] == 0:
        return ()
    if name == "rmsprop":
        return ("square_avg",) + (("grad_avg",) if hyper["centered"] else ()) + (
            ("velocity",) if hyper["momentum"] else ())
    return STATE_NAMES[name]


class Optimizer:
    """Runs one optimizer; ``step`` returns the new parameters and what each step computed."""

    def __init__(self, name: str, hyper: dict[str, Any], n: int,
                 state: dict[str, list[float]] | None = None, step: int = 0):
        """``state`` gives start values by state name (the rest start at PyTorch's zeros);
        ``step`` is the number of steps already taken (Adam's bias correction goes on from it).
        """
        self.name, self.h, self.t = name, hyper, step
        init = hyper.get("initial_accumulator_value", 0.0) if name == "adagrad" else 0.0
        given = state or {}
        self.state = {k: list(given[k]) if k in given else [init if k == "accumulator" else 0.0] * n
                      for k in state_names(name, hyper)}
        # PyTorch's momentum buffer starts as the first gradient unless a buffer was given
        self.fresh_velocity = "velocity" not in given

    def step(self, p: list[float], g: list[float]) -> tuple[list[float], list[dict[str, float]]]:
        self.t += 1
        out, details = [], []
        for i, (pi, gi) in enumerate(zip(p, g)):
            d: dict[str, float] = {"g": gi}
            new = getattr(self, "_" + self.name if self.name not in ("momentum", "nesterov")
                          else "_sgd")(i, pi, gi, d)
            d["new"] = new
            out.append(new)
            details.append(d)
        return out, details

    def _decay(self, pi: float, gi: float, d: dict[str, float]) -> float:
        lam = self.h.get("weight_decay", 0.0)
        if lam and self.name != "adamw":
            gi = gi + lam * pi
            d["g_decayed"] = gi
        return gi

    def _sgd(self, i: int, pi: float, gi: float, d: dict[str, float]) -> float:
        h = self.h
        gi = self._decay(pi, gi, d)
        mu = h["momentum"]
        if not mu:
            return pi - h["lr"] * gi
        v = self.state["velocity"]
        form = h["momentum_form"]
        if form == "ema":
            v[i] = mu * v[i] + (1 - mu) * gi
        elif form == "lr_inside":
            v[i] = mu * v[i] + h["lr"] * gi
        else:
            first = self.t == 1 and self.fresh_velocity
            v[i] = gi if first else mu * v[i] + (1 - h["dampening"]) * gi
        d["velocity"] = v[i]
        if form == "lr_inside":  # v already holds the step
            d["direction"] = h["lr"] * gi + mu * v[i] if h["nesterov"] else v[i]
            return pi - d["direction"]
        d["direction"] = gi + mu * v[i] if h["nesterov"] else v[i]
        return pi - h["lr"] * d["direction"]

    def _adagrad(self, i: int, pi: float, gi: float, d: dict[str, float]) -> float:
        h = self.h
        gi = self._decay(pi, gi, d)
        s = self.state["accumulator"]
        s[i] += gi * gi
        clr = h["lr"] / (1 + (self.t - 1) * h["lr_decay"])
        den = math.sqrt(s[i] + h["eps"]) if h["eps_inside_sqrt"] else math.sqrt(s[i]) + h["eps"]
        d.update(accumulator=s[i], lr_t=clr, denominator=den)
        return pi - clr * gi / den

    def _rmsprop(self, i: int, pi: float, gi: float, d: dict[str, float]) -> float:
        h = self.h
        gi = self._decay(pi, gi, d)
        a = h["alpha"]
        v = self.state["square_avg"]
        v[i] = a * v[i] + (1 - a) * gi * gi
        d["square_avg"] = v[i]
        var = v[i]
        if h["centered"]:
            ga = self.state["grad_avg"]
            ga[i] = a * ga[i] + (1 - a) * gi
            d["grad_avg"] = ga[i]
            var = v[i] - ga[i] ** 2
        den = math.sqrt(var + h["eps"]) if h["eps_inside_sqrt"] else math.sqrt(var) + h["eps"]
        d["denominator"] = den
        if h["momentum"]:
            buf = self.state["velocity"]
            buf[i] = h["momentum"] * buf[i] + gi / den
            d["velocity"] = buf[i]
            return pi - h["lr"] * buf[i]
        return pi - h["lr"] * gi / den

    def _adadelta(self, i: int, pi: float, gi: float, d: dict[str, float]) -> float:
        h = self.h
        gi = self._decay(pi, gi, d)
        rho, eps = h["rho"], h["eps"]
        v, u = self.state["square_avg"], self.state["acc_delta"]
        v[i] = rho * v[i] + (1 - rho) * gi * gi
        delta = math.sqrt(u[i] + eps) / math.sqrt(v[i] + eps) * gi
        u[i] = rho * u[i] + (1 - rho) * delta * delta
        d.update(square_avg=v[i], delta=delta, acc_delta=u[i])
        return pi - h["lr"] * delta

    def _adam(self, i: int, pi: float, gi: float, d: dict[str, float]) -> float:
        h = self.h
        if self.name == "adamw":
            pi = pi * (1 - h["lr"] * h["weight_decay"])
            d["decayed"] = pi
        else:
            gi = self._decay(pi, gi, d)
        b1, b2 = h["beta1"], h["beta2"]
        m, v = self.state["m"], self.state["v"]
        m[i] = b1 * m[i] + (1 - b1) * gi
        v[i] = b2 * v[i] + (1 - b2) * gi * gi
        mh, vh = m[i] / (1 - b1 ** self.t), v[i] / (1 - b2 ** self.t)
        den = math.sqrt(vh + h["eps"]) if h["eps_inside_sqrt"] else math.sqrt(vh) + h["eps"]
        d.update(m=m[i], v=v[i], m_hat=mh, v_hat=vh, denominator=den)
        return pi - h["lr"] * mh / den

    _adamw = _adam
