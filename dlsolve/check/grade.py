"""The verdict on one answer, in the order a marker reasons.

Right to the digits written; else right on the hand calculation that carries rounded values
("✓ (rounded as by hand)"); else right from the student's own earlier wrong answers ("✓ (error
carried forward)"); else wrong, with the known slip it matches or the first wrong element.
Lists of steps (a trajectory, a history, the losses per epoch) grade as far as given.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace
from typing import Any

from dlsolve.check import ecf, slips
from dlsolve.check.answers import Answer
from dlsolve.check.compare import Tolerance, decimals, equal

SEQUENCES = ("trajectory", "trajectory_full", "history", "history_full", "losses", "errors")
ROUNDED = "✓ (rounded as by hand)"
CARRIED = "✓ (error carried forward)"


@dataclass
class Verdict:
    """ok, the verdict shown, hints (text, kind), and the first wrong element of a list."""

    ok: bool = False
    shown: str = "✗"
    hints: list[tuple[str, str]] = field(default_factory=list)
    first_wrong: int | None = None
    inner: tuple[int, ...] = ()  # the first wrong component inside that entry
    carried: bool = False
    graded: int | None = None  # entries graded of a partial list
    slip: str | None = None  # the known slip the wrong answer matches (its hint)


def alternatives(kind: str, spec: Any, solution: Any) -> slips.Alternatives:
    """The values the known slips give for this problem (the same for every student)."""
    if not getattr(spec, "plain_step", True):
        return {}
    return slips.CATALOGUE.get(kind, lambda s, r: {})(spec, solution.results)


class Grader:
    """Grades the answers of one file against one solution.

    ``known`` (the slips' values) and ``hand`` (the hand calculations by decimal places) depend
    on the problem only: a class graded against one key passes them in, computed once.
    """

    def __init__(self, kind: str, spec: Any, solution: Any, answers: list[Answer],
                 tol: Tolerance, known: slips.Alternatives | None = None,
                 hand: dict[int, dict[str, Any]] | None = None):
        self.kind, self.spec, self.solution, self.tol = kind, spec, solution, tol
        given = {a.name: a.given for a in answers if a.target.result and not a.problem}
        # batches, dropout, penalties and optimizers in a network: no carried-forward model yet
        self.modelled = getattr(spec, "plain_step", True)
        self.world = _world(kind, spec, given) if self.modelled else {}
        self.alternatives = known if known is not None else alternatives(kind, spec, solution)
        self._hand: dict[int, dict[str, Any]] = hand if hand is not None else {}

    def expected(self, a: Answer) -> Any:
        full = self.solution.results[a.name] if a.target.result else a.target.value
        if _partial(a, full):
            return full[: len(a.given)]
        return full

    def first(self, a: Answer) -> Verdict:
        """Pass one: right as written, or right by the hand-rounded calculation."""
        v = Verdict(hints=[(f"{a.written}: {s}.", "info") for s in a.said])
        expected = self.expected(a)
        if _partial(a, self.full(a)):
            v.graded = len(a.given)
        if _nonfinite(expected):
            v.hints.append((f"{a.written}: the derivation's value is not a finite number "
                            f"({short(expected)}); compared as such.", "warning"))
        if a.problem:
            v.hints.append((f"{a.written}: {a.problem}.", "warning"))
            return v
        if self._same(expected, a.given, a):
            v.ok, v.shown = True, "✓"
        elif self._by_hand(a):
            v.ok, v.shown = True, ROUNDED
            v.hints.append((f"{a.written}: agrees with the hand calculation carrying values "
                            f"rounded to {_places(a)} decimal places; full precision gives "
                            f"{short(expected)}.", "info"))
        if v.ok and v.graded is not None:
            v.hints.append((f"{a.written}: the first {v.graded} of {len(self.full(a))} entries "
                            "given, graded as far as given.", "info"))
        return v

    def second(self, a: Answer, v: Verdict, others_wrong: bool) -> Verdict:
        """Pass two, for a wrong answer: carried forward, a known slip, the first wrong entry."""
        if a.problem:
            return v
        expected = self.expected(a)
        if a.name in self.world and self._same(self._cut(self.world[a.name], a), a.given, a):
            v.ok = True
            if others_wrong:
                v.shown, v.carried = CARRIED, True
                v.hints.append((f"{a.written}: consistent with your earlier answers (error "
                                f"carried forward); from the right values it is "
                                f"{short(expected)}.", "info"))
            else:
                v.shown = ROUNDED
                v.hints.append((f"{a.written}: follows from your own (rounded) earlier answers; "
                                f"full precision gives {short(expected)}.", "info"))
            return v
        v.first_wrong = self._first_wrong(expected, a)
        v.inner = self._inner(expected, a, v.first_wrong)
        v.slip = self._slip(a)
        hint = ("looks like a known slip — " + v.slip if v.slip else
                self._partly_carried(a, expected, v.first_wrong))
        v.hints.append((f"{a.written}: {hint or self._why(expected, a)}.", "warning"))
        return v

    def full(self, a: Answer) -> Any:
        return self.solution.results[a.name] if a.target.result else a.target.value

    def _cut(self, value: Any, a: Answer) -> Any:
        return value[: len(a.given)] if _partial(a, value) else value

    def _same(self, expected: Any, given: Any, a: Answer) -> bool:
        return equal(expected, given, _texts(a), (a.written,), self.tol)[0]

    def _why(self, expected: Any, a: Answer) -> str:
        why = equal(expected, a.given, _texts(a), (a.written,), self.tol)[1]
        i = self._first_wrong(expected, a)
        if i is not None and isinstance(a.given, list) and len(a.given) == len(expected) > 1:
            return (f"entry {i} is the first wrong one (expected {short(expected[i])}, "
                    f"got {short(a.given[i])})")
        return why

    def _first_wrong(self, expected: Any, a: Answer) -> int | None:
        if not (isinstance(expected, list) and isinstance(a.given, list)) or \
                len(expected) != len(a.given):
            return None
        for i, (e, g) in enumerate(zip(expected, a.given)):
            if not equal(e, g, _texts(a), (a.written, i), self.tol)[0]:
                return i
        return None

    def _inner(self, expected: Any, a: Answer, i: int | None) -> tuple[int, ...]:
        """The path of the first wrong number inside entry ``i`` (a point's coordinate)."""
        if i is None:
            return ()
        e, g, path = expected[i], a.given[i], (i,)
        while isinstance(e, list) and isinstance(g, list) and len(e) == len(g):
            j = next((k for k, (x, y) in enumerate(zip(e, g))
                      if not equal(x, y, _texts(a), (a.written,) + path + (k,), self.tol)[0]),
                     None)
            if j is None:
                break
            e, g, path = e[j], g[j], path + (j,)
        return path[1:]

    def _by_hand(self, a: Answer) -> bool:
        places = _places(a)
        if places is None or not a.target.result:
            return False
        if places not in self._hand:
            self._hand[places] = _rounded(self.kind, self.spec, places) if self.modelled \
                else {}
        hand = self._hand[places]
        return a.name in hand and self._same(self._cut(hand[a.name], a), a.given, a)

    def _slip(self, a: Answer) -> str | None:
        for value, hint in self.alternatives.get(a.name, []) if a.target.result else []:
            if self._same(self._cut(value, a), a.given, a):
                return hint
        return None

    def _partly_carried(self, a: Answer, expected: Any, first: int | None) -> str | None:
        """For a list of steps: the first wrong entry, and whether the rest follow from it."""
        if first is None or a.name not in self.world:
            return None
        world = self._cut(self.world[a.name], a)
        rest = all(equal(world[j], a.given[j], _texts(a), (a.written, j), self.tol)[0]
                   for j in range(first + 1, len(a.given)))
        text = f"entry {first} is wrong (expected {short(expected[first])})"
        if first + 1 < len(a.given) and rest:
            text += "; the entries after it follow correctly from it (error carried forward)"
        return text


def _partial(a: Answer, full: Any) -> bool:
    return (a.name in SEQUENCES and isinstance(full, list) and isinstance(a.given, list)
            and 0 < len(a.given) < len(full))


def _texts(a: Answer) -> dict[tuple, str]:
    return {(a.written,) + path: t for path, t in a.texts.items()}


def _places(a: Answer) -> int | None:
    """The most decimal places the student wrote in an answer (None if no numbers)."""
    found = [decimals(t, 0.0) for t in a.texts.values()]
    found = [d for d in found if d is not None]
    return max(found) if found else None


def _world(kind: str, spec: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """Later values recomputed from the student's earlier ones; none where they overflow."""
    try:
        if kind in ("forward", "backprop"):
            world = ecf.network_world(spec, answers)
        elif kind == "gd":
            world = ecf.gd_world(spec, answers)
        else:
            return {}
    except (OverflowError, ValueError, ZeroDivisionError, TypeError):
        return {}  # answers of the wrong shape or size carry nothing forward
    return {k: v for k, v in world.items() if not _nonfinite(v)}


def _rounded(kind: str, spec: Any, places: int) -> dict[str, Any]:
    """The results of the hand calculation carrying ``places`` decimals (where there is one)."""
    if kind in ("forward", "backprop"):
        return ecf.rounded_world(kind, spec, places)
    if any(f.name == "round" for f in fields(spec)):
        from dlsolve import registry

        return registry.solver(kind)(replace(spec, round=places)).results
    return {}


def _nonfinite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    return isinstance(value, list) and any(_nonfinite(v) for v in value[:10000])


def short(value: Any, limit: int = 60) -> str:
    """A value for a sentence: numbers to 6 significant digits, long lists cut."""
    text = _text(value, 0)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _text(value: Any, level: int) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}" if math.isfinite(value) else str(value)
    if isinstance(value, list):
        if level > 4:
            return "[...]"
        return "[" + ", ".join(_text(v, level + 1) for v in value[:20]) + \
            (", ..." if len(value) > 20 else "") + "]"
    if isinstance(value, dict):
        if level > 4:
            return "{...}"
        return "{" + ", ".join(f"{k}: {_text(v, level + 1)}" for k, v in
                               list(value.items())[:10]) + "}"
    if isinstance(value, int) and abs(value) > 10 ** 15:
        return f"an integer of {len(str(abs(value)))} digits"
    return str(value)[:200]
