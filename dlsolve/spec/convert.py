"""Converters for spec fields: each returns the checked value or raises ``Bad``.

``Bad`` carries what was expected, where below the field (a sub-path into a list), and what
was got; the Reader turns it into a located issue.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

from dlsolve.spec.phrases import MISSING, Marker, Said, suggest

Conv = Callable[[Any], Any]


REQUIRED = Marker("REQUIRED")
BAD = Marker("BAD")


class Bad(Exception):
    """A converter's complaint: what was expected, at which sub-path, and what was got."""

    def __init__(self, expected: str, sub: tuple[Any, ...] = (), got: Any = MISSING,
                 hint: str | None = None):
        super().__init__(expected)
        self.expected = expected
        self.sub = sub
        self.got = got
        self.hint = hint


_BIGGEST = int(sys.float_info.max)


def expectation(conv: Conv) -> str:
    return getattr(conv, "expected", "a value")


def expects(text: str, example: str | None = None) -> Callable[[Conv], Conv]:
    """Decorator: attach the phrase used in 'expected …' messages to a converter, and
    optionally the value of an example line shown when the field is missing."""

    def deco(fn: Conv) -> Conv:
        fn.expected = text  # type: ignore[attr-defined]
        if example is not None:
            fn.example = example  # type: ignore[attr-defined]
        return fn

    return deco


_EXAMPLES = (("matrix", "[[0.1, 0.2], [0.3, 0.4]]"), ("list", "[0.5, -1.0]"),
             ("true or false", "true"), ("integer", "2"), ("positive number", "0.1"),
             ("number", "0.5"), ("text", "some text"))


def example(conv: Conv) -> str | None:
    """A value to show in ``add a line such as field: <value>`` for a missing field."""
    given = getattr(conv, "example", None)
    if given is not None:
        return given
    text = expectation(conv)
    if text.startswith("one of "):
        return text[len("one of "):].split(",")[0].strip()
    return next((ex for word, ex in _EXAMPLES if word in text), None)


@expects("a number", "0.5")
def number(v: Any) -> float | int:
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise Bad("a number")
    if isinstance(v, int) and abs(v) > _BIGGEST:
        raise Bad("a number within float range (about ±1.8e308)")
    if not math.isfinite(v):
        raise Bad("a finite number")
    return v


_EXACT = 2 ** 53


@expects("an integer", "2")
def integer(v: Any) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or \
            (isinstance(v, float) and not v.is_integer()):
        raise Bad("an integer")
    if abs(v) > _EXACT:
        raise Bad(f"an integer of at most {_EXACT:,} in size")
    return int(v)


@expects("a positive integer")
def positive_int(v: Any) -> int:
    n = integer_or(v, "a positive integer")
    if n < 1:
        raise Bad("a positive integer")
    return n


def at_most(limit: int, conv: Conv = None) -> Conv:  # type: ignore[assignment]
    """A positive integer no larger than ``limit`` (loops and sizes stay finite)."""
    base = conv or positive_int
    text = f"{expectation(base)} up to {limit:,}"

    @expects(text)
    def bounded(v: Any) -> int:
        n = base(v)
        if n > limit:
            raise Bad(text)
        return n

    return bounded


@expects("a non-negative integer")
def nonneg_int(v: Any) -> int:
    n = integer_or(v, "a non-negative integer")
    if n < 0:
        raise Bad("a non-negative integer")
    return n


def integer_or(v: Any, expected: str) -> int:
    try:
        return integer(v)
    except Bad:
        raise Bad(expected) from None


@expects("a positive number")
def positive(v: Any) -> float | int:
    x = number(v)
    if x <= 0:
        raise Bad("a positive number")
    return x


@expects("a number >= 0")
def nonneg(v: Any) -> float | int:
    x = number(v)
    if x < 0:
        raise Bad("a number >= 0")
    return x


@expects("true or false")
def boolean(v: Any) -> bool:
    if not isinstance(v, bool):
        raise Bad("true or false")
    return v


@expects("text")
def string(v: Any) -> str:
    if not isinstance(v, str) or not v.strip():
        raise Bad("text")
    return v


def choice(*options: str, aliases: dict[str, str] | None = None) -> Conv:
    """A converter accepting one of ``options`` (case-insensitive), with aliases."""
    aliases = aliases or {}
    text = "one of " + ", ".join(options)

    @expects(text)
    def conv(v: Any) -> str:
        if isinstance(v, str):
            key = v.strip().lower()
            key = aliases.get(key, aliases.get(key.replace("-", "_"), key)).lower()
            for opt in options:
                if opt.lower() in (key, key.replace("_", "-")) or \
                        opt.lower().replace("-", "_") == key:
                    return opt
        raise Bad(text, hint=suggest(v, list(options) + list(aliases)))

    return conv


def vector(elem: Conv = number, length: int | None = None, min_len: int = 1,
           what: str | None = None) -> Conv:
    """A converter for a list of ``elem`` values (a single value is a 1-list only if allowed)."""
    noun = what or ("a list of " + _plural(expectation(elem)))
    if length is not None:
        noun += f" of length {length}"

    @expects(noun)
    def conv(v: Any) -> list[Any]:
        if not isinstance(v, list):
            raise Bad(noun)
        if elem is number and length is None and len(v) >= min_len and \
                all(type(x) is float or type(x) is int and -_BIGGEST <= x <= _BIGGEST
                    for x in v) and all(map(math.isfinite, v)):
            return v  # the common case, without a call per element
        if length is not None and len(v) != length:
            raise Bad(noun, got=Said(f"{len(v)} values"))
        if len(v) < min_len:
            raise Bad(noun, got=Said("an empty list" if not v else f"{len(v)} values"))
        out = []
        for i, item in enumerate(v):
            try:
                out.append(elem(item))
            except Bad as e:
                raise Bad(e.expected, (i,) + e.sub, item if e.got is MISSING else e.got,
                          e.hint) from None
        return out

    return conv


def matrix(elem: Conv = number, what: str = "a matrix (a list of rows of numbers)") -> Conv:
    """A converter for a rectangular list of rows."""
    row_conv = vector(elem)

    @expects(what)
    def conv(v: Any) -> list[list[Any]]:
        if not isinstance(v, list) or not v or not all(isinstance(r, list) for r in v):
            raise Bad(what)
        rows = []
        for i, r in enumerate(v):
            try:
                rows.append(row_conv(r))
            except Bad as e:
                raise Bad(e.expected, (i,) + e.sub, e.got if e.got is not MISSING else r,
                          e.hint) from None
        width = len(rows[0])
        for i, r in enumerate(rows):
            if len(r) != width:
                raise Bad(f"rows of equal length ({width}, as row 0)", (i,),
                          Said(f"row {i} with {len(r)}"))
        return rows

    return conv


def pair(elem: Conv) -> Conv:
    """A converter for a single value (used for both dimensions) or a pair [h, w]."""
    noun = f"{expectation(elem)} or a pair [h, w] of them"

    @expects(noun)
    def conv(v: Any) -> tuple[Any, Any]:
        if isinstance(v, list):
            if len(v) != 2:
                raise Bad(noun)
            out = []
            for i, item in enumerate(v):
                try:
                    out.append(elem(item))
                except Bad:
                    raise Bad(noun, (i,), item) from None
            return (out[0], out[1])
        try:
            x = elem(v)
        except Bad:
            raise Bad(noun) from None
        return (x, x)

    return conv


def either(*convs: Conv, what: str | None = None) -> Conv:
    """The first converter that accepts the value."""
    noun = what or " or ".join(expectation(c) for c in convs)

    @expects(noun)
    def conv(v: Any) -> Any:
        hint, inner = None, None
        for c in convs:
            try:
                return c(v)
            except Bad as e:
                hint = hint or e.hint
                if e.sub and (inner is None or len(e.sub) > len(inner.sub)):
                    inner = e
        if inner is not None:  # the shape fitted, an element did not: say which
            raise inner
        raise Bad(noun, hint=hint)

    return conv


def _plural(phrase: str) -> str:
    for article in ("a ", "an "):
        if phrase.startswith(article):
            phrase = phrase[len(article):]
            head, _, rest = phrase.partition(" ")
            return head + "s" + (" " + rest if rest else "")
    return phrase
