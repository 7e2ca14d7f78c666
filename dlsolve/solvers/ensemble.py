"""Ensembles: the mean (or weighted mean), median or majority vote of several models' outputs.

Vote ties go to the smallest label (scikit-learn's hard VotingClassifier: argmax of the vote
counts over the sorted labels); the median of an even count is the mean of the middle two
(NumPy's).
"""

from __future__ import annotations

import math

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.spec.ensemble import EnsembleProblem
from dlsolve.steps import Note, Solution, Step, TableStep


def _column_title(spec: EnsembleProblem, j: int) -> str:
    if spec.scalar:
        return ""
    if spec.classes:
        return f" (class {spec.classes[j]})"
    return f" (class {j})" if spec.distributions else f" (sample {j + 1})"


def weighted_mean(values: list[float], weights: list[float] | None = None) -> float:
    """Σ w·v / Σ w (w = 1: the mean) by fsum; values near the float limit (1e308) are
    scaled down first, so they give their mean, not an overflow.

    >>> weighted_mean([0.7, 0.4, 0.3]), weighted_mean([1, 2], [1, 3]), weighted_mean([1e308] * 2)
    (0.4666666666666666, 1.75, 1e+308)
    """
    w = [1.0] * len(values) if weights is None else weights
    try:
        num, den = math.fsum(a * v for a, v in zip(w, values)), math.fsum(w)
        if math.isfinite(num) and math.isfinite(den):
            return num / den
    except OverflowError:
        pass
    sv, sw = max(abs(v) for v in values), max(w)
    return math.fsum((a / sw) * (v / sv) for a, v in zip(w, values)) / \
        math.fsum(a / sw for a in w) * sv


def _mean(sol: Solution, spec: EnsembleProblem, col: list[float], j: int) -> float:
    w = spec.weights
    if w is None:
        value = weighted_mean(col)
        sol.add(Step("Mean" + _column_title(spec, j), Sym(f"y_{j + 1}" if not spec.scalar
                                                          else "y"),
                     E.Div(E.Sum("m", Sym("y_m")), Sym("M")),
                     E.Div(E.Bracket("paren", E.Add(tuple(Num(v) for v in col))), Num(len(col))),
                     value=value))
        return value
    value = weighted_mean(col, w)
    sol.add(Step("Weighted mean" + _column_title(spec, j), Sym("y"),
                 E.Div(E.Sum("m", Sym("w_m") * Sym("y_m")), E.Sum("m", Sym("w_m"))),
                 E.Div(E.Bracket("paren", E.Add(tuple(Num(a) * Num(b) for a, b in zip(w, col)))),
                       E.Bracket("paren", E.Add(tuple(Num(a) for a in w)))), value=value))
    return value


def _median(sol: Solution, spec: EnsembleProblem, col: list[float], j: int) -> float:
    ordered = sorted(col)
    mid = len(ordered) // 2
    # the middle two halved before adding: (a + b)/2 without overflow near 1e308
    value = ordered[mid] if len(ordered) % 2 else ordered[mid - 1] / 2 + ordered[mid] / 2
    sub = Num(ordered[mid]) if len(ordered) % 2 else \
        E.Div(E.Bracket("paren", Num(ordered[mid - 1]) + Num(ordered[mid])), Num(2))
    sol.add(Step("Median" + _column_title(spec, j), Sym("y"),
                 E.Call("median", (E.Seq(tuple(Num(v) for v in ordered), "[]"),)), sub,
                 value=value, note="sorted; " + ("the middle value" if len(ordered) % 2 else
                                                 "the mean of the middle two")))
    return value


def _vote(sol: Solution, spec: EnsembleProblem, col: list, j: int) -> tuple:
    labels = sorted(set(col), key=lambda v: (isinstance(v, str), v))
    counts = {lab: col.count(lab) for lab in labels}
    top = max(counts.values())
    winner = next(lab for lab in labels if counts[lab] == top)
    tie = sum(1 for c in counts.values() if c == top) > 1
    sol.add(TableStep("Votes" + _column_title(spec, j), ("label", "votes"),
                      tuple((lab, counts[lab]) for lab in labels)),
            Step("Majority vote" + _column_title(spec, j), Sym("y"),
                 E.Call("argmax", (Sym("votes"),)), value=winner,
                 note=f"a tie at {top} votes goes to the smallest label" if tie else None))
    return winner, {str(k): v for k, v in counts.items()}


def _givens(sol: Solution, spec: EnsembleProblem) -> None:
    for name, row in zip(spec.models, spec.predictions):
        sol.given(E.Text(name), row[0] if spec.scalar else row, "prediction")
    if spec.weights is not None:
        sol.given("w", spec.weights, "model weights")
    if spec.threshold is not None:
        sol.given("threshold", spec.threshold, "class 1 when the ensemble output ≥ it")


def solve(spec: EnsembleProblem) -> Solution:
    sol = Solution("ensemble", f"Ensemble of {len(spec.predictions)} models: {spec.method}",
                   answer=("ensemble",))
    _givens(sol, spec)
    cols = [list(c) for c in zip(*spec.predictions)]
    if spec.method == "vote":
        sol.add(Note("Majority (hard) vote: each model's label is one vote; ties go to the "
                     "smallest label (scikit-learn's VotingClassifier)."))
        out = [_vote(sol, spec, c, j) for j, c in enumerate(cols)]
        values, votes = [o[0] for o in out], [o[1] for o in out]
        sol.set("votes", votes[0] if spec.scalar else votes)
    else:
        fn = _mean if spec.method == "mean" else _median
        values = [fn(sol, spec, c, j) for j, c in enumerate(cols)]
    sol.set("ensemble", values[0] if spec.scalar else values)
    _classes(sol, spec, values)
    return sol


def _classes(sol: Solution, spec: EnsembleProblem, values: list) -> None:
    """The check of a mean distribution, and the predicted class (argmax or threshold)."""
    if spec.method == "mean" and spec.distributions:
        total = math.fsum(values)
        sol.add(Note(f"Check: the averaged probabilities sum to {total:.12g}"
                     + (" ✓" if abs(total - 1) < 1e-9 else " (the rows were not all "
                        "distributions)"), detail="full"))
    if spec.method != "vote" and spec.distributions and spec.threshold is None:
        best = max(range(len(values)), key=lambda k: values[k])
        sol.add(Step("Predicted class (argmax of the combined probabilities)", Sym("c"),
                     E.Call("argmax", (Sym("y"),)), value=best,
                     note=f"class {spec.classes[best]}" if spec.classes else None))
        sol.set("predicted_class", best)
        sol.answer = ("ensemble", "predicted_class")
    if spec.threshold is not None:
        cls = [int(v >= spec.threshold) for v in values]
        sol.add(Step("Class at the threshold", Sym("c"), E.Relation(Sym("y"), ">=",
                                                                  Num(spec.threshold)),
                     value=cls[0] if spec.scalar else cls))
        sol.set("predicted_class", cls[0] if spec.scalar else cls)
        sol.answer = ("ensemble", "predicted_class")
