"""Parameter counts layer by layer, like Keras' model.summary(), with each formula filled in.

dense (n_in + 1)·n_out; conv2d (k_h·k_w·C_in + 1)·C_out; batch norm 4·C (γ, β trainable;
moving mean and variance not); embedding input_dim·output_dim; pooling, flatten and
dropout none. The receptive field grows by (k_eff - 1)·jump at each conv or pooling layer,
and the jump multiplies by the stride.
"""

from __future__ import annotations

from dataclasses import dataclass

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.solvers.convshape import out_size
from dlsolve.spec.params import Layer, ParamsProblem
from dlsolve.steps import Heading, Note, Solution, Step, TableStep


@dataclass
class Row:
    name: str
    shape: list[int]
    params: int
    weights: int
    trainable: int
    formula: E.Expr | None
    rf: str


def solve(spec: ParamsProblem) -> Solution:
    sol = Solution("params", f"Parameters of a {len(spec.layers)}-layer network on a "
                   f"{'×'.join(map(str, spec.input))} input", answer=("total",))
    shape, rows = list(spec.input), []
    rf, jump, counts = 1, 1, {}
    sol.add(Heading("Layer by layer"))
    for layer in spec.layers:
        counts[layer.type] = counts.get(layer.type, 0) + 1
        name = layer.name or f"{layer.type}_{counts[layer.type]}"
        if layer.type == "dense" and len(shape) > 1:
            sol.note(f"{name}: the {'×'.join(map(str, shape))} input is flattened to "
                     f"{_prod(shape)} values first, as exam networks do (Keras' Dense would act "
                     f"on the last axis only).")
            shape = [_prod(shape)]
        row, shape, rf, jump = _layer(layer, name, shape, rf, jump)
        rows.append(row)
        if row.formula is not None:
            sol.add(Step(f"{name} ({layer.type})", Sym(f"params_{name}"), row.formula,
                         value=row.params, approx=False, key="per_layer"))
    total = sum(r.params for r in rows)
    sol.add(Heading("Summary"),
            TableStep("Model summary", ("layer", "output shape", "params", "receptive field"),
                      tuple((r.name, "×".join(map(str, r.shape)), r.params, r.rf) for r in rows)),
            Step("Total", Sym("total"), E.Add(tuple(E.elide([Num(r.params) for r in rows], 12))),
                 value=total, approx=False, key="total"))
    trainable = sum(r.trainable for r in rows)
    sol.add(Note(f"Trainable: {trainable:,}; non-trainable: {total - trainable:,}.",
                 "conclusion"))
    sol.set("total", total)
    sol.set("weights", sum(r.weights for r in rows))
    sol.set("trainable", trainable)
    sol.set("non_trainable", total - trainable)
    sol.set("per_layer", [r.params for r in rows])
    sol.set("output_shapes", [r.shape for r in rows])
    return sol


def _prod(shape: list[int]) -> int:
    out = 1
    for n in shape:
        out *= n
    return out


def _spatial(shape: list[int]) -> tuple[int, int, int]:
    if len(shape) == 3:
        return shape[0], shape[1], shape[2]
    if len(shape) == 2:
        return shape[0], shape[1], 1
    raise ValueError


def _layer(layer: Layer, name: str, shape: list[int], rf: int, jump: int) -> tuple:
    o, t = layer.options, layer.type
    grow = "all" if rf == 0 else str(rf)
    if t == "dense":
        n_in, n_out = shape[0], o["units"]
        bias = o["bias"]
        p = (n_in + int(bias)) * n_out
        f = (E.Bracket("paren", Num(n_in) + Num(1)) * Num(n_out)) if bias else Num(n_in) * Num(
            n_out)
        return Row(name, [n_out], p, n_in * n_out, p, f, "all"), [n_out], 0, jump
    if t in ("conv2d", "maxpool", "avgpool"):
        h, w, c = _spatial(shape)
        k = o["kernel"]
        s = o["stride"] or (k if t != "conv2d" else (1, 1))
        d = o.get("dilation", (1, 1))
        pad = o["padding"]
        pads = ("same", "same") if pad == "same" else pad
        oh = out_size(h, k[0], s[0], pads[0], d[0], "conv")[0]
        ow = out_size(w, k[1], s[1], pads[1], d[1], "conv")[0]
        c_out = o["filters"] if t == "conv2d" else c
        new_rf = rf + (d[0] * (k[0] - 1)) * jump if rf else 0
        if t == "conv2d":
            bias = o["bias"]
            p = (k[0] * k[1] * c + int(bias)) * c_out
            inner = Num(k[0]) * Num(k[1]) * Num(c)
            f = (E.Bracket("paren", inner + Num(1)) * Num(c_out)) if bias else inner * Num(c_out)
            row = Row(name, [oh, ow, c_out], p, k[0] * k[1] * c * c_out, p, f,
                      str(new_rf) if rf else "all")
        else:
            row = Row(name, [oh, ow, c_out], 0, 0, 0, None, str(new_rf) if rf else "all")
        return row, [oh, ow, c_out], new_rf, jump * s[0]
    if t in ("globalavgpool", "globalmaxpool"):
        c = shape[-1]
        return Row(name, [c], 0, 0, 0, None, "all"), [c], 0, jump
    if t == "flatten":
        n = _prod(shape)
        return Row(name, [n], 0, 0, 0, None, grow), [n], rf, jump
    if t == "dropout":
        return Row(name, list(shape), 0, 0, 0, None, grow), shape, rf, jump
    if t == "batchnorm":
        c = shape[-1]
        f = Num(4) * Num(c)
        return Row(name, list(shape), 4 * c, 0, 2 * c, f, grow), shape, rf, jump
    # embedding
    p = o["input_dim"] * o["output_dim"]
    new = list(shape) + [o["output_dim"]]
    return Row(name, new, p, p, p, Num(o["input_dim"]) * Num(o["output_dim"]), "—"), new, rf, jump
