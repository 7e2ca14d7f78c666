"""Markdown with math GitHub renders: ``$$ … $$`` blocks and ``$…$`` in table cells."""

from __future__ import annotations

from dlsolve.render.base import Renderer, answer_items
from dlsolve.render.formula import RELATIONS_LATEX, LatexPrinter, latex_escape
from dlsolve.steps import Figure, Heading, MatrixStep, Note, Solution, Step, TableStep


class MarkdownRenderer(Renderer):
    """Render solutions as a Markdown document."""

    printer_class = LatexPrinter

    def document(self, solutions: list[Solution]) -> str:
        return self.numbered(solutions)

    def solution(self, sol: Solution, number: str = "") -> str:
        parts = [f"## {number}{md_escape(sol.title)}"]
        if sol.statement:
            parts.append(md_escape(sol.statement.strip()))
        parts += self.givens(sol)
        if self.settings.get("statements_only"):
            return "\n\n".join(parts)
        if not self.settings.get("answers_only"):
            parts += self.steps(sol)
        if answer_items(sol):
            parts.append(self.answers(sol))
        if sol.notes and not self.settings.get("answers_only"):
            parts.append("**Notes**\n\n" + "\n".join(f"- {md_escape(n)}" for n in sol.notes))
        return "\n\n".join(parts)

    def answers(self, sol: Solution) -> str:
        rows = [rf"\text{{{latex_escape(n)}}} &= {self.p(self.value_expr(v))}"
                for n, v in answer_items(sol)]
        body = " \\\\\n".join(rows)
        return "**Answer**\n\n$$\n\\boxed{\\begin{aligned}\n" + body + "\n\\end{aligned}}\n$$"

    def render_Heading(self, step: Heading) -> str:
        return f"### {md_escape(step.title)}"

    def render_Note(self, step: Note) -> str:
        prefix = {"warning": "> **Note:** ", "conclusion": "**⇒** "}.get(step.kind, "")
        return prefix + md_escape(step.text)

    def render_Step(self, step: Step) -> str:
        parts, rel = self.forms(step)
        out = [f"**{md_escape(step.title)}**"] if step.title else []
        if parts:
            eq = parts[0]
            for sign, part in zip(self.signs(parts, rel, step), parts[1:]):
                eq += f" {RELATIONS_LATEX[sign]} {part}"
            out.append(f"$$\n{eq}\n$$")
        if step.note:
            out.append(f"*{md_escape(step.note)}*")
        return "\n\n".join(out)

    def render_TableStep(self, step: TableStep) -> str:
        head = "| " + " | ".join(md_escape(c) for c in step.columns) + " |"
        rule = "|" + "|".join("---" for _ in step.columns) + "|"
        body = ["| " + " | ".join(self.md_cell(c) for c in row) + " |" for row in step.rows]
        out = [f"**{md_escape(step.title)}**"] if step.title else []
        out.append("\n".join([head, rule] + body))
        if step.note:
            out.append(f"*{md_escape(step.note)}*")
        return "\n\n".join(out)

    def md_cell(self, value: object) -> str:
        text = self.cell(value)
        if isinstance(value, str):
            return md_escape(text)
        return f"${text}$" if text else ""

    def render_MatrixStep(self, step: MatrixStep) -> str:
        out = [f"**{md_escape(step.title)}**"] if step.title else []
        out += [f"$$\n{block}\n$$" for block in self.matrix_blocks(step)]
        if step.note:
            out.append(f"*{md_escape(step.note)}*")
        return "\n\n".join(out)

    def render_Figure(self, step: Figure) -> str:
        """A Mermaid graph (GitHub renders it): inputs on the left, edges labelled."""
        lines = ["```mermaid", "graph LR"]
        for name, layer in step.nodes:
            shape = f'{_mid(name)}(["{name}"])' if layer == 0 else f'{_mid(name)}(("{name}"))'
            lines.append("  " + shape)
        for a, b, label in step.edges:
            arrow = f' -- "{label}" --> ' if label else " --> "
            lines.append(f"  {_mid(a)}{arrow}{_mid(b)}")
        lines.append("```")
        out = [f"**{md_escape(step.title)}**"] if step.title else []
        return "\n\n".join(out + ["\n".join(lines)])


def _mid(name: str) -> str:
    """A Mermaid-safe node id."""
    return "n_" + "".join(c if c.isalnum() else "_" for c in name)


def md_escape(text: str) -> str:
    """Escape the characters Markdown would read as markup in running text."""
    for ch in ("\\", "*", "_", "|", "`", "<", ">", "#"):
        text = text.replace(ch, "\\" + ch)
    return text
