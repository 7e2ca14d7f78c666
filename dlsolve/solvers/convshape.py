"""Output shape and parameter count of a conv, transposed-conv or pooling layer.

Per spatial dimension (exam notation: input W, kernel F, padding P, stride S, dilation D):
  conv / pool:  W_out = floor((W - F_eff + 2P) / S) + 1,  F_eff = D(F - 1) + 1
  same:         W_out = ceil(W / S), padding (W_out - 1)S + F_eff - W split as TensorFlow does
  transposed:   W_out = (W - 1)S - 2P + D(F - 1) + output_padding + 1
Parameters of a conv layer: (F_h·F_w·C_in + 1)·C_out (without the + 1 when there is no bias).
"""

from __future__ import annotations

from dlsolve import expr as E
from dlsolve.expr import Bracket, Num, Sym
from dlsolve.kernels.shapes import out_size
from dlsolve.spec.convshape import ConvShapeProblem
from dlsolve.steps import Heading, Note, Solution, Step

LAYER_NAMES = {"conv": "Convolution", "transposed": "Transposed convolution",
               "maxpool": "Max pooling", "avgpool": "Average pooling",
               "local": "Locally connected layer"}


def solve(spec: ConvShapeProblem) -> Solution:
    if spec.solve_for:
        from dlsolve.solvers.convshape_unknown import solve_unknown

        return solve_unknown(spec)
    H, W, C = spec.input
    pooling = spec.layer in ("maxpool", "avgpool")
    c_out = C if pooling else spec.filters
    assert c_out is not None
    sol = Solution("convshape", f"{LAYER_NAMES[spec.layer]}: output shape of a {H}×{W}×{C} input",
                   answer=("output_shape",) + (() if pooling else ("parameters",)))
    dims = list(zip(("H", "W"), spec.input[:2], spec.kernel, spec.stride,
                    _pads(spec), spec.dilation, spec.output_padding))
    same = dims[0][1:] == dims[1][1:]
    outs, raws, fits = [], [], []
    for label, n, k, s, p, d, op in dims[:1] if same else dims:
        name = "height and width (equal)" if same else ("height" if label == "H" else "width")
        sol.add(Heading(f"Output {name}"))
        out, raw, fit = _dimension(sol, label, n, k, s, p, d, op, spec)
        outs.append(out)
        raws.append(raw)
        fits.append(fit)
    if same:
        outs, raws = outs * 2, raws * 2
    sol.add(Heading("Output shape"))
    sol.add(Step("Channels" + (" (pooling keeps them)" if pooling else " = number of filters"),
                 Sym("C_out"), Sym("C_in") if pooling else Sym("K"), value=c_out, approx=False,
                 key="output_channels"))
    shape = [outs[0], outs[1], c_out]
    sol.add(Step("Output shape (H × W × C)", Sym("output"),
                 value=E.Seq(tuple(Num(v) for v in shape), "", "x"), approx=False,
                 key="output_shape"))
    sol.set("output_shape", shape)
    sol.set("output_height", outs[0])
    sol.set("output_width", outs[1])
    sol.set("output_channels", c_out)
    sol.set("fits", all(fits))
    sol.set("raw_output", raws)
    if not spec.channels_given:
        sol.note("The input gave no channel count; C_in = 1 was assumed.")
    neurons = outs[0] * outs[1] * c_out
    sol.add(Step("Output units (neurons)", Sym("neurons"), Sym("H_out") * Sym("W_out") *
                 Sym("C_out"), Num(outs[0]) * Num(outs[1]) * Num(c_out), neurons, approx=False,
                 key="neurons"))
    sol.set("neurons", neurons)
    if spec.layer == "transposed":
        from dlsolve.solvers.convshape_transposed import equivalent

        equivalent(sol, spec)
    if spec.layer == "local":
        _local_parameters(sol, spec, C, outs[:2], c_out)
    elif not pooling:
        _parameters(sol, spec, C, c_out)
    return sol


def _pads(spec: ConvShapeProblem) -> tuple:
    return ("same", "same") if spec.padding == "same" else spec.padding


def _dimension(sol: Solution, label: str, n: int, k: int, s: int, p: int | str, d: int, op: int,
               spec: ConvShapeProblem) -> tuple[int, float, bool]:
    N, F, S, P = Sym(label), Sym("F"), Sym("S"), Sym("P")
    lhs = Sym(label + "_out")
    if d > 1:
        sol.add(Step("Effective (dilated) kernel size", Sym("F_eff"),
                     Sym("D") * E.Bracket("paren", F - Num(1)) + Num(1),
                     Num(d) * E.Bracket("paren", Num(k) - Num(1)) + Num(1), d * (k - 1) + 1,
                     approx=False))
        F = Sym("F_eff")
    eff = d * (k - 1) + 1
    out, raw = out_size(n, k, s, p, d, spec.layer, op, spec.ceil_mode)
    if spec.layer == "transposed":
        formula = (E.Bracket("paren", N - Num(1)) * S - Num(2) * P + Sym("D") *
                   E.Bracket("paren", Sym("F") - Num(1)) + Sym("output_padding") + Num(1))
        subst = (E.Bracket("paren", Num(n) - Num(1)) * Num(s) - Num(2) * Num(p) + Num(d) *
                 E.Bracket("paren", Num(k) - Num(1)) + Num(op) + Num(1))
        sol.add(Step("Transposed convolution", lhs, formula, subst, out, approx=False))
        return out, raw, True
    if p == "same":
        total = max((out - 1) * s + eff - n, 0)
        sol.add(Step("'same' padding: output = ceil(input / stride)", lhs,
                     Bracket("ceil", N / S), Bracket("ceil", Num(n) / Num(s)), out, approx=False),
                Step("Total padding needed", Sym("P_total"),
                     E.call("max", (Sym(label + "_out") - Num(1)) * S + F - N, 0),
                     E.call("max", E.Bracket("paren", Num(out) - Num(1)) * Num(s) + Num(eff)
                            - Num(n), 0), total, approx=False,
                     note=f"{total // 2} before, {total - total // 2} after (TensorFlow puts the "
                          f"odd one at the bottom/right)"))
        return out, raw, True
    p = int(p)
    rnd = "ceil" if spec.ceil_mode else "floor"
    num = N - F + Num(2) * P
    sol.add(Step("Output size", lhs, Bracket(rnd, E.Bracket("paren", num) / S) + Num(1),
                 Bracket(rnd, E.Bracket("paren", Num(n) - Num(eff) + Num(2) * Num(p)) / Num(s))
                 + Num(1), out,
                 more=(Bracket(rnd, Num(n - eff + 2 * p) / Num(s)) + Num(1),), approx=False,
                 key=f"output_{'height' if label == 'H' else 'width'}"))
    fit = (n - eff + 2 * p) % s == 0
    if not fit:
        q = (n - eff + 2 * p) / s
        sol.add(Note(f"({n} - {eff} + 2·{p})/{s} = {q:g} is not an integer: the windows do not "
                     f"tile the padded input exactly. The floor (the exam convention) gives "
                     f"{out}; the last {(n - eff + 2 * p) % s} row(s)/column(s) are never "
                     f"covered.", "warning"))
        sol.note("PyTorch (Conv2d, MaxPool2d with ceil_mode=False) and Keras "
                 "(padding='valid') also floor; pooling with ceil_mode=True rounds up instead.")
    return out, raw, fit


def _local_parameters(sol: Solution, spec: ConvShapeProblem, c_in: int, hw: list[int],
                      c_out: int) -> None:
    """A locally connected layer: a conv's window, but every output unit has its own weights."""
    kh, kw = spec.kernel
    sol.add(Heading("Parameters (no weight sharing)"))
    per_unit = kh * kw * c_in + int(spec.bias)
    positions = hw[0] * hw[1]
    inner = Sym("F_h") * Sym("F_w") * Sym("C_in") + (Num(1) if spec.bias else Num(0))
    nums = Num(kh) * Num(kw) * Num(c_in) + (Num(1) if spec.bias else Num(0))
    total = positions * c_out * per_unit
    sol.add(Step("Each of the H_out·W_out·C_out units has its own window of weights"
                 + (" and a bias" if spec.bias else ""), Sym("params"),
                 Sym("H_out") * Sym("W_out") * Sym("C_out") * E.Bracket("paren", inner),
                 Num(hw[0]) * Num(hw[1]) * Num(c_out) * E.Bracket("paren", nums), total,
                 approx=False,
                 key="parameters"))
    shared = (kh * kw * c_in + int(spec.bias)) * c_out
    sol.add(Note(f"A convolution with the same window shares one filter across positions: "
                 f"{shared:,} parameters instead of {total:,} ({total / shared:,.0f}× fewer)."))
    sol.set("parameters", total)


def _parameters(sol: Solution, spec: ConvShapeProblem, c_in: int, c_out: int) -> None:
    kh, kw = spec.kernel
    sol.add(Heading("Parameters"))
    Fh, Fw, Ci, Co = Sym("F_h"), Sym("F_w"), Sym("C_in"), Sym("C_out")
    if spec.bias:
        formula = E.Bracket("paren", Fh * Fw * Ci + Num(1)) * Co
        subst = E.Bracket("paren", Num(kh) * Num(kw) * Num(c_in) + Num(1)) * Num(c_out)
        total = (kh * kw * c_in + 1) * c_out
        more = (Num(kh * kw * c_in + 1) * Num(c_out),)
    else:
        formula, subst = Fh * Fw * Ci * Co, Num(kh) * Num(kw) * Num(c_in) * Num(c_out)
        total, more = kh * kw * c_in * c_out, ()
    sol.add(Step("Weights and biases" if spec.bias else "Weights (no bias)", Sym("params"),
                 formula, subst, total, approx=False, more=more, key="parameters"))
    if spec.layer == "transposed":
        sol.note("A transposed convolution has the same count: F_h·F_w·C_in·C_out weights "
                 "plus C_out biases.")
    sol.set("parameters", total)
