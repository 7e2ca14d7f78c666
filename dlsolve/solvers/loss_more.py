"""Derivation steps of the margin, robust and focal losses, term by term.

These losses give no ``loss_<i>`` results (new-kinds-details O36): their terms are steps only.
"""

from __future__ import annotations

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels import losses as L
from dlsolve.kernels import losses_more as M
from dlsolve.steps import Solution, Step

HALF = E.Div(Num(1), Num(2))


def _paren(x: E.Expr) -> E.Expr:
    return E.Bracket("paren", x)


def _mean_or_sum(sol: Solution, spec: L.LossSpec, names: list[str], res: L.SampleLoss,
                 title: str) -> None:
    terms, nums = [Sym(f"E_{s}") for s in names], [Num(v) for v in res.terms]
    if len(terms) == 1:
        return
    formula = E.Add(tuple(E.elide(terms))) / Num(len(terms))
    subst = _paren(E.Add(tuple(E.elide(nums)))) / Num(len(nums))
    sol.add(Step("Mean of the terms" + title, Sym("E"), formula, subst, value=res.loss,
                 key="loss"))


def option(spec: L.LossSpec, name: str, like: E.Expr) -> E.Expr:
    """The loss option ``name`` (delta, beta) as its symbol beside symbols, else its number."""
    return Sym(name) if isinstance(like, Sym) else Num(getattr(spec, name))


def elementwise_form(spec: L.LossSpec, t: E.Expr, o: E.Expr, d: float) -> E.Expr:
    """The term of one output (squared_hinge, huber, smooth_l1), the branch d = o - t takes."""
    diff = _paren(o - t)
    if spec.name == "squared_hinge":
        return E.call("max", 0, Num(1) - t * o) ** Num(2)
    if spec.name == "huber":
        if abs(d) <= spec.delta:
            return E.Mul((HALF, diff ** Num(2)), True)
        delta = option(spec, "delta", o)
        return delta * _paren(E.Bracket("abs", o - t) - HALF * delta)
    beta = option(spec, "beta", o)
    if spec.beta == 0 or abs(d) >= spec.beta:
        return E.Bracket("abs", o - t) - HALF * beta
    return E.Mul((HALF, diff ** Num(2)), True) / beta


def _branch(spec: L.LossSpec, d: float) -> str | None:
    if spec.name == "huber":
        side = "≤" if abs(d) <= spec.delta else ">"
        return f"|o - t| = {abs(d):g} {side} δ = {spec.delta:g}"
    if spec.name == "smooth_l1":
        side = "<" if spec.beta and abs(d) < spec.beta else "≥"
        return f"|o - t| = {abs(d):g} {side} β = {spec.beta:g}"
    return None


def elementwise_steps(sol: Solution, spec: L.LossSpec, t: list[float], o: list[float],
                      out_names: list[str], suffixes: list[str], tnames: list[str],
                      res: L.SampleLoss, title: str) -> None:
    for k, (ti, oi) in enumerate(zip(t, o)):
        tv = M.pm1(ti) if spec.name == "squared_hinge" else ti
        if spec.name == "focal":
            _focal_steps(sol, spec, tv, oi, out_names[k], suffixes[k], tnames[k])
            continue
        d = oi - tv
        sol.add(Step(f"Term for {out_names[k]}", Sym(f"E_{suffixes[k]}"),
                     elementwise_form(spec, Sym(tnames[k]), Sym(out_names[k]), d),
                     elementwise_form(spec, Num(tv), Num(oi), d), value=res.terms[k],
                     note=_branch(spec, d)))
    _mean_or_sum(sol, spec, suffixes, res, title)


def _focal_steps(sol: Solution, spec: L.LossSpec, t: float, o: float, name: str, suffix: str,
                 tname: str) -> None:
    f = M.focal_parts(spec, t, o)
    ts, p = Sym(tname), Sym(f"p_{suffix}")
    pnum = Num(f["p"])
    if spec.from_logits:
        sol.add(Step(f"Probability of {name}", p, E.call("sigma", Sym(name)),
                     E.call("sigma", Num(o)), value=f["p"]))
    sol.add(Step(f"p_t of {name}", Sym(f"p_t{suffix}"), p * ts + _paren(Num(1) - p) *
                 _paren(Num(1) - ts), pnum * Num(t) + _paren(Num(1) - pnum) *
                 _paren(Num(1) - Num(t)), value=f["pt"]))
    if spec.alpha is not None:
        a = Num(spec.alpha)
        sol.add(Step(f"α_t of {name}", Sym(f"alpha_t{suffix}"), Sym("alpha") * ts +
                     _paren(Num(1) - Sym("alpha")) * _paren(Num(1) - ts),
                     a * Num(t) + _paren(Num(1) - a) * _paren(Num(1) - Num(t)), value=f["at"]))
    ce_sym = -(ts * E.call("ln", p) + _paren(Num(1) - ts) * E.call("ln", Num(1) - p))
    ce_num = -(Num(t) * E.call("ln", pnum) + _paren(Num(1) - Num(t)) *
               E.call("ln", Num(1) - pnum))
    sol.add(Step(f"Cross-entropy of {name}", Sym(f"CE_{suffix}"), ce_sym, ce_num,
                 value=f["ce"]))
    weight = (Sym(f"alpha_t{suffix}"),) if spec.alpha is not None else ()
    wnum = (Num(f["at"]),) if spec.alpha is not None else ()
    sol.add(Step(f"Focal term for {name}", Sym(f"E_{suffix}"),
                 E.Mul(weight + (_paren(Num(1) - Sym(f"p_t{suffix}")) ** Sym("gamma"),
                                 Sym(f"CE_{suffix}"))),
                 E.Mul(wnum + (_paren(Num(1) - Num(f["pt"])) ** Num(spec.gamma),
                               Num(f["ce"]))), value=f["term"]))


def svm_steps(sol: Solution, spec: L.LossSpec, t: list[float], o: list[float],
              out_names: list[str], res: L.SampleLoss, title: str) -> None:
    y = M.class_of(t, len(o))
    margins = M.svm_margins(spec, t, o)
    sy, terms, nums = Sym(out_names[y]), [], []
    for j, m in enumerate(margins):
        if j == y:
            continue
        sol.add(Step(f"Margin term of class {j}" + title, Sym(f"L_{j}"),
                     E.call("max", 0, Sym(out_names[j]) - sy + Sym("Delta")),
                     E.call("max", 0, Num(o[j]) - Num(o[y]) + Num(spec.margin)),
                     value=max(0.0, m)))
        terms.append(Sym(f"L_{j}"))
        nums.append(Num(max(0.0, m)))
    sol.add(Step(f"Sum over j ≠ y = {y}" + title, Sym("L"), E.Add(tuple(E.elide(terms))),
                 E.Add(tuple(E.elide(nums))), value=res.loss, key="loss"))


def categorical_hinge_steps(sol: Solution, spec: L.LossSpec, t: list[float], o: list[float],
                            out_names: list[str], tnames: list[str], res: L.SampleLoss,
                            title: str) -> None:
    pos, neg = res.terms
    sol.add(Step("pos: the prediction of the target" + title, Sym("pos"),
                 E.Add(tuple(E.elide([Sym(a) * Sym(b) for a, b in zip(tnames, out_names)]))),
                 E.Add(tuple(E.elide([Num(a) * Num(b) for a, b in zip(t, o)]))), value=pos))
    others = [j for j in range(len(o)) if t[j] == 0] or list(range(len(o)))
    sol.add(Step("neg: the largest other prediction" + title, Sym("neg"),
                 E.Call("max", tuple(Sym(out_names[j]) for j in others)),
                 E.Call("max", tuple(Num(o[j]) for j in others)), value=neg))
    sol.add(Step("Categorical hinge" + title, Sym("E"),
                 E.call("max", 0, Num(1) + Sym("neg") - Sym("pos")),
                 E.call("max", 0, Num(1) + Num(neg) - Num(pos)), value=res.loss, key="loss"))


def kl_steps(sol: Solution, spec: L.LossSpec, t: list[float], o: list[float],
             out_names: list[str], tnames: list[str], res: L.SampleLoss, title: str) -> None:
    keep = [k for k in range(len(o)) if t[k] != 0]
    sym = [Sym(tnames[k]) * E.call("ln", Sym(tnames[k]) / Sym(out_names[k]))
           for k in range(len(o))]
    nums = [Num(t[k]) * E.call("ln", Num(t[k]) / Num(max(min(o[k], 1.0), spec.epsilon)))
            for k in keep]
    sol.add(Step("KL divergence" + title, Sym("E"), E.Add(tuple(E.elide(sym))),
                 E.Add(tuple(E.elide(nums))) if nums else Num(0), value=res.loss, key="loss",
                 note="terms with t = 0 vanish (0·ln 0 = 0)" if len(keep) < len(t) else None))


def steps(sol: Solution, spec: L.LossSpec, t: list[float], o: list[float], out_names: list[str],
          suffixes: list[str], tnames: list[str], title: str) -> L.SampleLoss:
    """The worked loss of one sample for a loss of ``L.NEW``."""
    res = L.sample(spec, t, o)
    if spec.name == "multiclass_svm":
        svm_steps(sol, spec, t, o, out_names, res, title)
    elif spec.name == "categorical_hinge":
        categorical_hinge_steps(sol, spec, t, o, out_names, tnames, res, title)
    elif spec.name == "kl_divergence":
        kl_steps(sol, spec, t, o, out_names, tnames, res, title)
    else:
        elementwise_steps(sol, spec, t, o, out_names, suffixes, tnames, res, title)
    for k in res.clipped:
        sol.note(f"{out_names[k]} = {o[k]:g} was clipped to ε = {spec.epsilon:g} (or 1 - ε) "
                 f"before the logarithm; its gradient is 0 there.")
    return res
