"""Spec of an ``activation`` problem: a function, its parameters, the points."""

from __future__ import annotations

from dataclasses import dataclass

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.common import ActivationSpec, make_activation
from dlsolve.spec.reader import BAD, Bad, Reader, boolean, either, number, vector

PARAMS = ("alpha", "beta", "lambda", "min", "max")


@dataclass(frozen=True)
class ActivationProblem:
    act: ActivationSpec
    at: list[float]
    symbolic: bool = False


def parse(r: Reader) -> ActivationProblem | None:
    r.allow(COMMON_FIELDS + ("name", "at", "symbolic", "kink") + PARAMS)
    at = r.get("at", either(vector(number), number, what="a number or a list of numbers"), [])
    if not isinstance(at, list) and at is not BAD:
        at = [at]
    symbolic = r.get("symbolic", boolean, False)
    name = r.get("name", lambda v: v, what="an activation name")
    extra = {k: r.raw(k) for k in PARAMS + ("kink",) if r.has(k)}
    act = BAD
    if name is not BAD:
        try:
            act = make_activation(name, extra)
        except Bad as e:
            r.expected(e.sub[0] if e.sub else "name", e.expected,
                       e.got if e.sub else name, e.hint)
    if not r.ok:
        return None
    return ActivationProblem(act, [float(x) for x in at], symbolic)
