"""Weight initialisation worked as an exam answer: the gain, the fans, the formula, the numbers.

Xavier/Glorot: Var(w) = gain² · 2/(fan_in + fan_out); He/Kaiming (mode fan_in):
Var(w) = gain²/fan_in with gain √2 for ReLU; LeCun: Kaiming with gain 1. Uniform schemes
draw from U(−a, a) with a = √3 · std, since Var(U(−a, a)) = a²/3.
"""

from __future__ import annotations

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels.init import DEFAULT_NONLINEARITY, Init, family, gain, init
from dlsolve.spec.init import InitProblem
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

REASONS = {
    "xavier": "Xavier keeps the variance of the activations (forward, fan_in) and of the "
              "gradients (backward, fan_out) roughly constant from layer to layer, taking the "
              "average of the two fans.",
    "he": "He (Kaiming) keeps the variance of the activations constant through ReLU layers: "
          "ReLU zeroes half of its inputs, halving the variance, which gain² = 2 restores.",
    "lecun": "LeCun keeps the variance of the activations constant for linear/SELU-like "
             "units: fan_in · Var(w) = 1.",
}
SQRT = "sqrt"
VAR = E.call("Var", Sym("w"))


def solve(spec: InitProblem) -> Solution:
    names = ", ".join(spec.schemes)
    sol = Solution("init", f"Weight initialisation: {names}",
                   answer=("std", "variance", "bound", "gain"))
    _givens(sol, spec)
    _fans(sol, spec)
    rows, out = [], []
    for scheme in spec.schemes:
        if spec.table:
            sol.add(Heading(scheme))
        res = _scheme(sol, spec, scheme)
        out.append(res)
        rows.append((scheme, res.gain, res.variance, res.std,
                     "" if res.bound is None else res.bound))
    if spec.table:
        sol.add(TableStep("Summary", ("scheme", "gain", "variance", "std", "bound a"),
                          tuple(rows), detail="brief"))
    _results(sol, spec, out)
    _notes(sol, spec)
    return sol


def _givens(sol: Solution, spec: InitProblem) -> None:
    for scheme in spec.schemes:   # one datum each, so a sheet's line can break between them
        sol.given("scheme", scheme.replace("_", " "), "initialisation scheme")
    if spec.shape:
        sol.given("shape", spec.shape, "weight shape (PyTorch layout)")
    else:
        sol.given("fan_in", spec.fan_in, "inputs per unit")
        if spec.fan_out is not None:
            sol.given("fan_out", spec.fan_out, "outputs per unit")
    if spec.nonlinearity:
        sol.given("nonlinearity", spec.nonlinearity, "activation after the layer")
    if spec.nonlinearity == "leaky_relu":
        sol.given("negative_slope", spec.negative_slope, "leaky ReLU slope")


def _fans(sol: Solution, spec: InitProblem) -> None:
    if not spec.shape:
        return
    sol.add(Heading("Fans from the weight shape"))
    rf = [Num(k) for k in spec.shape[2:]]
    recept = E.Mul(tuple(rf)) if rf else Num(1)
    sol.add(Step("fan_in = C_in · receptive field" if rf else "fan_in = in", Sym("fan_in"),
                 substituted=E.Mul((Num(spec.shape[1]), recept)) if rf else None,
                 value=spec.fan_in, approx=False),
            Step("fan_out = C_out · receptive field" if rf else "fan_out = out", Sym("fan_out"),
                 substituted=E.Mul((Num(spec.shape[0]), recept)) if rf else None,
                 value=spec.fan_out, approx=False))


def _gain(sol: Solution, spec: InitProblem, scheme: str) -> float:
    nonlin = spec.nonlinearity or DEFAULT_NONLINEARITY[family(scheme)]
    g = gain(nonlin, spec.negative_slope)
    forms = {"tanh": (Num(5) / Num(3), None), "relu": (E.Bracket(SQRT, Num(2)), None),
             "selu": (Num(3) / Num(4), None),
             "leaky_relu": (E.Bracket(SQRT, Num(2) / (Num(1) + Sym("slope") ** Num(2))),
                            E.Bracket(SQRT, Num(2) / (Num(1) + Num(spec.negative_slope)
                                                      ** Num(2))))}
    formula, subst = forms.get(nonlin, (Num(1), None))
    sol.add(Step(f"Gain for {nonlin} (PyTorch's calculate_gain)", Sym("gain"), formula, subst,
                 value=g))
    return g


def _scheme(sol: Solution, spec: InitProblem, scheme: str) -> Init:
    g = _gain(sol, spec, scheme)
    res = init(scheme, spec.fan_in, spec.fan_out, g)
    gs, fi = Sym("gain"), Sym("fan_in")
    if family(scheme) == "xavier":
        var_f = gs ** Num(2) * (Num(2) / (fi + Sym("fan_out")))
        var_s = Num(round(g * g, 12)) * (Num(2) / (Num(spec.fan_in) + Num(spec.fan_out)))
    else:
        var_f, var_s = gs ** Num(2) / fi, Num(round(g * g, 12)) / Num(spec.fan_in)
    sol.add(Step("Variance", VAR, var_f, var_s, value=res.variance, key="variance",
                 detail="brief"),
            Step("Standard deviation", Sym("std"), E.Bracket(SQRT, VAR),
                 E.Bracket(SQRT, Num(res.variance)), value=res.std, key="std", detail="brief"))
    if res.bound is not None:
        sol.add(Step("Uniform bound: U(-a, a) has variance a²/3", Sym("a"),
                     E.Bracket(SQRT, Num(3)) * Sym("std"), E.Bracket(SQRT, Num(3)) * Num(res.std),
                     value=res.bound, key="bound", detail="brief"))
    else:
        sol.add(Note(f"{scheme} draws from N(0, {res.std:.6g}²)."))
    sol.add(Note(REASONS[family(scheme)], "conclusion"))
    check = res.variance * (spec.fan_in if family(scheme) != "xavier"
                            else (spec.fan_in + (spec.fan_out or 0)) / 2) / g ** 2
    sol.add(Note(f"Check: Var(w) · fan / gain² = {check:.12g} (1 by construction).",
                 detail="full"))
    return res


def _results(sol: Solution, spec: InitProblem, out: list[Init]) -> None:
    def pick(values: list) -> object:
        return values if spec.table else values[0]

    sol.set("variance", pick([r.variance for r in out]))
    sol.set("std", pick([r.std for r in out]))
    sol.set("gain", pick([r.gain for r in out]))
    bounds = [r.bound for r in out]
    if any(b is not None for b in bounds):
        sol.set("bound", pick(bounds))
    sol.set("fan_in", spec.fan_in)
    if spec.fan_out is not None:
        sol.set("fan_out", spec.fan_out)
    if spec.table:
        sol.set("schemes", spec.schemes)


def _notes(sol: Solution, spec: InitProblem) -> None:
    sol.note("PyTorch's formulas (torch.nn.init): Xavier std = gain·√(2/(fan_in + fan_out)); "
             "Kaiming with mode fan_in, std = gain/√fan_in; LeCun = Kaiming with gain 1; "
             "uniform bound a = √3·std.")
    if not spec.nonlinearity:
        sol.note("No nonlinearity given: He uses relu's gain √2, Xavier and LeCun "
                 "linear's gain 1.")
    if spec.nonlinearity == "leaky_relu":
        sol.note(f"leaky_relu's gain uses negative_slope {spec.negative_slope:g} "
                 "(calculate_gain's default 0.01; kaiming_normal_'s own `a` defaults to 0).")
    if spec.shape:
        sol.note("Fans from the shape as PyTorch: dense [out, in]; conv [C_out, C_in, kh, kw] "
                 "with the receptive field kh·kw.")
