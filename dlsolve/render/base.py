"""What every renderer shares: dispatch on the step class, and the forms of an equation.

A renderer formats; it never computes. The only arithmetic-looking thing here is deciding
whether a displayed value was rounded (to write ≈ instead of =), which compares two
representations of the same number.
"""

from __future__ import annotations

import re
from typing import Any

from dlsolve import expr as E
from dlsolve.render.formula import Printer
from dlsolve.render.numbers import fmt_number, is_number
from dlsolve.steps import MatrixStep, Solution, Step, shown


class Renderer:
    """Base class: ``document(solutions)`` renders one or more solutions to a string."""

    printer_class: type[Printer]

    def __init__(self, digits: int = 4, **settings: Any):
        self.digits = digits
        self.settings = settings
        self.p = self.printer_class(digits)

    def document(self, solutions: list[Solution]) -> str:
        raise NotImplementedError

    def numbered(self, solutions: list[Solution], join: str = "\n\n") -> str:
        """Each solution rendered by ``solution(sol, prefix)``, numbered when there are several."""
        blocks = [self.solution(sol, f"Problem {i}. " if len(solutions) > 1 else "")
                  for i, sol in enumerate(solutions, 1)]
        return join.join(blocks).rstrip() + "\n"

    def matrix_blocks(self, step: Any) -> list[str]:
        """'name = [matrix]' in LaTeX for each matrix of a MatrixStep (channels numbered)."""
        grids = matrices(step.matrix)
        name = self.p(step.name) if step.name is not None else ""
        out = []
        for k, grid in enumerate(grids):
            label = name + (f"^{{({k})}}" if len(grids) > 1 else "")
            body = self.p(self.grid_expr(grid, step.highlight if k == 0 else ()))
            out.append(f"{label} = {body}" if label else body)
        return out

    def givens(self, solution: Solution) -> list[Any]:
        """The problem's data rendered first, in the spec's order: one line per kind of datum
        ("weights: w1 = 0.15, w2 = 0.45"), matrices shown as matrices titled by their meaning.
        """
        out: list[Any] = []
        groups: list[tuple[str, list[str]]] = []
        first = True
        for g in solution.givens:
            v = g.value
            if isinstance(v, list) and v and all(isinstance(r, list) for r in v):
                if groups or first:
                    out.append(self.render_given_groups(groups, first))
                    groups, first = [], False
                out.append(self.render_MatrixStep(MatrixStep(g.meaning, g.name, v)))
                continue
            bare = getattr(g.name, "name", getattr(g.name, "text", None))
            text = self.p(self.value_expr(v)) if bare == g.meaning else \
                self.p(E.Relation(g.name, "=", self.value_expr(v)))
            if groups and groups[-1][0] == g.meaning:
                groups[-1][1].append(text)
            else:
                groups.append((g.meaning, [text]))
        if groups:
            out.append(self.render_given_groups(groups, first))
        return [o for o in out if o is not None]

    def render_given_groups(self, groups: list[tuple[str, list[str]]], first: bool = True) -> Any:
        raise NotImplementedError

    def mistake_lines(self, solution: Solution) -> list[str]:
        """'answer: why' for each known wrong answer the spec records."""
        return [m.answer + (f" — {m.why}" if m.why else "") for m in solution.mistakes]

    def steps(self, solution: Solution, level: str | None = None) -> list[Any]:
        """The rendered steps shown at ``level`` (default: the ``detail`` setting)."""
        level = level or self.settings.get("detail", "exam")
        out = []
        for step in solution.steps:
            if not shown(step, level):
                continue
            method = getattr(self, "render_" + type(step).__name__, None)
            if method is None:
                raise TypeError(f"{type(self).__name__} has no render_{type(step).__name__}")
            out.append(method(step))
        return out

    def number(self, x: Any) -> str:
        return fmt_number(x, self.digits)

    def value_expr(self, value: Any) -> E.Expr:
        """A formula node for a value (number, list, matrix, string, bool)."""
        if isinstance(value, E.Expr):
            return value
        if isinstance(value, bool):
            return E.Text("yes" if value else "no")
        if is_number(value):
            return E.Num(value.item() if hasattr(value, "item") else value)
        if isinstance(value, str):
            return E.Text(value)
        if isinstance(value, dict):
            return E.Seq(tuple(E.Relation(E.Text(str(k)), "=", self.value_expr(v))
                               for k, v in value.items()), "{}", ";")
        if isinstance(value, (list, tuple)):
            if value and all(isinstance(r, (list, tuple)) for r in value) and _is_matrix(value):
                return E.Matrix(tuple(tuple(self.value_expr(c) for c in r) for r in value))
            return E.Seq(tuple(self.value_expr(v) for v in value), "[]")
        if value is None:
            return E.Text("")
        return E.Text(str(value))

    def forms_nodes(self, step: Step) -> tuple[list[E.Expr], str]:
        """Like ``forms`` but the formula nodes themselves (the value as a node)."""
        nodes: list[E.Expr] = []
        last = None
        for node in (step.lhs, step.formula, step.substituted, *step.more):
            if node is not None:
                text = self.p(node)
                if text != last:
                    nodes.append(node)
                    last = text
        rel = "="
        if step.value is not None:
            node = self.value_expr(step.value)
            if step.approx and rounded(step.value, self.digits):
                rel = "~"
            if self.p(node) != last:
                nodes.append(node)
        return nodes, rel

    def header(self, col: Any) -> str:
        """A column header: maths printed by this renderer's printer, or the words."""
        node = header_expr(col)
        return self.p(node) if node is not None else str(col)

    def forms(self, step: Step) -> tuple[list[str], str]:
        """The printed forms of an equation (duplicates dropped) and its value relation.

        Returns the list ``[lhs, formula, substituted, value]`` (missing ones left out) and
        the relation sign before the value: ``≈`` when the display rounds it.
        """
        parts: list[str] = []
        for node in (step.lhs, step.formula, step.substituted, *step.more):
            if node is not None:
                text = self.p(node)
                if not parts or text != parts[-1]:
                    parts.append(text)
        rel = "="
        if step.value is not None:
            text = self.p(self.value_expr(step.value))
            if step.approx and rounded(step.value, self.digits):
                rel = "~"
            if not parts or text != parts[-1]:
                parts.append(text)
        return parts, rel

    def grid_expr(self, grid: Any, highlight: tuple[tuple[int, int], ...] = ()) -> E.Expr:
        """A matrix as a formula node, highlighted cells boxed."""
        rows = []
        for r, row in enumerate(grid):
            rows.append(tuple(E.Bracket("box", self.value_expr(c)) if (r, j) in highlight
                              else self.value_expr(c) for j, c in enumerate(row)))
        return E.Matrix(tuple(rows))

    def signs(self, parts: list[str], rel: str, step: Step) -> list[str]:
        """The relation written before each form after the first: '=', and the value's."""
        last = len(parts) - 1
        return [rel if i == last and step.value is not None else "="
                for i in range(1, len(parts))]

    def table_text(self, rows: Any) -> list[list[str]]:
        """The cells of a table as text, each column's numbers with one number of decimals
        (the most any of them needs at ``digits``; integers alone stay integers)."""
        out = [[self.cell(c) for c in row] for row in rows]
        width = max((len(r) for r in rows), default=0)
        for j in range(width):
            cells = [(i, row[j]) for i, row in enumerate(rows) if j < len(row)]
            nums = [(i, v) for i, v in cells if is_number(v)]
            if not nums or all(isinstance(v, int) or float(v).is_integer() for _, v in nums):
                continue
            texts = [out[i][j] for i, _ in nums]
            if any("e" in t or t in ("inf", "-inf", "nan") for t in texts):
                continue
            decimals = max(len(t.partition(".")[2]) for t in texts)
            for i, v in nums:
                out[i][j] = f"{float(v):.{decimals}f}"
        return out

    def cell(self, value: Any) -> str:
        """A table cell as text (formula nodes printed with this renderer's printer)."""
        if isinstance(value, E.Expr):
            return self.p(value)
        if isinstance(value, bool):
            return "yes" if value else "no"
        if is_number(value):
            return self.number(value)
        if isinstance(value, (list, tuple)):
            return self.p(self.value_expr(value))
        return "" if value is None else str(value)


_HEADERS = {"e^z": E.Pow(E.Sym("e"), E.Sym("z")), "f'(z)": E.Call("f'", (E.Sym("z"),)),
            "delta": E.Sym("delta"), "eta": E.Sym("eta"), "sigma(z)": E.Call("sigma",
                                                                          (E.Sym("z"),))}
_DERIV = re.compile(r"d(\w+)/d(\w+)")
_SYMBOL = re.compile(r"[A-Za-z](\d*|_\w+)|[a-z]\d+_\d+|delta_\w+")


def header_expr(col: Any) -> E.Expr | None:
    """A table header as maths when it is a formula ("dE/da", "e^z", "f'(z)", "z1"), else None.

    >>> header_expr("dE/da"), header_expr("unit")
    (Deriv(num=Sym(name='E'), den=Sym(name='a'), partial=True), None)
    """
    if isinstance(col, E.Expr):
        return col
    col = _ascii(col)
    if col in _HEADERS:
        return _HEADERS[col]
    m = _DERIV.fullmatch(col)
    if m:
        return E.Deriv(E.Sym(m.group(1)), E.Sym(m.group(2)))
    if _SYMBOL.fullmatch(col):
        return E.Sym(col)
    return None


def _ascii(col: str) -> str:
    """The ASCII spelling of a header written with ∂, ′ or Greek letters ("∂E/∂a" -> "dE/da")."""
    from dlsolve.render.formula import GREEK

    if col.startswith("∂") or "′" in col or (len(col) <= 8 and any(c in col for c in "δσηε")):
        col = col.replace("∂", "d").replace("′", "'")
        for word, letter in GREEK.items():
            col = col.replace(letter, word)
    return col


def _is_matrix(rows: Any) -> bool:
    return all(not any(isinstance(c, (list, tuple)) for c in r) for r in rows)


def rounded(value: Any, digits: int) -> bool:
    """True when the display of ``value`` at ``digits`` differs from its exact value."""
    if isinstance(value, bool) or isinstance(value, str):
        return False
    if is_number(value):
        try:
            shown, exact = float(fmt_number(value, digits)), float(value)
        except ValueError:
            return False
        return abs(shown - exact) > 1e-12 * max(1.0, abs(exact))
    if isinstance(value, (list, tuple)):
        return any(rounded(v, digits) for v in value)
    return False


def matrices(value: Any) -> list[Any]:
    """A matrix as a one-item list; a list of matrices (channels) as itself."""
    if value and isinstance(value[0], (list, tuple)) and value[0] and \
            isinstance(value[0][0], (list, tuple)):
        return list(value)
    return [value]
