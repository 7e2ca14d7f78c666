"""Threshold neurons: checking weights against a truth table, gate networks, and training.

A unit outputs f(z) with z = w·x + b and f(z) = 1 for z >= 0, else 0 (``step_at_zero: 0``
makes f(0) = 0). A threshold θ is a bias of -θ. Training uses the perceptron rule
w <- w + η(t - y)x, b <- b + η(t - y) (or seed 003's w <- w ± ηx on a mistake, the same
steps for 0/1 targets), sample by sample, until an epoch with no mistakes.
"""

from __future__ import annotations

import math

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.spec.perceptron import Candidate, GateUnit, PerceptronProblem
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

SHOWN_EPOCHS = 6


def step(z: float, at_zero: int) -> int:
    return 1 if z > 0 or (z == 0 and at_zero == 1) else 0


def net_input(w: list[float], x: list[float], b: float) -> tuple[E.Expr, float]:
    terms = [E.Mul((Num(wi), Num(xi))) for wi, xi in zip(w, x)] + [Num(b)]
    return E.Add(tuple(terms)), math.fsum([wi * xi for wi, xi in zip(w, x)] + [b])


def solve(spec: PerceptronProblem) -> Solution:
    what = spec.gate or "the truth table"
    if spec.train:
        return train(spec)
    sol = Solution("perceptron", f"Threshold neurons for {what}", answer=("implements",))
    conv = "f(z) = 1 if z ≥ 0, else 0" if spec.step_at_zero else "f(z) = 1 if z > 0, else 0"
    sol.add(Note(f"Step activation: {conv}; z = w·x + b (a threshold θ is b = -θ)."))
    if spec.network:
        _network(sol, spec)
        return sol
    implements, outputs = [], []
    for i, c in enumerate(spec.candidates, 1):
        ok, outs = _candidate(sol, spec, c, i, what)
        implements.append(ok)
        outputs.append(outs)
    sol.set("implements", implements)
    sol.set("outputs", outputs)
    return sol


def _header(n: int) -> tuple[str, ...]:
    return tuple(f"x{i + 1}" for i in range(n))


def _candidate(sol: Solution, spec: PerceptronProblem, c: Candidate, i: int,
               what: str) -> tuple[bool, list[int]]:
    bias_text = f"θ = {-c.bias:g} (b = {c.bias:g})" if c.threshold_given else f"b = {c.bias:g}"
    sol.add(Heading(f"Candidate {i}: w = [{', '.join(f'{w:g}' for w in c.weights)}], {bias_text}"))
    rows, outs, wrong = [], [], []
    for row in spec.table:
        x, t = row[:-1], int(row[-1])
        formula, z = net_input(c.weights, x, c.bias)
        y = step(z, spec.step_at_zero)
        outs.append(y)
        if y != t:
            wrong.append("(" + ", ".join(f"{v:g}" for v in x) + ")")
        rows.append(tuple(x) + (formula, z, y, t, "✓" if y == t else "✗"))
    sol.add(TableStep("", _header(spec.n) + ("z = w·x + b", "z", "f(z)", "target", ""),
                      tuple(rows), key="implements"))
    ok = not wrong
    sol.add(Note(f"Implements {what}." if ok else f"Does not implement {what}: wrong on "
                 f"{', '.join(wrong)}.", "conclusion"))
    return ok, outs


def _network(sol: Solution, spec: PerceptronProblem) -> None:
    units: list[GateUnit] = spec.network
    rows, outs = [], []
    for row in spec.table:
        values = {f"x{i + 1}": v for i, v in enumerate(row[:-1])}
        cells: list = list(row[:-1])
        for u in units:
            formula, z = net_input(u.weights, [values[s] for s in u.inputs], u.bias)
            values[u.name] = step(z, spec.step_at_zero)
            cells += [formula, values[u.name]]
        y, t = int(values[units[-1].name]), int(row[-1])
        outs.append(y)
        rows.append(tuple(cells) + (t, "✓" if y == t else "✗"))
    cols = _header(spec.n)
    for u in units:
        cols += (f"z_{u.name}", u.name)
    sol.add(Heading("Row by row"), TableStep("", cols + ("target", ""), tuple(rows)))
    for u in units:
        sol.add(Step(f"Unit {u.name}", Sym(f"z_{u.name}"), E.Add(tuple(
            [E.Mul((Num(w), Sym(s))) for w, s in zip(u.weights, u.inputs)] + [Num(u.bias)]))))
    ok = all(r[-1] == "✓" for r in rows)
    what = spec.gate or "the truth table"
    sol.add(Note(f"The network implements {what}." if ok else
                 f"The network does not implement {what}.", "conclusion"))
    sol.set("implements", [ok])
    sol.set("outputs", [outs])


def train(spec: PerceptronProblem) -> Solution:
    tr = spec.train
    assert tr is not None
    what = spec.gate or "the truth table"
    sol = Solution("perceptron", f"Perceptron learning rule on {what}",
                   answer=("weights", "bias", "epochs", "converged"))
    rule = ("w ← w + η(t - y)x, b ← b + η(t - y)" if tr.rule == "perceptron" else
            "on a mistake: w ← w + ηx, b ← b + η when t = 1; w ← w - ηx, b ← b - η when t = 0")
    sol.add(Note(f"Rule: {rule}, with η = {tr.learning_rate:g}; samples "
                 + (f"shuffled each epoch (seed {tr.shuffle})" if tr.shuffle is not None else
                    "in the order given") + ("; the bias is fixed" if not tr.learn_bias else "")
                 + "."))
    w = list(tr.weights) if tr.weights else [0.0] * spec.n
    b = tr.bias
    history, errors, seen = [], [], {(tuple(w), b): 0}
    order = list(range(len(spec.table)))
    rng = None
    if tr.shuffle is not None:
        import numpy as np

        rng = np.random.default_rng(tr.shuffle)
    converged, cycle = False, None
    for epoch in range(1, tr.epochs + 1):
        if rng is not None:
            order = [int(i) for i in rng.permutation(len(spec.table))]
        rows, mistakes = [], 0
        for idx in order:
            row = spec.table[idx]
            x, t = row[:-1], int(row[-1])
            formula, z = net_input(w, x, b)
            y = step(z, spec.step_at_zero)
            err = t - y
            if err:
                mistakes += 1
                w = [wi + tr.learning_rate * err * xi for wi, xi in zip(w, x)]
                if tr.learn_bias:
                    b += tr.learning_rate * err
            rows.append(tuple(x) + (formula, z, y, t, err, "[" + ", ".join(f"{v:g}" for v in w)
                                    + f"], {b:g}"))
        history.append({"weights": list(w), "bias": b})
        errors.append(mistakes)
        if epoch <= SHOWN_EPOCHS:
            sol.add(Heading(f"Epoch {epoch}"), TableStep(
                "", _header(spec.n) + ("z = w·x + b", "z", "y", "t", "t - y", "w, b after"),
                tuple(rows), note=f"{mistakes} mistake(s)"))
        if mistakes == 0:
            converged = True
            break
        state = (tuple(w), b)
        if state in seen and rng is None:
            cycle = (seen[state], epoch)
            break
        seen[state] = epoch
    _verdict(sol, spec, w, b, converged, cycle, errors, history)
    sol.set("weights", w)
    sol.set("bias", b)
    sol.set("epochs", len(errors))
    sol.set("converged", converged)
    sol.set("history", history)
    sol.set("errors", errors)
    return sol


def _verdict(sol: Solution, spec: PerceptronProblem, w: list[float], b: float, converged: bool,
             cycle: tuple[int, int] | None, errors: list[int], history: list[dict]) -> None:
    n = len(errors)
    if n > SHOWN_EPOCHS:
        sol.add(Heading("Later epochs"), TableStep("", ("epoch", "mistakes", "weights", "bias"),
                                                   tuple((i + 1, errors[i], history[i]["weights"],
                                                          history[i]["bias"])
                                                         for i in range(SHOWN_EPOCHS, n))))
    sol.add(Heading("Result"))
    if converged:
        line = ""
        if spec.n == 1 and w[0] != 0:
            side = "≥" if w[0] > 0 else "≤"
            line = f" It predicts 1 when x1 {side} {-b / w[0]:g}."
        if spec.n == 2 and w[1] != 0:
            line = (f" The decision line w1·x1 + w2·x2 + b = 0 is x2 = "
                    f"{-w[0] / w[1]:g}·x1 + {-b / w[1]:g}.")
        ws = ", ".join(f"{v:g}" for v in w)
        sol.add(Note(f"Converged: epoch {n} made no mistakes; w = [{ws}], b = {b:g}.{line}",
                     "conclusion"))
        return
    why = (f"the weights after epoch {cycle[1]} equal those after epoch {cycle[0]}, so the rule "
           f"would cycle forever" if cycle else f"still {errors[-1]} mistake(s) after {n} epochs")
    sol.add(Note(f"Not converged: {why}. The perceptron rule converges only when one line "
                 f"(hyperplane) separates the 1s from the 0s; "
                 + ("XOR's (0,1), (1,0) against (0,0), (1,1) cannot be split by any line, so it "
                    "is not linearly separable — it needs two layers (XOR = AND(NAND, OR))."
                    if spec.gate in ("XOR", "XNOR") else "this table is not linearly separable."),
                 "conclusion"))
