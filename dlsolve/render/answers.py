"""What the answer section lists: the results that answer the question, each named by the
derivation's own symbol where there is one (∂E/∂w2, w2_new, E), per-layer lists one row per
layer, values of several epochs labelled by epoch, one row per optimizer compared."""

from __future__ import annotations

from typing import Any

from dlsolve import expr as E
from dlsolve.steps import Solution

SYMBOL_KINDS = ("forward", "backprop")


#: Parameters and inputs of the kinds that name them by a word: the symbol their derivation uses.
ARGUMENT_SYMBOLS = {"kernel": "K", "input": "X", "weights": "W", "biases": "b", "bias": "b"}
#: The quantity differentiated in each kind's derivation (E for the network kinds, else L).
LOSS_SYMBOL = {"forward": "E", "backprop": "E"}


def answer_label(kind: str, name: str, solution: Solution | None = None) -> E.Expr:
    """The derivation's own symbol for a result: grad_w2 -> ∂E/∂w2, new_w2 -> w2_new, loss -> E,
    or the symbol of the one step that shows the result (∂L/∂X, L_phys, (H_out, W_out));
    otherwise the name in words (grad_kernel -> ∂L/∂K, running_mean -> running mean).

    JSON and ``check`` keep the contract names; this is for the human formats.
    """
    loss = E.Sym(LOSS_SYMBOL.get(kind, "L"))
    if kind in SYMBOL_KINDS:
        if name == "loss":
            return E.Sym("E")
        if name.startswith("new_"):
            arg = name[4:]
            return E.Sym(ARGUMENT_SYMBOLS.get(arg, arg) + "_new")
    shown = _shown_as(solution, name) if solution is not None else None
    if shown is not None:
        return shown
    if name.startswith("grad_") and len(name) > 5:
        arg = name[5:]
        return E.Deriv(loss, E.Sym(ARGUMENT_SYMBOLS.get(arg, arg)))
    return E.Text(name.replace("_", " "))


def answer_text(solution: Solution, name: str) -> str:
    """An answer's label as plain Unicode text (∂E/∂w5, W_new, output shape): for quizzes."""
    from dlsolve.render.formula import TextPrinter

    return TextPrinter()(answer_label(solution.kind, name, solution))


def _shown_as(solution: Solution, name: str) -> E.Expr | None:
    """The left-hand side of the one step keyed ``name`` when that step shows the whole result
    (its value is the result's) under a symbol (not a word such as running_mean_1)."""
    from dlsolve.steps import MatrixStep, Step, plain

    hits = [s for s in solution.steps if isinstance(s, (Step, MatrixStep)) and s.key == name]
    if len(hits) != 1:
        return None
    step = hits[0]
    lhs, value = (step.lhs, step.value) if isinstance(step, Step) else (step.name, step.matrix)
    if not _same(plain(value), solution.results.get(name)):
        return None
    if isinstance(lhs, E.Sym):
        return lhs if _symbol_like(lhs.name) else None
    if isinstance(lhs, E.Seq):
        return lhs if lhs.brackets else None
    return lhs if isinstance(lhs, (E.Deriv, E.Pow)) else None


def _symbol_like(name: str) -> bool:
    """A letter (or Greek letter) with subscripts, not a word: L_phys, W_y, x1; not output."""
    from dlsolve.render.symbols import GREEK

    head = name.split("_", 1)[0].rstrip("0123456789")
    return "[" not in name and (len(head) == 1 or head in GREEK)


def _numbers(x: Any) -> Any:
    if isinstance(x, E.Seq):
        return [_numbers(i) for i in x.items]
    if isinstance(x, E.Matrix):
        return [[_numbers(i) for i in row] for row in x.rows]
    return x.value if isinstance(x, E.Num) else x


def _same(a: Any, b: Any) -> bool:
    """Equal values, a one-entry list (a 1×1 matrix) being its entry; a tuple or matrix of
    numbers in a formula being its list."""
    a, b = _numbers(a), _numbers(b)
    while isinstance(a, (list, tuple)) and len(a) == 1:
        a = a[0]
    while isinstance(b, (list, tuple)) and len(b) == 1:
        b = b[0]
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and \
            not isinstance(a, bool) and not isinstance(b, bool):
        return a == b or abs(a - b) <= 1e-12 * max(abs(a), abs(b))
    return isinstance(a, (str, bool)) and a == b


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
        label = answer_label(solution.kind, name, solution)
        return [(E.Seq((label, E.Text(f"({k})")), "", ""), v) for k, v in value.items()]
    if not _per_layer(value):
        return [(answer_label(solution.kind, name, solution), value)]
    word = {"attention": "head"}.get(solution.kind,
                                     "layer" if solution.kind in SYMBOL_KINDS else "channel")
    label = answer_label(solution.kind, name, solution)
    return [(E.Seq((label, E.Text(f"({word} {k})")), "", ""), v)
            for k, v in enumerate(value, 1)]


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
