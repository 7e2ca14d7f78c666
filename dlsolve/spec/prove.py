"""Spec of a ``prove`` problem: a named identity or ``lhs = rhs``."""

from __future__ import annotations

from dataclasses import dataclass

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.reader import BAD, Reader, describe, string


@dataclass(frozen=True)
class ProveProblem:
    identity: str


def parse(r: Reader) -> ProveProblem | None:
    from dlsolve.symbolic.parse import ParseError
    from dlsolve.symbolic.parse import parse as parse_formula
    from dlsolve.symbolic.prove import EXTRA, NAMED, _split

    r.allow(COMMON_FIELDS + ("identity",))
    text = r.get("identity", string, what="an identity 'lhs = rhs' or a name (" +
                 ", ".join(NAMED) + ")")
    if text is BAD:
        return None
    if text.strip().lower() not in NAMED:
        try:
            for side in _split(text):
                parse_formula(side, None, EXTRA)
        except ParseError as e:
            r.fail("identity", f"{e} (got {describe(text)})")
            return None
    return ProveProblem(text)


def solve(spec: ProveProblem):  # type: ignore[no-untyped-def]
    from dlsolve.symbolic.prove import prove

    return prove(spec.identity)
