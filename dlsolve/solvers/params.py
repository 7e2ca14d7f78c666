"""Parameter counts layer by layer, like Keras' model.summary(), with each formula filled in.

dense (n_in + 1)·n_out; conv2d (k_h·k_w·C_in + 1)·C_out; batch norm 4·C (γ, β trainable;
moving mean and variance not); embedding input_dim·output_dim; pooling, flatten and
dropout none. The receptive field grows by (k_eff - 1)·jump at each conv or pooling layer,
and the jump multiplies by the stride.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.spec.params import Layer, ParamsProblem, channels, output_shape, window
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
                   f"{'×'.join(map(str, spec.input))} input",
                   answer=("total", "per_layer", "weights", "biases"))
    shape, rows = list(spec.input), []
    rf, jump, counts = 1, 1, {}
    sol.add(Heading("Layer by layer"))
    for layer in spec.layers:
        counts[layer.type] = counts.get(layer.type, 0) + 1
        name = layer.name or f"{layer.type}_{counts[layer.type]}"
        if layer.type == "dense" and len(shape) > 1:
            sol.note(f"{name}: the {'×'.join(map(str, shape))} input is flattened to "
                     f"{math.prod(shape)} values first, as exam networks do (Keras' Dense "
                     f"would act on the last axis only).")
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
    sol.set("biases", total - sol.results["weights"])  # bias vectors (and beta) in all
    sol.set("trainable", trainable)
    sol.set("non_trainable", total - trainable)
    sol.set("per_layer", [r.params for r in rows])
    sol.set("output_shapes", [r.shape for r in rows])
    return sol


def _layer(layer: Layer, name: str, shape: list[int], rf: int, jump: int) -> tuple:
    """(the summary row, the new shape, receptive field, jump) of one layer."""
    o, t = layer.options, layer.type
    new = output_shape(layer, shape)
    grow = str(rf) if rf else "all"
    if t == "dense":
        n_in, n_out, bias = math.prod(shape), o["units"], o["bias"]
        p = (n_in + int(bias)) * n_out
        f = E.Bracket("paren", Num(n_in) + Num(1)) * Num(n_out) if bias else \
            Num(n_in) * Num(n_out)
        return Row(name, new, p, n_in * n_out, p, f, "all"), new, 0, jump
    if t in ("conv2d", "maxpool", "avgpool"):
        k, s, d, _ = window(layer)
        new_rf = rf + d[0] * (k[0] - 1) * jump if rf else 0
        grow = str(new_rf) if rf else "all"
        if t == "maxpool" or t == "avgpool":
            return Row(name, new, 0, 0, 0, None, grow), new, new_rf, jump * s[0]
        c, c_out, bias = channels(shape), o["filters"], o["bias"]
        p = (k[0] * k[1] * c + int(bias)) * c_out
        inner = Num(k[0]) * Num(k[1]) * Num(c)
        f = E.Bracket("paren", inner + Num(1)) * Num(c_out) if bias else inner * Num(c_out)
        return Row(name, new, p, k[0] * k[1] * c * c_out, p, f, grow), new, new_rf, jump * s[0]
    if t in ("globalavgpool", "globalmaxpool"):
        return Row(name, new, 0, 0, 0, None, "all"), new, 0, jump
    if t == "batchnorm":
        c = shape[-1]
        return Row(name, new, 4 * c, 0, 2 * c, Num(4) * Num(c), grow), new, rf, jump
    if t == "embedding":
        p = o["input_dim"] * o["output_dim"]
        f = Num(o["input_dim"]) * Num(o["output_dim"])
        return Row(name, new, p, p, p, f, "—"), new, rf, jump
    return Row(name, new, 0, 0, 0, None, grow), new, rf, jump   # flatten, dropout
