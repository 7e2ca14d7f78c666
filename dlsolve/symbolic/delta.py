"""The generalised delta rule, derived with SymPy for a given activation and loss (seed 004 Q2).

Output unit k:  delta_k = dE/do_k · f'(z_k)
Hidden unit j:  delta_j = f'(z_j) · Σ_k w_kj delta_k      (o_j feeds every z_k = Σ_j w_kj o_j + b_k)
Every weight:   dE/dw_ji = delta_j · o_i,   Δw_ji = -η delta_j o_i

dE/do_k comes from the loss: a per-output term E_k(t_k, o_k) differentiated by SymPy for most
losses; for the two that couple the outputs (multiclass_svm through the true class's score,
categorical_hinge through pos and neg) the derivative of the one term that holds o_k, or the chain
rule through pos and neg. The loss parameters (δ, β, γ, α, Δ) stay symbols in the derivation;
``loss_gradient`` evaluates the same SymPy derivatives at numbers, for a loss spec's options.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from dlsolve import expr as E
from dlsolve.errors import spec_error
from dlsolve.expr import Deriv, Sym
from dlsolve.kernels import losses as L
from dlsolve.kernels.activations import NAMES as ACTIVATIONS
from dlsolve.kernels.activations import lookup
from dlsolve.spec.phrases import suggest
from dlsolve.steps import Heading, Note, Solution, Step
from dlsolve.symbolic import from_sympy, rational
from dlsolve.symbolic.activation import sympy_form, x

SOURCE = "dlsolve backprop --derive"
t, o = sp.symbols("t_k o_k", real=True)
o_y = sp.Symbol("o_y", real=True)
m = sp.Symbol("m", real=True)
pos, neg = sp.symbols("pos neg", real=True)
SYMBOLS = {"delta": sp.Symbol("delta", positive=True),
           "beta": sp.Symbol("beta", positive=True),
           "gamma": sp.Symbol("gamma", nonnegative=True),
           "alpha": sp.Symbol("alpha", positive=True),
           "margin": sp.Symbol("Delta", positive=True)}
COUPLED = ("multiclass_svm", "categorical_hinge")  # no term of one output alone
Params = dict[str, Any]


def _hinge(v: Any) -> Any:
    """max(0, v) as the two branches (the kink takes the derivative 0, as the kernels do)."""
    return sp.Piecewise((v, v > 0), (0, True))


def _focal(p: Params) -> Any:
    a1, a0 = (1, 1) if p["alpha"] is None else (p["alpha"], 1 - p["alpha"])
    return sp.Piecewise((-a1 * (1 - o) ** p["gamma"] * sp.log(o), sp.Eq(t, 1)),
                        (-a0 * o ** p["gamma"] * sp.log(1 - o), sp.Eq(t, 0)))


def _huber(p: Params) -> Any:
    d, dl = o - t, p["delta"]
    return sp.Piecewise((d ** 2 / 2, sp.Abs(d) <= dl), (dl * (sp.Abs(d) - dl / 2), True))


def _smooth_l1(p: Params) -> Any:
    d, b = o - t, p["beta"]
    if b == 0:  # the L1 loss (PyTorch)
        return sp.Abs(d)
    return sp.Piecewise((d ** 2 / (2 * b), sp.Abs(d) < b), (sp.Abs(d) - b / 2, True))


TERMS: dict[str, Callable[[Params], Any]] = {  # one output's term of E (a mean's 1/n outside)
    "half_sse": lambda p: (t - o) ** 2 / 2, "half_mse": lambda p: (t - o) ** 2 / 2,
    "sse": lambda p: (t - o) ** 2, "mse": lambda p: (t - o) ** 2,
    "bce": lambda p: -(t * sp.log(o) + (1 - t) * sp.log(1 - o)),
    "cce": lambda p: -t * sp.log(o), "sparse_cce": lambda p: -t * sp.log(o),
    "mae": lambda p: sp.Abs(t - o), "hinge": lambda p: _hinge(1 - t * o),
    "squared_hinge": lambda p: sp.Piecewise(((1 - t * o) ** 2, 1 - t * o > 0), (0, True)),
    "kl_divergence": lambda p: t * sp.log(t / o),
    "huber": _huber, "smooth_l1": _smooth_l1, "focal": _focal,
}
NOTES = {
    "sparse_cce": "t_k = 1 for the target class and 0 for the others (the index as one-hot).",
    "hinge": "Labels t_k = ±1; at the kink (t_k·o_k = 1) the derivative is taken as 0.",
    "squared_hinge": "Labels t_k = ±1 (0 read as -1).",
    "kl_divergence": "A target t_k = 0 adds nothing (0·ln 0 = 0); t_k ln t_k is a constant.",
    "huber": "d = o_k - t_k and δ is Huber's threshold (default 1; not a unit's delta δ_k): "
             "quadratic for |d| ≤ δ, linear beyond.",
    "smooth_l1": "d = o_k - t_k: quadratic for |d| < β, linear beyond (default β = 1; β = 0 "
                 "is the L1 loss |d|).",
    "focal": "Binary labels t_k ∈ {0, 1}: p_t = o_k for t_k = 1 and 1 - o_k for t_k = 0, "
             "α_t = α and 1 - α (default γ = 2, α = 0.25; without α weighting both are 1).",
}


def supported() -> tuple[str, ...]:
    """The losses --derive derives (every loss a network accepts)."""
    return tuple(n for n in L.NAMES if n in TERMS or n in COUPLED)


def _names(activation: str, loss: str) -> tuple[Any, str]:
    key = loss.strip().lower().replace("-", "_")
    name = L.ALIASES.get(key, key)
    if name in L.NAMES and name not in supported():
        raise spec_error(SOURCE, "--loss", f"--derive has no derivation for {name} (its term "
                         f"is not one of the forms written here); it derives "
                         f"{', '.join(supported())}")
    if name not in supported():
        hint = suggest(loss, list(L.NAMES) + list(L.ALIASES))
        raise spec_error(SOURCE, "--loss", f"expected one of {', '.join(supported())}, got "
                         f"{loss!r}" + (f"; {hint}" if hint else ""))
    if activation.strip().lower() == "softmax":
        raise spec_error(SOURCE, "--activation", "softmax is not elementwise: each output depends "
                         "on every z (∂o_i/∂z_k = o_i(1[i = k] - o_k)), so the delta rule's "
                         "δ_k = ∂E/∂o_k·f'(z_k) does not apply; --derive takes an elementwise "
                         "activation (softmax with cce gives δ_k = o_k - t_k: see `dlsolve "
                         "softmax ... --target`)")
    act = lookup(activation)
    if act is None:
        hint = suggest(activation, ACTIVATIONS)
        raise spec_error(SOURCE, "--activation", f"expected an elementwise activation "
                         f"({', '.join(ACTIVATIONS)}), got {activation!r}" +
                         (f"; {hint}" if hint else ""))
    return act, name


def _diff(e: Any, v: Any) -> Any:
    """dE/dv, each branch tidied (powers merged, common factors out: α(γ(1 - o)^(γ-1)...))."""
    d = sp.diff(e, v)
    if isinstance(d, sp.Piecewise):
        return sp.Piecewise(*((_tidy(b), c) for b, c in d.args))
    return _tidy(d)


def _tidy(e: Any) -> Any:
    return sp.factor_terms(sp.powsimp(e))


def _mean(name: str) -> str:
    return " (times 1/n for a mean over n outputs)" if name in L.MEAN else ""


def _per_output(name: str) -> tuple[list[Any], E.Expr]:
    term = TERMS[name](SYMBOLS)
    dE = _diff(term, o)
    steps = [Step("One output's share of the loss", Sym("E_k"), from_sympy(term))]
    if name in NOTES:
        steps.append(Note(NOTES[name]))
    steps.append(Step("Differentiate with respect to the output (SymPy)" + _mean(name),
                      Deriv(Sym("E"), Sym("o_k")), from_sympy(dE)))
    return steps, E.Bracket("paren", from_sympy(dE))


def _svm() -> tuple[list[Any], E.Expr]:
    term = _hinge(o - o_y + SYMBOLS["margin"])
    d_own, d_true = _diff(term, o), _diff(term, o_y)
    steps = [Note("The scores are coupled: every term of Σ_{k≠y} max(0, o_k - o_y + Δ) holds the "
                  "true class's score o_y (y the target index), so ∂E/∂o_k has one form for "
                  "k ≠ y and another for k = y. A margin exactly 0 adds nothing."),
             Step("One term of the sum (k ≠ y)", Sym("E_k"), from_sympy(term)),
             Step("k ≠ y: only term k holds o_k (SymPy)", Deriv(Sym("E"), Sym("o_k")),
                  from_sympy(d_own)),
             Step("k = y: every term holds o_y (SymPy; the sum over k ≠ y)",
                  Deriv(Sym("E"), Sym("o_y")), E.Sum("k", from_sympy(d_true)))]
    return steps, Deriv(Sym("E"), Sym("o_k"))


def _categorical_hinge() -> tuple[list[Any], E.Expr]:
    dm = _diff(_hinge(m), m)
    steps = [Note("The outputs are coupled: pos = Σ_j t_j o_j (the target class's output for a "
                  "one-hot t) and neg = the largest o_j with t_j = 0."),
             Step("The margin", Sym("m"), from_sympy(1 + neg - pos)),
             Step("The loss", Sym("E"), from_sympy(_hinge(m))),
             Step("Differentiate with respect to the margin (SymPy)",
                  Deriv(Sym("E"), Sym("m")), from_sympy(dm)),
             Note("∂pos/∂o_k = t_k, and ∂neg/∂o_k = 1 for the output holding the max (ties "
                  "share it evenly), 0 for the others."),
             Step("Chain rule through pos and neg", Deriv(Sym("E"), Sym("o_k")),
                  E.Mul((Deriv(Sym("E"), Sym("m")), E.Bracket("paren", E.Add((
                      Deriv(Sym("neg"), Sym("o_k")), E.Neg(Sym("t_k"))))))))]
    return steps, Deriv(Sym("E"), Sym("o_k"))


def derive_delta_rule(activation: str, loss: str) -> Solution:
    act, loss = _names(activation, loss)
    z = sp.Symbol("z", real=True)
    sol = Solution("backprop", f"The generalised delta rule: {act.title} units, {loss}",
                   answer=())
    sol.add(Note(f"Loss: {L.TITLES[loss]}. Activation: {act.title}."))
    out_steps, dE = (_svm() if loss == "multiclass_svm" else _categorical_hinge()
                     if loss == "categorical_hinge" else _per_output(loss))
    f = sympy_form(act.name, act.params).subs(x, z)
    fprime = sp.diff(f, z)
    ok = Sym("o_k")
    fprime_out = act.dexpr(Sym("z_k"), Sym("o_k"), act.params) if act.dfy else from_sympy(
        fprime.subs(z, sp.Symbol("z_k")))
    sol.add(Heading("Output units"), *out_steps,
            Step("Differentiate the activation (SymPy)", Deriv(ok, Sym("z_k")), from_sympy(
                fprime.subs(z, sp.Symbol("z_k"))), fprime_out if act.dfy else None),
            Step("Output delta", Sym("delta_k"), E.Mul((Deriv(Sym("E"), ok), Deriv(ok, Sym(
                "z_k")))), E.Mul((dE, E.Bracket("paren", fprime_out)))))
    sol.add(Heading("Hidden units"),
            Note("o_j reaches the loss only through the units k it feeds, with "
                 "z_k = Σ_j w_kj o_j + b_k, so ∂z_k/∂o_j = w_kj."),
            Step("Chain rule through every unit k fed by j", Deriv(Sym("E"), Sym("o_j")),
                 E.Sum("k", E.Mul((Deriv(Sym("E"), Sym("z_k")), Deriv(Sym("z_k"), Sym("o_j"))))),
                 E.Sum("k", E.Mul((Sym("delta_k"), Sym("w_kj"))))),
            Step("Hidden delta (the generalised delta rule)", Sym("delta_j"),
                 E.Mul((Deriv(Sym("E"), Sym("o_j")), Deriv(Sym("o_j"), Sym("z_j")))),
                 E.Mul((E.Bracket("paren", act.dexpr(Sym("z_j"), Sym("o_j"), act.params)),
                        E.Sum("k", E.Mul((Sym("w_kj"), Sym("delta_k"))))))))
    sol.add(Heading("Weights"),
            Step("Gradient of a weight (∂z_j/∂w_ji = o_i)", Deriv(Sym("E"), Sym("w_ji")),
                 E.Mul((Sym("delta_j"), Sym("o_i")))),
            Step("Update", Sym("Delta_w_ji"), -E.Mul((Sym("eta"), Sym("delta_j"), Sym("o_i")))),
            Note("Biases follow the same rule with o_i = 1.", "conclusion"))
    return sol


def _value(e: Any, at: dict[Any, Any]) -> float:
    return float(e.subs(at))


def loss_gradient(spec: L.LossSpec, targets: list[float], outputs: list[float]) -> list[float]:
    """∂E/∂o of one sample from the derivation's SymPy derivatives, evaluated at numbers (the
    loss's options put in; a mean's 1/n applied): what the derivation claims, to be checked
    against the kernels' loss."""
    n, name = len(outputs), spec.name
    p = {k: None if getattr(spec, k) is None else rational(getattr(spec, k)) for k in SYMBOLS}
    ps = [rational(v) for v in outputs]
    if name in ("sparse_cce", "multiclass_svm"):
        targets = [1 if k == int(targets[0]) else 0 for k in range(n)]
    ts = [rational(v) for v in targets]
    if name == "multiclass_svm":
        y = ts.index(1)
        term = _hinge(o - o_y + p["margin"])
        d_own, d_true = _diff(term, o), _diff(term, o_y)
        g = [_value(d_own, {o: ok, o_y: ps[y]}) for ok in ps]
        g[y] = sum(_value(d_true, {o: ok, o_y: ps[y]}) for k, ok in enumerate(ps) if k != y)
        return g
    if name == "categorical_hinge":
        dm = _diff(_hinge(m), m)
        rest = [k for k in range(n) if ts[k] == 0] or list(range(n))
        top = [k for k in rest if ps[k] == max(ps[j] for j in rest)]
        at = _value(dm, {m: 1 + ps[top[0]] - sum(a * b for a, b in zip(ts, ps))})
        return [at * ((1 / len(top) if k in top else 0) - float(ts[k])) for k in range(n)]
    dE = _diff(TERMS[name](p), o)
    scale = 1 / n if name in L.MEAN else 1
    return [_value(dE, {t: tk, o: ok}) * scale for tk, ok in zip(ts, ps)]
