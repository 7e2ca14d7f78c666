"""Parameter counts layer by layer, like Keras' model.summary(), with each formula filled in.

What each layer type costs (parameters and multiply-adds) is in ``params_layers``. The
receptive field grows by (k_eff - 1)·jump at each conv or pooling layer, and the jump
multiplies by the stride; a dense, recurrent or attention layer sees everything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dlsolve import expr as E
from dlsolve.expr import Num, Sym
from dlsolve.solvers.params_layers import Cost, cost
from dlsolve.spec.params import Layer, ParamsProblem, output_shape, window
from dlsolve.steps import Heading, Note, Solution, Step, TableStep


@dataclass
class Row:
    name: str
    shape: list[int]
    cost: Cost
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
            sol.note(f"{name}: Dense acts on the last axis of its {'×'.join(map(str, shape))} "
                     f"input, as Keras's does ({shape[-1]} inputs per unit, the same weights "
                     f"at each of the {math.prod(shape[:-1])} positions); put a flatten layer "
                     f"before it to connect every value.")
        new = output_shape(layer, shape)
        c = cost(layer, shape, new)
        rf, jump, grow = _receptive(layer, rf, jump)
        rows.append(Row(name, new, c, grow))
        _steps(sol, name, layer, c)
        shape = new
    _summary(sol, rows)
    return sol


def _steps(sol: Solution, name: str, layer: Layer, c: Cost) -> None:
    if c.formula is not None:
        sol.add(Step(f"{name} ({layer.type})", Sym(f"params_{name}"), c.formula,
                     value=c.params, approx=False, key="per_layer"))
    if c.macs_formula is not None:
        sol.add(Step("", Sym(f"MACs_{name}"), c.macs_formula, value=c.macs, approx=False,
                     key="macs", detail="full" if c.formula is not None else "exam"))


def _summary(sol: Solution, rows: list[Row]) -> None:
    total = sum(r.cost.params for r in rows)
    trainable = sum(r.cost.trainable for r in rows)
    weights = sum(r.cost.weights for r in rows)
    macs = sum(r.cost.macs for r in rows)
    spatial = any(r.rf not in ("all", "—", "1") for r in rows)
    cols = ("layer", "output shape", "params", "MACs") + (("receptive field",) if spatial else ())
    table = tuple((r.name, "×".join(map(str, r.shape)), r.cost.params, r.cost.macs)
                  + ((r.rf,) if spatial else ()) for r in rows)
    sol.add(Heading("Summary"), TableStep("Model summary", cols, table),
            Step("Total", Sym("total"), E.Add(tuple(E.elide([Num(r.cost.params) for r in rows],
                                                            12))),
                 value=total, approx=False, key="total", detail="brief"),
            Step("Weights (no bias vectors)", Sym("weights"), value=weights, approx=False,
                 key="weights"),
            Step("Multiply-accumulates, one sample", Sym("MACs"), value=macs, approx=False,
                 key="total_macs"))
    sol.add(Note(f"Trainable: {trainable:,}; non-trainable: {total - trainable:,}; "
                 f"biases: {total - weights:,}.", "conclusion"),
            Note(f"FLOPs ≈ 2·MACs = {2 * macs:,} (a multiply and an add each); bias adds and "
                 "activations are not counted."))
    sol.set("total", total)
    sol.set("weights", weights)
    sol.set("biases", total - weights)
    sol.set("trainable", trainable)
    sol.set("non_trainable", total - trainable)
    sol.set("per_layer", [r.cost.params for r in rows])
    sol.set("output_shapes", [r.shape for r in rows])
    sol.set("macs", [r.cost.macs for r in rows])
    sol.set("total_macs", macs)


def _receptive(layer: Layer, rf: int, jump: int) -> tuple[int, int, str]:
    """(receptive field, jump, the table entry) after ``layer``; 0 once a layer sees all."""
    t = layer.type
    if t in ("conv2d", "maxpool", "avgpool"):
        k, s, d, _ = window(layer)
        new_rf = rf + d[0] * (k[0] - 1) * jump if rf else 0
        return new_rf, jump * s[0], str(new_rf) if rf else "all"
    if t in ("dense", "globalavgpool", "globalmaxpool") or t in SEQUENCE:
        return 0, jump, "all"
    if t == "embedding":
        return rf, jump, "—"
    return rf, jump, str(rf) if rf else "all"


SEQUENCE = ("simplernn", "lstm", "gru", "bidirectional", "multihead_attention")
