"""Rich output for terminals: a panel per problem, rules for sections, real tables."""

from __future__ import annotations

import io
from typing import Any

from rich import box
from rich.console import Console, Group
from rich.padding import Padding
from rich.panel import Panel
from rich.rule import Rule
from rich.table import Table
from rich.text import Text

from dlsolve.render.answers import answer_rows
from dlsolve.render.base import Renderer, matrices
from dlsolve.render.formula import RELATIONS_TEXT, TextPrinter
from dlsolve.render.numbers import is_number
from dlsolve.render.wrap import pack_items, wrap_formula
from dlsolve.steps import Equations, Figure, Heading, MatrixStep, Note, Solution, Step, TableStep


class RichRenderer(Renderer):
    """Build Rich renderables; ``document`` prints them into a string."""

    printer_class = TextPrinter

    def renderables(self, solutions: list[Solution]) -> list[Any]:
        return [item for i, sol in enumerate(solutions, 1)
                for item in self.solution(sol, f"Problem {i}. " if len(solutions) > 1 else "")]

    def document(self, solutions: list[Solution]) -> str:
        buf = io.StringIO()
        console = Console(file=buf, width=self.settings.get("width") or 100,
                          force_terminal=self.settings.get("color", False),
                          color_system="standard" if self.settings.get("color") else None,
                          legacy_windows=False)
        for r in self.renderables(solutions):
            console.print(r)
        return buf.getvalue()

    def solution(self, sol: Solution, number: str = "") -> list[Any]:
        out: list[Any] = [Rule(Text(number + sol.title, style="bold cyan"), style="cyan")]
        if sol.statement:
            out.append(Text(sol.statement.strip(), style="italic"))
        for item in self.givens(sol):
            out += [item, Text("")]
        if self.settings.get("statements_only"):
            return out
        if not self.settings.get("answers_only"):
            for item in self.steps(sol):
                out += [item, Text("")]
        if answer_rows(sol):
            out.append(self.answers(sol))
        if sol.mistakes:
            text = Text("\n".join(f"• {m}" for m in self.mistake_lines(sol)), style="red")
            out.append(Panel(text, title="Common mistakes", title_align="left",
                             border_style="red"))
        if sol.notes and not self.settings.get("answers_only"):
            notes = Text("\n".join(f"• {n}" for n in sol.notes), style="yellow")
            out.append(Panel(notes, title="Notes", title_align="left", border_style="yellow"))
        return out

    def answers(self, sol: Solution) -> Panel:
        table = Table(box=None, show_header=False, padding=(0, 1))
        table.add_column(style="bold", no_wrap=True)
        table.add_column(overflow="fold")
        for label, value in answer_rows(sol):
            table.add_row(self.p(label), formula_text("= " + self.p(self.value_expr(value)),
                                                      "bold green"))
        return Panel(table, title="Answer", title_align="left", border_style="green")

    def render_given_groups(self, groups: list[tuple[str, list[str]]],
                            first: bool = True) -> Any:
        if not groups:
            return Text("Given", style="bold")
        table = Table(title="Given" if first else None, title_justify="left",
                      title_style="bold", box=None, show_header=False, padding=(0, 1))
        table.add_column(style="dim", no_wrap=True)
        table.add_column(overflow="fold")
        for meaning, items in groups:
            table.add_row(meaning, Items(items))
        return table

    def render_Equations(self, step: Equations) -> Group:
        items: list[Any] = [Text(step.title, style="bold")] if step.title else []
        rows = [(self.p(a), self.p(b)) for a, b in step.rows]
        width = max(len(a) for a, _ in rows)
        for a, b in rows:
            items.append(Formula(f"{a.rjust(width)} = {b}", "cyan", "  "))
        return Group(*items)

    def render_Heading(self, step: Heading) -> Rule:
        return Rule(Text(step.title, style="bold"), align="left", style="dim")

    def render_Note(self, step: Note) -> Padding:
        style = {"warning": "yellow", "conclusion": "bold green"}.get(step.kind, "italic")
        mark = {"warning": "! ", "conclusion": "⇒ "}.get(step.kind, "")
        return Padding(Text(mark + step.text, style=style), (0, 0, 0, 2))

    def render_Step(self, step: Step) -> Group:
        parts, rel = self.forms(step)
        items: list[Any] = []
        if step.title:
            items.append(Text(step.title, style="bold"))
        if parts:
            line = Text("  ")
            line.append(parts[0], style="cyan")
            for i, (sign, part) in enumerate(zip(self.signs(parts, rel, step), parts[1:]), 1):
                last = i == len(parts) - 1 and step.value is not None
                line.append(f" {RELATIONS_TEXT[sign]} ")
                line.append(part, style="bold green" if last else "")
            items.append(Formula(line.plain[2:], "", "  ", lead=line))
        if step.note:
            items.append(Text("  " + step.note, style="dim italic"))
        return Group(*items)

    def render_TableStep(self, step: TableStep) -> Table:
        table = Table(title=step.title or None, title_justify="left", box=box.SIMPLE_HEAD,
                      caption=step.note, caption_justify="left", title_style="bold")
        cells = self.table_text(step.rows)
        for k, col in enumerate(step.columns):
            numeric = any(is_number(row[k]) for row in step.rows if k < len(row))
            longest = max((len(r[k]) for r in cells if k < len(r)), default=0)
            table.add_column(self.header(col), justify="right" if numeric else "left",
                             overflow="fold", no_wrap=longest <= 12)
        for row in cells:
            table.add_row(*row)
        return table

    def render_Figure(self, step: Figure) -> Table:
        table = Table(title=step.title or None, title_justify="left", box=box.SIMPLE_HEAD,
                      title_style="bold")
        for col in ("unit", "fed by (weight)", "bias"):
            table.add_column(col, overflow="fold")
        biases = dict(step.biases)
        for target in dict.fromkeys(t for _, t, _ in step.edges):
            ins = [f"{a} ({lab})" if lab else a for a, t, lab in step.edges if t == target]
            table.add_row(target, ", ".join(ins), biases.get(target, ""))
        return table

    def render_MatrixStep(self, step: MatrixStep) -> Group:
        items: list[Any] = [Text(step.title, style="bold")] if step.title else []
        grids = matrices(step.matrix)
        for k, grid in enumerate(grids):
            name = self.p(step.name) if step.name is not None else ""
            if len(grids) > 1:
                name += f"[channel {k}]"
            table = Table(box=box.SQUARE, show_header=False, title=name or None,
                          title_justify="left")
            for _ in grid[0] if grid else []:
                table.add_column(justify="right")
            for r, row in enumerate(grid):
                cells = [Text(self.cell(c), style="bold reverse" if (r, j) in step.highlight
                              else "") for j, c in enumerate(row)]
                table.add_row(*cells)
            items.append(table)
        if step.note:
            items.append(Text("  " + step.note, style="dim italic"))
        return Group(*items)



class Formula:
    """A formula that wraps at the console's width between its operators (never inside a
    number), continuation lines indented; ``styles`` colour the pieces of the first line."""

    def __init__(self, text: str, style: str = "", indent: str = "", lead: Text | None = None):
        self.text, self.style, self.indent, self.lead = text, style, indent, lead

    def __rich_console__(self, console: Any, options: Any) -> Any:
        if self.lead is not None and len(self.lead.plain) <= options.max_width:
            yield self.lead
            return
        for line in wrap_formula(self.text, options.max_width, self.indent,
                                 self.indent + "    "):
            yield Text(line, style=self.style, no_wrap=True, overflow="fold")


class Items:
    """A list of "name = value" items that wraps only between items, at the console width."""

    def __init__(self, items: list[str]):
        self.items = items

    def __rich_console__(self, console: Any, options: Any) -> Any:
        for line in pack_items(self.items, options.max_width, "", "    "):
            yield Text(line, no_wrap=True, overflow="fold")


def formula_text(text: str, style: str = "") -> Formula:
    return Formula(text, style)
