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

TYPES = ("dense", "conv2d", "maxpool", "avgpool", "globalavgpool", "globalmaxpool", "flatten",
         "dropout", "batchnorm", "embedding")
ALIASES = {"linear": "dense", "fc": "dense", "conv": "conv2d", "convolution": "conv2d",
           "maxpool2d": "maxpool", "max_pool": "maxpool", "pool": "maxpool",
           "avgpool2d": "avgpool", "average_pool": "avgpool", "gap": "globalavgpool",
           "global_average_pooling": "globalavgpool", "globalaveragepooling2d": "globalavgpool",
           "globalmaxpooling2d": "globalmaxpool", "batch_norm": "batchnorm",
           "batchnormalization": "batchnorm", "bn": "batchnorm"}
FIELDS = {
    "dense": ("units", "bias", "activation"),
    "conv2d": ("filters", "kernel", "stride", "padding", "dilation", "bias", "activation"),
    "maxpool": ("kernel", "stride", "padding"), "avgpool": ("kernel", "stride", "padding"),
    "globalavgpool": (), "globalmaxpool": (), "flatten": (), "dropout": ("rate",),
    "batchnorm": (), "embedding": ("input_dim", "output_dim"),
}


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
        kind = lr_.get("type", choice(*TYPES, aliases=ALIASES))
        if kind is BAD:
            continue
        lr_.allow(("type", "name") + FIELDS[kind])
        layers.append(Layer(kind, _options(lr_, kind), lr_.get("name", string, None)))
    if r.has("layers") and not layers and r.ok:
        r.fail("layers", "expected at least one layer")
    if shape is BAD or not r.ok:
        return None
    shape = shape if isinstance(shape, list) else [shape]
    _check_shapes(r, shape, layers)
    return ParamsProblem(shape, layers) if r.ok else None


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
    """The shape a layer gives for ``shape`` (dense flattens first); ShapeError if it can't."""
    from dlsolve.kernels.shapes import out_size

    t, o = layer.type, layer.options
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
        return [o["units"]]
    if t == "flatten":
        return [math.prod(shape)]
    if t == "embedding":
        return list(shape) + [o["output_dim"]]
    return list(shape)


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
    }
    out = {key: get[key]() for key in FIELDS[kind]}
    if kind.endswith("pool") and not kind.startswith("global") and out["kernel"] is None:
        out["kernel"] = (2, 2)
    if out.get("padding") == "valid":
        out["padding"] = (0, 0)
    return out

