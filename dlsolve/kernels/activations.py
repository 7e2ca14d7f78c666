"""The activation registry: value, derivative, how each is written, its range and kinks.

Values and derivatives are PyTorch's (``torch.nn.functional``), computed stably in plain
``math`` so the arithmetic commands never import NumPy or SymPy. At a kink the derivative
is the one PyTorch's autograd returns (ReLU'(0) = 0, LeakyReLU'(0) = alpha, ...); ``sides``
gives the one-sided derivatives there for ``kink: left|right``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

from dlsolve import expr as E
from dlsolve.expr import Cases, Expr, Num, Relation, Sym, call, exp
from dlsolve.kernels.mathfns import (
    GELU_K,
    gelu_tanh_d,
    mish_d,
    phi,
    safe_exp,
    sigmoid,
    sinc,
    sinc_d,
    softplus,
    softplus_beta,
)

Params = dict[str, float]
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _u(x: Expr) -> Expr:
    return E.Bracket("sqrt", Num(2) / Sym("pi")) * (x + Num(0.044715) * x ** Num(3))


@dataclass(frozen=True)
class Activation:
    """One activation function and everything dlsolve says about it."""

    name: str
    title: str
    f: Callable[[float, Params], float]
    df: Callable[[float, Params], float]
    expr: Callable[[Expr, Params], Expr]
    dexpr: Callable[[Expr, Expr, Params], Expr]
    range: Callable[[Params], str]
    params: Params = field(default_factory=dict)
    sides: Callable[[Params], dict[float, tuple[float, float]]] = lambda p: {}
    branch: Callable[[float, Params], Expr] | None = None
    dbranch: Callable[[float, float, Params], Expr] | None = None
    note: str = ""
    symbol: str = ""  # function name in formulas (sigma for sigmoid); the title by default
    dfy: Callable[[float], float] | None = None  # f'(x) from y = f(x), when the exam writes it so

    @property
    def fname(self) -> str:
        return self.symbol or self.title

    def substituted(self, x: float, p: Params) -> Expr:
        """The definition with the number put in (the branch taken, when piecewise)."""
        return self.branch(x, p) if self.branch else self.expr(Num(x), p)

    def dsubstituted(self, x: float, y: float, p: Params) -> Expr:
        return self.dbranch(x, y, p) if self.dbranch else self.dexpr(Num(x), Num(y), p)

    def derivative(self, x: float, p: Params, kink: str = "pytorch") -> tuple[float, str | None]:
        """f'(x) and, at a kink, a sentence saying which convention gave it."""
        sides = self.sides(p)
        if x in sides:
            left, right = sides[x]
            if left != right:
                if kink in ("left", "right"):
                    value = left if kink == "left" else right
                    return value, (f"{self.title} is not differentiable at {x:g}; "
                                   f"the {kink} derivative {value:g} is used (kink: {kink})")
                value = self.df(x, p)
                return value, (f"{self.title} is not differentiable at {x:g} (left derivative "
                               f"{left:g}, right {right:g}); {value:g} is used, as PyTorch's "
                               f"autograd does")
        return self.df(x, p), None


def _gt(x: Expr, a: float | Expr) -> Relation:
    return Relation(x, ">", E.lift(a))


def _cases(*pairs: tuple[Expr, Expr | None]) -> Cases:
    return Cases(tuple(pairs))


X0 = Num(0)
REGISTRY: dict[str, Activation] = {}


def _add(a: Activation) -> None:
    REGISTRY[a.name] = a


_add(Activation("linear", "linear", lambda x, p: x, lambda x, p: 1.0,
                lambda x, p: x, lambda x, y, p: Num(1), lambda p: "(-∞, ∞)"))
_add(Activation(
    "step", "step", lambda x, p: 1.0 if x >= 0 else 0.0, lambda x, p: 0.0,
    lambda x, p: _cases((Num(1), Relation(x, ">=", X0)), (Num(0), None)),
    lambda x, y, p: Num(0), lambda p: "{0, 1}", sides=lambda p: {0.0: (0.0, 0.0)},
    branch=lambda x, p: Num(1 if x >= 0 else 0),
    note="the step's derivative is 0 wherever it exists (undefined at 0); 0 is used"))
_add(Activation(
    "sigmoid", "sigmoid", lambda x, p: sigmoid(x), lambda x, p: sigmoid(x) * (1 - sigmoid(x)),
    lambda x, p: Num(1) / (Num(1) + exp(-x)),
    lambda x, y, p: E.Mul((y, E.Bracket("paren", Num(1) - y)), True), lambda p: "(0, 1)",
    symbol="sigma", dfy=lambda y: y * (1 - y)))
_add(Activation(
    "tanh", "tanh", lambda x, p: math.tanh(x), lambda x, p: 1 - math.tanh(x) ** 2,
    lambda x, p: (exp(x) - exp(-x)) / (exp(x) + exp(-x)),
    lambda x, y, p: Num(1) - y ** Num(2), lambda p: "(-1, 1)", dfy=lambda y: 1 - y * y))
_add(Activation(
    "relu", "ReLU", lambda x, p: max(0.0, x), lambda x, p: 1.0 if x > 0 else 0.0,
    lambda x, p: call("max", 0, x),
    lambda x, y, p: _cases((Num(1), _gt(x, 0)), (Num(0), None)), lambda p: "[0, ∞)",
    sides=lambda p: {0.0: (0.0, 1.0)},
    dbranch=lambda x, y, p: Num(1 if x > 0 else 0)))
_add(Activation(
    "relu6", "ReLU6", lambda x, p: min(max(0.0, x), 6.0),
    lambda x, p: 1.0 if 0 < x < 6 else 0.0,
    lambda x, p: call("min", call("max", 0, x), 6),
    lambda x, y, p: _cases((Num(1), Relation(Num(0), "<", Relation(x, "<", Num(6)))),
                           (Num(0), None)), lambda p: "[0, 6]",
    sides=lambda p: {0.0: (0.0, 1.0), 6.0: (1.0, 0.0)},
    dbranch=lambda x, y, p: Num(1 if 0 < x < 6 else 0)))


def _leaky(name: str, title: str, alpha: float) -> Activation:
    return Activation(
        name, title, lambda x, p: x if x > 0 else p["alpha"] * x,
        lambda x, p: 1.0 if x > 0 else p["alpha"],
        lambda x, p: _cases((x, _gt(x, 0)), (Sym("alpha") * x, None)),
        lambda x, y, p: _cases((Num(1), _gt(x, 0)), (Sym("alpha"), None)),
        lambda p: "(-∞, ∞)" if p["alpha"] > 0 else "[0, ∞)", {"alpha": alpha},
        sides=lambda p: {0.0: (p["alpha"], 1.0)},
        branch=lambda x, p: Num(x) if x > 0 else Num(p["alpha"]) * Num(x),
        dbranch=lambda x, y, p: Num(1) if x > 0 else Num(p["alpha"]))


_add(_leaky("leaky_relu", "LeakyReLU", 0.01))
_add(_leaky("prelu", "PReLU", 0.25))


def _elu_like(name: str, title: str, scale: float, alpha: float, fixed: bool) -> Activation:
    def a(p: Params) -> float:
        return SELU_ALPHA if fixed else p["alpha"]

    sym_a: Expr = Num(SELU_ALPHA) if fixed else Sym("alpha")
    sym_s: Expr = Num(SELU_SCALE)

    def wrap(e: Expr) -> Expr:
        return sym_s * e if scale != 1 else e

    return Activation(
        name, title,
        lambda x, p: scale * (x if x > 0 else a(p) * (safe_exp(x) - 1)),
        lambda x, p: scale * (1.0 if x > 0 else a(p) * safe_exp(x)),
        lambda x, p: wrap(_cases((x, _gt(x, 0)), (sym_a * (exp(x) - Num(1)), None))),
        lambda x, y, p: wrap(_cases((Num(1), _gt(x, 0)), (sym_a * exp(x), None))),
        lambda p: f"({-scale * a(p):.6g}, ∞)", {} if fixed else {"alpha": alpha},
        sides=lambda p: {0.0: (scale * a(p), scale)},
        branch=lambda x, p: wrap(Num(x) if x > 0 else Num(a(p)) * (exp(Num(x)) - Num(1))),
        dbranch=lambda x, y, p: wrap(Num(1) if x > 0 else Num(a(p)) * exp(Num(x))))


_add(_elu_like("elu", "ELU", 1.0, 1.0, False))
_add(_elu_like("selu", "SELU", SELU_SCALE, SELU_ALPHA, True))
_add(Activation(
    "celu", "CELU",
    lambda x, p: max(0.0, x) + min(0.0, p["alpha"] * (safe_exp(x / p["alpha"]) - 1)),
    lambda x, p: 1.0 if x > 0 else safe_exp(x / p["alpha"]),
    lambda x, p: call("max", 0, x) + call("min", 0, Sym("alpha") * (exp(x / Sym("alpha"))
                                                                    - Num(1))),
    lambda x, y, p: _cases((Num(1), _gt(x, 0)), (exp(x / Sym("alpha")), None)),
    lambda p: f"({-p['alpha']:g}, ∞)", {"alpha": 1.0},
    branch=lambda x, p: Num(x) if x > 0 else Num(p["alpha"]) * (exp(Num(x) / Num(p["alpha"]))
                                                                 - Num(1)),
    dbranch=lambda x, y, p: Num(1) if x > 0 else exp(Num(x) / Num(p["alpha"]))))
_add(Activation(
    "gelu", "GELU", lambda x, p: 0.5 * x * (1 + math.erf(x / math.sqrt(2))),
    lambda x, p: 0.5 * (1 + math.erf(x / math.sqrt(2))) + x * phi(x),
    lambda x, p: x * call("Phi", x),
    lambda x, y, p: call("Phi", x) + x * call("phi", x), lambda p: "[-0.17, ∞)",
    branch=lambda x, p: Num(0.5) * Num(x) * (Num(1) + call("erf", Num(x) / E.Bracket(
        "sqrt", Num(2)))),
    note="GELU(x) = x·Φ(x) with Φ the standard normal CDF (exact erf form, PyTorch's default)"))
_add(Activation(
    "gelu_tanh", "GELU (tanh)",
    lambda x, p: 0.5 * x * (1 + math.tanh(GELU_K * (x + 0.044715 * x**3))),
    lambda x, p: gelu_tanh_d(x),
    lambda x, p: Num(0.5) * x * (Num(1) + call("tanh", E.Bracket("sqrt", Num(2) / Sym("pi"))
                                               * (x + Num(0.044715) * x ** Num(3)))),
    lambda x, y, p: Num(0.5) * (Num(1) + call("tanh", _u(x))) + Num(0.5) * x * call(
        "sech", _u(x)) ** Num(2) * E.Bracket("sqrt", Num(2) / Sym("pi")) * (
        Num(1) + Num(0.134145) * x ** Num(2)), lambda p: "[-0.17, ∞)",
    dbranch=lambda x, y, p: Num(gelu_tanh_d(x))))
_add(Activation(
    "silu", "SiLU", lambda x, p: x * sigmoid(p["beta"] * x),
    lambda x, p: sigmoid(p["beta"] * x) * (1 + p["beta"] * x * (1 - sigmoid(p["beta"] * x))),
    lambda x, p: x * call("sigma", Sym("beta") * x),
    lambda x, y, p: call("sigma", Sym("beta") * x) * (Num(1) + Sym("beta") * x * (
        Num(1) - call("sigma", Sym("beta") * x))),
    lambda p: f"[{-0.2784645427610738 / p['beta']:.4f}, ∞)" if p["beta"] > 0 else "(-∞, ∞)",
    {"beta": 1.0},
    branch=lambda x, p: Num(x) * call("sigma", Num(p["beta"]) * Num(x)),
    dbranch=lambda x, y, p: call("sigma", Num(p["beta"] * x)) * (Num(1) + Num(p["beta"] * x) * (
        Num(1) - call("sigma", Num(p["beta"] * x))))))
REGISTRY["swish"] = REGISTRY["silu"]
_add(Activation(
    "mish", "Mish", lambda x, p: x * math.tanh(softplus(x)), lambda x, p: mish_d(x),
    lambda x, p: x * call("tanh", call("ln", Num(1) + exp(x))),
    lambda x, y, p: call("tanh", call("softplus", x)) + x * call("sech", call("softplus", x))
    ** Num(2) * call("sigma", x), lambda p: "[-0.3088, ∞)"))
_add(Activation(
    "softplus", "softplus", lambda x, p: softplus_beta(x, p["beta"]),
    lambda x, p: 1.0 if p["beta"] * x > 20 else sigmoid(p["beta"] * x),
    lambda x, p: Num(1) / Sym("beta") * call("ln", Num(1) + exp(Sym("beta") * x)),
    lambda x, y, p: call("sigma", Sym("beta") * x), lambda p: "(0, ∞)", {"beta": 1.0},
    branch=lambda x, p: Num(x) if p["beta"] * x > 20 else
    Num(1) / Num(p["beta"]) * call("ln", Num(1) + exp(Num(p["beta"]) * Num(x))),
    dbranch=lambda x, y, p: Num(1) if p["beta"] * x > 20 else
    call("sigma", Num(p["beta"]) * Num(x)),
    note="softplus returns x itself where beta·x > 20 (PyTorch's threshold)"))
_add(Activation(
    "softsign", "softsign", lambda x, p: x / (1 + abs(x)), lambda x, p: 1 / (1 + abs(x)) ** 2,
    lambda x, p: x / (Num(1) + E.Bracket("abs", x)),
    lambda x, y, p: Num(1) / (Num(1) + E.Bracket("abs", x)) ** Num(2), lambda p: "(-1, 1)"))
_add(Activation(
    "hardtanh", "hardtanh", lambda x, p: min(max(x, p["min"]), p["max"]),
    lambda x, p: 1.0 if p["min"] < x < p["max"] else 0.0,
    lambda x, p: call("min", call("max", x, Sym("min")), Sym("max")),
    lambda x, y, p: _cases((Num(1), Relation(Sym("min"), "<", Relation(x, "<", Sym("max")))),
                           (Num(0), None)),
    lambda p: f"[{p['min']:g}, {p['max']:g}]", {"min": -1.0, "max": 1.0},
    sides=lambda p: {p["min"]: (0.0, 1.0), p["max"]: (1.0, 0.0)},
    branch=lambda x, p: call("min", call("max", Num(x), Num(p["min"])), Num(p["max"])),
    dbranch=lambda x, y, p: Num(1 if p["min"] < x < p["max"] else 0)))
_add(Activation(
    "hardsigmoid", "hardsigmoid", lambda x, p: min(max(x + 3, 0.0), 6.0) / 6,
    lambda x, p: 1 / 6 if -3 < x < 3 else 0.0,
    lambda x, p: call("ReLU6", x + Num(3)) / Num(6),
    lambda x, y, p: _cases((Num(1) / Num(6), Relation(Num(-3), "<", Relation(x, "<", Num(3)))),
                           (Num(0), None)), lambda p: "[0, 1]",
    sides=lambda p: {-3.0: (0.0, 1 / 6), 3.0: (1 / 6, 0.0)},
    dbranch=lambda x, y, p: Num(1) / Num(6) if -3 < x < 3 else Num(0)))
_add(Activation(
    "hardswish", "hardswish", lambda x, p: x * min(max(x + 3, 0.0), 6.0) / 6,
    lambda x, p: 0.0 if x <= -3 else (x / 3 + 0.5 if x < 3 else 1.0),
    lambda x, p: x * call("ReLU6", x + Num(3)) / Num(6),
    lambda x, y, p: _cases((Num(0), Relation(x, "<=", Num(-3))),
                           (x / Num(3) + Num(0.5), Relation(x, "<", Num(3))), (Num(1), None)),
    lambda p: "[-0.375, ∞)", sides=lambda p: {-3.0: (0.0, -0.5), 3.0: (1.5, 1.0)},
    dbranch=lambda x, y, p: Num(0) if x <= -3 else (Num(x) / Num(3) + Num(0.5) if x < 3
                                                    else Num(1))))
_add(Activation(
    "logsigmoid", "log-sigmoid", lambda x, p: min(x, 0.0) - math.log1p(math.exp(-abs(x))),
    lambda x, p: sigmoid(-x), lambda x, p: call("ln", call("sigma", x)),
    lambda x, y, p: Num(1) - call("sigma", x), lambda p: "(-∞, 0)",
    dbranch=lambda x, y, p: Num(1) - call("sigma", Num(x))))
_add(Activation(
    "tanhshrink", "tanhshrink", lambda x, p: x - math.tanh(x), lambda x, p: math.tanh(x) ** 2,
    lambda x, p: x - call("tanh", x), lambda x, y, p: call("tanh", x) ** Num(2),
    lambda p: "(-∞, ∞)"))


def _shrink(name: str, title: str, soft: bool) -> Activation:
    def f(x: float, p: Params) -> float:
        lam = p["lambda"]
        if x > lam:
            return x - lam if soft else x
        if x < -lam:
            return x + lam if soft else x
        return 0.0

    lam_s = Sym("lambda")
    return Activation(
        name, title, f, lambda x, p: 1.0 if abs(x) > p["lambda"] else 0.0,
        lambda x, p: _cases((x - lam_s if soft else x, _gt(x, lam_s)),
                            (x + lam_s if soft else x, Relation(x, "<", -lam_s)), (X0, None)),
        lambda x, y, p: _cases((Num(1), _gt(E.Bracket("abs", x), lam_s)), (X0, None)),
        (lambda p: "(-∞, ∞)") if soft else
        (lambda p: f"(-∞, -{p['lambda']:g}) ∪ {{0}} ∪ ({p['lambda']:g}, ∞)"),
        {"lambda": 0.5},
        sides=lambda p: {-p["lambda"]: (1.0, 0.0), p["lambda"]: (0.0, 1.0)},
        branch=lambda x, p: (Num(x) - Num(p["lambda"]) if soft else Num(x)) if x > p["lambda"]
        else ((Num(x) + Num(p["lambda"]) if soft else Num(x)) if x < -p["lambda"] else X0),
        dbranch=lambda x, y, p: Num(1 if abs(x) > p["lambda"] else 0))


_add(_shrink("softshrink", "softshrink", True))
_add(_shrink("hardshrink", "hardshrink", False))
_add(Activation(
    "sinc", "sinc", lambda x, p: sinc(x), lambda x, p: sinc_d(x),
    lambda x, p: call("sin", Sym("pi") * x) / (Sym("pi") * x),
    lambda x, y, p: (call("cos", Sym("pi") * x) * Sym("pi") * x - call("sin", Sym("pi") * x))
    / (Sym("pi") * x ** Num(2)), lambda p: "[-0.2172, 1]",
    branch=lambda x, p: Num(1) if x == 0 else call("sin", Sym("pi") * Num(x)) / (
        Sym("pi") * Num(x)),
    dbranch=lambda x, y, p: Num(0) if x == 0 else Num(sinc_d(x)),
    note="sinc is the normalised sin(πx)/(πx), with sinc(0) = 1 (torch.sinc)"))
_add(Activation(
    "exponential", "exponential", lambda x, p: safe_exp(x), lambda x, p: safe_exp(x),
    lambda x, p: exp(x), lambda x, y, p: exp(x), lambda p: "(0, ∞)"))

NAMES = sorted(k for k in REGISTRY if k != "swish") + ["swish"]
ALIASES = {"identity": "linear", "none": "linear", "binary_step": "step", "heaviside": "step",
           "logistic": "sigmoid", "leakyrelu": "leaky_relu", "gelu_exact": "gelu",
           "hard_tanh": "hardtanh", "hard_sigmoid": "hardsigmoid", "hard_swish": "hardswish",
           "log_sigmoid": "logsigmoid", "tanh_shrink": "tanhshrink", "soft_shrink": "softshrink",
           "hard_shrink": "hardshrink", "exp": "exponential", "soft_plus": "softplus",
           "soft_sign": "softsign"}


def lookup(name: str) -> Activation | None:
    """The activation called ``name`` (case and dashes ignored; a few aliases), or None."""
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    return REGISTRY.get(key)


def apply(act: Activation, x: float, p: Params) -> float:
    """f(x) with overflow turned into inf (never an exception)."""
    try:
        return act.f(x, p)
    except OverflowError:
        return math.inf
