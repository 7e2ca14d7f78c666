"""Scaled dot-product attention worked as an exam answer, one head or several.

Q = X W_q, K = C W_k, V = C W_v (C = X for self-attention) when projections are given;
S = Q K^T; S' = c·S with c = 1/√d_k; masked entries −∞; A = softmax of each row of S';
output = A V. Several heads split the columns of Q, K, V in order, attend in each block,
and concatenate; W_o (when given) maps the concatenation to the output.
"""

from __future__ import annotations

import math

import numpy as np

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels.attention import Attention, causal, flops, split
from dlsolve.solvers.attention_head import TERMS, head
from dlsolve.solvers.positional import add_to_inputs, table
from dlsolve.spec.attention import AttentionProblem
from dlsolve.steps import Heading, MatrixStep, Note, Solution, Step, TableStep


def solve(spec: AttentionProblem) -> Solution:
    if spec.q is None and spec.x is None:
        return table(spec.positional)
    sol = Solution("attention", _title(spec), answer=("weights", "output"))
    _givens(sol, spec)
    q, k, v = _inputs(sol, spec)
    allowed = _allowed(spec, len(q), len(k))
    d_k = q.shape[1] // spec.heads
    scale, form = _scale(spec, d_k)
    if spec.heads == 1:
        att = head(sol, q, k, v, scale, form, allowed)
        out = att.output
        for name in ("scores", "scaled", "weights"):
            sol.set(name, getattr(att, name))
        heads = [att]
    else:
        heads, out = _heads(sol, spec, q, k, v, scale, form, allowed)
        sol.answer = ("weights", "head_outputs", "concat", "output")
    if spec.w_o is not None:
        out = _project_out(sol, out, np.asarray(spec.w_o, dtype=float))
    sol.set("output", out)
    _cost(sol, spec, q, k, v)
    _checks(sol, heads)
    _notes(sol, spec, scale)
    return sol


def _title(spec: AttentionProblem) -> str:
    what = "Cross-attention" if spec.context is not None else "Self-attention" \
        if spec.projected else "Scaled dot-product attention"
    heads = f", {spec.heads} heads" if spec.heads > 1 else ""
    mask = ", causal mask" if spec.mask == "causal" else ", masked" if spec.mask else ""
    return what + heads + mask


def _givens(sol: Solution, spec: AttentionProblem) -> None:
    if spec.projected:
        sol.given("X", spec.x, "input rows (one per token)")
        if spec.context is not None:
            sol.given("C", spec.context, "context rows (keys and values come from these)")
        for name, w in spec.w.items():
            sol.given(name, w, f"projection to {name[-1].upper()}")
    else:
        for name, m, what in (("Q", spec.q, "queries"), ("K", spec.k, "keys"),
                              ("V", spec.v, "values")):
            sol.given(name, m, f"{what} (one row each)")
    if isinstance(spec.mask, list):
        sol.given("M", spec.mask, "mask (1 = may attend)")
    elif spec.mask:
        sol.given("mask", "causal", "query i sees keys j <= i")
    if spec.heads > 1:
        sol.given("h", spec.heads, "heads")
    if spec.w_o is not None:
        sol.given("W_o", spec.w_o, "output projection")
    if spec.scale is not True:
        sol.given("scale", spec.scale, "score scale")


def _inputs(sol: Solution, spec: AttentionProblem) -> tuple[np.ndarray, ...]:
    if not spec.projected:
        return tuple(np.asarray(m, dtype=float) for m in (spec.q, spec.k, spec.v))
    x = np.asarray(spec.x, dtype=float)
    c = None if spec.context is None else np.asarray(spec.context, dtype=float)
    if spec.positional is not None:
        x, c = add_to_inputs(sol, spec.positional, x, c)
    src, src_name = (x, "X") if c is None else (c, "C")
    sol.add(Heading("Projections"))
    out = []
    for name, rows, rname in (("Q", x, "X"), ("K", src, src_name), ("V", src, src_name)):
        w = np.asarray(spec.w["W_" + name.lower()], dtype=float)
        out.append(_product(sol, name, rows, rname, w, "W_" + name.lower()))
    return tuple(out)


def _product(sol: Solution, name: str, a: np.ndarray, aname: str, w: np.ndarray,
             wname: str) -> np.ndarray:
    """name = a w, with entry [1, 1] written out; also recorded as a result."""
    m = a @ w
    terms = [E.Mul((Num(x), Num(y))) for x, y in zip(a[0], w[:, 0])]
    sol.add(Step(f"{name} = {aname} {wname}: entry (1, 1) is row 1 of {aname} times column 1",
                 Sym(f"{name.lower()}_11"), E.Sum("j", Sym(f"{aname.lower()}_1j") *
                                                  Sym("w_j1")),
                 E.Add(tuple(E.elide(terms, TERMS))), value=m[0, 0]),
            MatrixStep(f"{name} = {aname} {wname}", Sym(name), m.tolist(), key=name,
                       detail="brief"))
    sol.set(name, m)
    return m


def _allowed(spec: AttentionProblem, tq: int, tk: int) -> np.ndarray | None:
    if spec.mask == "causal":
        return causal(tq, tk)
    return None if spec.mask is None else np.asarray(spec.mask)


def _scale(spec: AttentionProblem, d_k: int) -> tuple[float, tuple[E.Expr, E.Expr | None]]:
    if spec.scale is True:
        return 1 / math.sqrt(d_k), (Num(1) / E.Bracket("sqrt", Sym("d_k")),
                                    Num(1) / E.Bracket("sqrt", Num(d_k)))
    if spec.scale is False:
        return 1.0, (Num(1), None)
    return float(spec.scale), (Num(spec.scale), None)


def _heads(sol: Solution, spec: AttentionProblem, q: np.ndarray, k: np.ndarray, v: np.ndarray,
           scale: float, form: tuple, allowed: np.ndarray | None
           ) -> tuple[list[Attention], np.ndarray]:
    h = spec.heads
    dk, dv = q.shape[1] // h, v.shape[1] // h
    sol.add(Heading(f"Split into {h} heads"),
            Note(f"Head i takes columns {dk}(i - 1) + 1 .. {dk}i of Q and K and "
                 f"{dv}(i - 1) + 1 .. {dv}i of V, in order (d_k = {q.shape[1]}/{h} = {dk})."))
    heads = []
    for i, (qi, ki, vi) in enumerate(zip(split(q, h), split(k, h), split(v, h)), 1):
        sol.add(Heading(f"Head {i}"), MatrixStep(f"Q_{i}", Sym(f"Q_{i}"), qi.tolist()),
                MatrixStep(f"K_{i}", Sym(f"K_{i}"), ki.tolist()),
                MatrixStep(f"V_{i}", Sym(f"V_{i}"), vi.tolist()))
        heads.append(head(sol, qi, ki, vi, scale, form, allowed, f"_{i}", worked=i == 1))
    concat = np.concatenate([a.output for a in heads], axis=1)
    sol.add(Heading("Concatenation"),
            MatrixStep("The head outputs side by side, head 1 first", Sym("H"),
                       concat.tolist(), key="concat", detail="brief"))
    for name in ("scores", "scaled", "weights"):
        sol.set(name, [getattr(a, name) for a in heads])
    sol.set("head_outputs", [a.output for a in heads])
    sol.set("concat", concat)
    return heads, concat


def _project_out(sol: Solution, out: np.ndarray, w_o: np.ndarray) -> np.ndarray:
    """H W_o (several heads: H their concatenation); one head: Y = O W_o, O = A V."""
    one = "concat" not in sol.results
    if one:
        sol.set("concat", out)
    sol.add(Heading("Output projection"))
    return _product(sol, "Y" if one else "O", out, "O" if one else "H", w_o, "W_o")


def _cost(sol: Solution, spec: AttentionProblem, q: np.ndarray, k: np.ndarray,
          v: np.ndarray) -> None:
    tq, tk, h = len(q), len(k), spec.heads
    dk, dv = q.shape[1] // h, v.shape[1] // h
    f = flops(tq, tk, dk, dv, h)
    rows = _projection_flops(spec, q, k, v) + [
        ("Q K^T", f"{h}·{tq}·{tk}·{dk} multiply-adds", f["scores"]),
        ("softmax", f"{h}·{tq}·{tk} exp, add, divide", f["softmax"]),
        ("A V", f"{h}·{tq}·{tk}·{dv} multiply-adds", f["weighted_sum"])]
    if spec.w_o is not None:
        d_out = len(spec.w_o[0])
        rows.append(("H W_o" if h > 1 else "O W_o", f"{tq}·{v.shape[1]}·{d_out} multiply-adds",
                     2 * tq * v.shape[1] * d_out))
    total = sum(r[2] for r in rows)
    sol.add(Heading("Cost"), TableStep("FLOPs of one attention step (a multiply-add is 2)",
                                       ("operation", "count", "FLOPs"), tuple(rows)),
            Note(f"The score matrix is T_q × T_k = {tq}×{tk} per head: time grows as "
                 f"O(T²·d) and memory as O(T²) in the sequence length T ({total} FLOPs in "
                 "all)" + ("; the projections grow only as O(T·d²)." if spec.projected
                           else ".")))
    sol.set("flops", total)


def _projection_flops(spec: AttentionProblem, q: np.ndarray, k: np.ndarray,
                      v: np.ndarray) -> list[tuple[str, str, int]]:
    if not spec.projected:
        return []
    d_x = len(spec.x[0])
    src, d_c = ("X", d_x) if spec.context is None else ("C", len(spec.context[0]))
    return [(f"{name} = {a} W_{name.lower()}", f"{len(m)}·{d}·{m.shape[1]} multiply-adds",
             2 * len(m) * d * m.shape[1])
            for name, m, a, d in (("Q", q, "X", d_x), ("K", k, src, d_c), ("V", v, src, d_c))]


def _checks(sol: Solution, heads: list[Attention]) -> None:
    worst = max(float(np.max(np.abs(a.weights.sum(axis=1) - 1))) for a in heads)
    sol.add(Note(f"Check: every row of A sums to 1 (largest deviation {worst:.1e}); masked "
                 "entries have weight 0.", detail="full"))


def _notes(sol: Solution, spec: AttentionProblem, scale: float) -> None:
    sol.note("Row vectors, as in 'Attention is all you need': one row of Q, K, V per token; "
             "output = softmax(c·Q K^T) V.")
    if spec.scale is True:
        sol.note(f"Scale c = 1/√d_k = {scale:.6g} (d_k: the width of one head's keys).")
    elif spec.scale is not False:
        sol.note("A number for scale multiplies the scores (PyTorch's "
                 "scaled_dot_product_attention scale=).")
    if spec.mask == "causal":
        sol.note("Causal mask as PyTorch (is_causal): query i attends to keys j <= i, top-left "
                 "aligned when there are more keys than queries.")
    if spec.mask is not None:
        sol.note("Masked scores are set to -inf before the softmax, so their weights are "
                 "exactly 0.")
    if spec.heads > 1:
        sol.note("Heads split the columns of Q, K and V into equal blocks in order and are "
                 "concatenated in order (PyTorch's MultiheadAttention layout).")
