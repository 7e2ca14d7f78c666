"""The backward pass of batch/layer normalisation, with the three-term formula's numbers.

With g = dL/dy and dx̂ = γ g: dβ = Σ g, dγ = Σ g x̂ (over the samples, per feature), and,
when the statistics are the input's own (train-mode batchnorm, layernorm), over the n
entries of one statistic:

    dx = (1/(n s)) (n dx̂ − Σ dx̂ − x̂ Σ dx̂ x̂),   s = √(σ² + ε);

with fixed (running) statistics dx = dx̂ / s. The numbers are the graph engine's (the
forward pass as its gates, g carried back through them: ``kernels.norm.backward``); the
steps write the closed form with those numbers, and the closed form evaluated on its own
must give them (else a SolverBug). A central finite-difference check of L = Σ g ⊙ y
confirms both (detail full).
"""

from __future__ import annotations

import numpy as np

from dlsolve import expr as E
from dlsolve.errors import SolverBug
from dlsolve.expr import Num, Sym
from dlsolve.kernels.norm import Backward, Forward, closed_form, disagreement
from dlsolve.kernels.norm import backward as grads  # the graph engine's
from dlsolve.kernels.norm import output as direct_output
from dlsolve.spec.norm import NormProblem
from dlsolve.steps import Heading, MatrixStep, Note, Solution, Step

WORKED, TERMS, BIG, CHECKED = 3, 10, 64, 40
SAME = 1e-9  # engine against closed form, in units of each entry's rounding


def hat(cell: str) -> Sym:
    """x̂ of one entry (``11``: row 1, column 1); named so LaTeX prints it \\hat{x_{11}}."""
    return Sym(f"x{cell}_hat")


def dL(name: str | E.Expr) -> E.Expr:
    """∂L/∂name."""
    return E.Deriv(Sym("L"), Sym(name) if isinstance(name, str) else name)


def backward(sol: Solution, spec: NormProblem, f: Forward) -> Backward:
    g = np.asarray(spec.grad, dtype=float)
    b = grads(f, g, spec.gamma, spec.batch_stats)
    _same_as_closed_form(b, f, g, spec)
    sol.add(Heading("Backward pass"))
    _params(sol, f, g, b)
    if spec.batch_stats:
        _three_term(sol, spec, f, b)
    else:
        _fixed(sol, f, g, b, spec)
    sol.add(MatrixStep("dL/dx", Sym("dx"), b.grad_input.tolist(), key="grad_input",
                       detail="full" if g.size > BIG else "brief"))
    for name in ("grad_input", "grad_gamma", "grad_beta"):
        sol.set(name, getattr(b, name))
    _check(sol, spec, f, b)
    sol.answer = sol.answer + ("grad_input", "grad_gamma", "grad_beta")
    return b


def _same_as_closed_form(b: Backward, f: Forward, g: np.ndarray, spec: NormProblem) -> None:
    """The formulas the steps write, evaluated on their own, give the engine's numbers.

    (Not asserted for an input below double precision's normal range, ~2.2e-308: there x̂
    keeps only a few bits, and the two roundings of it legitimately part.)"""
    if np.any((f.x != 0) & (np.abs(f.x) < np.finfo(float).tiny)):
        return
    closed = closed_form(f, g, spec.gamma, spec.batch_stats)
    gap = disagreement(b, closed, f, g, spec.gamma, spec.batch_stats)
    if gap > SAME:
        raise SolverBug(f"norm backward: the closed form and the graph engine differ ({gap:.3g} "
                        "times the rounding of an entry)")


def _params(sol: Solution, f: Forward, g: np.ndarray, b: Backward) -> None:
    col = g[:, 0]
    sol.add(Step("dβ for feature 1: the upstream gradients summed over the samples",
                 dL("beta_1"), E.Sum("i", Sym("g_i1")),
                 E.Add(tuple(E.elide([Num(v) for v in col], TERMS))), value=b.grad_beta[0],
                 key="grad_beta"),
            Step("dγ for feature 1: the upstream gradients times the normalised values, "
                 "summed over the samples",
                 dL("gamma_1"), E.Add(tuple(E.elide([Sym(f"g_{i + 1}1") * hat(f"{i + 1}1")
                                                     for i in range(len(col))], TERMS))),
                 E.Add(tuple(E.elide([Num(u) * Num(v) for u, v in zip(col, f.x_hat[:, 0])],
                                     TERMS))), value=b.grad_gamma[0], key="grad_gamma"),
            Step("", dL("beta"), value=b.grad_beta.tolist(), key="grad_beta", detail="brief"),
            Step("", dL("gamma"), value=b.grad_gamma.tolist(), key="grad_gamma", detail="brief"))


def _three_term(sol: Solution, spec: NormProblem, f: Forward, b: Backward) -> None:
    a = f.axis
    unit, idx, cnt = ("feature", "i", "N") if a == 0 else ("sample", "j", "D")
    n = f.x_hat.shape[a]
    gx = b.grad_x_hat[:, 0] if a == 0 else b.grad_x_hat[0, :]
    xh = f.x_hat[:, 0] if a == 0 else f.x_hat[0, :]
    s1, s2 = gx.sum(), (gx * xh).sum()
    g = np.asarray(spec.grad, dtype=float)
    graw = g[:, 0] if a == 0 else g[0, :]
    cells = [f"{t + 1}1" if a == 0 else f"1{t + 1}" for t in range(n)]
    dxh = [dL(hat(c)) for c in cells]
    xh_sym, dxh_sym = Sym("x_hat"), dL(Sym("x_hat"))
    sol.add(Step(f"The statistics depend on x, so dx has three terms (over the {cnt} entries "
                 f"of one {unit}; s = √(σ² + ε))", dL("x"), Num(1) / (Sym(cnt) * Sym("s"))
                 * E.Bracket("paren", Sym(cnt) * dxh_sym - E.Sum(idx, dxh_sym) - xh_sym
                             * E.Sum(idx, dxh_sym * xh_sym)), detail="brief"),
            Step(f"The gradient reaching the normalised values of {unit} 1: γ times the "
                 "upstream gradient", E.Seq(tuple(
                E.elide(dxh, TERMS)), "[]"), E.Seq(tuple(E.elide(
                    [Sym(f"gamma_{1 if a == 0 else t + 1}") * Sym(f"g_{c}")
                     for t, c in enumerate(cells)], TERMS)), "[]"), E.Seq(tuple(E.elide(
                        [Num(gm) * Num(v) for gm, v in zip(_gammas(spec, a, n), graw)],
                        TERMS)), "[]"), value=gx.tolist()),
            Step(f"Sums for {unit} 1", Sym("S1"), E.Add(tuple(E.elide(dxh, TERMS))),
                 E.Add(tuple(E.elide([Num(v) for v in gx], TERMS))), value=s1),
            Step("", Sym("S2"), E.Add(tuple(E.elide([d * hat(c) for d, c in zip(dxh, cells)],
                                                    TERMS))),
                 E.Add(tuple(E.elide([Num(u) * Num(v) for u, v in zip(gx, xh)], TERMS))),
                 value=s2))
    for t in range(min(WORKED, n)):
        i, j = (t, 0) if a == 0 else (0, t)
        cell = cells[t]
        sol.add(Step("", dL(f"x_{cell}"), Num(1) / (Sym(cnt) * Sym("s_1")) * E.Bracket(
            "paren", Sym(cnt) * dxh[t] - Sym("S1") - hat(cell) * Sym("S2")),
            Num(1) / (Num(n) * Num(f.std[0])) * E.Bracket(
                "paren", Num(n) * Num(gx[t]) - Num(s1) - Num(xh[t]) * Num(s2)),
            value=b.grad_input[i, j], key="grad_input"))


def _gammas(spec: NormProblem, axis: int, n: int) -> list[float]:
    """γ of each entry of the worked line: γ_1 down a column, γ_1..γ_D along a row."""
    return [spec.gamma[0]] * n if axis == 0 else list(spec.gamma)


def _conditioned(spec: NormProblem, f: Forward) -> bool:
    """Every nonzero number of the problem and every √(σ² + ε) within 1e-6 .. 1e6."""
    every = np.concatenate([np.ravel(a) for a in (f.x, spec.grad, spec.gamma, spec.beta,
                                                  f.std)])
    sizes = np.abs(every[every != 0])
    return bool(((sizes >= 1e-6) & (sizes <= 1e6)).all())


def _miss(spec: NormProblem, reach: tuple, plus: tuple, minus: tuple, h: float,
          analytic: float) -> float:
    """|central difference − analytic|, relative to the larger of them, 1 and the noise."""
    g = np.asarray(spec.grad, dtype=float)
    stats = {} if spec.batch_stats else {"mean": spec.running_mean, "var": spec.running_var}
    axis = 0 if spec.type == "batchnorm" else 1
    sums = []
    for xv, gm in (plus, minus):
        y = direct_output(xv, axis, spec.eps, gm, spec.beta, **stats)
        sums.append(((g * y)[reach].sum(), np.abs(g * y)[reach].sum()))
    fd = (sums[0][0] - sums[1][0]) / (2 * h)
    noise = 1e-8 * sums[0][1] / h  # rounding of the sums, far above it
    return abs(fd - analytic) / max(1.0, abs(fd), abs(analytic), noise)


def _fixed(sol: Solution, f: Forward, g: np.ndarray, b: Backward, spec: NormProblem) -> None:
    sol.add(Note("Eval mode: μ and σ² are constants, so dx = γ·dL/dy / √(σ² + ε), entry by "
                 "entry."))
    for i in range(min(WORKED, g.shape[0])):
        sol.add(Step("", dL(f"x_{i + 1}1"), Sym("gamma_1") * Sym(f"g_{i + 1}1") / Sym("s_1"),
                     Num(spec.gamma[0]) * Num(g[i, 0]) / Num(f.std[0]),
                     value=b.grad_input[i, 0], key="grad_input"))


def _check(sol: Solution, spec: NormProblem, f: Forward, b: Backward) -> None:
    """Central finite differences of L = Σ g ⊙ y against dx, dγ, dβ (a sample of entries).

    Each difference sums only the outputs the perturbed number reaches (its column, or its
    row in layernorm), with a step relative to it, and is judged against the rounding noise
    of that sum, so huge γ or tiny variances check as well as exam numbers. The outputs are
    NumPy's direct formulas (``kernels.norm.output``), not the engine's."""
    x = np.asarray(spec.x, dtype=float)
    axis = 0 if spec.type == "batchnorm" else 1
    gamma = np.asarray(spec.gamma, dtype=float)
    if not _conditioned(spec, f):
        sol.add(Note("No finite-difference check here: the numbers span too many orders of "
                     "magnitude for a difference quotient to mean anything (the formulas are "
                     "those checked on exam-sized numbers).", detail="full"))
        return
    worst = 0.0
    cells = [(i, j) for i in range(x.shape[0]) for j in range(x.shape[1])][:CHECKED]
    for i, j in cells:
        d = np.zeros_like(x)
        d[i, j] = 1e-6 * max(1.0, abs(x[i, j]))
        reach = (slice(None), j) if axis == 0 else (i, slice(None))
        worst = max(worst, _miss(spec, reach, (x + d, gamma), (x - d, gamma), d[i, j],
                                 b.grad_input[i, j]))
    for k in range(x.shape[1])[:CHECKED]:
        e = np.zeros_like(gamma)
        e[k] = 1e-6 * max(1.0, abs(gamma[k]))
        worst = max(worst, _miss(spec, (slice(None), k), (x, gamma + e), (x, gamma - e), e[k],
                                 b.grad_gamma[k]))
    if worst > 1e-4:
        raise SolverBug(f"norm backward disagrees with a central finite difference ({worst})")
    sol.add(Note(f"Check: dx and dγ agree with central finite differences of L = Σ g·y "
                 f"({len(cells)} entries of dx, largest difference {worst:.1e}).",
                 "conclusion", detail="full"))
