"""A convolution worked cell by cell, forward and backward.

Every output cell is the sum of a window times the kernel (written out for the first cells);
with dL/dY the backward pass gives dL/dW (windows times dL/dY), dL/db, and dL/dX (the full
convolution of dL/dY with the kernel, shown with its padding and 180° rotation).
"""

from __future__ import annotations

import numpy as np

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.kernels.activations import apply
from dlsolve.kernels.convolution import conv_backward, conv_forward, full_convolution, pad
from dlsolve.solvers.window_size import size_steps
from dlsolve.spec.conv import ConvProblem
from dlsolve.steps import Heading, MatrixStep, Note, Solution, Step

WORKED = 4  # cells written out in full; the rest follow the same pattern


def solve(spec: ConvProblem) -> Solution:
    x, k, g = spec.x, spec.k, spec.g
    op = "convolution" if spec.flip else "cross-correlation"
    sol = Solution("conv", f"2-D {op}: {_dims(x)} input, {k.shape[0]} filter(s) of "
                   f"{k.shape[2]}×{k.shape[3]}")
    sol.add(Note(f"Operation: {op}. " + (
        "The kernel is rotated 180° before sliding (true convolution, as seed 004 does)."
        if spec.flip else "The kernel slides as written (what deep-learning libraries call "
        "convolution).")))
    kf = k[..., ::-1, ::-1] if spec.flip else k
    setup(sol, spec, kf)
    y = conv_forward(x, k, spec.b, g, spec.flip)
    cells(sol, spec, kf, y)
    out = y
    if spec.activation is not None:
        act = spec.activation
        out = np.vectorize(lambda v: apply(act.fn, v, act.params))(y)
        sol.add(Heading(f"Activation: {act.title}"),
                MatrixStep("After the activation", Sym("a"), _layout(out, spec.many)))
        sol.set("pre_activation", _layout(y, spec.many))
    sol.set("output", _layout(out, spec.many))
    sol.set("output_shape", list(out.shape) if spec.many else list(out.shape[1:]))
    sol.answer = ("output", "output_shape")
    if spec.gy is not None:
        backward(sol, spec, kf, y)
        sol.answer = ("output", "output_shape", "grad_input", "grad_kernel", "grad_bias")
    return sol


def _dims(a: np.ndarray) -> str:
    return f"{a.shape[1]}×{a.shape[2]}" + (f"×{a.shape[0]}" if a.shape[0] > 1 else "")


def _layout(a: np.ndarray, many: bool) -> list:
    """One matrix for a single filter, a list of matrices for kernels:."""
    return a.tolist() if many else a[0].tolist()


def _input_layout(a: np.ndarray, channels: bool) -> list:
    return a.tolist() if channels else a[0].tolist()


def setup(sol: Solution, spec: ConvProblem, kf: np.ndarray) -> None:
    x, k, g = spec.x, spec.k, spec.g
    sol.add(Heading("Setup"), MatrixStep("Input", Sym("X"), _input_layout(x, spec.channels)))
    if any(g.pad):
        sol.add(MatrixStep(f"Input padded with zeros (top {g.pad[0]}, bottom {g.pad[1]}, "
                           f"left {g.pad[2]}, right {g.pad[3]})", Sym("X_p"),
                           _input_layout(pad(x, g), spec.channels)))
    for o in range(k.shape[0]):
        name = Sym("K" if k.shape[0] == 1 else f"K{o + 1}")
        sol.add(MatrixStep("Kernel" if k.shape[0] == 1 else f"Filter {o + 1}", name,
                           _input_layout(k[o], spec.channels)))
        if spec.flip:
            sol.add(MatrixStep("Rotated 180° (rows and columns reversed): the kernel that slides",
                               Sym(f"{name.name}_f"),
                               _input_layout(kf[o], spec.channels)))
    sol.add(*size_steps(x.shape[1], x.shape[2], k.shape[2], k.shape[3], g, spec.padding))
    sol.add(Step("Output size", E.Seq((Sym("H_out"), Sym("W_out")), ""),
                 value=E.Seq((Num(g.out[0]), Num(g.out[1])), "", "x"), approx=False,
                 key="output_shape"))


def _window_terms(xp: np.ndarray, kf: np.ndarray, g, i: int, j: int) -> list[E.Expr]:
    kh, kw = kf.shape[-2:]
    rows, cols = g.rows(i, kh), g.cols(j, kw)
    return [E.Mul((Num(xp[c, r, s]), Num(kf[c, u, v])))
            for c in range(xp.shape[0]) for u, r in enumerate(rows) for v, s in enumerate(cols)]


def cells(sol: Solution, spec: ConvProblem, kf: np.ndarray, y: np.ndarray) -> None:
    g, xp = spec.g, pad(spec.x, spec.g)
    total = y.size
    kh, kw = kf.shape[-2:]
    window = tuple((int(r), int(c)) for r in g.rows(0, kh) for c in g.cols(0, kw))
    sol.add(MatrixStep("The window of y[0,0] (boxed)", Sym("X_p" if any(g.pad) else "X"),
                       _input_layout(xp, spec.channels), highlight=window))
    for o in range(y.shape[0]):
        sol.add(Heading(f"Output cells, filter {o + 1}" if y.shape[0] > 1 else "Output cells"))
        shown = 0
        for i in range(y.shape[1]):
            for j in range(y.shape[2]):
                if shown >= WORKED:
                    break
                terms = _window_terms(xp, kf[o], g, i, j)
                if spec.b[o] != 0:
                    terms.append(Num(spec.b[o]))
                lhs = Sym(f"y[{i},{j}]" if y.shape[0] == 1 else f"y{o + 1}[{i},{j}]")
                sol.add(Step("", lhs, E.Add(tuple(E.elide(terms, 12))), value=y[o, i, j],
                             key="output"))
                shown += 1
        sol.add(MatrixStep("Output" if y.shape[0] == 1 else f"Output of filter {o + 1}",
                           Sym("Y" if y.shape[0] == 1 else f"Y{o + 1}"), y[o].tolist()))
    if total > WORKED * y.shape[0]:
        sol.add(Note(f"The other output cells are the same sum over their own window "
                     f"({total} cells in all)."))


def backward(sol: Solution, spec: ConvProblem, kf: np.ndarray, y: np.ndarray) -> None:
    assert spec.gy is not None
    g, x, k = spec.g, spec.x, spec.k
    gy = spec.gy
    sol.add(Heading("Backward pass"), MatrixStep("Upstream gradient", E.Deriv(Sym("L"), Sym("Y")),
                                                 _layout(gy, True)[0] if not spec.many else
                                                 _layout(gy, True)))
    if spec.activation is not None:
        act = spec.activation
        fp = np.vectorize(lambda v: act.fn.derivative(v, act.params, act.kink)[0])(y)
        gy = gy * fp
        sol.add(MatrixStep(f"Through the activation: dL/dY · {act.title}'(Y)", E.Deriv(
            Sym("L"), Sym("Y_pre")), _layout(gy, spec.many)))
    dx, dk, db = conv_backward(x, k, gy, g, spec.flip)
    sol.add(Step("Bias: every output cell adds b once", E.Deriv(Sym("L"), Sym("b")),
                 E.Sum("i,j", E.Deriv(Sym("L"), Sym("Y[i,j]"))),
                 value=db.tolist() if spec.bias_list or spec.many else float(db[0]),
                 key="grad_bias"))
    xp = pad(x, g)
    kh, kw = k.shape[2:]
    sol.add(Heading("Gradient with respect to the kernel"))
    dkf = dk[..., ::-1, ::-1] if spec.flip else dk  # for the kernel as it slid
    base = "dK_f" if spec.flip else "dK"
    for o in range(k.shape[0]):
        for u in range(min(kh, 2)):
            for v in range(min(kw, 2)):
                terms = [E.Mul((Num(gy[o, i, j]), Num(xp[0, g.rows(i, kh)[u], g.cols(j, kw)[v]])))
                         for i in range(g.out[0]) for j in range(g.out[1])]
                name = f"{base}[{u},{v}]" if k.shape[0] == 1 else f"{base}{o + 1}[{u},{v}]"
                sol.add(Step("", Sym(name), E.Add(tuple(E.elide(terms, 10))),
                             value=float(dkf[o, 0, u, v])))
    if x.shape[0] > 1:
        sol.add(Note("Shown for channel 0; every channel's kernel gradient is the same sum over "
                     "its own input channel."))
    if spec.flip:
        sol.add(Note("For the true convolution these sums are the gradient with respect to the "
                     "rotated kernel that slid over the input; the kernel as written gets them "
                     "rotated back by 180°."))
    for o in range(k.shape[0]):
        sol.add(MatrixStep(f"dL/dK, shape {kh}×{kw}" + (f" (filter {o + 1})" if spec.many else ""),
                           E.Deriv(Sym("L"), Sym("K")), _input_layout(dk[o], spec.channels)))
    input_gradient(sol, spec, kf, gy, dx)
    sol.set("grad_input", _input_layout(dx, spec.channels))
    sol.set("grad_kernel", dk.tolist() if spec.many else _input_layout(dk[0], spec.channels))
    sol.set("grad_bias", db.tolist() if spec.bias_list or spec.many else float(db[0]))


def input_gradient(sol: Solution, spec: ConvProblem, kf: np.ndarray, gy: np.ndarray,
                   dx: np.ndarray) -> None:
    g, x = spec.g, spec.x
    kh, kw = kf.shape[2:]
    sol.add(Heading("Gradient with respect to the input"))
    if g.stride == (1, 1) and g.dilation == (1, 1):
        gp = np.pad(gy, ((0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
        rot = kf[..., ::-1, ::-1]
        sol.add(Note("dL/dX is the full convolution of dL/dY with the kernel: pad dL/dY with "
                     f"k - 1 = {kh - 1} zeros on every side and slide the kernel used in the "
                     "forward pass rotated 180° over it."),
                MatrixStep("dL/dY padded for the full convolution", Sym("G_p"),
                           gp[0].tolist()),
                MatrixStep("The kernel that slid in the forward pass, rotated 180°",
                           E.Call("rot180", (Sym("K_f" if spec.flip else "K"),)),
                           _input_layout(rot[0], spec.channels)))
        full = full_convolution(gy, kf, g)
        for i, j in [(0, 0), (0, 1), (1, 1)][: min(3, full.shape[1] * full.shape[2])]:
            if i < full.shape[1] and j < full.shape[2]:
                terms = [E.Mul((Num(gp[o, i + u, j + v]), Num(rot[o, 0, u, v])))
                         for o in range(gp.shape[0]) for u in range(kh) for v in range(kw)]
                sol.add(Step("", Sym(f"dXp[{i},{j}]"), E.Add(tuple(E.elide(terms, 12))),
                             value=full[0, i, j]))
        if any(g.pad):
            sol.add(Note(f"The forward pass padded the input, so the border of this result "
                         f"(top {g.pad[0]}, left {g.pad[2]}) belongs to the padding and is "
                         f"cut away."))
    else:
        sol.add(Note("With a stride or dilation above 1 each dL/dY[i,j] times the kernel is "
                     "added back onto the window it came from (overlaps add up)."))
    sol.add(MatrixStep(f"dL/dX, the input's shape {x.shape[1]}×{x.shape[2]}", E.Deriv(
        Sym("L"), Sym("X")), _input_layout(dx, spec.channels), key="grad_input"))
