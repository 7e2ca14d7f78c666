"""Plain text: no escape codes, for pipes, files and terminals without colour."""

from __future__ import annotations

from typing import Any

from dlsolve.render.answers import answer_items, answer_rows
from dlsolve.render.base import Renderer, matrices
from dlsolve.render.formula import RELATIONS_TEXT, TextPrinter
from dlsolve.render.wrap import pack_items, wrap_formula, wrap_prose
from dlsolve.steps import Equations, Figure, Heading, MatrixStep, Note, Solution, Step, TableStep

INDENT = "  "


class TextRenderer(Renderer):
    """Render solutions as indented plain text with ASCII tables."""

    printer_class = TextPrinter

    def document(self, solutions: list[Solution]) -> str:
        return self.numbered(solutions)

    def solution(self, sol: Solution, number: str = "") -> str:
        title = number + sol.title
        lines = [title, "=" * len(title)]
        if sol.statement:
            lines += [""] + self.prose(" ".join(sol.statement.split()))
        for block in self.givens(sol):
            lines += ["", block]
        if not self.settings.get("statements_only"):
            if not self.settings.get("answers_only"):
                for block in self.steps(sol):
                    lines += ["", block]
            if answer_items(sol):
                lines += ["", self.answers(sol)]
            if sol.mistakes:
                lines += ["", "Common mistakes"]
                for m in self.mistake_lines(sol):
                    lines += self.prose(m, INDENT + "- ", INDENT * 2)
            if sol.notes and not self.settings.get("answers_only"):
                lines += ["", "Notes"]
                for n in sol.notes:
                    lines += self.prose(n, INDENT + "- ", INDENT * 2)
        return "\n".join(lines)

    @property
    def width(self) -> int:
        """The line width: ``--width`` when given; unwrapped lines otherwise (files, pipes)."""
        return int(self.settings.get("width") or 10**6)

    def prose(self, text: str, indent: str = "", hang: str | None = None) -> list[str]:
        return wrap_prose(text, self.width, indent, hang)

    def formula(self, text: str, indent: str = INDENT) -> list[str]:
        return wrap_formula(text, self.width, indent, indent + "    ")

    def answers(self, sol: Solution) -> str:
        rows = [(self.p(label), self.p(self.value_expr(v))) for label, v in answer_rows(sol)]
        width = max((len(n) for n, _ in rows), default=0)
        lines = ["Answer"]
        for n, v in rows:
            lines += self.formula(f"{n.ljust(width)} = {v}")
        return "\n".join(lines)

    def render_given_groups(self, groups: list[tuple[str, list[str]]],
                            first: bool = True) -> str:
        lines = ["Given"] if first else []
        for meaning, items in groups:
            head = f"{INDENT}{meaning}: " if meaning else INDENT
            lines += pack_items(items, self.width, head, INDENT * 3)
        return "\n".join(lines)

    def render_Equations(self, step: Equations) -> str:
        rows = [(self.p(a), self.p(b)) for a, b in step.rows]
        width = max(len(a) for a, _ in rows)
        lines = self.prose(step.title) if step.title else []
        for a, b in rows:
            lines += self.formula(f"{a.rjust(width)} = {b}")
        return "\n".join(lines)

    def render_Heading(self, step: Heading) -> str:
        return f"-- {step.title} --"

    def render_Note(self, step: Note) -> str:
        mark = {"warning": "! ", "conclusion": "=> "}.get(step.kind, "")
        return "\n".join(self.prose(step.text, INDENT + mark, INDENT + " " * len(mark)))

    def render_Step(self, step: Step) -> str:
        parts, rel = self.forms(step)
        lines = self.prose(step.title) if step.title else []
        if parts:
            eq = parts[0]
            for sign, part in zip(self.signs(parts, rel, step), parts[1:]):
                eq += f" {RELATIONS_TEXT[sign]} {part}"
            lines += self.formula(eq)
        if step.note:
            lines += self.prose("note: " + step.note, INDENT, INDENT * 2)
        return "\n".join(lines)

    def render_TableStep(self, step: TableStep) -> str:
        cells = [[self.header(c) for c in step.columns]] + self.table_text(step.rows)
        lines = self.prose(step.title) if step.title else []
        for group in column_groups(cells, self.width - len(INDENT)):
            lines += [INDENT + line for line in ascii_table([[r[c] for c in group if c < len(r)]
                                                             for r in cells])]
        if step.note:
            lines.append(INDENT + "note: " + step.note)
        return "\n".join(lines)

    def render_MatrixStep(self, step: MatrixStep) -> str:
        lines = self.prose(step.title) if step.title else []
        name = self.p(step.name) + " =" if step.name is not None else ""
        for k, grid in enumerate(matrices(step.matrix)):
            label = name if k == 0 else ""
            if len(matrices(step.matrix)) > 1:
                label = (self.p(step.name) if step.name is not None else "") + f"[channel {k}] ="
            lines.append(INDENT + label)
            lines += [INDENT * 2 + row for row in self.grid(grid, step.highlight)]
        if step.note:
            lines.append(INDENT + "note: " + step.note)
        return "\n".join(lines)

    def render_Figure(self, step: Figure) -> str:
        lines = self.prose(step.title) if step.title else []
        biases = dict(step.biases)
        for target in dict.fromkeys(t for _, t, _ in step.edges):
            ins = [f"{a} ({label})" if label else a for a, t, label in step.edges if t == target]
            bias = f"; bias {biases[target]}" if target in biases else ""
            lines.append(f"{INDENT}{target} <- " + ", ".join(ins) + bias)
        return "\n".join(lines)

    def grid(self, rows: list[list[Any]], highlight: tuple[tuple[int, int], ...] = ()) -> list[str]:
        cells = [[self.cell(c) for c in row] for row in rows]
        for r, c in highlight:
            if r < len(cells) and c < len(cells[r]):
                cells[r][c] = f"[{cells[r][c]}]"
        width = max((len(c) for row in cells for c in row), default=1)
        return ["[ " + "  ".join(c.rjust(width) for c in row) + " ]" for row in cells]


def column_groups(cells: list[list[str]], width: int) -> list[list[int]]:
    """Column indices in groups whose ASCII table fits ``width`` (the first column repeated
    in each group); one group when it all fits.

    >>> column_groups([["a", "bb", "cc"], ["1", "22", "33"]], 12)
    [[0, 1], [0, 2]]
    """
    ncols = max(len(r) for r in cells)
    widths = [max(len(r[c]) if c < len(r) else 0 for r in cells) + 3 for c in range(ncols)]
    if sum(widths) + 1 <= width or ncols <= 2:
        return [list(range(ncols))]
    groups, current = [], [0]
    for c in range(1, ncols):
        if len(current) > 1 and sum(widths[k] for k in current + [c]) + 1 > width:
            groups.append(current)
            current = [0]
        current.append(c)
    return groups + [current]


def ascii_table(cells: list[list[str]], right: set[int] | None = None) -> list[str]:
    """Rows of cells as an ASCII table with a header rule; ``right`` columns right-aligned.

    >>> print("\\n".join(ascii_table([["x", "y"], ["1", "22"]])))
    | x | y  |
    |---|----|
    | 1 | 22 |
    """
    ncols = max(len(r) for r in cells)
    cells = [r + [""] * (ncols - len(r)) for r in cells]
    widths = [max(len(r[i]) for r in cells) for i in range(ncols)]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.rjust(w) if j in (right or ()) else c.ljust(w)
                                 for j, (c, w) in enumerate(zip(row, widths))) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return [line(cells[0]), rule] + [line(r) for r in cells[1:]]
