"""Reading a student's answers file: which quantity each name grades, and what each value says.

A name is a result or a symbol of the derivation (``dlsolve.check.names``); anything else is
bad input, with the known names and the nearest one. A value written as text is read where
the reading is obvious and said ("0, -1.5" is the list [0, -1.5]; "1,25" with a decimal
comma is 1.25), and otherwise the student is told how to write it. Values that are no finite
number (.inf, an integer too large for a float, a list nested deeper than the answer) are
never compared silently.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from dlsolve.check.names import Names, Target, squeeze
from dlsolve.errors import Issue, SpecError
from dlsolve.spec.load import Document

HOW = "write a number as 0.3125 (a decimal point; no words or units), a list in brackets: [0, -1.5]"
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")
NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
MAX_DEPTH = 8


@dataclass
class Answer:
    """One answer: the name written, what it grades, the value read, and what was said."""

    written: str
    target: Target
    given: Any
    texts: dict[tuple, str] = field(default_factory=dict)  # path inside the value -> text
    said: list[str] = field(default_factory=list)
    problem: str | None = None
    line: int | None = None

    @property
    def name(self) -> str:
        return self.target.result or self.written


def read_answers(doc: Document, solution: Any, names: Names,
                 empty_ok: bool = False) -> list[Answer]:
    """Every answer of the file, each with its target; unknown or ambiguous names: exit 2.

    ``empty_ok``: an empty mapping is no answers (a class's student who answered nothing).
    """
    data = doc.data
    if not isinstance(data, dict) or not (data or empty_ok):
        raise SpecError([Issue(doc.source, "", "expected a mapping of result names to your "
                               "answers (loss: 0.31)", *doc.where(()))])
    issues, out, seen = [], [], {}
    for written, given in data.items():
        line, col = doc.where((written,), key=True)
        target = names.lookup(str(written))
        if target is None:
            issues.append(Issue(doc.source, str(written), _unknown(str(written), solution, names),
                                line, col))
            continue
        first = seen.setdefault(target.ident, (written, line))
        if first[0] != written:
            where = f" (line {first[1]})" if first[1] else ""
            issues.append(Issue(doc.source, str(written), f"answers the same quantity as "
                                f"{first[0]}{where}; give it once", line, col))
            continue
        texts = {path[1:]: t for path, t in doc.texts.items() if path[:1] == (written,)}
        answer = Answer(str(written), target, given, texts, line=line)
        expected = solution.results[target.result] if target.result else target.value
        answer.given = _read(answer, given, expected, ())
        out.append(answer)
    if issues:
        raise SpecError(issues)
    return out


def _unknown(name: str, solution: Any, names: Names) -> str:
    if squeeze(name) in names.ambiguous:
        return ("the derivation writes this symbol for several quantities (" +
                ", ".join(names.ambiguous[squeeze(name)]) + "); use the result's name")
    close = difflib.get_close_matches(name, list(names.targets), n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ("not a result of this problem; known results: " +
            ", ".join(sorted(solution.results)) + " (and the derivation's symbols for them: "
            "dlsolve check --names SPEC)" + hint)


def _read(a: Answer, given: Any, expected: Any, path: tuple) -> Any:
    """The value to compare: strings read as numbers where obvious; problems recorded."""
    if a.problem:
        return given
    if isinstance(given, str) and not isinstance(expected, (str, bool)):
        return _read_text(a, given, expected, path)
    if isinstance(given, bool) or isinstance(expected, bool):
        return given
    if isinstance(given, int) and abs(given) > 1e308:
        a.problem = (f"your value is an integer of {len(str(abs(given)))} digits, too large "
                     "for a floating-point number; it is not compared")
        return given
    if isinstance(given, float) and not math.isfinite(given) and not _nonfinite(expected):
        a.problem = f"your value is not a finite number ({given}); it is not compared"
        return given
    if isinstance(given, list):
        if depth(given) > depth(expected) + 1 or depth(given) > MAX_DEPTH:
            a.problem = (f"your value is a list nested {min(depth(given), 99)} deep; "
                         f"the answer is {_shape_words(expected)}")
            return given
        if isinstance(expected, list) and len(expected) == len(given):
            return [_read(a, g, e, path + (i,)) for i, (g, e) in enumerate(zip(given, expected))]
    if isinstance(given, dict) and isinstance(expected, dict):
        return {k: _read(a, g, expected[k], path + (k,)) if k in expected else g
                for k, g in given.items()}
    return given


def _read_text(a: Answer, text: str, expected: Any, path: tuple) -> Any:
    from dlsolve.check.compare import parse_shape

    shape = parse_shape(text)
    if shape is not text:
        return shape
    t = text.strip().replace("−", "-").lstrip("≈~").strip()
    if _nonfinite_expected(expected) and t.lower().lstrip("+-") in INFINITY:
        a.said.append(f"read {text!r} as {'-' if t.startswith('-') else ''}infinity")
        return -math.inf if t.startswith("-") else math.inf
    if isinstance(expected, list) and expected and not isinstance(expected[0], list):
        values = _numbers(t, a, path)
        if values is not None and len(values) == len(expected):
            a.said.append(f"read {text!r} as the list [{', '.join(map(str, values))}]; "
                          f"write a list in brackets: {a.written}: [{', '.join(map(str, values))}]")
            return values
    elif isinstance(expected, (int, float)):
        value = _number(t, a, path, whole=True)
        if value is not None:
            if t != text:
                a.said.append(f"read {text!r} as {value}")
            return value
    a.problem = a.problem or f"{text!r} is not readable as the answer: {HOW}"
    return text


def _number(t: str, a: Answer, path: tuple, whole: bool = False) -> float | None:
    """One number written as text: 0.31, 1,25 (a decimal comma, said), 1/3 (a fraction)."""
    if NUMBER.fullmatch(t):
        a.texts[path] = t
        return plain_number(t)
    if whole and _DECIMAL_COMMA.fullmatch(t):
        if len(t.partition(",")[2]) == 3:
            a.problem = (f"{t!r} is ambiguous: a decimal comma ({t.replace(',', '.')}) or a "
                         f"thousands separator ({t.replace(',', '')})? write {t.replace(',', '.')}"
                         f" or {t.replace(',', '')}")
            return None
        a.texts[path] = t.replace(",", ".")
        a.said.append(f"read {t!r} as {t.replace(',', '.')} (a decimal comma); "
                      f"write {a.written}: {t.replace(',', '.')}")
        return float(t.replace(",", "."))
    num, slash, den = t.partition("/")
    if slash and NUMBER.fullmatch(num.strip()) and NUMBER.fullmatch(den.strip()):
        try:
            value = Fraction(num.strip()) / Fraction(den.strip())
        except ZeroDivisionError:
            return None
        a.said.append(f"read {t!r} as the fraction {float(value):.6g}")
        return float(value)
    return None


def plain_number(t: str) -> int | float:
    """A number as written: an integer when it has no point or exponent (beyond 300 digits
    a float, inf if it is out of range, which grades as wrong, not as a crash)."""
    digits = t.lstrip("+-")
    return int(t) if digits.isdigit() and len(digits) <= 300 else float(t)


def _numbers(t: str, a: Answer, path: tuple) -> list[float] | None:
    """A list written as text: '0, -1.5', '[0, -1.5]', '0 -1.5', '0,5; 1,5' (decimal commas)."""
    t = t.strip().strip("[]()").strip()
    if ";" in t:
        parts = [p.strip().replace(",", ".") for p in t.split(";")]
    else:
        parts = [p for p in re.split(r"[,\s]+", t) if p]
    values = []
    for i, part in enumerate(parts):
        if not NUMBER.fullmatch(part):
            return None
        a.texts[path + (i,)] = part
        values.append(plain_number(part))
    return values


def depth(value: Any) -> int:
    """How deeply lists nest (0 for a number), without recursion.

    >>> depth(0.5), depth([1, 2]), depth([[1], [2]])
    (0, 1, 2)
    """
    d, level = 0, [value]
    while d <= 100:
        lists = [x for x in level if isinstance(x, list)]
        if not lists:
            return d
        d += 1
        level = [v for x in lists for v in x[:50]]
    return d


def _nonfinite(value: Any) -> bool:
    if isinstance(value, float):
        return not math.isfinite(value)
    return isinstance(value, list) and any(_nonfinite(v) for v in value)


def _shape_words(value: Any) -> str:
    from dlsolve.check.compare import describe

    return describe(value)


INFINITY = ("inf", "infinity", "∞", ".inf")


def _nonfinite_expected(value: Any) -> bool:
    """Does the expected value hold ±inf (a masked score, an overflow)?"""
    if isinstance(value, float):
        return not math.isfinite(value)
    return isinstance(value, list) and any(_nonfinite_expected(v) for v in value)
