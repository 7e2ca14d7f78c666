"""Spec of a ``norm`` problem: batchnorm or layernorm of a samples × features matrix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.attention import too_big
from dlsolve.spec.reader import (
    BAD,
    Bad,
    Reader,
    Said,
    choice,
    either,
    expects,
    matrix,
    nonneg,
    number,
    vector,
)

BATCH_ONLY = ("mode", "momentum", "running_mean", "running_var")
ROWS = either(matrix(), lambda v: [vector()(v)], what="a matrix (rows = samples) or one row")
CELLS = 100_000


@dataclass(frozen=True)
class NormProblem:
    type: str                        # batchnorm | layernorm
    x: list[list[float]]
    gamma: list[float]
    beta: list[float]
    eps: float
    mode: str                        # train | eval (layernorm: train, its only way)
    momentum: float
    running_mean: list[float]
    running_var: list[float]
    grad: list[list[float]] | None
    gave: frozenset[str]             # fields the spec set (for the givens)

    @property
    def batch_stats(self) -> bool:
        """The statistics are the input's own (and depend on it in the backward pass)."""
        return self.type == "layernorm" or self.mode == "train"


def parse(r: Reader) -> NormProblem | None:
    r.allow(COMMON_FIELDS + ("type", "input", "gamma", "beta", "epsilon") + BATCH_ONLY +
            ("grad_output",))
    kind = r.get("type", choice("batchnorm", "layernorm",
                                aliases={"batch_norm": "batchnorm", "bn": "batchnorm",
                                         "layer_norm": "layernorm", "ln": "layernorm"}))
    x = r.get("input", ROWS)
    if kind is BAD or x is BAD:
        return None
    if len(x) * len(x[0]) > CELLS:
        r.expected("input", f"at most {CELLS:,} numbers", Said(f"{len(x) * len(x[0]):,}"))
        return None
    too_big(r, "input", x)
    d = len(x[0])
    per = either(vector(number, length=d), number, what=f"{d} numbers (one per feature) or one")
    gamma, beta = r.get("gamma", per, 1.0), r.get("beta", per, 0.0)
    eps = r.get("epsilon", nonneg, 1e-5)
    if kind == "layernorm":
        _batch_only(r)
    mode = r.get("mode", choice("train", "eval"), "train")
    momentum = r.get("momentum", at_most_one, 0.1)
    per_pos = either(vector(nonneg, length=d), nonneg, what=f"{d} numbers >= 0 or one")
    rmean, rvar = r.get("running_mean", per, 0.0), r.get("running_var", per_pos, 1.0)
    for key, v in (("gamma", gamma), ("beta", beta), ("running_mean", rmean),
                   ("running_var", rvar)):
        if v is not BAD:
            too_big(r, key, [v] if isinstance(v, list) else [[v]])
    grad = _grad(r, x)
    if not r.ok:
        return None
    _degenerate(r, kind, mode, x, eps, rvar)
    if not r.ok:
        return None
    full = [_per(v, d) for v in (gamma, beta, rmean, rvar)]
    gave = frozenset(k for k in r.data if r.has(k))
    return NormProblem(kind, x, *full[:2], float(eps), mode, float(momentum), *full[2:], grad,
                       gave)


def _grad(r: Reader, x: list[list[float]]) -> Any:
    """grad_output: a matrix of the input's shape, or ones."""
    d = len(x[0])
    grad = r.get("grad_output", either(ROWS, choice("ones"), what="a matrix like the input "
                                                                  "or ones"), None)
    if isinstance(grad, list):
        too_big(r, "grad_output", grad)
    if grad == "ones":
        return [[1.0] * d for _ in x]
    if grad not in (None, BAD) and (len(grad) != len(x) or len(grad[0]) != d):
        r.expected("grad_output", f"a {len(x)}×{d} matrix (the shape of the input)",
                   Said(f"{len(grad)}×{len(grad[0])}"))
    return grad


@expects("a number in [0, 1]")
def at_most_one(v: Any) -> float:
    """A momentum in [0, 1]."""
    x = nonneg(v)
    if x > 1:
        raise Bad("a number in [0, 1]")
    return x


def _batch_only(r: Reader) -> None:
    for key in BATCH_ONLY[1:]:  # mode: layernorm is the same in train and eval
        if r.has(key):
            r.fail(key, "only batchnorm has running statistics (layernorm always normalises "
                        "each sample by its own statistics)")


def _per(v: Any, d: int) -> list[float]:
    return [float(t) for t in v] if isinstance(v, list) else [float(v)] * d


def _degenerate(r: Reader, kind: str, mode: str, x: list[list[float]], eps: float,
                rvar: Any) -> None:
    """Inputs PyTorch refuses, or that divide 0 by 0."""
    if kind == "batchnorm" and mode == "train":
        if len(x) < 2:
            r.fail("input", "batchnorm in train mode needs at least 2 samples (rows): the "
                            "running update's unbiased variance divides by N - 1 = 0, and "
                            "PyTorch refuses it; use mode: eval or layernorm")
        if eps <= 0:
            r.fail("epsilon", "expected epsilon > 0 in batchnorm train mode (PyTorch refuses "
                              "0: a constant feature would divide 0 by 0)")
    elif kind == "batchnorm" and eps == 0 and 0 in _per(rvar, len(x[0])):
        r.fail("running_var", "a running variance of 0 with epsilon 0 divides by 0")
    elif kind == "layernorm" and eps == 0:
        import numpy as np

        a = np.asarray(x, dtype=float)
        with np.errstate(under="ignore"):  # the kernel's variance, underflow included
            var = ((a - a.mean(axis=1)[:, None]) ** 2).mean(axis=1)
        for i, row in enumerate(x):
            if var[i] == 0:
                what = "is constant" if max(row) == min(row) else \
                    "varies too little for a float (its variance underflows to 0)"
                r.fail(("input", i), f"sample {i + 1} {what}: variance 0 with epsilon 0 "
                                     "divides 0 by 0; give epsilon > 0")
