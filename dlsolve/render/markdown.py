"""Markdown with math GitHub renders: ``$$ … $$`` blocks and ``$…$`` in table cells."""

from __future__ import annotations

from typing import Any

from dlsolve.render.answers import answer_rows
from dlsolve.render.base import Renderer, header_expr
from dlsolve.render.breaking import tex_lines, tex_width
from dlsolve.render.formula import RELATIONS_LATEX, LatexPrinter
from dlsolve.render.markdown_figure import mermaid
from dlsolve.steps import Equations, Figure, Heading, MatrixStep, Note, Solution, Step, TableStep

LINE = 80.0  # a comfortable width for GitHub's maths, in tex_width units


class MarkdownRenderer(Renderer):
    """Render solutions as a Markdown document."""

    printer_class = LatexPrinter

    def document(self, solutions: list[Solution]) -> str:
        return self.numbered(solutions)

    def solution(self, sol: Solution, number: str = "") -> str:
        parts = [f"## {number}{md_prose(sol.title)}"]
        if sol.statement:
            parts.append(md_prose(sol.statement.strip()))
        parts += self.givens(sol)
        if self.settings.get("statements_only"):
            return "\n\n".join(parts)
        if not self.settings.get("answers_only"):
            parts += self.steps(sol)
        if answer_rows(sol):
            parts.append(self.answers(sol))
        if sol.mistakes:
            parts.append("**Common mistakes**\n\n" + "\n".join(
                f"- {md_prose(m)}" for m in self.mistake_lines(sol)))
        if sol.notes and not self.settings.get("answers_only"):
            parts.append("**Notes**\n\n" + "\n".join(f"- {md_prose(n)}" for n in sol.notes))
        return "\n\n".join(parts)

    def aligned(self, rows: list[tuple[str, list[tuple[str, Any]]]]) -> str:
        """$$\\begin{aligned} … $$ rows ``lhs &= form``, long forms broken at operators."""
        out: list[str] = []
        for lhs, forms in rows:
            budget = max(LINE - tex_width(lhs) - 4, 30.0)
            for k, (sign, node) in enumerate(forms):
                lines = tex_lines(self.p, node, budget)
                out.append((lhs + " " if k == 0 else "") + f"&{sign} " + lines[0])
                out += [r"&\qquad {}" + line for line in lines[1:]]
        return "$$\n\\begin{aligned}\n" + " \\\\\n".join(out) + "\n\\end{aligned}\n$$"

    def answers(self, sol: Solution) -> str:
        rows = [(self.p(label), [("=", self.value_expr(v))]) for label, v in answer_rows(sol)]
        return "**Answer**\n\n" + self.aligned(rows)

    def render_given_groups(self, groups: list[tuple[str, list[str]]],
                            first: bool = True) -> str:
        rows = [f"| {md_prose(m)} | " + ", ".join(f"${t}$" for t in items) + " |"
                for m, items in groups]
        if not rows:
            return "**Given**"
        return ("**Given**\n\n" if first else "") + "| | |\n|---|---|\n" + "\n".join(rows)

    def render_Equations(self, step: Equations) -> str:
        body = self.aligned([(self.p(a), [("=", b)]) for a, b in step.rows])
        return (f"**{md_prose(step.title)}**\n\n" if step.title else "") + body

    def render_Heading(self, step: Heading) -> str:
        return f"### {md_prose(step.title)}"

    def render_Note(self, step: Note) -> str:
        prefix = {"warning": "> **Note:** ", "conclusion": "**⇒** "}.get(step.kind, "")
        return prefix + md_prose(step.text)

    def render_Step(self, step: Step) -> str:
        parts, rel = self.forms_nodes(step)
        out = [f"**{md_prose(step.title)}**"] if step.title else []
        if parts:
            signs = [RELATIONS_LATEX[s] for s in self.signs(parts, rel, step)]
            texts = [self.p(n) for n in parts]
            eq = texts[0] + "".join(f" {s} {t}" for s, t in zip(signs, texts[1:]))
            if tex_width(eq) <= LINE or len(parts) < 2:
                out.append(f"$$\n{eq}\n$$")
            else:
                out.append(self.aligned([(texts[0], list(zip(signs, parts[1:])))]))
        if step.note:
            out.append(f"*{md_prose(step.note)}*")
        return "\n\n".join(out)

    def md_head(self, col: Any) -> str:
        node = header_expr(col)
        return f"${self.p(node)}$" if node is not None else md_prose(str(col))

    def render_TableStep(self, step: TableStep) -> str:
        head = "| " + " | ".join(self.md_head(c) for c in step.columns) + " |"
        rule = "|" + "|".join("---" for _ in step.columns) + "|"
        body = ["| " + " | ".join(self.md_cell(c, t) for c, t in zip(row, texts)) + " |"
                for row, texts in zip(step.rows, self.table_text(step.rows))]
        out = [f"**{md_prose(step.title)}**"] if step.title else []
        out.append("\n".join([head, rule] + body))
        if step.note:
            out.append(f"*{md_prose(step.note)}*")
        return "\n\n".join(out)

    def md_cell(self, value: object, text: str | None = None) -> str:
        text = self.cell(value) if text is None else text
        if isinstance(value, str):  # data (a student id, a layer name): words, not maths
            return md_escape(text)
        return f"${text}$" if text else ""

    def render_MatrixStep(self, step: MatrixStep) -> str:
        out = [f"**{md_prose(step.title)}**"] if step.title else []
        out += [f"$$\n{block}\n$$" for block in self.matrix_blocks(step)]
        if step.note:
            out.append(f"*{md_prose(step.note)}*")
        return "\n\n".join(out)

    def render_Figure(self, step: Figure) -> str:
        """A Mermaid graph (GitHub renders it); crowded edges' weights in a table beside."""
        graph, table = mermaid(step)
        out = [f"**{md_prose(step.title)}**"] if step.title else []
        out.append(graph)
        if table:
            out.append(self.render_TableStep(TableStep("Weights", ("from", "to", "weight"),
                                                       tuple(table))))
        return "\n\n".join(out)


def md_prose(text: str) -> str:
    """Running text for Markdown, escaped, with the symbols it names as inline maths ($h_{t-1}$,
    which GitHub renders: ``symbols.prose_pieces``)."""
    from dlsolve.render.symbols import latex_symbol, prose_pieces

    return "".join(md_escape(t) if sub is None else f"${latex_symbol(t, sub)}$"
                   for t, sub in prose_pieces(text))


def md_escape(text: str) -> str:
    """Escape the characters Markdown would read as markup in running text."""
    for ch in ("\\", "*", "_", "|", "`", "<", ">", "#", "$"):
        text = text.replace(ch, "\\" + ch)
    return text
