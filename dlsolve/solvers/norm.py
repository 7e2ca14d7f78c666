"""Batch and layer normalisation worked as an exam answer: statistics, x̂, γx̂ + β.

Batchnorm takes each feature (a column) over the batch; layernorm each sample (a row) over
its features. One column (row) is worked in full and the others tabulated; in train mode
batchnorm also updates its running statistics (PyTorch: the unbiased variance goes in).
The backward pass lives in ``norm_backward``.
"""

from __future__ import annotations

import numpy as np

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels.norm import Forward, forward, running
from dlsolve.solvers.norm_backward import backward, hat
from dlsolve.spec.norm import NormProblem
from dlsolve.steps import Heading, MatrixStep, Note, Solution, Step, TableStep

WORKED = 3     # entries of the worked column written out
BIG = 64       # matrices with more cells are shown only at detail full
TERMS = 10


def solve(spec: NormProblem) -> Solution:
    axis = 0 if spec.type == "batchnorm" else 1
    what = "batch" if axis == 0 else "layer"
    sol = Solution("norm", f"{what.title()} normalisation of a {len(spec.x)}×{len(spec.x[0])} "
                   f"input" + (f" ({spec.mode} mode)" if axis == 0 else ""),
                   answer=("mean", "var", "x_hat", "output"))
    _givens(sol, spec)
    eval_ = not spec.batch_stats
    f = forward(spec.x, axis, spec.eps, spec.gamma, spec.beta,
                spec.running_mean if eval_ else None, spec.running_var if eval_ else None)
    _statistics(sol, spec, f)
    _normalise(sol, spec, f)
    for name in ("mean", "var", "x_hat", "output"):
        sol.set(name, getattr(f, name))
    if spec.type == "batchnorm" and spec.mode == "train":
        _running(sol, spec, f)
    if spec.grad is not None:
        backward(sol, spec, f)
    _notes(sol, spec)
    return sol


def _givens(sol: Solution, spec: NormProblem) -> None:
    sol.given("X", spec.x, "input (rows: samples, columns: features)")
    sol.given("gamma", spec.gamma, "scale γ, one per feature")
    sol.given("beta", spec.beta, "shift β, one per feature")
    sol.given("epsilon", spec.eps, "added to the variance")
    if spec.type == "batchnorm":
        sol.given("mode", spec.mode, "batch statistics (train) or running ones (eval)")
        if spec.mode == "train":
            sol.given("momentum", spec.momentum, "running-statistics update (PyTorch)")
        if spec.mode == "eval" or {"running_mean", "running_var"} & spec.gave:
            sol.given("running_mean", spec.running_mean, "running mean")
            sol.given("running_var", spec.running_var, "running variance")
    if spec.grad is not None:
        sol.given("dL/dy", spec.grad, "upstream gradient")


def line(a: np.ndarray, axis: int, k: int) -> np.ndarray:
    """The entries statistic ``k`` covers: column k (batchnorm) or row k (layernorm)."""
    return a[:, k] if axis == 0 else a[k, :]


def names(axis: int) -> tuple[str, str, str]:
    """(unit, index over which the statistic runs, count symbol)."""
    return ("feature", "i", "N") if axis == 0 else ("sample", "j", "D")


def _statistics(sol: Solution, spec: NormProblem, f: Forward) -> None:
    x, a = np.asarray(spec.x, dtype=float), f.axis
    unit, idx, cnt = names(a)
    xs, n = line(x, a, 0), x.shape[a]
    if not spec.batch_stats:
        sol.add(Heading("Eval mode: the running statistics normalise"),
                Note("μ = running_mean, σ² = running_var; the batch's own statistics are not "
                     "used and nothing is updated."))
    else:
        sol.add(Heading(f"Statistics of {unit} 1 (over the {cnt} = {n} "
                        f"{'samples' if a == 0 else 'features'})"))
        sub = "x_i1" if a == 0 else "x_1j"
        sol.add(Step("Mean", Sym("mu_1"), E.Sum(idx, Sym(sub)) / Sym(cnt),
                     E.Add(tuple(E.elide([Num(v) for v in xs], TERMS))) / Num(n),
                     value=f.mean[0], key="mean"),
                Step("Variance (biased: divided by " + cnt + ", as the forward pass uses)",
                     Sym("sigma_1") ** Num(2),
                     E.Sum(idx, (Sym(sub) - Sym("mu_1")) ** Num(2)) / Sym(cnt),
                     E.Add(tuple(E.elide([(Num(v) - Num(f.mean[0])) ** Num(2) for v in xs],
                                         TERMS))) / Num(n), value=f.var[0], key="var"))
    sol.add(Step("Denominator", Sym("s_1"), E.Bracket("sqrt", Sym("sigma_1") ** Num(2)
                                                      + Sym("epsilon")),
                 E.Bracket("sqrt", Num(f.var[0]) + Num(spec.eps)), value=f.std[0]))
    rows = tuple((k + 1, f.mean[k], f.var[k], f.std[k]) for k in range(len(f.mean)))
    sol.add(TableStep(f"Statistics of every {unit}", (unit, "μ", "σ²", "√(σ² + ε)"), rows,
                      detail="brief"))


def _normalise(sol: Solution, spec: NormProblem, f: Forward) -> None:
    x, a = np.asarray(spec.x, dtype=float), f.axis
    unit = names(a)[0]
    sol.add(Heading(f"Normalise, scale and shift ({unit} 1 worked)"))
    for t in range(min(WORKED, x.shape[a])):
        i, j = (t, 0) if a == 0 else (0, t)
        cell = f"{i + 1}{j + 1}"
        g, b = spec.gamma[j], spec.beta[j]
        sol.add(Step("", hat(cell), (Sym(f"x_{cell}") - Sym("mu_1")) / Sym("s_1"),
                     (Num(x[i, j]) - Num(f.mean[0])) / Num(f.std[0]), value=f.x_hat[i, j],
                     key="x_hat"),
                Step("", Sym(f"y_{cell}"), Sym(f"gamma_{j + 1}") * hat(cell)
                     + Sym(f"beta_{j + 1}"), Num(g) * Num(f.x_hat[i, j]) + Num(b),
                     value=f.output[i, j], key="output"))
    big = "full" if x.size > BIG else "exam"
    sol.add(MatrixStep("Normalised: (x - μ)/√(σ² + ε), entry by entry", Sym("x_hat"),
                       f.x_hat.tolist(), key="x_hat", detail=big),
            MatrixStep("Output: γ times the normalised value, plus β (γ, β per feature)",
                       Sym("y"), f.output.tolist(),
                       key="output", detail="full" if x.size > BIG else "brief"))
    if x.size > BIG:
        sol.add(Note(f"The other {x.size - WORKED} entries follow the same two lines with "
                     f"their own {unit}'s statistics (the matrices are in the results and at "
                     "detail full)."))


def _running(sol: Solution, spec: NormProblem, f: Forward) -> None:
    n, m = len(spec.x), spec.momentum
    rm, rv = running(spec.running_mean, spec.running_var, f, m, n)
    unb = f.var * n / (n - 1)
    sol.add(Heading("Running statistics (train mode update, feature 1 worked)"),
            Step("Unbiased batch variance (N/(N - 1), as PyTorch's running update)",
                 Sym("sigma_u1") ** Num(2), Sym("N") / (Sym("N") - Num(1)) * Sym("sigma_1")
                 ** Num(2), Num(n) / (Num(n) - Num(1)) * Num(f.var[0]), value=unb[0]),
            Step("", Sym("running_mean_1"), (Num(1) - Sym("m")) * Sym("running_mean_1")
                 + Sym("m") * Sym("mu_1"), (Num(1) - Num(m)) * Num(spec.running_mean[0])
                 + Num(m) * Num(f.mean[0]), value=rm[0], key="running_mean"),
            Step("", Sym("running_var_1"), (Num(1) - Sym("m")) * Sym("running_var_1")
                 + Sym("m") * Sym("sigma_u1") ** Num(2), (Num(1) - Num(m))
                 * Num(spec.running_var[0]) + Num(m) * Num(unb[0]), value=rv[0],
                 key="running_var"),
            TableStep("Running statistics after the update", ("feature", "running_mean",
                                                              "running_var"),
                      tuple((k + 1, rm[k], rv[k]) for k in range(len(rm))), detail="brief"))
    sol.set("running_mean", rm)
    sol.set("running_var", rv)
    sol.answer = sol.answer + ("running_mean", "running_var")


def _notes(sol: Solution, spec: NormProblem) -> None:
    if spec.type == "batchnorm":
        sol.note("Batchnorm: each feature (column) is normalised over the batch (rows), as "
                 "torch.nn.BatchNorm1d; γ and β are per feature.")
    else:
        sol.note("Layernorm: each sample (row) is normalised over its features, as "
                 "torch.nn.LayerNorm(D), the same in train and eval mode; γ and β are per "
                 "feature (elementwise affine).")
    if spec.batch_stats:
        sol.note("The variance that normalises is the biased one (divided by the count, not "
                 "count - 1), as PyTorch; ε is added inside the square root.")
    if spec.type == "batchnorm" and spec.mode == "train":
        sol.note("Running statistics as PyTorch: r ← (1 - momentum)·r + momentum·batch "
                 "statistic, with the unbiased batch variance (N/(N - 1)) in running_var "
                 "(Keras's momentum is the other weight: its 0.99 is PyTorch's 0.01).")
