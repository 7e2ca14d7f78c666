"""Problem kinds: which module parses a spec of that kind and which solves it.

Each spec module has ``parse(reader) -> spec object``; each solver module has
``solve(spec) -> Solution``. Modules are imported on use so that a command loads only
what it needs (SymPy, for one, only where symbolic work happens).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

KINDS: dict[str, tuple[str, str]] = {
    "convshape": ("dlsolve.spec.convshape", "dlsolve.solvers.convshape"),
    "softmax": ("dlsolve.spec.softmax", "dlsolve.solvers.softmax"),
    "activation": ("dlsolve.spec.activation", "dlsolve.solvers.activation"),
}

COMMON_FIELDS = ("kind", "title", "statement")


def parser(kind: str) -> Any:
    """The ``parse`` function for ``kind``."""
    return import_module(KINDS[kind][0]).parse


def solver(kind: str) -> Any:
    """The ``solve`` function for ``kind``."""
    return import_module(KINDS[kind][1]).solve
