"""Sinusoidal positional encodings ("Attention is all you need"), entry by entry.

PE(pos, 2i) = sin(pos / base^(2i/d_model)), PE(pos, 2i + 1) = cos(pos / base^(2i/d_model)),
base 10000: even dimensions take the sine, odd ones the cosine of the same angle.
"""

from __future__ import annotations

import numpy as np

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels.attention import positional
from dlsolve.spec.attention import Positional
from dlsolve.steps import Heading, MatrixStep, Solution, Step

WORKED = 8  # entries written out in full; the rest in the table


def table(pos: Positional) -> Solution:
    """The encoding table of the given positions alone."""
    sol = Solution("attention", f"Sinusoidal positional encoding, d_model = {pos.d_model}",
                   answer=("positional_encoding",))
    sol.given("pos", pos.positions, "positions")
    sol.given("d_model", pos.d_model, "encoding width")
    encode(sol, pos)
    return sol


def encode(sol: Solution, pos: Positional) -> np.ndarray:
    """Record the entries (the first few worked) and the table; return it."""
    pe = np.asarray(positional(pos.positions, pos.d_model, pos.base))
    sol.add(Heading("Sinusoidal positional encoding"))
    shown = 0
    for r, p in enumerate(pos.positions):
        for i in range(pos.d_model):
            if shown < WORKED:
                sol.add(_entry(p, i, pos, pe[r, i]))
                shown += 1
    sol.add(MatrixStep("PE (row: position, column: dimension)", Sym("PE"), pe.tolist(),
                       key="positional_encoding", detail="brief"))
    sol.set("positional_encoding", pe)
    sol.note(f"PE(pos, 2i) = sin(pos/{pos.base:g}^(2i/d_model)), PE(pos, 2i+1) = cos(same "
             "angle): sine and cosine interleaved, dimensions counted from 0, angles in "
             "radians (Vaswani et al.).")
    return pe


def _entry(p: float, i: int, pos: Positional, value: float) -> Step:
    fn = "sin" if i % 2 == 0 else "cos"
    k = i - i % 2
    angle = Sym("pos") / Num(pos.base) ** (Num(k) / Sym("d_model"))
    subst = Num(p) / Num(pos.base) ** (Num(k) / Num(pos.d_model))
    return Step("", E.call("PE", Num(p), Num(i)), E.call(fn, angle), E.call(fn, subst),
                value=value, key="positional_encoding")


def add_to_inputs(sol: Solution, pos: Positional, x: np.ndarray,
                  c: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """X + PE (and the context + its own PE): the inputs of the projections."""
    pe = encode(sol, pos)
    x = x + pe
    sol.add(MatrixStep("X + PE: the rows that are projected", Sym("X"), x.tolist()))
    if c is not None:
        cpe = np.asarray(positional([float(t) for t in range(len(c))], c.shape[1], pos.base))
        c = c + cpe
        sol.add(MatrixStep("C + PE (the context's own positions 0, 1, ...)", Sym("C"),
                           c.tolist()))
    return x, c
