"""The fields of an rnn spec's gates: converters, shapes, and PyTorch's stacked form.

The stacked form is a module's state_dict as PyTorch prints it: ``weight_ih`` (G·H × D),
``weight_hh`` (G·H × H), ``bias_ih`` and ``bias_hh`` (G·H), the G gates' row blocks in
PyTorch's order (i, f, g, o; r, z, n). It is split into the per-gate W, U, b, bu.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlsolve.kernels.recurrent import GATES
from dlsolve.spec.reader import BAD, Bad, Reader, Said, matrix, number

STACKED = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


@dataclass(frozen=True)
class GateSpec:
    W: list[list[float]]
    U: list[list[float]]
    b: list[float]
    bu: list[float]
    given: tuple[str, ...]          # which of W, U, b, bu the spec wrote


def as_matrix(v: Any) -> list[list[float]]:
    if isinstance(v, list):
        return matrix()(v)
    return [[number(v)]]


def as_vector(v: Any) -> list[float] | float:
    if isinstance(v, list):
        if not v:
            raise Bad("a list of numbers", got=Said("an empty list"))
        return [float(number(x)) for x in v]
    return float(number(v))


as_matrix.expected = "a matrix (a list of rows; a number for 1×1)"  # type: ignore
as_vector.expected = "a list of numbers (or one number for every unit)"  # type: ignore


def shape_text(m: list[list[float]]) -> str:
    return f"{len(m)}×{len(m[0])}"


def fill(v: Any, H: int) -> list[float]:
    if v is None:
        return [0.0] * H
    return list(v) if isinstance(v, list) else [float(v)] * H


def is_stacked(raw: dict) -> bool:
    """True when the weights are given in PyTorch's stacked form."""
    return any(k in raw for k in STACKED)


def stacked_gates(wr: Reader, cell: str, D: int) -> dict[str, GateSpec] | None:
    """Split weight_ih / weight_hh / bias_ih / bias_hh into the gates' W, U, b, bu."""
    wr.allow(STACKED)
    names = GATES[cell]
    G, n = len(names), len(wr.issues)
    Wih, Whh = wr.get("weight_ih", as_matrix), wr.get("weight_hh", as_matrix)
    bih, bhh = wr.get("bias_ih", as_vector, None), wr.get("bias_hh", as_vector, None)
    if BAD in (Wih, Whh, bih, bhh):
        return None
    stack = f"{G} gate blocks {', '.join(names)} stacked (PyTorch's order)"
    H = len(Whh) // G
    if len(Whh) % G or len(Whh[0]) != H:
        wr.expected("weight_hh", f"a {G}H×H matrix: {stack}", Said(shape_text(Whh)))
        return None
    if (len(Wih), len(Wih[0])) != (G * H, D):
        wr.expected("weight_ih", f"a {G * H}×{D} matrix: {stack}, hidden size {H}, input size "
                                 f"{D}", Said(shape_text(Wih)))
    for key, v in (("bias_ih", bih), ("bias_hh", bhh)):
        if isinstance(v, list) and len(v) != G * H:
            wr.expected(key, f"{G * H} numbers: {stack}", Said(f"{len(v)} values"))
    if len(wr.issues) > n:
        return None
    given = ("W", "U") + (("b",) if bih is not None else ()) + (("bu",) if bhh is not None
                                                                else ())
    return {g: GateSpec(Wih[k * H:(k + 1) * H], Whh[k * H:(k + 1) * H], _block(bih, k, H),
                        _block(bhh, k, H), given) for k, g in enumerate(names)}


def _block(v: Any, k: int, H: int) -> list[float]:
    return fill(v[k * H:(k + 1) * H] if isinstance(v, list) else v, H)
