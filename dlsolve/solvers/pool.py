"""Pooling worked window by window; max pooling records which cell won, for the backward pass.

Max: each window's largest value (ties: the first in row-major order, as PyTorch); dL/dY goes
to the winning cell. Average: each window's mean; dL/dY is spread evenly over its cells.
Overlapping windows add their contributions.
"""

from __future__ import annotations

import numpy as np

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels.convolution import pad, pool_backward, pool_forward
from dlsolve.solvers.window_size import size_steps
from dlsolve.spec.conv import PoolProblem
from dlsolve.steps import Heading, MatrixStep, Note, Solution, Step

WORKED = 6


def _layout(a: np.ndarray, channels: bool) -> list:
    return a.tolist() if channels else a[0].tolist()


def solve(spec: PoolProblem) -> Solution:
    x, g, (kh, kw) = spec.x, spec.g, spec.kernel
    kind = ("global " if spec.global_ else "") + ("max" if spec.mode == "max" else "average")
    sol = Solution("pool", f"{kind.capitalize()} pooling: {x.shape[1]}×{x.shape[2]} input, "
                   f"{kh}×{kw} window, stride {g.stride[0]}", answer=("output",))
    sol.add(Heading("Setup"), MatrixStep("Input", Sym("X"), _layout(x, spec.channels)))
    if any(g.pad):
        fill = "-∞ (never the max)" if spec.mode == "max" else "zeros"
        sol.add(MatrixStep(f"Padded with {fill}", Sym("X_p"),
                           _layout(pad(x, g, -np.inf if spec.mode == "max" else 0), spec.channels)))
        if spec.mode == "avg":
            sol.note("Average pooling counts the padded zeros in each window's divisor "
                     "(PyTorch's count_include_pad=True)" if spec.count_include_pad else
                     "Average pooling divides by the number of real (unpadded) cells "
                     + ("(TensorFlow's padding 'same' never counts padded cells)." if spec.same
                        else "(count_include_pad: false)."))
    sol.add(*size_steps(x.shape[1], x.shape[2], kh, kw, g, "same" if spec.same else None))
    res = pool_forward(x, spec.mode, kh, kw, g, spec.count_include_pad, spec.same)
    windows(sol, spec, res)
    for c in range(x.shape[0]):
        sol.add(MatrixStep("Output" + (f", channel {c}" if x.shape[0] > 1 else ""), Sym("Y"),
                           res.output[c].tolist()))
    sol.set("output", _layout(res.output, spec.channels))
    if spec.mode == "max":
        sol.note("Ties in a window go to the first cell in row-major order (as PyTorch).")
    if spec.gy is not None:
        dx = pool_backward(x, spec.mode, kh, kw, g, res, spec.gy)
        sol.add(Heading("Backward pass"),
                MatrixStep("Upstream gradient", E.Deriv(Sym("L"), Sym("Y")),
                           _layout(spec.gy, spec.channels)),
                Note("Max pooling passes each dL/dY[i,j] to the cell that won its window; the "
                     "other cells get 0." if spec.mode == "max" else
                     "Average pooling spreads each dL/dY[i,j] evenly: every cell of the window "
                     "gets dL/dY[i,j] divided by the window's divisor."),
                MatrixStep(f"dL/dX, the input's shape {x.shape[1]}×{x.shape[2]}", E.Deriv(
                    Sym("L"), Sym("X")), _layout(dx, spec.channels), key="grad_input"))
        if g.stride[0] < kh or g.stride[1] < kw:
            sol.add(Note("The windows overlap, so a cell in several windows adds up what each "
                         "sends back."))
        sol.set("grad_input", _layout(dx, spec.channels))
        sol.answer = ("output", "grad_input")
    return sol


def windows(sol: Solution, spec: PoolProblem, res) -> None:
    x, g, (kh, kw) = spec.x, spec.g, spec.kernel
    xp = pad(x, g, -np.inf if spec.mode == "max" else 0.0)
    first = tuple((int(r), int(c)) for r in g.rows(0, kh) for c in g.cols(0, kw))
    sol.add(Heading("Windows"),
            MatrixStep("The window of y[0,0] (boxed)", Sym("X_p" if any(g.pad) else "X"),
                       _layout(xp, spec.channels), highlight=first))
    shown = 0
    for i in range(g.out[0]):
        for j in range(g.out[1]):
            if shown >= WORKED:
                continue
            rows, cols = g.rows(i, kh), g.cols(j, kw)
            vals = [Num(xp[0, r, s]) for r in rows for s in cols]
            lhs = Sym(f"y[{i},{j}]")
            if spec.mode == "max":
                r, s = res.winners[0, i, j]
                sol.add(Step("", lhs, E.Call("max", tuple(vals)), value=res.output[0, i, j],
                             note=f"winner at row {r - g.pad[0]}, column {s - g.pad[2]} of "
                                  f"the input", key="output"))
            else:
                sol.add(Step("", lhs, E.Add(tuple(E.elide(vals, 12))) / Num(res.counts[i, j]),
                             value=res.output[0, i, j], key="output"))
            shown += 1
    if g.out[0] * g.out[1] > WORKED or x.shape[0] > 1:
        sol.add(Note("The remaining windows (and channels) are pooled the same way."))
