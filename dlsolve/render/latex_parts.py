"""LaTeX tables, matrices and figures: sized to the page (shrunk to a floor, then split)."""

from __future__ import annotations

import re
from typing import Any

from dlsolve.expr import Deriv, Sym
from dlsolve.render.base import header_expr, matrices
from dlsolve.render.breaking import tex_width
from dlsolve.render.figure import bias_boxes, place_labels, positions
from dlsolve.render.formula import latex_escape, latex_name, latex_number
from dlsolve.render.symbols import latex_prose
from dlsolve.steps import Figure, MatrixStep, TableStep

LINE = 88.0
FLOOR = 0.6  # the smallest scale a table or matrix is shrunk to before it is split
FIT = (r"\resizebox{\ifdim\width>\linewidth\linewidth\else\width\fi}{!}{", "}")
LONG = 8  # a table of more rows may break across pages (longtable, its header repeated)
SMALL = 0.9  # \small's size against the body text's


def _title(title: str) -> list[str]:
    return [rf"\needspace{{4\baselineskip}}\textbf{{{latex_prose(title)}}}\nopagebreak"] \
        if title else []


class TableMixin:
    """render_TableStep and render_MatrixStep for the LaTeX renderer."""

    def tex_head(self, col: Any) -> str:
        node = header_expr(col)
        if isinstance(node, Deriv):  # inline: ∂E/∂a, not a small fraction
            d = r"\partial " if node.partial else "d"
            return f"${d}{self.p(node.num)}/{d}{self.p(node.den)}$"
        return f"${self.p(node)}$" if node is not None else latex_prose(str(col))

    def tex_cell(self, value: object, text: str | None = None) -> str:
        text = self.cell(value) if text is None else text
        if isinstance(value, str):  # data (a student id, a layer name): words, not maths
            return latex_escape(text)
        return f"${text}$" if text else ""

    def render_TableStep(self, step: TableStep) -> str:
        head = [self.tex_head(c) for c in step.columns]
        body = [[self.tex_cell(c, t) for c, t in zip(row, texts)]
                for row, texts in zip(step.rows, self.table_text(step.rows))]
        chunks = _column_chunks([head] + body)
        out = [t + r"\par" for t in _title(step.title)]
        if len(body) > LONG and len(chunks) == 1 and self.settings.get("standalone", True) \
                and _table_width([head] + body) * SMALL <= 0.95 * LINE:
            out.append(_longtable(head, body))
            chunks = []
        for cols in chunks:
            spec = "l" + "r" * (len(cols) - 1)
            rows = [" & ".join(r[c] for c in cols) + r" \\" for r in [head] + body]
            rows.insert(1, r"\hline")
            table = "\\begin{tabular}{" + spec + "}\n" + "\n".join(rows) + "\n\\end{tabular}"
            out.append("{\\centering\\small " + FIT[0] + table + FIT[1] + "\\par}")
        if step.note:
            out.append(rf"\emph{{{latex_prose(step.note)}}}")
        return "\n".join(out)

    def render_MatrixStep(self, step: MatrixStep) -> str:
        blocks = self.matrix_blocks(step)
        if not step.note and len(blocks) == 1:
            width = self.matrix_width(step)
            if width <= LINE:
                return MatrixBlock(step.title, blocks[0], width + tex_width(step.title) * 1.1)
        if len(blocks) == 1 and self.matrix_width(step) * FLOOR > LINE:
            return self.split_matrix(step)
        out = _title(step.title)
        for block in blocks:
            if tex_width(block) > LINE:
                out.append("\\[\n" + FIT[0] + "$\\displaystyle " + block + "$" + FIT[1] +
                           "\n\\]")
            else:
                out.append(f"\\[\n{block}\n\\]")
        if step.note:
            out.append(rf"\emph{{{latex_prose(step.note)}}}")
        return "\n".join(out)


    def split_matrix(self, step: MatrixStep) -> str:
        """A matrix too wide even at the floor scale, in column blocks ("columns 1-8")."""
        grid = matrices(step.matrix)[0]
        ncols = len(grid[0])
        per = max(1, int(ncols * LINE / (self.matrix_width(step) * FLOOR)))
        out = _title(step.title)
        for lo in range(0, ncols, per):
            hi = min(lo + per, ncols)
            part = [row[lo:hi] for row in grid]
            cells = {(r, c - lo) for r, c in step.highlight if lo <= c < hi}
            body = self.p(self.grid_expr(part, tuple(cells)))
            name = self.p(step.name) + " " if step.name is not None else ""
            label = rf"{name}\text{{(columns {lo + 1}--{hi})}}"
            out.append("\\[\n" + FIT[0] + "$\\displaystyle " + label + " = " + body + "$" +
                       FIT[1] + "\n\\]")
        if step.note:
            out.append(rf"\emph{{{latex_prose(step.note)}}}")
        return "\n".join(out)

    def matrix_width(self, step: MatrixStep) -> float:
        """The typeset width of 'name = [matrix]' (its widest row), in tex_width units."""
        grid = matrices(step.matrix)[0]
        rows = [sum(tex_width(self.p(self.value_expr(c))) + 2 for c in row) for row in grid]
        name = tex_width(self.p(step.name)) + 3 if step.name is not None else 0
        return name + max(rows, default=0) + 2


class MatrixBlock(str):
    """A small titled matrix display, which the renderer may set beside its neighbours."""

    def __new__(cls, title: str, block: str, width: float) -> MatrixBlock:
        text = "\n".join(_title(title) + [f"\\[\n{block}\n\\]"])
        obj = super().__new__(cls, text)
        obj.title, obj.block, obj.width = title, block, width
        return obj


def side_by_side(parts: list[str]) -> list[str]:
    """Consecutive small matrices set in one display line ("input X = … kernel W = …")."""
    out: list[str] = []
    group: list[MatrixBlock] = []

    def flush() -> None:
        if len(group) == 1:
            out.append(group[0])
        elif group:
            cells = [(rf"\text{{{latex_escape(m.title)}:}}\ " if m.title else "") + m.block
                     for m in group]
            out.append("\\[\n" + r" \qquad ".join(cells) + "\n\\]")
        group.clear()

    for part in parts:
        if isinstance(part, MatrixBlock):
            if group and sum(m.width + 4 for m in group) + part.width > LINE:
                flush()
            group.append(part)
        else:
            flush()
            out.append(part)
    flush()
    return out


def label_tex(label: str) -> str:
    """An edge or bias label as maths: "w1 = 0.15" -> $w_{1} = 0.15$ (other text escaped)."""
    name, sep, value = label.partition(" = ")
    if re.fullmatch(r"[A-Za-z]\w*", name) and (not sep or re.fullmatch(r"-?[\d.e-]+", value)):
        return f"${latex_name(name)}{' = ' + latex_number(value) if sep else ''}$"
    if re.fullmatch(r"-?[\d.]+", label):
        return f"${label}$"
    return latex_escape(label)


def _longtable(head: list[str], body: list[list[str]]) -> str:
    """A tall table that may break across pages, its header repeated on each."""
    spec = "l" + "r" * (len(head) - 1)
    rows = [" & ".join(r) + r" \\" for r in body]
    return ("{\\small\\setlength{\\LTpre}{2pt}\\setlength{\\LTpost}{2pt}\n"
            "\\begin{longtable}{" + spec + "}\n" + " & ".join(head) + r" \\" + "\n\\hline\n"
            "\\endhead\n" + "\n".join(rows) + "\n\\end{longtable}\\par}")


def _widths(rows: list[list[str]]) -> list[float]:
    return [max(tex_width(r[c].strip("$")) for r in rows) + 2 for c in range(len(rows[0]))]


def _table_width(rows: list[list[str]]) -> float:
    return sum(_widths(rows))


def _column_chunks(rows: list[list[str]]) -> list[list[int]]:
    """Column groups (the first column repeated) whose width fits the page at the floor."""
    n = len(rows[0])
    widths = _widths(rows)
    if sum(widths) * FLOOR <= LINE or n <= 2:
        return [list(range(n))]
    chunks, current = [], [0]
    for c in range(1, n):
        if sum(widths[k] for k in current + [c]) * FLOOR > LINE and len(current) > 1:
            chunks.append(current)
            current = [0]
        current.append(c)
    return chunks + [current]


class FigureMixin:
    """render_Figure: TikZ, labels placed so that none overlap (else a weights table)."""

    def render_Figure(self, step: Figure) -> str:
        pos = positions(step)
        placed = place_labels(step)
        ids = {name: f"n{k}" for k, (name, _) in enumerate(step.nodes)}
        lines = [r"\begin{center}", r"\begin{tikzpicture}[x=1cm, y=1cm, "
                 r"unit/.style={circle, draw, minimum size=8.4mm, inner sep=1pt}, "
                 r"lab/.style={font=\scriptsize, fill=white, inner sep=1pt}]"]
        for name, _ in step.nodes:
            x, y = pos[name]
            lines.append(rf"\node[unit] ({ids[name]}) at ({x:.2f},{y:.2f}) "
                         rf"{{${self.p(Sym(name))}$}};")
        for k, (a, b, _) in enumerate(step.edges):
            text = ""
            if placed is not None and k in placed:
                t, shown, _ = placed[k]
                text = rf"node[lab, pos={t:g}] {{{label_tex(shown)}}} "
            lines.append(rf"\draw[->] ({ids[a]}) -- {text}({ids[b]});")
        for unit, box in bias_boxes(step, pos).items():
            label = dict(step.biases)[unit]
            lines.append(rf"\node[lab] at ({box.x:.2f},{box.y:.2f}) {{{label_tex(label)}}};")
        lines += [r"\end{tikzpicture}", r"\end{center}"]
        out = _title(step.title) + lines
        if placed is None:
            rows = tuple((a, b, label) for a, b, label in step.edges)
            out.append(self.render_TableStep(TableStep("Weights (edge labels)",
                                                       ("from", "to", "weight"), rows)))
        return "\n".join(out)
