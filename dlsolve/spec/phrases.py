"""How values are spoken of in error messages: quoting what was got, suggesting a name."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any


class Marker:
    """A named sentinel that is false (REQUIRED, BAD, MISSING)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name

    def __bool__(self) -> bool:
        return False


MISSING = Marker("MISSING")


class Said(str):
    """A description of what was got (printed as is, not quoted)."""


def describe(value: Any) -> str:
    """How a given value is quoted in an error message."""
    if isinstance(value, Said):
        return str(value)
    if value is MISSING:
        return "nothing"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) <= 60 else repr(value[:50]) + f"... ({len(value):,} "\
            "characters)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, int) and abs(value) > 10 ** 20:
        return f"an integer of {len(str(abs(value)))} digits"
    if isinstance(value, list):
        text = "[" + ", ".join(describe(v) for v in value) + "]"
        return text if len(text) <= 40 else text[:37] + "...]"
    return str(value)


def suggest(got: Any, options: Iterable[str]) -> str | None:
    """``did you mean 'tanh'?`` for a misspelt name, or None."""
    if not isinstance(got, str):
        return None
    options = list(options)
    low = {o.lower(): o for o in options}
    close = difflib.get_close_matches(got.strip().lower(), list(low), n=1, cutoff=0.6)
    return f"did you mean {low[close[0]]!r}?" if close else None
