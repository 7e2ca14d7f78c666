"""Print formula trees as MathML Core, the maths every current browser renders natively.

The third printer of the family (beside plain text and LaTeX), dispatching the same way on
the node class; used by the HTML renderer so a page needs no script and no network.
Fragments are returned without the ``<math>`` wrapper (``math()`` adds it).
"""

from __future__ import annotations

import re
from html import escape

from dlsolve import expr as E
from dlsolve.render.formula import (
    ADD,
    ATOM,
    GREEK,
    MUL,
    POW,
    Printer,
    latex_number,
    precedence,
)

RELATIONS_MATHML = {"=": "=", "~": "≈", "<": "&lt;", "<=": "≤", ">=": "≥", ">": "&gt;",
                    "<-": "←", "!=": "≠", "in": "∈"}
FUNCS = {"sigma": "σ", "Phi": "Φ", "phi": "φ"}
_LETTERS_DIGITS = re.compile(r"([A-Za-z]+?)(\d+)$")


def math(fragment: str, display: bool = False) -> str:
    """A complete ``<math>`` element around a fragment."""
    mode = ' display="block"' if display else ""
    return f'<math{mode}>{fragment}</math>'


def mrow(*parts: str) -> str:
    return "<mrow>" + "".join(parts) + "</mrow>"


def mo(op: str) -> str:
    return f"<mo>{op}</mo>"


def _token(text: str) -> str:
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return f"<mn>{text}</mn>"
    return f"<mi>{escape(text)}</mi>"


def mathml_name(name: str) -> str:
    """A symbol name as MathML: ``w11`` -> w with subscript 11, ``delta_o1`` -> δ sub o1."""
    primes = len(name) - len(name.rstrip("'"))
    head, _, tail = name.rstrip("'").partition("_")
    m = _LETTERS_DIGITS.fullmatch(head)
    if not tail and m and len(head) > 1:
        head, tail = m.group(1), m.group(2)
    elif m and m.group(1) in GREEK:
        head = GREEK[m.group(1)] + m.group(2)
    head = GREEK.get(head, head)
    base = f"<mi>{escape(head)}</mi>" if len(head) > 1 else _token(head)
    if len(head) > 1 and not head.isalpha():
        base = f'<mi mathvariant="normal">{escape(head)}</mi>'
    if primes:
        base = f"<msup>{base}<mo>{'′' * primes}</mo></msup>"
    if tail:
        sub = "".join(_token(part) for part in re.findall(r"\d+(?:\.\d+)?|[^\d]+", tail))
        return f"<msub>{base}{mrow(sub)}</msub>"
    return base


class MathMLPrinter(Printer):
    """MathML Core fragments: ``<msub><mi>z</mi><mi>h1</mi></msub><mo>=</mo>…``."""

    minus = "−"
    relations = RELATIONS_MATHML

    def paren(self, text: str) -> str:
        return mrow(mo("("), text, mo(")"))

    def _print_Add(self, node: E.Add) -> str:
        parts = []
        for i, term in enumerate(node.terms):
            if i == 0:
                parts.append(self.wrap(term, ADD))
            elif isinstance(term, E.Neg):
                parts += [mo("−"), self.wrap(term.arg, ADD + 1)]
            else:
                negative = isinstance(term, E.Num) and term.value < 0
                parts += [mo("+"), self.wrap(term, ATOM if negative else ADD + 1)]
        return mrow(*parts)

    def _print_Neg(self, node: E.Neg) -> str:
        return mrow(mo("−"), self.wrap(node.arg, MUL))

    def _print_Relation(self, node: E.Relation) -> str:
        return mrow(self(node.lhs), mo(self.relations[node.op]), self(node.rhs))

    def _print_Num(self, node: E.Num) -> str:
        text = self.number(node.value)
        if text in ("inf", "-inf"):
            return mrow(*([mo("−")] if text[0] == "-" else []), "<mi>∞</mi>")
        if text == "nan":
            return '<mi mathvariant="normal">NaN</mi>'
        if "e" in text:
            mant, ex = latex_number(text).split(r" \times 10^")
            return mrow(self._plain_number(mant), mo("×"),
                        f"<msup><mn>10</mn><mn>{int(ex.strip('{}'))}</mn></msup>")
        return self._plain_number(text)

    def _plain_number(self, text: str) -> str:
        if text.startswith("-"):
            return mrow(mo("−"), f"<mn>{text[1:]}</mn>")
        return f"<mn>{text}</mn>"

    def _print_Sym(self, node: E.Sym) -> str:
        return mathml_name(node.name)

    def _print_Text(self, node: E.Text) -> str:
        return f"<mtext>{escape(node.text)}</mtext>"

    def _print_Mul(self, node: E.Mul) -> str:
        parts = [self.wrap(f, MUL + 1 if i else MUL) if not _negative(f) else
                 self.paren(self(f)) for i, f in enumerate(node.factors)]
        return mrow(*_interleave(parts, "" if node.juxtapose else mo("·")))

    def _print_Div(self, node: E.Div) -> str:
        num, den = (n.arg if isinstance(n, E.Bracket) and n.kind == "paren" else n
                    for n in (node.num, node.den))
        return f"<mfrac>{mrow(self(num))}{mrow(self(den))}</mfrac>"

    def _print_Pow(self, node: E.Pow) -> str:
        base = self.wrap(node.base, ATOM) if precedence(node.base) >= POW else \
            self.paren(self(node.base))
        if isinstance(node.base, (E.Div, E.Call)) or _negative(node.base):
            base = self.paren(self(node.base))
        return f"<msup>{mrow(base)}{mrow(self(node.exp))}</msup>"

    def _print_Call(self, node: E.Call) -> str:
        bare = node.name.rstrip("'")
        primes = "′" * (len(node.name) - len(bare))
        name = FUNCS.get(bare) or GREEK.get(bare) or bare
        head = f"<mi>{escape(name)}</mi>" if len(name) == 1 else \
            f'<mi mathvariant="normal">{escape(name)}</mi>'
        if primes:
            head = f"<msup>{head}<mo>{primes}</mo></msup>"
        args = _interleave([self(a) for a in node.args], mo(","))
        return mrow(head, self.paren(mrow(*args)))

    def _print_Bracket(self, node: E.Bracket) -> str:
        inner = self(node.arg)
        if node.kind == "sqrt":
            return f"<msqrt>{inner}</msqrt>"
        if node.kind == "box":
            return f'<menclose notation="box">{inner}</menclose>'
        left, right = {"floor": ("⌊", "⌋"), "ceil": ("⌈", "⌉"), "abs": ("|", "|"),
                       "paren": ("(", ")")}[node.kind]
        return mrow(mo(left), inner, mo(right))

    def _print_Seq(self, node: E.Seq) -> str:
        sep = mo("×") if node.sep == "x" else mo(escape(node.sep))
        body = _interleave([self(i) for i in node.items], sep)
        if not node.brackets:
            return mrow(*body)
        return mrow(mo(escape(node.brackets[0])), *body, mo(escape(node.brackets[1])))

    def _print_Deriv(self, node: E.Deriv) -> str:
        d = mo("∂") if node.partial else "<mi>d</mi>"
        return f"<mfrac>{mrow(d, self(node.num))}{mrow(d, self(node.den))}</mfrac>"

    def _print_Sum(self, node: E.Sum) -> str:
        low = mathml_name(node.index)
        if node.lower is not None:
            low = mrow(low, mo("="), self(node.lower))
        sigma = mo("∑")
        if node.upper is not None:
            op = f"<munderover>{sigma}{mrow(low)}{mrow(self(node.upper))}</munderover>"
        else:
            op = f"<munder>{sigma}{mrow(low)}</munder>"
        return mrow(op, self.wrap(node.body, MUL))

    def _print_Matrix(self, node: E.Matrix) -> str:
        rows = "".join("<mtr>" + "".join(f"<mtd>{self(c)}</mtd>" for c in row) + "</mtr>"
                       for row in node.rows)
        return mrow(mo("["), f"<mtable>{rows}</mtable>", mo("]"))

    def _print_Elided(self, node: E.Elided) -> str:
        return mrow(mo("…"), f"<mtext>({node.count} more {escape(node.what)})</mtext>")

    def _print_Cases(self, node: E.Cases) -> str:
        rows = "".join(f"<mtr><mtd>{self(v)}</mtd><mtd>"
                       + (self(c) if c is not None else "<mtext>otherwise</mtext>")
                       + "</mtd></mtr>" for v, c in node.cases)
        return mrow(mo("{"), f'<mtable columnalign="left">{rows}</mtable>')


def _negative(node: E.Expr) -> bool:
    return isinstance(node, E.Num) and node.value < 0


def _interleave(parts: list[str], sep: str) -> list[str]:
    out: list[str] = []
    for i, p in enumerate(parts):
        if i and sep:
            out.append(sep)
        out.append(p)
    return out


def html_prose(text: str) -> str:
    """Running text for HTML, escaped, with the symbols it names as inline MathML
    (h_{t-1}, d_k, α_t: ``symbols.prose_pieces``)."""
    from dlsolve.render.symbols import prose_pieces

    return "".join(escape(t) if sub is None else math(mathml_name(f"{t}_{sub}"))
                   for t, sub in prose_pieces(text))
