"""Spec of an ``ensemble`` problem: several models' predictions combined by mean, median or vote.

``predictions`` has one entry per model: a number, or a list (class probabilities, or one value
per sample) for mean and median; a class label, or a list of labels (one per sample), for vote.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.reader import BAD, Reader, Said, choice, nonneg, number, string, vector

METHODS = ("mean", "median", "vote")


@dataclass(frozen=True)
class EnsembleProblem:
    method: str
    predictions: list[list[Any]]     # rows = models; one column per output (or sample)
    scalar: bool                     # each model gave one value
    weights: list[float] | None      # mean only
    models: list[str]
    threshold: float | None
    classes: list[str] | None = None  # class names of the columns (class probabilities)

    @property
    def distributions(self) -> bool:
        """Each model's row is a class distribution (given class names, or rows summing to 1)."""
        return not self.scalar and (self.classes is not None or all(
            abs(sum(row) - 1) <= 1e-9 for row in self.predictions))


def _label(v: Any) -> Any:
    if isinstance(v, bool):
        raise ValueError
    if isinstance(v, (int, float)) and float(v).is_integer():
        return int(v)
    if isinstance(v, str) and v.strip():
        return v.strip()
    raise ValueError


def _rows(r: Reader, method: str) -> tuple[list[list[Any]], bool] | None:
    raw = r.raw("predictions")
    if not isinstance(raw, list) or len(raw) < 2:
        r.expected("predictions", "one prediction per model (at least two models)", Said(
            "nothing" if raw is None else repr(raw)))
        return None
    scalar = not any(isinstance(v, list) for v in raw)
    rows = [[v] for v in raw] if scalar else raw
    if any(not isinstance(row, list) or len(row) != len(rows[0]) or not row for row in rows):
        r.expected("predictions", "the same number of values from every model", raw)
        return None
    out = []
    for i, row in enumerate(rows):
        vals = []
        for j, v in enumerate(row):
            where = ("predictions", i) if scalar else ("predictions", i, j)
            try:
                vals.append(_label(v) if method == "vote" else float(number(v)))
            except Exception:
                r.expected(where, "a class label (an integer or a name)" if method == "vote"
                           else "a number", v)
        out.append(vals)
    return out, scalar


def parse(r: Reader) -> EnsembleProblem | None:
    r.allow(COMMON_FIELDS + ("method", "predictions", "weights", "models", "threshold",
                             "classes"))
    method = r.get("method", choice(*METHODS, aliases={"average": "mean", "majority": "vote",
                                                       "majority_vote": "vote",
                                                       "hard": "vote", "soft": "mean"}),
                   "mean")
    rows = _rows(r, "mean" if method is BAD else method)
    weights = r.get("weights", vector(nonneg), None)
    models = r.get("models", vector(string), None)
    threshold = r.get("threshold", number, None)
    classes = r.get("classes", vector(string), None)
    if method is BAD or rows is None or BAD in (weights, models, classes) or not r.ok:
        return None
    preds, scalar = rows
    _cross_check(r, method, preds, scalar, weights, models, classes, threshold)
    if not r.ok:
        return None
    return EnsembleProblem(method, preds, scalar, None if weights is None else
                           [float(w) for w in weights],
                           models or [f"model {i + 1}" for i in range(len(preds))],
                           None if threshold is None else float(threshold), classes)


def _cross_check(r: Reader, method: str, preds: list[list[Any]], scalar: bool,
                 weights: Any, models: Any, classes: Any, threshold: Any) -> None:
    """The optional fields against the method and the number of models and columns."""
    n = len(preds)
    if weights is not None:
        if method != "mean":
            r.fail("weights", "weights apply to method: mean only")
        elif len(weights) != n or sum(weights) == 0:
            r.expected("weights", f"{n} weights, one per model, not all 0", weights)
    if models is not None and len(models) != n:
        r.expected("models", f"{n} names, one per model", Said(f"{len(models)}"))
    if classes is not None and method == "vote":
        r.expected("classes", "no classes with method: vote (a vote's labels are the "
                   "predictions: write the names there)", classes)
    elif classes is not None and (scalar or len(classes) != len(preds[0])):
        r.expected("classes", f"{len(preds[0])} class names, one per column of class "
                   "probabilities (mean or median)", classes)
    if threshold is not None and method == "vote":
        r.fail("threshold", "a threshold applies to mean and median only")
