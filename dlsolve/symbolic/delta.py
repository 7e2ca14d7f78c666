"""The generalised delta rule, derived with SymPy for a given activation and loss (seed 004 Q2).

Output unit k:  delta_k = dE/do_k · f'(z_k)
Hidden unit j:  delta_j = f'(z_j) · Σ_k w_kj delta_k      (o_j feeds every z_k = Σ_j w_kj o_j + b_k)
Every weight:   dE/dw_ji = delta_j · o_i,   Δw_ji = -η delta_j o_i
"""

from __future__ import annotations

import sympy as sp

from dlsolve import expr as E
from dlsolve.errors import spec_error
from dlsolve.expr import Deriv, Sym
from dlsolve.kernels.activations import lookup
from dlsolve.kernels.losses import ALIASES, NAMES, TITLES
from dlsolve.steps import Heading, Note, Solution, Step
from dlsolve.symbolic import from_sympy
from dlsolve.symbolic.activation import sympy_form, x

LOSS_TERMS = {  # one output's term of E, in t and o (mean losses: the 1/n stays outside)
    "half_sse": lambda t, o: (t - o) ** 2 / 2, "half_mse": lambda t, o: (t - o) ** 2 / 2,
    "sse": lambda t, o: (t - o) ** 2, "mse": lambda t, o: (t - o) ** 2,
    "bce": lambda t, o: -(t * sp.log(o) + (1 - t) * sp.log(1 - o)),
    "cce": lambda t, o: -t * sp.log(o), "sparse_cce": lambda t, o: -t * sp.log(o),
    "mae": lambda t, o: sp.Abs(t - o), "hinge": lambda t, o: sp.Max(0, 1 - t * o),
}


def derive_delta_rule(activation: str, loss: str) -> Solution:
    act = lookup(activation)
    loss = ALIASES.get(loss, loss)
    if act is None:
        raise spec_error("dlsolve backprop --derive", "--activation",
                         f"expected an activation name, got {activation!r}")
    if loss not in NAMES:
        raise spec_error("dlsolve backprop --derive", "--loss",
                         f"expected one of {', '.join(NAMES)}, got {loss!r}")
    t, o, z = sp.symbols("t_k o_k z", real=True)
    sol = Solution("backprop", f"The generalised delta rule: {act.title} units, {loss}",
                   answer=())
    sol.add(Note(f"Loss: {TITLES[loss]}. Activation: {act.title}."))
    term = LOSS_TERMS[loss](t, o)
    dE = sp.diff(term, o)
    f = sympy_form(act.name, act.params).subs(x, z)
    fprime = sp.diff(f, z)
    ok = Sym("o_k")
    fprime_out = act.dexpr(Sym("z_k"), Sym("o_k"), act.params) if act.dfy else from_sympy(
        fprime.subs(z, sp.Symbol("z_k")))
    mean = " (times 1/n for a mean over n outputs)" if loss in ("mse", "half_mse", "bce", "mae",
                                                                  "hinge") else ""
    sol.add(Heading("Output units"),
            Step("One output's share of the loss", Sym("E_k"), from_sympy(term)),
            Step("Differentiate with respect to the output (SymPy)" + mean, Deriv(
                Sym("E"), ok), from_sympy(dE)),
            Step("Differentiate the activation (SymPy)", Deriv(ok, Sym("z_k")), from_sympy(
                fprime.subs(z, sp.Symbol("z_k"))), fprime_out if act.dfy else None),
            Step("Output delta", Sym("delta_k"), E.Mul((Deriv(Sym("E"), ok), Deriv(ok, Sym(
                "z_k")))), E.Mul((E.Bracket("paren", from_sympy(dE)), E.Bracket(
                    "paren", fprime_out)))))
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
