"""The names an answer may use: every result, and every symbol the derivation prints for it.

Nothing here is a list per problem kind: the names come from the Solution itself. A step
with ``key`` K and left-hand side ``z1`` makes ``z1`` a name of result K (when the step shows
that result's value), or a name of the step's own value (one element of a list result, such
as ``p1`` of the probabilities, or a quantity with no result of its own, such as
``delta_o1``). Each symbol is accepted as printed (``δ_o1``, ``∂E/∂w5``, ``w2⁺``) and in the
ASCII spellings a student types (``delta_o1``, ``dE_dw5``, ``dE/dw5``, ``w2_new``,
``new_w2``). A symbol that the derivation uses for two different quantities names neither.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from dlsolve import expr as E
from dlsolve.render.formula import GREEK, TextPrinter
from dlsolve.steps import MatrixStep, Note, Solution, Step, TableStep

GREEK_WORDS = {letter: word for word, letter in GREEK.items()}
NEW_MARKS = ("_new", "⁺", "^+", "+")


@dataclass(frozen=True)
class Target:
    """What a name grades: a result (``result``), or the value one step shows."""

    result: str | None
    key: str
    value: Any = None
    step: Any = None

    @property
    def ident(self) -> tuple:
        return ("result", self.result) if self.result else ("step", self.key, id(self.step))

    @property
    def meaning(self) -> tuple:
        """Two steps showing the same value of the same key mean the same quantity."""
        return ("result", self.result) if self.result else ("step", self.key, _frozen(self.value))


@dataclass
class Names:
    """Accepted name -> target; names the derivation uses ambiguously, with their meanings."""

    targets: dict[str, Target]
    ambiguous: dict[str, list[str]]

    def lookup(self, name: str) -> Target | None:
        return self.targets.get(name) or self.targets.get(squeeze(name))

    def spellings(self, result: str) -> list[str]:
        """Every accepted name of ``result`` other than itself."""
        return [n for n, t in self.targets.items() if t.result == result and n != result]

    def elements(self) -> list[tuple[str, Target]]:
        return [(n, t) for n, t in self.targets.items() if t.result is None]


def squeeze(name: str) -> str:
    """A name without spaces (``∂E / ∂w5`` is ``∂E/∂w5``)."""
    return "".join(str(name).split())


class AsciiPrinter(TextPrinter):
    """The way a student types a symbol: Greek letters spelled, ``dE_dw5`` for ∂E/∂w5."""

    def _print_Sym(self, node: E.Sym) -> str:
        return ascii_word(node.name)

    def _print_Call(self, node: E.Call) -> str:
        return f"{ascii_word(node.name)}({','.join(self(a) for a in node.args)})"

    def _print_Deriv(self, node: E.Deriv) -> str:
        return f"d{self.wrap(node.num, 100)}_d{self.wrap(node.den, 100)}"


def ascii_word(name: str) -> str:
    """``δ_o1`` -> ``delta_o1``; names already in ASCII are kept."""
    return "".join(GREEK_WORDS.get(c, c) for c in name)


def spellings(lhs: E.Expr) -> list[str]:
    """How a left-hand side is printed and typed (no tuples, no matrices: those are no names).

    >>> spellings(E.Deriv(E.Sym("E"), E.Sym("w5")))
    ['∂E/∂w5', 'dE_dw5', 'dE/dw5']
    >>> spellings(E.Sym("w2_new"))
    ['w2_new', 'w2⁺', 'new_w2']
    """
    if isinstance(lhs, (E.Seq, E.Matrix)):
        return []
    text, ascii_ = TextPrinter()(lhs), AsciiPrinter()(lhs)
    out = [text, ascii_]
    if isinstance(lhs, E.Deriv):
        out.append(ascii_.replace("_d", "/d", 1))
    if isinstance(lhs, E.Sym):
        out += _updated(text) + _updated(ascii_)
    return list(dict.fromkeys(squeeze(s) for s in out if s))


def _updated(name: str) -> list[str]:
    """An updated parameter's spellings: w2_new, w2⁺, new_w2 (whichever one is printed)."""
    for mark in NEW_MARKS:
        if name.endswith(mark) and len(name) > len(mark):
            base = name[: -len(mark)]
            return [base + "_new", base + "⁺", "new_" + base]
    return []


def collect(solution: Solution) -> Names:
    """The names of a Solution (see the module docstring)."""
    results = solution.results
    counts: dict[str, int] = {}
    for step in solution.steps:
        if getattr(step, "key", None):
            counts[step.key] = counts.get(step.key, 0) + 1
    found: dict[str, dict[tuple, Target]] = {}
    for step in solution.steps:
        target, lhs = _target(step, results, counts)
        if target is None:
            continue
        words = spellings(lhs) if lhs is not None else []
        if target.result is None and step.key not in results:
            words.append(step.key)
        for word in words:
            found.setdefault(word, {}).setdefault(target.meaning, target)
    targets = {name: Target(name, name) for name in results}
    ambiguous: dict[str, list[str]] = {}
    for word, options in found.items():
        if word in targets:
            continue
        chosen = _choose(list(options.values()))
        if chosen is None:
            ambiguous[word] = list(dict.fromkeys(_meaning(t) for t in options.values()))
        else:
            targets[word] = chosen
    return Names(targets, ambiguous)


def _meaning(t: Target) -> str:
    """A target for a sentence: the result's name, or a step's key and the value it shows."""
    if t.result:
        return t.result
    value = t.value
    shown = f"{value:.6g}" if isinstance(value, float) else str(value)[:40]
    return f"{t.key} = {shown}"


def _target(step: Any, results: dict[str, Any],
            counts: dict[str, int]) -> tuple[Target | None, E.Expr | None]:
    key = getattr(step, "key", None)
    if not key or isinstance(step, TableStep):
        return None, None
    if isinstance(step, MatrixStep):
        value, lhs = step.matrix, step.name
    elif isinstance(step, Step):
        value, lhs = step.value, step.lhs
    else:
        return None, None
    if key in results and (counts[key] == 1 or same(value, results[key])):
        return Target(key, key), lhs
    if gradeable(value):
        return Target(None, key, _plainer(value), step), lhs
    return None, None


def _choose(options: list[Target]) -> Target | None:
    """One meaning: a single result wins over step values; otherwise it must be unique."""
    whole = {t.result for t in options if t.result}
    if len(whole) == 1:
        return next(t for t in options if t.result)
    if not whole and len(options) == 1:
        return options[0]
    return None


def gradeable(value: Any) -> bool:
    if isinstance(value, (bool, int, float)):
        return True
    if hasattr(value, "tolist"):
        return True
    return isinstance(value, (list, tuple)) and all(gradeable(v) for v in value)


def _plainer(value: Any) -> Any:
    """Python numbers and lists (numpy scalars and arrays included)."""
    from dlsolve.steps import plain

    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_plainer(v) for v in value]
    return plain(value)


def same(a: Any, b: Any) -> bool:
    """Equal values (floats to 1e-12 relative; a one-element list equals its element)."""
    a, b = _plainer(a), _plainer(b)
    if isinstance(a, list) and len(a) == 1 and not isinstance(b, list):
        return same(a[0], b)
    if isinstance(b, list) and len(b) == 1 and not isinstance(a, list):
        return same(a, b[0])
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        if isinstance(a, bool) or isinstance(b, bool):
            return a is b
        return a == b or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return type(a) is type(b) and a == b


def _frozen(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, float):
        return round(value, 12)
    return value


def names_solution(solution: Solution) -> Solution:
    """``check --names``: the table of accepted names, and the same as results."""
    names = collect(solution)
    out = Solution("check", f"Names for check: {solution.title}", answer=())
    rows = [(r, ", ".join(names.spellings(r)) or "") for r in solution.results]
    out.add(TableStep("Results (contract names) and the derivation's symbols for them",
                      ("result", "also written"), tuple(rows)))
    groups: dict[tuple, list[str]] = {}
    for name, target in names.elements():
        groups.setdefault(target.ident, []).append(name)
    if groups:
        out.add(TableStep("Symbols for single values the derivation shows",
                          ("name", "also written", "value", "part of"),
                          tuple((ns[0], ", ".join(ns[1:]), names.targets[ns[0]].value,
                                 names.targets[ns[0]].key) for ns in groups.values())))
    if names.ambiguous:
        out.add(Note("Not accepted (the derivation writes them for several quantities): " +
                     "; ".join(f"{n} ({', '.join(m)})" for n, m in names.ambiguous.items()) +
                     "."))
    out.set("names", {r: names.spellings(r) for r in solution.results})
    out.set("values", {ns[0]: {"also": ns[1:], "value": names.targets[ns[0]].value,
                               "part_of": names.targets[ns[0]].key} for ns in groups.values()})
    out.set("ambiguous", names.ambiguous)
    out.set("accepted", len(names.targets))
    out.answer = ("accepted",)
    return out
