"""Spec of a ``loss`` problem, and the loss options shared with network specs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlsolve.kernels import losses as L
from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.convert import Bad
from dlsolve.spec.reader import (
    BAD,
    Reader,
    Said,
    boolean,
    choice,
    either,
    matrix,
    nonneg,
    number,
    positive,
    vector,
)

LOSS_OPTIONS = ("epsilon", "from_logits", "reduction", "log_base", "margin", "delta", "beta",
                "gamma", "alpha")
OPTION_OWNER = {"margin": "multiclass_svm", "delta": "huber", "beta": "smooth_l1",
                "gamma": "focal", "alpha": "focal"}
LOGIT_LOSSES = ("bce", "cce", "sparse_cce", "focal")
LOSS_NAME = choice(*L.NAMES, aliases=L.ALIASES)


@dataclass(frozen=True)
class LossProblem:
    loss: L.LossSpec
    predictions: list[list[float]]   # rows = samples
    targets: list[list[float]]       # rows; [index] per sample for sparse_cce
    converted_labels: bool = False


def loss_spec(r: Reader, name: Any) -> L.LossSpec | None:
    """Read ``epsilon``, ``from_logits``, ``reduction``, ``log_base`` around a loss name."""
    eps = r.get("epsilon", positive, 1e-12)
    if eps is not BAD and eps >= 0.5:
        r.expected("epsilon", "a small positive number below 0.5", eps)
    from_logits = r.get("from_logits", boolean, False)
    reduction = r.get("reduction", choice("mean", "sum"), "mean")
    base = r.get("log_base", either(choice("e"), positive, what="e, 2, 10 or another base > 0"),
                 "e")
    if base == 1:
        r.expected("log_base", "a base other than 1", 1)
    shape = _shape_options(r)
    for key, owner in OPTION_OWNER.items():
        if key in r.data and name not in (BAD, None, owner):
            r.fail(key, f"not an option of {name} (only {owner} takes {key})", at_key=True)
    if from_logits is True and name not in (BAD, None) and name not in LOGIT_LOSSES:
        r.expected("from_logits", f"false: {name} takes no logits (only "
                   f"{', '.join(LOGIT_LOSSES)} do)", True)
    if name is BAD or not r.ok:
        return None
    return L.LossSpec(name, float(eps), from_logits, reduction,
                      None if base == "e" else float(base), **shape)


def _unit_interval(v: Any) -> float:
    x = number(v)
    if not 0 <= x <= 1:
        raise Bad("a number in [0, 1] (or null for no α weighting)")
    return float(x)


def _shape_options(r: Reader) -> dict[str, Any]:
    """margin (≥ 0), delta (> 0), beta (≥ 0), gamma (≥ 0), alpha (in [0, 1] or null)."""
    out = {"margin": r.get("margin", nonneg, 1.0), "delta": r.get("delta", positive, 1.0),
           "beta": r.get("beta", nonneg, 1.0), "gamma": r.get("gamma", nonneg, 2.0)}
    out["alpha"] = None if "alpha" in r.data and r.data["alpha"] is None else \
        r.get("alpha", _unit_interval, 0.25)
    return {k: (v if v is None else float(v)) for k, v in out.items() if v is not BAD}


def parse(r: Reader) -> LossProblem | None:
    r.allow(COMMON_FIELDS + ("loss", "predictions", "targets") + LOSS_OPTIONS)
    name = r.get("loss", LOSS_NAME)
    rows_conv = either(matrix(), vector(), what="a list of numbers or a matrix (rows = samples)")
    preds = r.get("predictions", rows_conv)
    spec = loss_spec(r, name)
    if preds is BAD or spec is None:
        r.get("targets", lambda v: v)
        return None
    batch = isinstance(preds[0], list)
    rows = preds if batch else [preds]
    check_ranges(r, spec, rows, "predictions")
    targets = read_targets(r, "targets", spec, rows, batch)
    if targets is None:
        return None
    converted = False
    if spec.name in L.LABELS_PM1:
        converted = any(v == 0 for row in targets for v in row)
        targets = [[-1.0 if v == 0 else float(v) for v in row] for row in targets]
    return LossProblem(spec, rows, targets, converted) if r.ok else None


def read_targets(r: Reader, key: str, spec: L.LossSpec, rows: list[list[float]],
                 batch: bool) -> list[list[float]] | None:
    """Targets shaped like the predictions (class indices for sparse_cce); None after issues."""
    n, k = len(rows), len(rows[0])
    if spec.name in L.CLASS_INDEX:
        raw = r.get(key, either(vector(number), number, what="class indices"))
        if raw is BAD:
            return None
        idx = raw if isinstance(raw, list) else [raw]
        if len(idx) != n:
            r.expected(key, f"{n} class index(es), one per sample", Said(f"{len(idx)}"))
            return None
        for i, c in enumerate(idx):
            if not (float(c).is_integer() and 0 <= c < k):
                r.expected((key, i) if isinstance(raw, list) else key,
                           f"a class index 0..{k - 1} (0-based)", c)
        return [[float(c)] for c in idx] if r.ok else None
    conv = matrix() if batch else vector()
    t = r.get(key, conv)
    if t is BAD:
        return None
    t_rows = t if batch else [t]
    if len(t_rows) != n or any(len(a) != len(b) for a, b in zip(t_rows, rows)):
        shape = f"{n}×{k}" if batch else f"{k}"
        got = f"{len(t_rows)}×{len(t_rows[0])}" if batch else f"{len(t)}"
        r.expected(key, f"{shape} values, the shape of the predictions", Said(got))
        return None
    for i, row in enumerate(t_rows):
        problem = target_problem(spec, row)
        if problem:
            j, expected, got = problem
            where = (i,) if batch else ()
            r.expected((key, *where, j) if j is not None else (key, *where), expected, got)
    return [[float(v) for v in row] for row in t_rows] if r.ok else None


def target_problem(spec: L.LossSpec, row: list[float]) -> tuple[int | None, str, Any] | None:
    """(index or None for the whole row, expected, got) when one sample's targets do not fit
    the loss (a value out of range, categorical_hinge without a 0); None when they fit."""
    rule = TARGET_RULES.get(spec.name)
    for j, v in enumerate(row):
        if rule and not rule[0](v):
            return j, rule[1], v
    if spec.name == "categorical_hinge" and all(v != 0 for v in row):
        return None, "a target row with a 0 (a class that is not the target: " \
                     "categorical_hinge's neg)", row
    return None


TARGET_RULES = {
    "bce": (lambda v: 0 <= v <= 1, "a target in [0, 1]"),
    "cce": (lambda v: 0 <= v <= 1, "a target in [0, 1]"),
    "focal": (lambda v: 0 <= v <= 1, "a target in [0, 1]"),
    "kl_divergence": (lambda v: v >= 0, "a target probability >= 0"),
    "hinge": (lambda v: v in (-1, 0, 1), "a label -1, 1 (or 0)"),
    "squared_hinge": (lambda v: v in (-1, 0, 1), "a label -1, 1 (or 0)"),
}


def check_ranges(r: Reader, spec: L.LossSpec, rows: list[list[float]], key: str) -> None:
    """Probabilities must lie in [0, 1] unless the loss reads logits."""
    if spec.name not in L.PROBABILITIES or spec.from_logits:
        return
    batch = len(rows) > 1 or r.data.get(key) and isinstance(r.data[key][0], list)
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            if not 0 <= v <= 1:
                r.expected((key, i, j) if batch else (key, j),
                           "a probability in [0, 1] (set from_logits: true for raw scores)", v)
