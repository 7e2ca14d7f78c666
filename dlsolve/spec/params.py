"""Spec of a ``params`` problem: an input shape and a list of layers."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.common import PADDING
from dlsolve.spec.reader import (
    BAD,
    REQUIRED,
    Reader,
    Said,
    at_most,
    boolean,
    choice,
    either,
    number,
    pair,
    positive_int,
    string,
    vector,
)

RECURRENT = ("simplernn", "lstm", "gru")
TYPES = ("dense", "conv2d", "maxpool", "avgpool", "globalavgpool", "globalmaxpool", "flatten",
         "dropout", "batchnorm", "embedding", "layernorm", "multihead_attention",
         "bidirectional") + RECURRENT
ALIASES = {"linear": "dense", "fc": "dense", "conv": "conv2d", "convolution": "conv2d",
           "maxpool2d": "maxpool", "max_pool": "maxpool", "pool": "maxpool",
           "avgpool2d": "avgpool", "average_pool": "avgpool", "gap": "globalavgpool",
           "global_average_pooling": "globalavgpool", "globalaveragepooling2d": "globalavgpool",
           "globalmaxpooling2d": "globalmaxpool", "batch_norm": "batchnorm",
           "batchnormalization": "batchnorm", "bn": "batchnorm", "rnn": "simplernn",
           "simple_rnn": "simplernn", "layer_norm": "layernorm",
           "layernormalization": "layernorm", "mha": "multihead_attention",
           "multiheadattention": "multihead_attention", "attention": "multihead_attention"}
FIELDS = {
    "dense": ("units", "bias", "activation"),
    "conv2d": ("filters", "kernel", "stride", "padding", "dilation", "bias", "activation"),
    "maxpool": ("kernel", "stride", "padding"), "avgpool": ("kernel", "stride", "padding"),
    "globalavgpool": (), "globalmaxpool": (), "flatten": (), "dropout": ("rate",),
    "batchnorm": (), "embedding": ("input_dim", "output_dim"), "layernorm": (),
    "simplernn": ("units", "return_sequences", "rbias", "activation"),
    "lstm": ("units", "return_sequences", "rbias", "activation"),
    "gru": ("units", "return_sequences", "rbias", "reset_after", "activation"),
    "multihead_attention": ("heads", "key_dim", "value_dim"),
    "bidirectional": ("layer", "merge"),
}
MERGES = ("concat", "sum", "mul", "ave")
RECURRENT_BIAS = either(boolean, choice("pytorch", "keras"),
                        what="true, false, keras (one bias vector per gate) or pytorch (two)")


SIZE = at_most(1_000_000_000)
"""A size (units, filters, a side of the input): real models stay far below."""
DIMENSIONS = 4


@dataclass(frozen=True)
class Layer:
    type: str
    options: dict[str, Any] = field(default_factory=dict)
    name: str | None = None


@dataclass(frozen=True)
class ParamsProblem:
    input: list[int]
    layers: list[Layer]


def parse(r: Reader) -> ParamsProblem | None:
    r.allow(COMMON_FIELDS + ("input", "layers"))
    shape = r.get("input", either(vector(SIZE), SIZE, what="a shape [H, W, C], [H, W] or [n]"))
    if isinstance(shape, list) and len(shape) > DIMENSIONS:
        r.expected("input", f"a shape of at most {DIMENSIONS} dimensions", Said(f"{len(shape)}"))
        shape = BAD
    layers = []
    for lr_ in r.children("layers"):
        layer = _layer(lr_)
        if layer is not None:
            layers.append(layer)
    if r.has("layers") and not layers and r.ok:
        r.fail("layers", "expected at least one layer")
    if shape is BAD or not r.ok:
        return None
    shape = shape if isinstance(shape, list) else [shape]
    _check_shapes(r, shape, layers)
    return ParamsProblem(shape, layers) if r.ok else None


def _layer(r: Reader, inner: bool = False) -> Layer | None:
    kind = r.get("type", choice(*(RECURRENT if inner else TYPES), aliases=ALIASES))
    if kind is BAD:
        return None
    r.allow(("type", "name") + tuple("bias" if f == "rbias" else f for f in FIELDS[kind]))
    options = _options(r, kind)
    if kind == "bidirectional":
        if not isinstance(r.raw("layer"), dict):
            r.expected("layer", "the wrapped recurrent layer ({type: lstm, units: 4})",
                       r.raw("layer"))
            return None
        options["layer"] = _layer(r.child("layer"), inner=True)
        if options["layer"] is None:
            return None
    return Layer(kind, options, r.get("name", string, None))


class ShapeError(ValueError):
    """A layer that cannot take the shape it is given: (field, message)."""


def window(layer: Layer) -> tuple[tuple[int, int], tuple[int, int], tuple[int, int], tuple]:
    """(kernel, stride, dilation, paddings) of a conv or pooling layer; pooling strides
    default to the kernel."""
    o = layer.options
    k = o["kernel"]
    s = o["stride"] or (k if layer.type != "conv2d" else (1, 1))
    pads = ("same", "same") if o["padding"] == "same" else o["padding"]
    return k, s, o.get("dilation", (1, 1)), pads


def channels(shape: list[int]) -> int:
    """C of an H×W×C shape (1 for H×W)."""
    return shape[2] if len(shape) > 2 else 1


def output_shape(layer: Layer, shape: list[int]) -> list[int]:
    """The shape a layer gives for ``shape`` (dense acts on the last axis, as Keras's Dense);
    ShapeError if it can't."""
    from dlsolve.kernels.shapes import out_size

    t, o = layer.type, layer.options
    if t in RECURRENT + ("bidirectional", "multihead_attention"):
        return _sequence_shape(layer, shape)
    if t in ("conv2d", "maxpool", "avgpool", "globalavgpool", "globalmaxpool"):
        if len(shape) < 2:
            raise ShapeError("type", f"a {t} layer needs an H×W(×C) input, but it gets "
                             f"{'×'.join(map(str, shape))} values (flattened)")
        if t.startswith("global"):
            return [channels(shape)]
        k, s, d, pads = window(layer)
        for n, kk, p, dd in zip(shape[:2], k, pads, d):
            if p != "same" and dd * (kk - 1) + 1 > n + 2 * p:
                raise ShapeError("kernel", f"expected a window that fits the "
                                 f"{shape[0]}×{shape[1]} input (padding {p}), got {kk}")
        return [out_size(shape[0], k[0], s[0], pads[0], d[0], "conv")[0],
                out_size(shape[1], k[1], s[1], pads[1], d[1], "conv")[0],
                o["filters"] if t == "conv2d" else channels(shape)]
    if t == "dense":
        return list(shape[:-1]) + [o["units"]]
    if t == "flatten":
        return [math.prod(shape)]
    if t == "embedding":
        return list(shape) + [o["output_dim"]]
    return list(shape)


def _sequence_shape(layer: Layer, shape: list[int]) -> list[int]:
    """Recurrent layers and self-attention take a sequence [T, D]."""
    t, o = layer.type, layer.options
    if len(shape) != 2:
        raise ShapeError("type", f"a {t} layer needs a sequence input [T, D] (steps × "
                         f"features), but it gets {'×'.join(map(str, shape))}")
    if t == "multihead_attention":
        return list(shape)
    if t == "bidirectional":
        out = _sequence_shape(o["layer"], shape)
        return out[:-1] + [out[-1] * (2 if o["merge"] == "concat" else 1)]
    return [shape[0], o["units"]] if o["return_sequences"] else [o["units"]]


def _check_shapes(r: Reader, shape: list[int], layers: list[Layer]) -> None:
    """Walk the shapes; report the first layer that cannot take its input."""
    for i, layer in enumerate(layers):
        try:
            shape = output_shape(layer, shape)
        except ShapeError as e:
            r.fail(("layers", i, e.args[0]), e.args[1])
            return


def _options(r: Reader, kind: str) -> dict[str, Any]:
    get: dict[str, Any] = {
        "units": lambda: r.get("units", SIZE),
        "filters": lambda: r.get("filters", SIZE),
        "kernel": lambda: r.get("kernel", pair(SIZE), None if kind.endswith("pool")
                                 else REQUIRED),
        "stride": lambda: r.get("stride", pair(positive_int), None),
        "padding": lambda: r.get("padding", PADDING, (0, 0)),
        "dilation": lambda: r.get("dilation", pair(positive_int), (1, 1)),
        "bias": lambda: r.get("bias", boolean, True),
        "activation": lambda: r.get("activation", string, None),
        "rate": lambda: r.get("rate", number, None),
        "input_dim": lambda: r.get("input_dim", SIZE),
        "output_dim": lambda: r.get("output_dim", SIZE),
        "return_sequences": lambda: r.get("return_sequences", boolean, False),
        "rbias": lambda: r.get("bias", RECURRENT_BIAS, True),
        "reset_after": lambda: r.get("reset_after", boolean, True),
        "heads": lambda: r.get("heads", positive_int),
        "key_dim": lambda: r.get("key_dim", positive_int),
        "value_dim": lambda: r.get("value_dim", positive_int, None),
        "layer": lambda: None,
        "merge": lambda: r.get("merge", choice(*MERGES), "concat"),
    }
    out = {("bias" if key == "rbias" else key): get[key]() for key in FIELDS[kind]}
    if kind.endswith("pool") and not kind.startswith("global") and out["kernel"] is None:
        out["kernel"] = (2, 2)
    if out.get("padding") == "valid":
        out["padding"] = (0, 0)
    return out

