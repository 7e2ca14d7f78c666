"""LaTeX: a complete document that compiles with pdflatex, or a fragment.

Only packages of every TeX distribution's base set are used (amsmath, amssymb, graphicx, array,
longtable for tall tables, geometry; TikZ for figures). Equations are ``align*`` chains: one
form per line, ``=`` aligned, long forms broken at their operators (``breaking``); headings
and step titles are kept with what follows (``\\needspace``, defined in the preamble).
"""

from __future__ import annotations

from typing import Any

from dlsolve import expr as E
from dlsolve.render.answers import answer_rows
from dlsolve.render.base import Renderer
from dlsolve.render.breaking import tex_lines, tex_width
from dlsolve.render.formula import RELATIONS_LATEX, LatexPrinter
from dlsolve.render.latex_parts import FigureMixin, TableMixin, side_by_side
from dlsolve.render.symbols import latex_prose
from dlsolve.steps import Equations, Heading, Note, Solution, Step

PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath,amssymb,graphicx,array,longtable}
\setcounter{MaxMatrixCols}{40}
\setlength{\parindent}{0pt}
\setlength{\parskip}{2pt plus 1pt}
\setlength{\abovedisplayskip}{3pt plus 2pt}
\setlength{\belowdisplayskip}{3pt plus 2pt}
\setlength{\abovedisplayshortskip}{2pt}
\setlength{\belowdisplayshortskip}{2pt}
\allowdisplaybreaks
\makeatletter
\newcommand{\needspace}[1]{\par\penalty-100\begingroup\setlength{\dimen@}{#1}%
  \dimen@ii\pagegoal\advance\dimen@ii-\pagetotal
  \ifdim\dimen@>\dimen@ii\ifdim\dimen@ii>\z@\vfil\fi\break\fi\endgroup}
\renewcommand{\section}{\@startsection{section}{1}{\z@}{2.2ex plus 1ex}{1ex}%
  {\normalfont\large\bfseries}}
\renewcommand{\subsection}{\@startsection{subsection}{2}{\z@}{1.2ex plus .5ex}{.4ex}%
  {\normalfont\bfseries}}
\renewcommand{\paragraph}{\@startsection{paragraph}{4}{\z@}{1ex plus .5ex}{-1em}%
  {\normalfont\bfseries}}
\makeatother
\begin{document}
"""
# After a step's title: the formula goes on the next line when the estimate was short (the
# two fill glues cancel on one line; at the break the title's line is filled to the right).
BREAK = r"\nobreak\hskip 0pt plus 1fill\penalty 200\hskip 0pt plus -1fill\relax "
LINE = 88.0  # the text width, in tex_width units (10pt, 2cm margins on letter or A4)


class LatexRenderer(TableMixin, FigureMixin, Renderer):
    """Render solutions as LaTeX (``standalone=False`` for a fragment)."""

    printer_class = LatexPrinter

    def document(self, solutions: list[Solution]) -> str:
        body = self.numbered(solutions).rstrip("\n")
        if not self.settings.get("standalone", True):
            return body + "\n"
        figures = "tikzpicture" in body
        preamble = PREAMBLE.replace("\\begin{document}", "\\usepackage{tikz}\n\\begin{document}") \
            if figures else PREAMBLE
        return preamble + body + "\n\\end{document}\n"

    def solution(self, sol: Solution, number: str = "") -> str:
        parts = [rf"\needspace{{6\baselineskip}}\section*{{{latex_prose(number + sol.title)}}}"]
        if sol.statement:
            parts.append(latex_prose(" ".join(sol.statement.split())))
        parts += side_by_side(self.givens(sol))
        if self.settings.get("statements_only"):
            return "\n\n".join(parts)
        if not self.settings.get("answers_only"):
            parts += side_by_side(self.steps(sol))
        if answer_rows(sol):
            parts.append(self.answers(sol))
        if sol.mistakes:
            items = "\n".join(rf"  \item {latex_prose(m)}" for m in self.mistake_lines(sol))
            parts.append("\\paragraph{Common mistakes}\n\\begin{itemize}\n" + items +
                         "\n\\end{itemize}")
        if sol.notes and not self.settings.get("answers_only"):
            text = r" \enspace$\cdot$\enspace ".join(latex_prose(n) for n in sol.notes)
            parts.append("{\\small\\textbf{Notes.} " + text + "\\par}")
        return "\n\n".join(parts)

    def chain(self, lhs: str, forms: list[tuple[str, Any]]) -> list[str]:
        """align* rows: ``lhs &= form`` then ``&= form``, long forms broken into lines."""
        budget = max(LINE - tex_width(lhs) - 4, 30.0)
        rows: list[str] = []
        for k, (sign, node) in enumerate(forms):
            lines = tex_lines(self.p, node, budget)
            head = (lhs + " " if k == 0 else "") + f"&{sign} "
            rows.append(head + lines[0])
            rows += [r"&\qquad {}" + line for line in lines[1:]]
        return rows

    def answers(self, sol: Solution) -> str:
        answered = answer_rows(sol)
        cells = [(self.inline_label(label), self.value_expr(value)) for label, value in answered]
        short = [(a, self.p(v)) for a, v in cells]
        widths = [tex_width(a) + self.value_width(v, text)
                  for (a, text), (_, v) in zip(short, answered)]
        per_row = next((k for k in (3, 2) if len(cells) > k and
                        sum(max(widths[j::k]) + 8 for j in range(k)) < LINE), 1)
        if per_row > 1:
            rows = [" & ".join(f"{a} &= {v}" for a, v in short[i:i + per_row])
                    for i in range(0, len(short), per_row)]
        else:
            rows = [r for a, v in cells for r in self.chain(a, [("=", v)])]
        body = "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
        if len(rows) > 14:
            return "\\textbf{Answer}\n" + body
        return ("\\needspace{" + str(len(rows) + 3) + "\\baselineskip}\\textbf{Answer}"
                "\\par\\nopagebreak\n\\fbox{\\parbox{\\dimexpr\\linewidth-2\\fboxsep-2\\fboxrule}"
                "{\\vspace{-1ex}\n" + body + "}}")

    def inline_label(self, label: Any) -> str:
        """An answer's name with its derivative written inline (∂E/∂w_5, as the table headers
        write it): the box's rows stay one line high."""
        if isinstance(label, E.Deriv):
            d = r"\partial " if label.partial else "d"
            return f"{d}{self.p(label.num)}/{d}{self.p(label.den)}"
        if isinstance(label, E.Seq) and not label.brackets and label.items and \
                isinstance(label.items[0], E.Deriv):
            rest = E.Seq(label.items[1:], "", label.sep)
            return self.inline_label(label.items[0]) + (label.sep + " " if label.sep else " ") + \
                self.p(rest)
        return self.p(label)

    def value_width(self, value: object, text: str) -> float:
        """The typeset width of an answer's value: a matrix by its widest row."""
        from dlsolve.render.base import matrices

        if isinstance(value, list) and value and all(isinstance(r, list) for r in value) and \
                all(not isinstance(c, list) for r in value for c in r):
            grid = matrices(value)[0]
            return max(sum(tex_width(self.p(self.value_expr(c))) + 2 for c in row)
                       for row in grid) + 2
        return tex_width(text)

    def render_given_groups(self, groups: list[tuple[str, list[str]]],
                            first: bool = True) -> str:
        rows = [latex_prose(meaning) + " & " + ", ".join(f"${t}$" for t in items) + r" \\"
                for meaning, items in groups]
        head = "\\textbf{Given}\n\n" if first else ""
        if not rows:
            return "\\needspace{6\\baselineskip}\\textbf{Given}\\nopagebreak"
        return ("\\needspace{" + str(len(rows) + 2) + "\\baselineskip}" + head +
                "\\begin{tabular}{@{}>{\\raggedright\\arraybackslash}p{0.3\\linewidth}@{\\quad}"
                ">{\\raggedright\\arraybackslash}p{0.64\\linewidth}@{}}\n" + "\n".join(rows) +
                "\n\\end{tabular}")

    def render_Equations(self, step: Equations) -> str:
        cells = [(self.p(a), self.p(b)) for a, b in step.rows]
        pairs = len(cells) >= 6 and max(tex_width(a + b) for a, b in cells) < LINE / 2 - 8
        if pairs:
            rows = [" & ".join(f"{a} &= {b}" for a, b in cells[i:i + 2])
                    for i in range(0, len(cells), 2)]
        else:
            rows = [r for a, b in step.rows for r in self.chain(self.p(a), [("=", b)])]
        head = rf"\textbf{{{latex_prose(step.title)}}}" + "\n" if step.title else ""
        return head + "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"

    def render_Heading(self, step: Heading) -> str:
        return rf"\subsection*{{{latex_prose(step.title)}}}"

    def render_Note(self, step: Note) -> str:
        text = latex_prose(step.text)
        if step.kind == "warning":
            return rf"\textbf{{Note:}} {text}"
        if step.kind == "conclusion":
            return rf"$\Rightarrow$ {text}"
        return text

    def render_Step(self, step: Step) -> str:
        parts, rel = self.forms_nodes(step)
        title = latex_prose(step.title)
        out: list[str] = []
        if parts:
            signs = [RELATIONS_LATEX[s] for s in self.signs(parts, rel, step)]
            texts = [self.p(n) for n in parts]
            whole = texts[0] + "".join(f" {s} {t}" for s, t in zip(signs, texts[1:]))
            room = LINE - (len(step.title) * 1.1 + 4 if step.title else 0)
            if tex_width(whole) <= room:
                lead = rf"\textbf{{{title}}}\quad{BREAK}" if step.title else ""
                out.append(rf"{lead}$\displaystyle {whole}$")
            else:
                out += [rf"\needspace{{3\baselineskip}}\textbf{{{title}}}"] if step.title else []
                out.append(self.display(parts, signs))
        elif step.title:
            out.append(rf"\textbf{{{title}}}")
        if step.note:
            out.append(rf"\emph{{{latex_prose(step.note)}}}")
        return "\n".join(out)

    def display(self, parts: list[Any], signs: list[str]) -> str:
        """A displayed chain: on one line when it fits, else one form per line, broken."""
        texts = [self.p(n) for n in parts]
        whole = texts[0] + "".join(f" {s} {t}" for s, t in zip(signs, texts[1:]))
        if tex_width(whole) <= LINE:
            return f"\\[\n{whole}\n\\]"
        if len(parts) > 1:
            rows = self.chain(texts[0], list(zip(signs, parts[1:])))
        else:
            lines = tex_lines(self.p, parts[0], LINE - 6)
            rows = ["& " + lines[0]] + [r"&\qquad {}" + line for line in lines[1:]]
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}"
