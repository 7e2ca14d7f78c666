"""Work bounds shared by the spec layer and the command line: how large a problem may be.

Exam problems are small; these bounds are far above any of them and far below what would
take a 2-core machine more than a few seconds or a few hundred MB. Spec modules refuse a
larger problem before any work starts, naming the limit (``too_large``); the guards in
``dlsolve.guard`` (a time limit and a memory ceiling) catch whatever an estimate misses.
"""

from __future__ import annotations

# The YAML file itself.
FILE_BYTES = 4_000_000
"""Largest spec file read (bytes)."""
DEPTH = 20
"""Deepest nesting of lists and mappings (a tensor of kernels in a layer list is 6)."""
NODES = 200_000
"""Values in one file (numbers, strings, lists and mappings, counted once each): a 224×224×3
input fits; parsing is about 7 µs a value, so this bounds the parse to a second or two."""
ALIAS_NODES = 10_000
"""Values reached again through ``*alias`` references (bounds alias bombs)."""

# The work a spec asks for.
ELEMENTS = 2_000_000
"""Numbers one array of a derivation may hold (an input, a padded input, a weight matrix)."""
STEPS = 100_000
"""Iterations of a loop (epochs, optimizer steps) times the values each one updates."""

# Formula strings (gd, optimize, prove).
FORMULA_CHARS = 2_000
FORMULA_NODES = 400
"""Operations and operands in one formula."""
FORMULA_DEPTH = 100
CALL_DEPTH = 8
"""Function calls nested in one another (sigmoid(tanh(x)) is 2)."""
EXPONENT = 100
"""Largest exponent (in absolute value) SymPy is asked to work with; exam functions need
a few, and an identity with (x + 1)**64 already takes seconds to decide."""

# Guards around a whole run (the console script only; tests run in-process without them).
TIME_SECONDS = 10
"""CPU seconds for one problem; ``DLSOLVE_TIME_LIMIT`` changes it (0: no limit)."""
MEMORY_MB = 1024
"""Address-space ceiling of one run; ``DLSOLVE_MEMORY_LIMIT`` changes it (0: none)."""


def too_large(what: str, count: int | float, limit: int) -> str:
    """The phrase of a refusal: ``a 3,000,000-element padded input (the limit is 2,000,000)``."""
    return f"at most {limit:,} {what} (the limit for one problem), got {count:,.0f}"


def product(values: list[int | float] | tuple[int | float, ...]) -> float:
    """The product of sizes, as a float so that huge sizes do not build huge integers."""
    out = 1.0
    for v in values:
        out *= float(v)
    return out
