"""LaTeX: a complete document that compiles with pdflatex, or a fragment.

Only amsmath and amssymb are used, both in every TeX distribution's base set. Equations
are ``align*`` chains as exam keys write them: one form per line, ``=`` aligned.
"""

from __future__ import annotations

from dlsolve.expr import Sym
from dlsolve.render.base import Renderer, answer_items
from dlsolve.render.formula import RELATIONS_LATEX, LatexPrinter, latex_escape
from dlsolve.steps import Figure, Heading, MatrixStep, Note, Solution, Step, TableStep

PREAMBLE = r"""\documentclass[11pt]{article}
\usepackage{amsmath,amssymb,graphicx}
\setcounter{MaxMatrixCols}{40}
\setlength{\parindent}{0pt}
\setlength{\parskip}{4pt}
\allowdisplaybreaks
\begin{document}
"""


class LatexRenderer(Renderer):
    """Render solutions as LaTeX (``standalone=False`` for a fragment)."""

    printer_class = LatexPrinter

    def document(self, solutions: list[Solution]) -> str:
        body = self.numbered(solutions).rstrip("\n")
        if not self.settings.get("standalone", True):
            return body + "\n"
        figures = any(isinstance(st, Figure) for s in solutions for st in s.steps)
        preamble = PREAMBLE.replace("\\begin{document}", "\\usepackage{tikz}\n\\begin{document}") \
            if figures else PREAMBLE
        return preamble + body + "\n\\end{document}\n"

    def solution(self, sol: Solution, number: str = "") -> str:
        parts = [rf"\section*{{{latex_escape(number + sol.title)}}}"]
        if sol.statement:
            parts.append(latex_escape(sol.statement.strip()))
        parts += self.givens(sol)
        if self.settings.get("statements_only"):
            return "\n\n".join(parts)
        if not self.settings.get("answers_only"):
            parts += self.steps(sol)
        if answer_items(sol):
            parts.append(self.answers(sol))
        if sol.notes and not self.settings.get("answers_only"):
            items = "\n".join(rf"  \item {latex_escape(n)}" for n in sol.notes)
            parts.append("\\paragraph{Notes}\n\\begin{itemize}\n" + items + "\n\\end{itemize}")
        return "\n\n".join(parts)

    def answers(self, sol: Solution) -> str:
        rows = [rf"\text{{{latex_escape(n)}}} &= {self.p(self.value_expr(v))}"
                for n, v in answer_items(sol)]
        body = " \\\\\n".join(rows)
        return ("\\paragraph{Answer}\n\\[\n\\boxed{\\begin{aligned}\n" + body +
                "\n\\end{aligned}}\n\\]")

    def render_Heading(self, step: Heading) -> str:
        return rf"\subsection*{{{latex_escape(step.title)}}}"

    def render_Note(self, step: Note) -> str:
        text = latex_escape(step.text)
        if step.kind == "warning":
            return rf"\textbf{{Note:}} {text}"
        if step.kind == "conclusion":
            return rf"$\Rightarrow$ {text}"
        return text

    def render_Step(self, step: Step) -> str:
        parts, rel = self.forms(step)
        out = [rf"\textbf{{{latex_escape(step.title)}}}"] if step.title else []
        if len(parts) == 1:
            out.append(f"\\[\n{parts[0]}\n\\]")
        elif parts:
            signs = [RELATIONS_LATEX[s] for s in self.signs(parts, rel, step)]
            lines = [f"{parts[0]} &{signs[0]} {parts[1]}"]
            lines += [f"&{sign} {part}" for sign, part in zip(signs[1:], parts[2:])]
            out.append("\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}")
        if step.note:
            out.append(rf"\emph{{{latex_escape(step.note)}}}")
        return "\n".join(out)

    def render_TableStep(self, step: TableStep) -> str:
        spec = "|" + "c|" * len(step.columns)
        head = " & ".join(latex_escape(c) for c in step.columns) + r" \\ \hline"
        body = "\n".join(" & ".join(self.tex_cell(c) for c in row) + r" \\" for row in step.rows)
        out = [rf"\textbf{{{latex_escape(step.title)}}}"] if step.title else []
        out.append("\\begin{center}\n\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else"
                   "\\width\\fi}{!}{\\begin{tabular}{" + spec + "}\n\\hline\n" + head + "\n" +
                   body + "\n\\hline\n\\end{tabular}}\n\\end{center}")
        if step.note:
            out.append(rf"\emph{{{latex_escape(step.note)}}}")
        return "\n".join(out)

    def tex_cell(self, value: object) -> str:
        text = self.cell(value)
        if isinstance(value, str):
            return latex_escape(text)
        return f"${text}$" if text else ""

    def render_MatrixStep(self, step: MatrixStep) -> str:
        out = [rf"\textbf{{{latex_escape(step.title)}}}"] if step.title else []
        out += [f"\\[\n{block}\n\\]" for block in self.matrix_blocks(step)]
        if step.note:
            out.append(rf"\emph{{{latex_escape(step.note)}}}")
        return "\n".join(out)

    def render_Figure(self, step: Figure) -> str:
        """A TikZ picture: layers left to right, weights written on the edges."""
        by_layer: dict[int, list[str]] = {}
        for name, layer in step.nodes:
            by_layer.setdefault(layer, []).append(name)
        lines = [r"\begin{center}", r"\begin{tikzpicture}[x=3.2cm, y=1.4cm, "
                 r"unit/.style={circle, draw, minimum size=8mm, inner sep=1pt}]"]
        ids = {}
        for layer, names in by_layer.items():
            for i, name in enumerate(names):
                ids[name] = f"n{len(ids)}"
                y = (len(names) - 1) / 2 - i
                lines.append(rf"\node[unit] ({ids[name]}) at ({layer},{y:g}) "
                             rf"{{${self.p(Sym(name))}$}};")
        for a, b, label in step.edges:
            text = rf"node[midway, above, sloped, font=\scriptsize] {{{latex_escape(label)}}}" \
                if label else ""
            lines.append(rf"\draw[->] ({ids[a]}) -- {text} ({ids[b]});")
        lines += [r"\end{tikzpicture}", r"\end{center}"]
        head = [rf"\textbf{{{latex_escape(step.title)}}}"] if step.title else []
        return "\n".join(head + lines)
