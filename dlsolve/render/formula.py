"""Print formula trees (``dlsolve.expr``) as plain text or LaTeX.

One printer class per target, dispatching on the node's class name to ``_print_<Class>``
(an unknown node is an error, never a silent ``str()``). Parentheses come from precedence:
a child binding looser than its parent is wrapped, and negative numbers are wrapped inside
products, powers and non-leading sum terms, the way a hand-worked answer writes
``(2)(1) + (-1)(0.5)``.
"""

from __future__ import annotations

import re

from dlsolve import expr as E
from dlsolve.render.numbers import fmt_number
from dlsolve.render.symbols import (  # noqa: F401  (re-exported: one place to import from)
    _LETTERS_DIGITS,
    GREEK,
    latex_escape,
    latex_function,
    latex_name,
    latex_number,
    math_text,
)

REL, ADD, NEG, MUL, POW, ATOM = 0, 10, 15, 20, 30, 100

LATEX_FUNCS = {
    "sigma": r"\sigma", "max": r"\max", "min": r"\min", "ln": r"\ln", "log": r"\log",
    "exp": r"\exp", "tanh": r"\tanh", "sinh": r"\sinh", "cosh": r"\cosh", "sin": r"\sin",
    "cos": r"\cos", "tan": r"\tan", "erf": r"\operatorname{erf}", "Phi": r"\Phi", "phi": r"\phi",
}
RELATIONS_TEXT = {"=": "=", "~": "≈", "<": "<", "<=": "≤", ">=": "≥", ">": ">", "<-": "←",
                  "!=": "≠", "in": "∈"}
RELATIONS_LATEX = {"=": "=", "~": r"\approx", "<": "<", "<=": r"\le", ">=": r"\ge", ">": ">",
                   "<-": r"\leftarrow", "!=": r"\ne", "in": r"\in"}


def precedence(node: E.Expr) -> int:
    """How tightly a node binds (higher binds tighter)."""
    if isinstance(node, E.Num):
        return NEG if node.value < 0 else ATOM
    if isinstance(node, E.Relation):
        return REL
    if isinstance(node, E.Add):
        return ADD
    if isinstance(node, E.Neg):
        return NEG
    if isinstance(node, (E.Mul, E.Div)):
        return MUL
    if isinstance(node, E.Pow):
        return POW
    if isinstance(node, E.Sum):
        return ADD
    return ATOM


class Printer:
    """Shared walk; subclasses supply the tokens of one target."""

    def __init__(self, digits: int = 4):
        self.digits = digits

    def __call__(self, node: E.Expr | None) -> str:
        if node is None:
            return ""
        method = getattr(self, "_print_" + type(node).__name__, None)
        if method is None:
            raise TypeError(f"{type(self).__name__} cannot print {type(node).__name__}")
        return method(node)

    def wrap(self, node: E.Expr, min_prec: int) -> str:
        text = self(node)
        return self.paren(text) if precedence(node) < min_prec else text

    def paren(self, text: str) -> str:
        return f"({text})"

    def number(self, value: float | int) -> str:
        return fmt_number(value, self.digits)

    def _print_Add(self, node: E.Add) -> str:
        return " ".join(self.add_terms(node))

    def add_terms(self, node: E.Add) -> list[str]:
        """The terms of a sum as printed, each after the first with its sign: ``['a', '- 0.5']``.

        Signs are combined, never doubled: ``a + (-0.5)`` prints ``a - 0.5`` and
        ``a - (-0.5)`` prints ``a + 0.5``.
        """
        out = []
        for i, term in enumerate(node.terms):
            if i == 0:
                out.append(self.wrap(unneg(term), ADD))
                continue
            sign, core = signed(term)
            out.append(("+ " if sign > 0 else f"{self.minus} ") + self.wrap(core, ADD + 1))
        return out

    def _print_Neg(self, node: E.Neg) -> str:
        sign, core = signed(node)
        if sign > 0:
            return self(core)
        return self.minus + self.wrap(core, MUL)

    def _print_Relation(self, node: E.Relation) -> str:
        return f"{self(node.lhs)} {self.relations[node.op]} {self(node.rhs)}"


def signed(node: E.Expr) -> tuple[int, E.Expr]:
    """(sign, node without its leading minus signs): Neg(Num(-2)) -> (1, Num(2)).

    >>> signed(E.Neg(E.Num(-0.2)))
    (1, Num(value=0.2))
    """
    sign = 1
    while True:
        if isinstance(node, E.Neg):
            sign, node = -sign, node.arg
        elif isinstance(node, E.Num) and node.value < 0:
            return -sign, E.Num(-node.value)
        else:
            return sign, node


def unneg(node: E.Expr) -> E.Expr:
    """A node with doubled minus signs cancelled (a lone minus kept)."""
    sign, core = signed(node)
    if core is node:
        return node
    if sign > 0:
        return core
    return E.Num(-core.value) if isinstance(core, E.Num) else E.Neg(core)


def _negative_num(node: E.Expr) -> bool:
    return isinstance(node, E.Num) and node.value < 0


class TextPrinter(Printer):
    """Unicode plain text: ``z_h1 = i1·w11 + b1``, ``σ(z)``, ``⌊27/2⌋``."""

    minus = "-"
    relations = RELATIONS_TEXT

    def _print_Num(self, node: E.Num) -> str:
        return self.number(node.value)

    def _print_Sym(self, node: E.Sym) -> str:
        return text_name(node.name)

    def _print_Text(self, node: E.Text) -> str:
        return node.text

    def _print_Mul(self, node: E.Mul) -> str:
        parts = [self.wrap(f, MUL + 1 if i else MUL) if not _negative_num(f) else
                 self.paren(self(f)) for i, f in enumerate(node.factors)]
        if not node.juxtapose:
            return "·".join(parts)
        out = parts[0]
        for prev, p in zip(node.factors, parts[1:]):
            out += p if p.startswith("(") and not isinstance(prev, E.Div) else "·" + p
        return out

    def _print_Div(self, node: E.Div) -> str:
        return f"{self.wrap(node.num, MUL)}/{self.wrap(node.den, POW)}"

    def _print_Pow(self, node: E.Pow) -> str:
        base = self.wrap(node.base, ATOM)
        exp = unneg(node.exp)
        ex = self(exp)
        if precedence(exp) < ATOM or not _short(ex):
            ex = self.paren(ex)
        return f"{base}^{ex}"

    def _print_Call(self, node: E.Call) -> str:
        return f"{text_name(node.name)}({', '.join(self(a) for a in node.args)})"

    def _print_Bracket(self, node: E.Bracket) -> str:
        inner = self(node.arg)
        left, right = {"floor": ("⌊", "⌋"), "ceil": ("⌈", "⌉"), "abs": ("|", "|"),
                       "sqrt": ("√(", ")"), "paren": ("(", ")"), "box": ("[", "]")}[node.kind]
        return left + inner + right

    def _print_Seq(self, node: E.Seq) -> str:
        sep = " × " if node.sep == "x" else node.sep + " "
        body = sep.join(self(i) for i in node.items)
        return body if not node.brackets else node.brackets[0] + body + node.brackets[1]

    def _print_Deriv(self, node: E.Deriv) -> str:
        d = "∂" if node.partial else "d"
        num, den = self.wrap(node.num, ATOM), self.wrap(node.den, ATOM)
        return f"{d}{num}/{d}{den}"

    def _print_Sum(self, node: E.Sum) -> str:
        return f"Σ_{node.index} " + self.wrap(node.body, MUL)

    def _print_Matrix(self, node: E.Matrix) -> str:
        return "[" + ", ".join("[" + ", ".join(self(c) for c in row) + "]"
                               for row in node.rows) + "]"

    def _print_Elided(self, node: E.Elided) -> str:
        return f"… ({node.count} more {node.what})"

    def _print_Cases(self, node: E.Cases) -> str:
        parts = [f"{self(v)} if {self(c)}" if c is not None else f"{self(v)} otherwise"
                 for v, c in node.cases]
        return "{" + "; ".join(parts) + "}"


def _short(text: str) -> bool:
    return re.fullmatch(r"[\w.∞σ]+", text) is not None and len(text) <= 6


def text_name(name: str) -> str:
    """Plain-text form of a symbol name: Greek words become letters.

    >>> text_name("delta_o1"), text_name("w11"), text_name("sigma"), text_name("h_t-1")
    ('δ_o1', 'w11', 'σ', 'h_{t-1}')
    """
    primes = len(name) - len(name.rstrip("'"))
    head, sep, tail = name.rstrip("'").partition("_")
    m = _LETTERS_DIGITS.fullmatch(head)
    if m and m.group(1) in GREEK:
        head = GREEK[m.group(1)] + m.group(2)
    if tail and any(c in tail for c in "+-"):  # an index expression: h_{t-1}, not h_t-1
        tail = "{" + tail + "}"
    return GREEK.get(head, head) + sep + tail + "'" * primes


class LatexPrinter(Printer):
    r"""LaTeX math: ``z_{h1} = i_{1} \cdot w_{11} + b_{1}``."""

    minus = "-"
    relations = RELATIONS_LATEX

    def paren(self, text: str) -> str:
        return rf"\left({text}\right)"

    def _print_Num(self, node: E.Num) -> str:
        return latex_number(self.number(node.value))

    def _print_Sym(self, node: E.Sym) -> str:
        return latex_name(node.name)

    def _print_Text(self, node: E.Text) -> str:
        return math_text(node.text)

    def _print_Mul(self, node: E.Mul) -> str:
        parts = [self.wrap(f, MUL + 1 if i else MUL) if not _negative_num(f) else
                 self.paren(self(f)) for i, f in enumerate(node.factors)]
        return (" " if node.juxtapose else r" \cdot ").join(parts)

    def _print_Div(self, node: E.Div) -> str:
        num, den = (n.arg if isinstance(n, E.Bracket) and n.kind == "paren" else n
                    for n in (node.num, node.den))
        return rf"\frac{{{self(num)}}}{{{self(den)}}}"

    def _print_Pow(self, node: E.Pow) -> str:
        base = self.wrap(node.base, ATOM)
        if isinstance(node.base, (E.Div, E.Call)) or _negative_num(node.base):
            base = self.paren(self(node.base))
        return f"{base}^{{{self(node.exp)}}}"

    def _print_Call(self, node: E.Call) -> str:
        bare = node.name.rstrip("'")
        primes = "'" * (len(node.name) - len(bare))
        name = (LATEX_FUNCS.get(bare) or latex_function(bare)) + primes
        return name + self.paren(", ".join(self(a) for a in node.args))

    def _print_Bracket(self, node: E.Bracket) -> str:
        inner = self(node.arg)
        if node.kind == "sqrt":
            return rf"\sqrt{{{inner}}}"
        if node.kind == "box":
            return rf"\boxed{{{inner}}}"
        left, right = {"floor": (r"\lfloor", r"\rfloor"), "ceil": (r"\lceil", r"\rceil"),
                       "abs": ("|", "|"), "paren": ("(", ")")}[node.kind]
        return rf"\left{left} {inner} \right{right}"

    def _print_Seq(self, node: E.Seq) -> str:
        sep = r" \times " if node.sep == "x" else node.sep + " "
        body = sep.join(self(i) for i in node.items)
        if not node.brackets:
            return body
        left, right = (b.replace("{", r"\{").replace("}", r"\}") for b in node.brackets)
        return rf"\left{left}{body}\right{right}"

    def _print_Deriv(self, node: E.Deriv) -> str:
        d = r"\partial " if node.partial else "d"
        return rf"\frac{{{d}{self(node.num)}}}{{{d}{self(node.den)}}}"

    def _print_Sum(self, node: E.Sum) -> str:
        limits = "_{" + latex_name(node.index)
        if node.lower is not None:
            limits += "=" + self(node.lower)
        limits += "}"
        if node.upper is not None:
            limits += "^{" + self(node.upper) + "}"
        return r"\sum" + limits + " " + self.wrap(node.body, MUL)

    def _print_Matrix(self, node: E.Matrix) -> str:
        body = r" \\ ".join(" & ".join(self(c) for c in row) for row in node.rows)
        return r"\begin{bmatrix}" + body + r"\end{bmatrix}"

    def _print_Elided(self, node: E.Elided) -> str:
        return rf"\dots\ (\text{{{node.count} more {node.what}}})"

    def _print_Cases(self, node: E.Cases) -> str:
        rows = [f"{self(v)} & " + (self(c) if c is not None else r"\text{otherwise}")
                for v, c in node.cases]
        return r"\begin{cases}" + r" \\ ".join(rows) + r"\end{cases}"
