"""Givens of the small kinds: softmax logits, activation points, loss predictions and
targets, convolution-shape layer settings."""

from __future__ import annotations

from typing import Any

from dlsolve import expr as E
from dlsolve.expr import Sym
from dlsolve.steps import Equations, Given, given


def softmax(spec: Any) -> tuple[list[Given], Equations]:
    rows = spec.rows if spec.batch else spec.rows[0]
    out = [given("z", rows, "logits (one row per sample)" if spec.batch else "logits")]
    if spec.labels:
        out.append(given("classes", E.Text(", ".join(spec.labels)), "class labels"))
    if spec.temperature != 1:
        out.append(given("T", spec.temperature, "temperature"))
    if spec.targets is not None:
        targets = spec.targets if spec.batch else spec.targets[0]
        out.append(given("y", targets, "target class (0-based index)"))
    z_i = Sym("z_i") if spec.temperature == 1 else Sym("z_i") / Sym("T")
    z_j = Sym("z_j") if spec.temperature == 1 else Sym("z_j") / Sym("T")
    p = E.exp(z_i) / E.Sum("j", E.exp(z_j))
    return out, Equations("The model", ((Sym("p_i"), p),))


def activation(spec: Any) -> tuple[list[Given], None]:
    fn = spec.act.fn
    out = [given("f", E.Text(fn.title), "activation function")]
    out += [given(k, v, "parameter") for k, v in spec.act.params.items()]
    out.append(given("x", list(spec.at), "points"))
    return out, None


def loss(spec: Any) -> tuple[list[Given], None]:
    one = len(spec.predictions) == 1
    preds = spec.predictions[0] if one else spec.predictions
    targets = spec.targets[0] if one else spec.targets
    out = [given("E", E.Text(spec.loss.title.split(",")[0]), "loss"),
           given("o", preds, "predictions" + ("" if one else " (one row per sample)")),
           given("t", targets, "targets" + ("" if one else " (one row per sample)"))]
    if spec.loss.name in ("bce", "cce", "sparse_cce") and spec.loss.epsilon != 1e-12:
        out.append(given("epsilon", spec.loss.epsilon, "clipping"))
    return out, None


def convshape(spec: Any) -> tuple[list[Given], None]:
    unknown = spec.solve_for
    out = []
    if unknown != "input":
        out.append(given("input", _dims(spec.input), "input H × W × C"))
    out.append(given("layer", E.Text(spec.layer), "layer type"))
    settings = [("filters", spec.filters, "number of filters"),
                ("kernel", spec.kernel, "kernel size"), ("stride", spec.stride, "stride"),
                ("padding", spec.padding, "padding")]
    if tuple(spec.dilation) != (1, 1):
        settings.append(("dilation", spec.dilation, "dilation"))
    if tuple(spec.output_padding) != (0, 0):
        settings.append(("output_padding", spec.output_padding, "output padding"))
    out += [given(n, _pair(v), m) for n, v, m in settings if n != unknown and v is not None]
    if spec.output_shape is not None:
        out.append(given("output", _dims(spec.output_shape), "output H × W × C"))
    return out, None


def _dims(dims: Any) -> E.Expr:
    return E.Seq(tuple(E.Num(d) for d in dims), "", "x")


def _pair(value: Any) -> Any:
    if isinstance(value, str):
        return E.Text(value)
    if isinstance(value, int):
        return value
    a, b = value
    return a if a == b else E.Seq((E.Num(a), E.Num(b)), "", "x")
