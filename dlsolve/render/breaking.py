"""Long formulas in LaTeX (and Markdown maths) broken into lines at their operators.

A display that would run past the margin is cut at a top-level ``+``/``-`` of a sum, a
``\\cdot`` of a product, a ``,`` of a list, or the numerator of a long fraction (written
``\\tfrac{1}{n}\\bigl(…\\bigr)``), recursively, so that each line fits ``budget`` (an estimate
in characters of typeset width). Delimiters split across lines are ``\\bigl``/``\\bigr``,
which need no partner on the same line.
"""

from __future__ import annotations

import re

from dlsolve import expr as E
from dlsolve.render.formula import LatexPrinter, signed

_COMMAND = re.compile(r"\\(left|right|bigl|bigr|mathrm|text|operatorname|displaystyle)\b")
_WORD = re.compile(r"\\[A-Za-z]+")


def tex_width(tex: str) -> float:
    r"""A rough typeset width of LaTeX maths, in characters (a command counts as one).

    >>> tex_width(r"a_{1} \cdot \left(b + 1\right)")
    8.5
    """
    text = _COMMAND.sub("", tex)
    subs = sum(len(m) for m in re.findall(r"[_^]\{([^{}]*)\}", text))
    text = _WORD.sub("x", text)
    text = re.sub(r"[{}_^&\s]", "", text)
    ops = len(re.findall(r"[+=<>-]", text))
    return round(len(text) - 0.3 * subs + 0.8 * ops, 1)


def pack(pieces: list[str], budget: float) -> list[str]:
    """Greedy: join pieces with spaces into lines no wider than ``budget`` where possible."""
    lines: list[str] = []
    for piece in pieces:
        if lines and tex_width(lines[-1] + " " + piece) <= budget:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return lines


def tex_lines(p: LatexPrinter, node: E.Expr, budget: float) -> list[str]:
    """``node`` printed as one or more lines of LaTeX, each (if it can be) within budget."""
    text = p(node)
    if tex_width(text) <= budget:
        return [text]
    if isinstance(node, E.Add):
        return _split_terms(p, node, budget)
    if isinstance(node, E.Mul) and not node.juxtapose and len(node.factors) > 1:
        first, *rest = (p.wrap(f, 21 if i else 20) for i, f in enumerate(node.factors))
        return pack([first] + [r"\cdot " + f for f in rest], budget)
    if isinstance(node, E.Seq) and node.brackets and len(node.items) > 1:
        items = [p(i) + "," for i in node.items[:-1]] + [p(node.items[-1])]
        left, right = (b.replace("{", r"\{").replace("}", r"\}") for b in node.brackets)
        lines = pack(items, budget)
        lines[0], lines[-1] = rf"\bigl{left}" + lines[0], lines[-1] + rf"\bigr{right}"
        return lines
    if isinstance(node, E.Div):
        num = node.num.arg if isinstance(node.num, E.Bracket) else node.num
        inner = tex_lines(p, num, budget)
        if len(inner) > 1:
            inner[0] = rf"\tfrac{{1}}{{{p(node.den)}}}\bigl(" + inner[0]
            inner[-1] += r"\bigr)"
            return inner
    if isinstance(node, E.Bracket) and node.kind == "paren":
        inner = tex_lines(p, node.arg, budget)
        if len(inner) > 1:
            inner[0], inner[-1] = r"\bigl(" + inner[0], inner[-1] + r"\bigr)"
            return inner
    return [text]


def _split_terms(p: LatexPrinter, node: E.Add, budget: float) -> list[str]:
    pieces: list[str] = []
    for term, text in zip(node.terms, p.add_terms(node)):
        if tex_width(text) <= budget:
            pieces.append(text)
            continue
        sign = text[:2] if text[:2] in ("+ ", "- ") else ""
        core = signed(term)[1] if sign else term
        sub = tex_lines(p, core, budget - 2)
        if sign and isinstance(core, E.Add):
            sub[0], sub[-1] = r"\bigl(" + sub[0], sub[-1] + r"\bigr)"
        pieces += [sign + sub[0]] + sub[1:]
    return pack(pieces, budget)
