"""The records solvers return and renderers read: the only contract between the two.

A Solution is an ordered list of steps plus a flat mapping of named results. Steps are data:
a ``Step`` is one equation written three ways (formula, numbers substituted, value); a
``TableStep`` is a table; ``Heading`` opens a section; ``Note`` is a sentence;
``MatrixStep`` shows a matrix. Renderers dispatch on the class name.

Every step has a ``detail`` level: ``brief`` steps show at every level (the key equations),
``exam`` steps (the default) at ``exam`` and ``full``, and ``full`` steps (self-checks,
framework dumps, repeated working) only at ``full``. ``Given`` records are the data of the
problem, shown before the derivation (and alone on a question sheet).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dlsolve.expr import Expr


@dataclass(frozen=True)
class Heading:
    """Opens a section of the derivation ("Forward pass", "Layer 1")."""

    title: str
    detail: str = "exam"


@dataclass(frozen=True)
class Note:
    """A sentence in the derivation: a convention used, a warning, a conclusion."""

    text: str
    kind: str = "info"  # info | warning | conclusion
    detail: str = "exam"


@dataclass(frozen=True)
class Step:
    """One equation: ``lhs = formula = substituted [= more...] = value``.

    Any of ``formula``, ``substituted`` and ``value`` may be missing; ``key`` names the
    result this step produces (used by ``check`` to find the first step a student left).
    """

    title: str
    lhs: Expr | None = None
    formula: Expr | None = None
    substituted: Expr | None = None
    value: Any = None
    note: str | None = None
    key: str | None = None
    approx: bool = True  # the value is rounded for display ("≈") unless exact
    more: tuple[Expr, ...] = ()  # further simplified forms between substituted and value
    detail: str = "exam"

    def __post_init__(self) -> None:
        for name in ("lhs", "formula", "substituted"):
            if not isinstance(getattr(self, name), (Expr, type(None))):
                raise TypeError(f"Step.{name} must be a formula node, got "
                                f"{type(getattr(self, name)).__name__} (pass value=...)")


@dataclass(frozen=True)
class TableStep:
    """A table; cells are numbers, strings, bools or formula nodes."""

    title: str
    columns: tuple[str | Expr, ...]  # words, or formula nodes (typeset as maths)
    rows: tuple[tuple[Any, ...], ...]
    note: str | None = None
    key: str | None = None
    detail: str = "exam"


@dataclass(frozen=True)
class MatrixStep:
    """A named matrix (or list of matrices, one per channel)."""

    title: str
    name: Expr | None
    matrix: Any
    note: str | None = None
    key: str | None = None
    highlight: tuple[tuple[int, int], ...] = ()
    detail: str = "exam"


@dataclass(frozen=True)
class Figure:
    """A network drawn as a graph: nodes by layer, edges labelled with their weights.

    ``wires`` (optional, one per edge) holds two numbers for renderers that write two labels
    on an edge: a computational graph's forward value (above) and gradient (below).
    """

    title: str
    nodes: tuple[tuple[str, int], ...]        # (name, layer: 0 for inputs)
    edges: tuple[tuple[str, str, str], ...]   # (from, to, label)
    detail: str = "exam"
    wires: tuple[tuple[Any, Any], ...] = ()   # (value, gradient) per edge, or none
    biases: tuple[tuple[str, str], ...] = ()  # (unit, label), drawn at the unit


@dataclass(frozen=True)
class Given:
    """One datum of the problem as the exam states it: ``w1 = 0.15`` (learning rate).

    ``name`` is a formula node (usually a ``Sym`` in the exam's symbols); ``value`` a number,
    list, matrix or word; ``meaning`` a few words ("learning rate", "target").
    """

    name: Expr
    value: Any
    meaning: str = ""


def given(name: Expr | str, value: Any, meaning: str = "") -> Given:
    """A Given with a ``str`` name made a symbol and the value made plain (lists, numbers)."""
    from dlsolve.expr import Sym

    return Given(Sym(name) if isinstance(name, str) else name, plain(value), meaning)


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer to the problem and why it is wrong ("common mistake" in a key)."""

    answer: str
    why: str = ""


@dataclass(frozen=True)
class Equations:
    """The model's equations in symbols, one ``lhs = rhs`` per row, before any number.

    Written as one aligned block (seed 002's Eqn 1-5); ``brief`` by default, since they are
    the key equations of the derivation.
    """

    title: str
    rows: tuple[tuple[Expr, Expr], ...]
    detail: str = "brief"


StepLike = Heading | Note | Step | TableStep | MatrixStep | Figure | Equations

DETAIL_LEVELS = ("brief", "exam", "full")


def shown(step: StepLike, level: str) -> bool:
    """True when ``step`` belongs in a derivation written at ``level`` (brief, exam, full)."""
    detail = getattr(step, "detail", "exam")
    return DETAIL_LEVELS.index(detail) <= DETAIL_LEVELS.index(level)


def plain(value: Any) -> Any:
    """Turn numpy arrays and scalars into Python lists and numbers (JSON-ready)."""
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


@dataclass
class Solution:
    """A worked derivation: ordered steps, named results, notes.

    Attributes:
        kind: the problem type (``softmax``, ``forward``...).
        title: a one-line description of the problem.
        steps: the derivation, in order.
        results: result name -> number, list, nested list, string or bool (full precision).
        notes: conventions used and warnings, shown at the end and in JSON.
        answer: names of the results that answer the question (boxed in exam keys).
        statement: the problem statement, when the spec gives one.
        givens: the problem's data, shown first (and alone on a question sheet).
        mistakes: known wrong answers (from the spec's ``mistakes:``), noted in the key.
    """

    kind: str
    title: str
    steps: list[StepLike] = field(default_factory=list)
    results: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    answer: tuple[str, ...] = ()
    statement: str | None = None
    source: str | None = None
    givens: list[Given] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.results = {k: plain(v) for k, v in self.results.items()}

    def add(self, *steps: StepLike) -> None:
        """Append steps to the derivation."""
        self.steps.extend(steps)

    def given(self, name: Expr | str, value: Any, meaning: str = "") -> None:
        """Record one datum of the problem (a ``str`` name becomes a symbol)."""
        self.givens.append(given(name, value, meaning))

    def note(self, text: str) -> None:
        """Add a note (once)."""
        if text not in self.notes:
            self.notes.append(text)

    def set(self, name: str, value: Any) -> None:
        """Record a named result."""
        self.results[name] = plain(value)

    def render(self, fmt: str = "text", **settings: Any) -> str:
        """The derivation as text, rich (ANSI), markdown, latex or json."""
        from dlsolve.render import render

        return render(self, fmt, **settings)

    def _repr_html_(self) -> str:
        """Jupyter shows the derivation as HTML with MathML (no script, works offline)."""
        from dlsolve.render.html import HtmlRenderer

        return HtmlRenderer().solution(self)

    def _repr_markdown_(self) -> str:
        return self.render("markdown")

    def __repr__(self) -> str:
        names = ", ".join(self.answer or tuple(self.results)[:4])
        return (f"<Solution {self.kind}: {self.title!r}, {len(self.steps)} steps, "
                f"results: {names}>")

    def _repr_latex_(self) -> str:
        return self.render("latex", standalone=False)

    def __str__(self) -> str:
        return self.render("text")
