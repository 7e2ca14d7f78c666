"""Softmax worked as the seeds do: e^z for each logit, their sum, each probability.

p_i = e^(z_i/T - m) / sum_j e^(z_j/T - m). The shift m is 0 on the plain path; on the
stable path (large logits) it is max(z/T), which leaves p unchanged and keeps e^(...) finite.
With a target class t: cross-entropy -ln p_t (computed as logsumexp - z_t/T, never ln 0)
and its gradient with respect to the (scaled) logits, p - y.
"""

from __future__ import annotations

import math

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.spec.softmax import SoftmaxProblem
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

SAFE = 50.0  # beyond |z/T| of 50, e^z is no longer a hand-calculation number


def solve(spec: SoftmaxProblem) -> Solution:
    shown = ", ".join(f"{v:g}" for v in spec.rows[0])
    title = f"Softmax of [{shown}]" if not spec.batch else f"Softmax of {len(spec.rows)} rows"
    sol = Solution("softmax", title, answer=("probabilities",))
    out: dict[str, list] = {k: [] for k in ("probabilities", "exponentials", "shift", "sum",
                                            "cross_entropy", "gradient")}
    for i, row in enumerate(spec.rows):
        if spec.batch:
            sol.add(Heading(f"Row {i + 1}"))
        target = spec.targets[i] if spec.targets else None
        res = _row(sol, row, spec, target)
        for k, v in res.items():
            out[k].append(v)
    for key, values in out.items():
        if values:
            sol.set(key, values if spec.batch else values[0])
    if spec.targets:
        sol.answer = ("probabilities", "cross_entropy", "gradient")
    if spec.temperature != 1:
        sol.note(f"Temperature T = {spec.temperature:g}: the logits are divided by T first; "
                 f"the gradient with respect to the raw logits is (p - y)/T.")
    return sol


def _row(sol: Solution, row: list[float], spec: SoftmaxProblem, target: int | None) -> dict:
    T = spec.temperature
    z = [v / T for v in row]
    names = [f"z{j + 1}" for j in range(len(row))]
    label = spec.labels or [f"class {j}" for j in range(len(row))]
    if T != 1:
        sol.add(Step("Scale by the temperature", Sym("z/T"),
                     E.Seq(tuple(Num(v) / Num(T) for v in row), "[]"), value=z))
    big = max(abs(v) for v in z) > SAFE
    shift = max(z) if spec.stable == "always" or (spec.stable == "auto" and big) else 0.0
    zs = [Sym(n) if T == 1 else Sym(n) / Sym("T") for n in names]
    if shift:
        sol.add(Step("Stable path: subtract the largest logit m = max(z)", Sym("m"),
                     E.call("max", *[Num(v) for v in z]), value=shift,
                     note="softmax(z) = softmax(z - m): the result is unchanged, and every "
                          "e^(z - m) <= 1 cannot overflow"))
        sol.note(f"Logits up to {max(abs(v) for v in z):g} in size: e^z would overflow or lose "
                 f"all precision, so m = {shift:g} was subtracted first (same probabilities).")
    exps = [math.exp(v - shift) for v in z]
    sol.add(Heading("Exponentials"))
    for j, v in enumerate(z):
        arg = zs[j] - Sym("m") if shift else zs[j]
        num = Num(v) - Num(shift) if shift else Num(v)
        sol.add(Step(label[j] if spec.labels else "", E.exp(arg),
                     E.exp(num), value=exps[j], key="exponentials"))
    total = math.fsum(exps)
    sol.add(Heading("Sum"), Step("Normaliser", Sym("S"), E.Add(tuple(
        E.exp(a - Sym("m") if shift else a) for a in zs)), E.Add(tuple(Num(e) for e in exps)),
        value=total, key="sum"))
    probs = [e / total for e in exps]
    sol.add(Heading("Probabilities"))
    for j in range(len(row)):
        lhs = E.Call("P", (E.Text(label[j]),)) if spec.labels else Sym(f"p{j + 1}")
        sol.add(Step("", lhs,
                     E.exp(zs[j] - Sym("m") if shift else zs[j]) / Sym("S"),
                     Num(exps[j]) / Num(total), value=probs[j], key="probabilities"))
    cols = ("class", "z", "e^(z - m)" if shift else "e^z", "p")
    sol.add(TableStep("Summary", cols, tuple((label[j] if spec.labels else names[j], row[j],
                                              exps[j], probs[j]) for j in range(len(row)))),
            Note(f"The probabilities sum to {math.fsum(probs):.12g}.", "conclusion"))
    res = {"probabilities": probs, "exponentials": exps, "shift": shift, "sum": total}
    if target is not None:
        res.update(_cross_entropy(sol, z, probs, target, label, spec))
    return res


def _cross_entropy(sol: Solution, z: list[float], probs: list[float], t: int, label: list[str],
                   spec: SoftmaxProblem) -> dict:
    m = max(z)
    lse = m + math.log(math.fsum(math.exp(v - m) for v in z))
    ce = lse - z[t]
    name = label[t] if spec.labels else f"class {t}"
    sol.add(Heading("Cross-entropy"),
            Step(f"Target: {name} (index {t})", Sym("L"), -E.call("ln", Sym(f"p{t + 1}")),
                 -E.call("ln", Num(probs[t])), value=ce, key="cross_entropy",
                 note="computed as logsumexp(z) - z_t, which stays finite even when p_t "
                      "underflows to 0"))
    grad = [p - (1.0 if j == t else 0.0) for j, p in enumerate(probs)]
    sol.add(Step("Gradient with respect to the logits", E.Deriv(Sym("L"), Sym("z")),
                 Sym("p") - Sym("y"),
                 E.Seq(tuple(Num(p) - Num(1 if j == t else 0) for j, p in enumerate(probs)),
                       "[]"), value=grad, key="gradient"))
    return {"cross_entropy": ce, "gradient": grad}

