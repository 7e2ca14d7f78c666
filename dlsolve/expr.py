"""A small formula tree: how a step is written, kept apart from how it is printed.

Solvers build these nodes to say "z_h1 = i1·w11 + i2·w21 + b1" and the same with numbers
substituted, left unevaluated. Renderers turn them into plain text or LaTeX
(``dlsolve.render.formula``). Nothing here evaluates or formats; that keeps the
"substituted numbers" line honest and lets ``--digits`` be a pure render setting.
"""

from __future__ import annotations

from dataclasses import dataclass

Number = int | float


class Expr:
    """Base class of formula nodes. Operators build trees, never values."""

    def __add__(self, other: object) -> Expr:
        return Add((self, lift(other)))

    def __sub__(self, other: object) -> Expr:
        return Add((self, Neg(lift(other))))

    def __mul__(self, other: object) -> Expr:
        return Mul((self, lift(other)))

    def __truediv__(self, other: object) -> Expr:
        return Div(self, lift(other))

    def __pow__(self, other: object) -> Expr:
        return Pow(self, lift(other))

    def __neg__(self) -> Expr:
        return Neg(self)


@dataclass(frozen=True, eq=True)
class Num(Expr):
    """A number, printed with the render setting ``digits``."""

    value: Number


@dataclass(frozen=True, eq=True)
class Sym(Expr):
    """A named quantity: ``w11`` prints as w11 / w_{11}; ``sigma`` as σ / \\sigma."""

    name: str


@dataclass(frozen=True, eq=True)
class Text(Expr):
    """Literal words inside a formula (e.g. ``same``); printed upright."""

    text: str


@dataclass(frozen=True, eq=True)
class Add(Expr):
    """A sum; a ``Neg`` term prints as subtraction."""

    terms: tuple[Expr, ...]


@dataclass(frozen=True, eq=True)
class Neg(Expr):
    """Unary minus."""

    arg: Expr


@dataclass(frozen=True, eq=True)
class Mul(Expr):
    """A product, written with a centred dot (``juxtapose`` writes ``2x`` style)."""

    factors: tuple[Expr, ...]
    juxtapose: bool = False


@dataclass(frozen=True, eq=True)
class Div(Expr):
    """A fraction."""

    num: Expr
    den: Expr


@dataclass(frozen=True, eq=True)
class Pow(Expr):
    """A power; ``Pow(Sym('e'), x)`` prints as e^x."""

    base: Expr
    exp: Expr


@dataclass(frozen=True, eq=True)
class Call(Expr):
    """A named function applied to arguments: ``sigma(z)``, ``max(0, z)``, ``ln(p)``."""

    name: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, eq=True)
class Bracket(Expr):
    """Delimited expression: kind is one of floor, ceil, abs, sqrt, paren."""

    kind: str
    arg: Expr


@dataclass(frozen=True, eq=True)
class Seq(Expr):
    """A tuple or list of expressions: ``(15, 15, 8)`` or ``[0.1, 0.2]``."""

    items: tuple[Expr, ...]
    brackets: str = "()"
    sep: str = ","


@dataclass(frozen=True, eq=True)
class Deriv(Expr):
    """A (partial) derivative d num / d den, e.g. ∂E/∂w1."""

    num: Expr
    den: Expr
    partial: bool = True


@dataclass(frozen=True, eq=True)
class Relation(Expr):
    """``lhs op rhs`` for op in =, ≈, <, ≤, ≥, >, ←, ≠."""

    lhs: Expr
    op: str
    rhs: Expr


@dataclass(frozen=True, eq=True)
class Sum(Expr):
    """Σ_{index} body (an unexpanded sum, as the formula of a step)."""

    index: str
    body: Expr
    lower: Expr | None = None
    upper: Expr | None = None


@dataclass(frozen=True, eq=True)
class Matrix(Expr):
    """A matrix of expressions (rows), printed as a bracketed grid."""

    rows: tuple[tuple[Expr, ...], ...]


@dataclass(frozen=True, eq=True)
class Cases(Expr):
    """A piecewise definition: (value, condition) pairs; a condition of None means otherwise."""

    cases: tuple[tuple[Expr, Expr | None], ...]


@dataclass(frozen=True, eq=True)
class Elided(Expr):
    """Stands for terms left out of a long sum: '… n more terms'."""

    count: int
    what: str = "terms"


def lift(x: object) -> Expr:
    """Turn a Python number or string into a node; nodes pass through."""
    if isinstance(x, Expr):
        return x
    if isinstance(x, bool):
        return Text("true" if x else "false")
    if isinstance(x, (int, float)):
        return Num(x)
    if hasattr(x, "item"):  # a numpy scalar
        return Num(x.item())  # type: ignore[attr-defined]
    if isinstance(x, str):
        return Sym(x)
    if isinstance(x, (list, tuple)):
        return Seq(tuple(lift(v) for v in x), "[]")
    raise TypeError(f"cannot make a formula node from {x!r}")


def add(*terms: object) -> Add:
    """Sum of the given terms."""
    return Add(tuple(lift(t) for t in terms))


def mul(*factors: object) -> Mul:
    """Product of the given factors."""
    return Mul(tuple(lift(f) for f in factors))


def call(name: str, *args: object) -> Call:
    """Function ``name`` applied to ``args``."""
    return Call(name, tuple(lift(a) for a in args))




def exp(x: object) -> Pow:
    """e raised to x."""
    return Pow(Sym("e"), lift(x))




def elide(terms: list[Expr], keep: int = 8, what: str = "terms") -> list[Expr]:
    """Keep the first ``keep - 1`` terms and the last one, with an Elided node between.

    >>> len(elide([Num(i) for i in range(20)], keep=4))
    5
    """
    if len(terms) <= keep:
        return terms
    return terms[: keep - 1] + [Elided(len(terms) - keep, what)] + terms[-1:]
