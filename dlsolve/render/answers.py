"""What the answer section lists: the results that answer the question, each named by the
derivation's own symbol where there is one (∂E/∂w2, w2_new, E), per-layer lists one row per
layer, values of several epochs labelled by epoch, one row per optimizer compared."""

from __future__ import annotations

from typing import Any

from dlsolve import expr as E
from dlsolve.steps import Solution

SYMBOL_KINDS = ("forward", "backprop")


def answer_label(kind: str, name: str) -> E.Expr:
    """The derivation's own symbol for a result: grad_w2 -> ∂E/∂w2, new_w2 -> w2_new, loss -> E.

    Other names print as words (the contract names ``check`` reads).
    """
    if kind in SYMBOL_KINDS:
        if name == "loss":
            return E.Sym("E")
        if name.startswith("grad_") and name[5:] not in ("weights", "biases"):
            return E.Deriv(E.Sym("E"), E.Sym(name[5:]))
        if name.startswith("new_") and name[4:] not in ("weights", "biases"):
            return E.Sym(name[4:] + "_new")
    return E.Text(name)


def answer_rows(solution: Solution) -> list[tuple[E.Expr, Any]]:
    """(label, value) per answer; per-layer lists (ragged, or one matrix per layer) apart."""
    rows: list[tuple[E.Expr, Any]] = []
    epochs = len(solution.results.get("losses") or [])
    for name, value in answer_items(solution):
        if epochs > 1 and solution.kind == "backprop" and name.startswith(("grad_", "new_")):
            when = "epoch 1" if name.startswith("grad_") else f"after epoch {epochs}"
            rows += [(E.Seq((label, E.Text(f"({when})")), "", ""), v)
                     for label, v in answer_rows_of(solution, name, value)]
            continue
        rows += answer_rows_of(solution, name, value)
    return rows


def answer_rows_of(solution: Solution, name: str, value: Any) -> list[tuple[E.Expr, Any]]:
    """The rows of one answer: one, or one per layer (channel) for per-layer lists, or one
    per entry of a mapping (one per optimizer compared)."""
    if isinstance(value, dict):
        return [(E.Text(f"{name} ({k})"), v) for k, v in value.items()]
    if not _per_layer(value):
        return [(answer_label(solution.kind, name), value)]
    word = "layer" if solution.kind in SYMBOL_KINDS else "channel"
    return [(E.Text(f"{name}, {word} {k}"), v) for k, v in enumerate(value, 1)]


def _per_layer(value: Any) -> bool:
    """A list whose items are lists of unequal lengths, or a list of matrices."""
    if not isinstance(value, list) or len(value) < 2 or \
            not all(isinstance(v, list) for v in value):
        return False
    if any(v and isinstance(v[0], list) for v in value):
        return True
    return len({len(v) for v in value}) > 1


def answer_items(solution: Solution) -> list[tuple[str, Any]]:
    """The results that answer the question (all results when none are singled out)."""
    names = solution.answer or tuple(solution.results)
    return [(n, solution.results[n]) for n in names if n in solution.results]
