"""Moodle XML quizzes: one question per asked result, the derivation as its feedback.

A number becomes a ``numerical`` question; a list or matrix a ``cloze`` question with one
NUMERICAL field per entry; true/false a cloze MULTICHOICE; a word a ``shortanswer``. The
tolerance is check's digit rule at ``--digits`` decimals: an answer agrees when it rounds
to the key's value, i.e. within half a unit of the last decimal asked (said in the
question). The worked derivation (HTML with MathML) is the general feedback, shown after
the attempt.
"""

from __future__ import annotations

from html import escape
from typing import Any
from xml.sax.saxutils import escape as xml_escape

from dlsolve.render.answers import answer_items, answer_text
from dlsolve.render.base import Renderer
from dlsolve.render.formula import TextPrinter
from dlsolve.render.numbers import fmt_number, is_number
from dlsolve.steps import Solution


def cdata(text: str) -> str:
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


class MoodleRenderer(Renderer):
    """Render solutions as a Moodle XML question bank (import: Question bank → Import)."""

    printer_class = TextPrinter

    def document(self, solutions: list[Solution]) -> str:
        from dlsolve.render.html import HtmlRenderer

        self.html = HtmlRenderer(self.digits, **{**self.settings, "statements_only": False})
        out = ['<?xml version="1.0" encoding="UTF-8"?>', "<quiz>",
               '  <question type="category"><category><text>$course$/dlsolve</text>'
               "</category></question>"]
        for i, sol in enumerate(solutions, 1):
            out += self.solution(sol, i)
        out.append("</quiz>")
        return "\n".join(out) + "\n"

    def tolerance(self, value: float) -> float:
        """Half a unit of the last decimal asked (check's digit rule)."""
        return 0.5 * 10.0 ** -self.digits

    def solution(self, sol: Solution, number: int) -> list[str]:
        stem = self.stem(sol)
        feedback = self.html.solution(sol, anchor=f"p{number}")
        out = []
        for name, value in answer_items(sol):
            label = answer_text(sol, name)
            qtype, text, answers = self.question(label, value)
            title = f"{number}. {sol.title}: {label}" + (f" ({name})" if label != name else "")
            out += [f'  <question type="{qtype}">',
                    f"    <name><text>{xml_escape(title)}</text></name>",
                    f'    <questiontext format="html"><text>{cdata(stem + text)}</text>'
                    "</questiontext>",
                    f'    <generalfeedback format="html"><text>{cdata(feedback)}</text>'
                    "</generalfeedback>",
                    "    <defaultgrade>1</defaultgrade>", "    <penalty>0.3333333</penalty>",
                    "    <hidden>0</hidden>"] + answers + ["  </question>"]
        return out

    def stem(self, sol: Solution) -> str:
        parts = [f"<p>{escape(sol.statement.strip())}</p>"] if sol.statement else \
            [f"<p>{escape(sol.title)}</p>"]
        parts += self.html.givens(sol)
        return "\n".join(parts)

    def question(self, name: str, value: Any) -> tuple[str, str, list[str]]:
        """(question type, the ask, the answer elements) for one result, asked by its label."""
        rule = (f"<p>Give numbers to {self.digits} decimal places (an answer within "
                f"{fmt_number(self.tolerance(1.0), self.digits + 1)} of the key counts).</p>")
        if is_number(value) and not isinstance(value, bool):
            ask = f"<p><strong>{escape(name)}</strong> = ?</p>" + rule
            return "numerical", ask, [
                f'    <answer fraction="100"><text>{float(value)!r}</text>'
                f"<tolerance>{self.tolerance(value)!r}</tolerance></answer>"]
        if isinstance(value, str):
            return "shortanswer", f"<p><strong>{escape(name)}</strong> = ?</p>", [
                "    <usecase>0</usecase>",
                f'    <answer fraction="100"><text>{xml_escape(value)}</text></answer>']
        return "cloze", f"<p><strong>{escape(name)}</strong> =</p>{self.cloze(value)}" + rule, []

    def cloze(self, value: Any) -> str:
        """Embedded answers: one field per number, laid out as the value is (list, matrix)."""
        if isinstance(value, bool):
            return ("{1:MULTICHOICE:" + ("=true~false" if value else "true~=false") + "}")
        if is_number(value):
            return f"{{1:NUMERICAL:={float(value)!r}:{self.tolerance(value)!r}}}"
        if isinstance(value, dict):
            return "".join(f"<p>{escape(str(k))}: {self.cloze(v)}</p>" for k, v in value.items())
        if isinstance(value, (list, tuple)):
            if value and all(isinstance(r, (list, tuple)) for r in value):
                rows = "".join("<tr>" + "".join(f"<td>{self.cloze(c)}</td>" for c in r)
                               + "</tr>" for r in value)
                return f"<table>{rows}</table>"
            return "[ " + ", ".join(self.cloze(v) for v in value) + " ]"
        return "{1:SHORTANSWER:=" + str(value).replace("}", "\\}") + "}"
