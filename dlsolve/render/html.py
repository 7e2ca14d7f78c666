"""A standalone HTML page: maths as MathML, figures as inline SVG, no script, no network.

Readable on a phone: the text column narrows with the screen, wide equations and tables
scroll inside their own box, never the page. Several solutions get a table of contents.
"""

from __future__ import annotations

from html import escape
from typing import Any

from dlsolve.render.answers import answer_items, answer_rows
from dlsolve.render.base import Renderer
from dlsolve.render.mathml import (
    RELATIONS_MATHML,
    MathMLPrinter,
    html_prose,
    math,
    mo,
    mrow,
)
from dlsolve.steps import (
    Equations,
    Figure,
    Heading,
    MatrixStep,
    Note,
    Solution,
    Step,
    TableStep,
)

STYLE = """
:root { color-scheme: light dark; }
body { font: 16px/1.5 system-ui, sans-serif; margin: 0 auto; padding: 0 1rem 3rem;
       max-width: 52rem; overflow-wrap: anywhere; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.3rem; border-bottom: 1px solid #8884;
     padding-bottom: .2rem; margin-top: 2.5rem; } h3 { font-size: 1.05rem; margin-top: 1.5rem; }
.eq, .tbl, figure { overflow-x: auto; max-width: 100%; }
.eq math { font-size: 1.1em; margin: .3rem 0; }
table { border-collapse: collapse; margin: .4rem 0; }
th, td { border: 1px solid #8886; padding: .15rem .5rem; text-align: left; }
th { background: #8882; }
.note { color: #666; } .warning { border-left: 3px solid #d80; padding-left: .6rem; }
.conclusion { font-weight: 600; }
.answer { border: 2px solid #48c; border-radius: .4rem; padding: .4rem .8rem; margin: 1rem 0; }
.stmt { font-style: italic; }
svg text { font: 13px system-ui, sans-serif; fill: currentColor; }
nav ol { padding-left: 1.4rem; }
"""


class HtmlRenderer(Renderer):
    """Render solutions as one self-contained HTML document."""

    printer_class = MathMLPrinter

    def document(self, solutions: list[Solution]) -> str:
        body = []
        many = len(solutions) > 1
        if many:
            items = "".join(f'<li><a href="#p{i}">{escape(s.title)}</a></li>'
                            for i, s in enumerate(solutions, 1))
            body.append(f"<h1>Worked solutions</h1><nav><ol>{items}</ol></nav>")
        for i, sol in enumerate(solutions, 1):
            body.append(self.solution(sol, f"Problem {i}. " if many else "", f"p{i}"))
        title = "Worked solutions" if many else solutions[0].title
        return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
                f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
                + "\n".join(body) + "\n</body>\n</html>\n")

    def solution(self, sol: Solution, number: str = "", anchor: str = "p1") -> str:
        parts = [f'<section id="{anchor}"><h2>{html_prose(number + sol.title)}</h2>']
        if sol.statement:
            parts.append(f'<p class="stmt">{html_prose(sol.statement.strip())}</p>')
        parts += self.givens(sol)
        if not self.settings.get("statements_only"):
            if not self.settings.get("answers_only"):
                parts += self.steps(sol)
            if answer_items(sol):
                parts.append(self.answers(sol))
            if sol.mistakes:
                parts.append("<h3>Common mistakes</h3><ul>" + "".join(
                    f"<li>{html_prose(m)}</li>" for m in self.mistake_lines(sol)) + "</ul>")
            if sol.notes and not self.settings.get("answers_only"):
                parts.append("<h3>Notes</h3><ul>"
                             + "".join(f"<li>{html_prose(n)}</li>" for n in sol.notes) + "</ul>")
        return "\n".join(parts) + "</section>"

    def answers(self, sol: Solution) -> str:
        rows = "".join(f"<mtr><mtd>{self.p(label)}</mtd><mtd>{mo('=')}</mtd>"
                       f"<mtd>{self.p(self.value_expr(v))}</mtd></mtr>"
                       for label, v in answer_rows(sol))
        table = f'<mtable columnalign="right center left">{rows}</mtable>'
        return f'<div class="answer eq"><strong>Answer</strong>{math(table, True)}</div>'

    def render_given_groups(self, groups: list[tuple[str, list[str]]],
                            first: bool = True) -> str:
        head = "<h3>Given</h3>" if first else ""
        return head + "".join(
            "<p>" + (f"{html_prose(meaning)}: " if meaning else "")
            + ", ".join(math(item) for item in items) + "</p>" for meaning, items in groups)

    def render_Equations(self, step: Equations) -> str:
        rows = "".join(f"<mtr><mtd>{self.p(a)}</mtd><mtd>{mo('=')}</mtd><mtd>{self.p(b)}</mtd>"
                       "</mtr>" for a, b in step.rows)
        title = f"<p><strong>{html_prose(step.title)}</strong></p>" if step.title else ""
        table = f'<mtable columnalign="right center left">{rows}</mtable>'
        return title + f'<div class="eq">{math(table, True)}</div>'

    def render_Heading(self, step: Heading) -> str:
        return f"<h3>{html_prose(step.title)}</h3>"

    def render_Note(self, step: Note) -> str:
        return f'<p class="note {step.kind}">{html_prose(step.text)}</p>'

    def render_Step(self, step: Step) -> str:
        parts, rel = self.forms(step)
        out = [f"<p><strong>{html_prose(step.title)}</strong></p>"] if step.title else []
        if parts:
            pieces = [parts[0]]
            for sign, part in zip(self.signs(parts, rel, step), parts[1:]):
                pieces += [mo(RELATIONS_MATHML[sign]), part]
            out.append(f'<div class="eq">{math(mrow(*pieces), True)}</div>')
        if step.note:
            out.append(f'<p class="note"><em>{html_prose(step.note)}</em></p>')
        return "\n".join(out)

    def render_TableStep(self, step: TableStep) -> str:
        head = "".join(f"<th>{self.header(c)}</th>" for c in step.columns)
        body = "".join("<tr>" + "".join(f"<td>{self.html_cell(c)}</td>" for c in row) + "</tr>"
                       for row in step.rows)
        out = [f"<p><strong>{html_prose(step.title)}</strong></p>"] if step.title else []
        out.append(f'<div class="tbl"><table><thead><tr>{head}</tr></thead>'
                   f"<tbody>{body}</tbody></table></div>")
        if step.note:
            out.append(f'<p class="note"><em>{html_prose(step.note)}</em></p>')
        return "\n".join(out)

    def header(self, column: object) -> str:
        from dlsolve.expr import Expr

        return math(self.p(column)) if isinstance(column, Expr) else escape(str(column))

    def html_cell(self, value: object) -> str:
        if isinstance(value, str):
            return escape(value)
        text = self.cell(value) if isinstance(value, bool) or value is None else None
        if text is not None:
            return escape(text)
        return math(self.p(self.value_expr(value)))

    def render_MatrixStep(self, step: MatrixStep) -> str:
        out = [f"<p><strong>{html_prose(step.title)}</strong></p>"] if step.title else []
        from dlsolve.render.base import matrices

        grids = matrices(step.matrix)
        for k, grid in enumerate(grids):
            body = self.p(self.grid_expr(grid, step.highlight if k == 0 else ()))
            if step.name is not None:
                name = self.p(step.name)
                if len(grids) > 1:
                    name = f"<msup>{name}{mrow(mo('('), f'<mn>{k}</mn>', mo(')'))}</msup>"
                body = mrow(name, mo("="), body)
            out.append(f'<div class="eq">{math(body, True)}</div>')
        if step.note:
            out.append(f'<p class="note"><em>{html_prose(step.note)}</em></p>')
        return "\n".join(out)

    def render_Figure(self, step: Figure) -> str:
        out = [f"<p><strong>{html_prose(step.title)}</strong></p>"] if step.title else []
        return "\n".join(out + [f"<figure>{figure_svg(step)}</figure>"])


def figure_svg(step: Figure) -> str:
    """The network as an SVG: layers left to right, each edge label placed along its edge
    where it meets no other label or unit; when some label finds no free place, the weights
    go in a table under the figure instead."""
    layers: dict[int, list[str]] = {}
    for name, layer in step.nodes:
        layers.setdefault(layer, []).append(name)
    dx, dy, r = 220, 90, 20
    tall = max(len(v) for v in layers.values())
    pos = {}
    for layer, names in layers.items():
        off = (tall - len(names)) * dy / 2
        for i, name in enumerate(names):
            pos[name] = (40 + layer * dx, 30 + off + i * dy)
    width, height = 80 + max(layers) * dx, 80 + (tall - 1) * dy
    biases = [(pos[u][0], pos[u][1] + r + 12, 3.6 * len(label) + 2, 8.0, label)
              for u, label in getattr(step, "biases", ()) if u in pos]
    labels = place_labels(pos, step.edges, r, [b[:4] for b in biases])
    parts = [f'<line x1="{pos[a][0]}" y1="{pos[a][1]}" x2="{pos[b][0]}" y2="{pos[b][1]}" '
             'stroke="currentColor" stroke-opacity=".5"/>' for a, b, _ in step.edges]
    for (x, y, _, _), (_, _, label) in zip(labels or [], step.edges):
        parts.append(f'<text x="{x:.0f}" y="{y + 4:.0f}" text-anchor="middle">'
                     f"{escape(label)}</text>")
    for x, y, _, _, label in biases:
        parts.append(f'<text x="{x:.0f}" y="{y + 4:.0f}" text-anchor="middle">'
                     f"{escape(label)}</text>")
    for name, (x, y) in pos.items():
        parts.append(f'<circle cx="{x}" cy="{y}" r="{r}" fill="Canvas" stroke="currentColor"/>'
                     f'<text x="{x}" y="{y + 4}" text-anchor="middle">{escape(name)}</text>')
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
           f'width="{width}" style="max-width:100%;height:auto" role="img">'
           + "".join(parts) + "</svg>")
    if labels is None and any(label for _, _, label in step.edges):
        rows = "".join(f"<tr><td>{escape(a)} → {escape(b)}</td><td>{escape(label)}</td></tr>"
                       for a, b, label in step.edges if label)
        svg += f'<div class="tbl"><table><tr><th>edge</th><th>weight</th></tr>{rows}</table></div>'
    return svg


Box = tuple[float, float, float, float]   # centre x, centre y, half width, half height


def place_labels(pos: dict[str, tuple[float, float]], edges: Any, r: float,
                 fixed: list[Box] | None = None) -> list[Box] | None:
    """A box on each edge (centre, half sizes) that overlaps no other label, no unit and no
    ``fixed`` box (bias labels), tried from near the source outwards; None when some edge has
    no free place."""
    taken: list[Box] = [(x, y, r, r) for x, y in pos.values()] + list(fixed or [])
    placed: list[Box] = []
    for a, b, label in edges:
        (x1, y1), (x2, y2) = pos[a], pos[b]
        box = None
        for t in (0.3, 0.42, 0.54, 0.66, 0.2, 0.78):
            cand = (x1 + t * (x2 - x1), y1 + t * (y2 - y1), 3.6 * len(label) + 2, 8.0)
            if label and not any(overlap(cand, o) for o in taken):
                box = cand
                break
        if label and box is None:
            return None
        box = box or (x1, y1, 0.0, 0.0)
        placed.append(box)
        if label:
            taken.append(box)
    return placed


def overlap(a: Box, b: Box) -> bool:
    """Do two boxes (centre, half sizes) intersect?"""
    return abs(a[0] - b[0]) < a[2] + b[2] and abs(a[1] - b[1]) < a[3] + b[3]
