"""One head of scaled dot-product attention, written out: scores, scale, mask, softmax, output.

The first head is worked in full (one score entry, one softmax row, one output row); further
heads show their matrices, their working only at detail ``full``. The softmax row reuses the
softmax solver's steps, so both commands write a softmax the same way.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from typing import Any

import numpy as np

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels.attention import Attention, attend
from dlsolve.steps import Heading, MatrixStep, Note, Solution, Step, TableStep

WHY_SCALE = ("why √d_k: with d_k independent components of mean 0 and variance 1 in q and k, "
             "q·k = Σ q_j k_j has variance d_k; dividing by √d_k brings it back to 1, so the "
             "softmax does not saturate (tiny gradients) as d_k grows")
TERMS = 12  # terms of a sum written out before the rest are elided


def head(sol: Solution, q: np.ndarray, k: np.ndarray, v: np.ndarray, scale: float,
         scale_form: tuple[E.Expr, E.Expr | None], allowed: np.ndarray | None, tag: str = "",
         worked: bool = True) -> Attention:
    """Record one head's steps; ``tag`` names the head in symbols ("", "_1", "_2")."""
    att = attend(q, k, v, scale, allowed)
    detail = "exam" if worked else "full"
    counts = np.isfinite(att.scaled).sum(axis=1)
    r = int(np.argmax(counts > 1)) if (counts > 1).any() else 0  # a row with a real choice
    _scores(sol, q, k, att, tag, detail)
    _scaling(sol, att, scale, scale_form, tag)
    if allowed is not None:
        sol.add(MatrixStep("Mask (1 = may attend)", Sym("M"), np.asarray(allowed).tolist()),
                MatrixStep("Masked: -inf where M = 0, so e^(-inf) = 0 gives those keys weight 0",
                           Sym(f"S'{tag}"), att.scaled.tolist(), key="scaled"))
    _softmax(sol, att, r, tag, detail)
    _output(sol, att, v, r, tag, detail)
    return att


def _scores(sol: Solution, q: np.ndarray, k: np.ndarray, att: Attention, tag: str,
            detail: str) -> None:
    terms = [E.Mul((Num(a), Num(b))) for a, b in zip(q[0], k[0])]
    sol.add(Step("One score worked: query 1 with key 1", Sym("s_11"),
                 E.Sum("j", Sym("q_1j") * Sym("k_1j")), E.Add(tuple(E.elide(terms, TERMS))),
                 value=att.scores[0, 0], key="scores", detail=detail),
            MatrixStep(f"Scores Q{tag} K{tag}^T (row i: query i, column j: key j)", Sym(f"S{tag}"),
                       att.scores.tolist(), key="scores", detail="brief"))


def _scaling(sol: Solution, att: Attention, scale: float,
             scale_form: tuple[E.Expr, E.Expr | None], tag: str) -> None:
    formula, subst = scale_form
    if scale == 1:
        sol.add(Note("No scaling: the scores go into the softmax as they are."))
        return
    sol.add(Step("Scale factor", Sym("c"), formula, subst, value=scale, note=WHY_SCALE
                 if subst is not None else None, detail="brief"))
    sol.add(MatrixStep(f"Scaled scores c·S{tag}", Sym(f"S'{tag}"),
                       (att.scores * scale).tolist(), key="scaled"))


def _softmax(sol: Solution, att: Attention, r: int, tag: str, detail: str) -> None:
    from dlsolve.solvers import softmax as sm
    from dlsolve.spec.softmax import SoftmaxProblem

    row = att.scaled[r]
    keep = [j for j in range(len(row)) if np.isfinite(row[j])]
    labels = [f"key {j + 1}" for j in keep]
    sub = sm.solve(SoftmaxProblem([[float(row[j]) for j in keep]], False, labels, 1.0, None,
                                  "auto"))
    keys = f"{len(keep)} key" + "s" * (len(keep) != 1)
    sol.add(Heading(f"Softmax of row {r + 1} (query {r + 1}) over its {keys}", detail=detail),
            Note(f"z_j is the scaled score of query {r + 1} with key j (row {r + 1} of S'{tag})"
                 + ("; masked keys are left out (weight 0)" if len(keep) < len(row) else "")
                 + ".", detail=detail))
    for step in sub.steps:
        sol.add(_spliced(step, detail))
    sol.add(MatrixStep("Attention weights A = softmax of each row (each row sums to 1)",
                       Sym(f"A{tag}"), att.weights.tolist(), key="weights", detail="brief"))


def _spliced(step: Any, detail: str) -> Any:
    """A softmax step as this derivation writes it: its normaliser is Z (S is the score
    matrix here), its table's rows are keys, and it answers nothing by itself."""
    step = replace(step, detail=detail, **({"key": None} if hasattr(step, "key") else {}))
    if isinstance(step, TableStep):
        return replace(step, columns=tuple("key" if c == "class" else c for c in step.columns))
    if isinstance(step, Step):
        return replace(step, **{n: _rename(getattr(step, n)) for n in ("lhs", "formula",
                                                                     "substituted")})
    return step


def _rename(node: Any) -> Any:
    """``node`` with the symbol S written Z (formula nodes are frozen dataclasses)."""
    if isinstance(node, Sym):
        return Sym("Z") if node.name == "S" else node
    if isinstance(node, tuple):
        return tuple(_rename(n) for n in node)
    if isinstance(node, E.Expr) and is_dataclass(node):
        return replace(node, **{f.name: _rename(getattr(node, f.name)) for f in fields(node)})
    return node


def _output(sol: Solution, att: Attention, v: np.ndarray, r: int, tag: str,
            detail: str) -> None:
    a = att.weights[r]
    terms = [E.Mul((Num(a[j]), E.lift(v[j].tolist()))) for j in range(len(a)) if a[j] != 0]
    sol.add(Step(f"Output row {r + 1}: the weighted sum of the value rows", Sym(f"o_{r + 1}"),
                 E.Sum("j", Sym(f"a_{r + 1}j") * Sym("v_j")), E.Add(tuple(E.elide(terms, TERMS))),
                 value=att.output[r].tolist(), key="output", detail=detail),
            MatrixStep("Output A V (one row per query)", Sym(f"O{tag}"), att.output.tolist(),
                       key="output", detail="brief"))
