"""Loss derivations: each per-output term written out, then the sum or mean, named explicitly.

``loss_steps`` is shared with the network solvers (a loss after a forward pass).
"""

from __future__ import annotations

import math

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels import losses as L
from dlsolve.solvers import loss_gradient, loss_more
from dlsolve.spec.loss import LossProblem
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

HALF = E.Div(Num(1), Num(2))
WORKED_SAMPLES = 4  # samples of a batch worked in full; the rest only in the table


def _ln(spec: L.LossSpec, x: E.Expr) -> E.Expr:
    if spec.log_base:
        return E.Call(f"log_{spec.log_base:g}", (x,))
    return E.call("ln", x)


def term_forms(spec: L.LossSpec, t: E.Expr, o: E.Expr) -> E.Expr:
    """The per-output term of an elementwise loss, in symbols or numbers."""
    diff = E.Bracket("paren", t - o)
    name = spec.name
    if name in ("mse", "sse"):
        return diff ** Num(2)
    if name in ("half_mse", "half_sse"):
        return E.Mul((HALF, diff ** Num(2)), True)
    if name == "mae":
        return E.Bracket("abs", t - o)
    if name == "hinge":
        return E.call("max", 0, Num(1) - t * o)
    if spec.from_logits:  # bce on a logit z
        return -(t * E.call("log_sigma", o) + E.Bracket("paren", Num(1) - t) *
                 E.call("log_sigma", -o))
    return -E.Bracket("paren", t * _ln(spec, o) + E.Bracket("paren", Num(1) - t) *
                      _ln(spec, Num(1) - o))


def target_name(suffix: str) -> str:
    """t1 for output 1 (or o1), t_h for a unit named otherwise."""
    digits = suffix.lstrip("o")
    return f"t{digits}" if digits.isdigit() else f"t_{suffix}"


def clipped(spec: L.LossSpec, p: float) -> E.Expr:
    """A probability as it enters the logarithm: p, or ε / 1 - ε when clipped."""
    if spec.name not in ("bce", "cce", "sparse_cce") or spec.from_logits or \
            L.clip(spec, p) == p:
        return Num(p)
    return Num(spec.epsilon) if p < spec.epsilon else Num(1) - Num(spec.epsilon)


def loss_steps(sol: Solution, spec: L.LossSpec, t: list[float], o: list[float],
               out_names: list[str], suffixes: list[str], sample_title: str = "") -> L.SampleLoss:
    """Steps for one sample's loss; records ``loss_<suffix>`` for each term (elementwise)."""
    if spec.name in L.NEW:
        tnames = ["t" if len(t) == 1 else target_name(s) for s in suffixes]
        return loss_more.steps(sol, spec, t, o, out_names, suffixes, tnames, sample_title)
    res = L.sample(spec, t, o)
    if spec.name in L.ELEMENTWISE:
        for k, (ti, oi) in enumerate(zip(t, o)):
            tsym = Sym("t" if len(t) == 1 else target_name(suffixes[k]))
            osym = Sym(out_names[k])
            sol.add(Step(f"Term for {out_names[k]}", Sym(f"E_{suffixes[k]}"),
                         term_forms(spec, tsym, osym), term_forms(spec, Num(ti),
                                                                  clipped(spec, oi)),
                         value=res.terms[k], key=f"loss_{suffixes[k]}"))
            sol.set(f"loss_{suffixes[k]}", res.terms[k])
        terms = [Sym(f"E_{s}") for s in suffixes]
        nums = [Num(v) for v in res.terms]
        if spec.name in L.MEAN:
            formula = E.Add(tuple(E.elide(terms))) / Num(len(terms))
            subst = E.Bracket("paren", E.Add(tuple(E.elide(nums)))) / Num(len(nums))
        else:
            formula, subst = E.Add(tuple(E.elide(terms))), E.Add(tuple(E.elide(nums)))
        if len(terms) > 1:
            sol.add(Step(("Mean" if spec.name in L.MEAN else "Sum") + " of the terms"
                         + sample_title, Sym("E"), formula, subst, value=res.loss, key="loss"))
    else:
        _categorical_step(sol, spec, t, o, out_names, suffixes, res, sample_title)
    for k in res.clipped:
        sol.note(f"{out_names[k]} = {o[k]:g} was clipped to [ε, 1 - ε] with ε = "
                 f"{spec.epsilon:g} before the logarithm; that term "
                 f"({res.terms[k]:.4g}) comes from ε alone: each tenfold smaller ε adds "
                 f"{L.clip_sensitivity(spec):.4f} to it.")
    return res


def _categorical_step(sol: Solution, spec: L.LossSpec, t: list[float], o: list[float],
                      out_names: list[str], suffixes: list[str], res: L.SampleLoss,
                      sample_title: str) -> None:
    if spec.name == "sparse_cce":
        c = int(t[0])
        p = Sym(f"p_{c}")
        arg = E.call("log_softmax", Sym("z")) if spec.from_logits else _ln(spec, p)
        shown = clipped(spec, o[c])
        sol.add(Step(f"Target class {c} ({out_names[c]})" + sample_title, Sym("E"), -arg,
                     -(_ln(spec, shown) if not spec.from_logits else
                       E.Call("log_softmax", (shown,))), value=res.loss, key="loss"))
        for k, s in enumerate(suffixes):
            sol.set(f"loss_{s}", res.terms[k])
        return
    sym = [E.Mul((Sym(target_name(s)), _ln(spec, Sym(out_names[k]))), False)
           for k, s in enumerate(suffixes)]
    nums = [E.Mul((Num(tk), _ln(spec, clipped(spec, pk))), False)
            for tk, pk in zip(t, o) if tk != 0]
    if spec.from_logits:
        nums = [E.Mul((Num(tk), E.Call("log_softmax_" + str(k + 1), (Sym("z"),))), False)
                for k, tk in enumerate(t) if tk != 0]
    sol.add(Step("Cross-entropy" + sample_title, Sym("E"), -E.Bracket("paren",
                 E.Add(tuple(E.elide(sym)))), -E.Bracket("paren", E.Add(tuple(E.elide(nums)))),
                 value=res.loss, key="loss",
                 note="terms with t = 0 vanish" if any(tk == 0 for tk in t) else None))
    for k, s in enumerate(suffixes):
        sol.set(f"loss_{s}", res.terms[k])


def _givens(sol: Solution, spec: LossProblem, names: list[str]) -> None:
    ls, batch = spec.loss, len(spec.predictions) > 1
    what = "scores" if ls.name == "multiclass_svm" else (
        "logits" if ls.from_logits else "predictions")
    sol.given("y_hat" if batch or len(names) != 1 else names[0],
              spec.predictions if batch else spec.predictions[0], what + (
                  " (rows = samples)" if batch else ""))
    index = ls.name in L.CLASS_INDEX
    t = [row[0] for row in spec.targets] if index else spec.targets
    sol.given("y" if index else "t", t if batch else t[0],
              "true class index (0-based)" if index else "targets")
    for key, sym, meaning in OPTION_GIVENS.get(ls.name, ()):
        if getattr(ls, key) is not None:
            sol.given(sym, getattr(ls, key), meaning)


OPTION_GIVENS = {
    "multiclass_svm": (("margin", "Delta", "margin"),),
    "huber": (("delta", "delta", "threshold of the quadratic part"),),
    "smooth_l1": (("beta", "beta", "threshold of the quadratic part"),),
    "focal": (("gamma", "gamma", "focusing parameter"), ("alpha", "alpha", "class weight")),
}


def solve(spec: LossProblem) -> Solution:
    ls = spec.loss
    sol = Solution("loss", f"Loss: {ls.name}", answer=("loss", "gradient"))
    k = len(spec.predictions[0])
    prefix = "p" if ls.name in L.PROBABILITIES and not ls.from_logits else (
        "s" if ls.name == "multiclass_svm" else "o")
    first = 0 if ls.name == "multiclass_svm" else 1  # s_j with j the 0-based class index
    names = [f"{prefix}{j + first}" for j in range(k)]
    _givens(sol, spec, names)
    sol.add(Note(L.convention(ls)))
    if spec.converted_labels:
        sol.note("Hinge losses take labels ±1: the 0 labels were read as -1.")
    per_sample = _samples(sol, spec, names)
    loss = _batch(sol, spec, per_sample)
    sol.set("loss", loss)
    sol.set("per_sample", per_sample)
    tnames = ["t" if k == 1 else f"t{j + 1}" for j in range(k)]
    grad = loss_gradient.section(sol, ls, spec.targets, spec.predictions, names, tnames,
                                 WORKED_SAMPLES)
    sol.set("gradient", grad if len(grad) > 1 else grad[0])
    if not all(math.isfinite(v) for v in [loss, *(g for row in grad for g in row)]):
        sol.note("The loss or its gradient overflows double precision (beyond ±1.8e308): "
                 "those values are inf or nan.")
    return sol


def _batch(sol: Solution, spec: LossProblem, per_sample: list[float]) -> float:
    """The batch loss from the samples' losses (a table and the mean or sum)."""
    ls, n = spec.loss, len(per_sample)
    if n > WORKED_SAMPLES:
        sol.add(Note(f"Samples {WORKED_SAMPLES + 1} to {n} are worked the same way; the table "
                     f"below has each one's loss."))
    if n > 1:
        total = sum(per_sample)
        loss = total / n if ls.reduction == "mean" else total
        sol.add(Heading("Batch"),
                TableStep("Per sample", ("sample", "targets", "predictions", "loss"),
                          tuple((i + 1, t, o, v) for i, (t, o, v) in
                                enumerate(zip(spec.targets, spec.predictions, per_sample)))),
                Step(("Mean" if ls.reduction == "mean" else "Sum") + " over the samples",
                     Sym("L"), None, (E.Add(tuple(E.elide([Num(v) for v in per_sample]))) /
                                      Num(n)) if ls.reduction == "mean" else
                     E.Add(tuple(E.elide([Num(v) for v in per_sample]))), value=loss, key="loss"))
    else:
        loss = per_sample[0]
    return loss


def _samples(sol: Solution, spec: LossProblem, names: list[str]) -> list[float]:
    """Each sample's loss, worked for the first few."""
    ls, n, per_sample = spec.loss, len(spec.predictions), []
    for i, (t, o) in enumerate(zip(spec.targets, spec.predictions)):
        if i >= WORKED_SAMPLES:
            per_sample.append(L.sample(ls, t, o).loss)
            continue
        if n > 1:
            sol.add(Heading(f"Sample {i + 1}"))
        k = len(o)
        res = loss_steps(sol, ls, t, o, names, [str(j + 1) for j in range(k)],
                         f" (sample {i + 1})" if n > 1 else "")
        per_sample.append(res.loss)
        if n > 1:
            for j in range(k):
                sol.results.pop(f"loss_{j + 1}", None)
    return per_sample
