"""Spec of a ``params`` problem: an input shape and a list of layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.common import PADDING
from dlsolve.spec.reader import (
    BAD,
    Reader,
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
    shape = r.get("input", either(vector(positive_int), positive_int,
                                  what="a shape [H, W, C], [H, W] or [n]"))
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


def _check_shapes(r: Reader, shape: list[int], layers: list[Layer]) -> None:
    """Walk the shapes; a conv or pooling layer needs an H×W(×C) input its window fits."""
    from dlsolve.solvers.convshape import out_size

    for i, layer in enumerate(layers):
        o = layer.options
        if layer.type in ("conv2d", "maxpool", "avgpool", "globalavgpool", "globalmaxpool"):
            if len(shape) < 2:
                r.fail(("layers", i, "type"), f"a {layer.type} layer needs an H×W(×C) input, "
                       f"but it gets {'×'.join(map(str, shape))} values (flattened)")
                return
            h, w = shape[0], shape[1]
            c = shape[2] if len(shape) > 2 else 1
            if layer.type.startswith("global"):
                shape = [c]
                continue
            k, pad = o["kernel"], o["padding"]
            s = o["stride"] or (k if layer.type != "conv2d" else (1, 1))
            d = o.get("dilation", (1, 1))
            pads = ("same", "same") if pad == "same" else pad
            for n, kk, p, dd in zip((h, w), k, pads, d):
                if p != "same" and dd * (kk - 1) + 1 > n + 2 * p:
                    r.fail(("layers", i, "kernel"), f"expected a window that fits the "
                           f"{h}×{w} input (padding {p}), got {kk}")
                    return
            shape = [out_size(h, k[0], s[0], pads[0], d[0], "conv")[0],
                     out_size(w, k[1], s[1], pads[1], d[1], "conv")[0],
                     o["filters"] if layer.type == "conv2d" else c]
        elif layer.type in ("flatten", "dense"):
            n = 1
            for v in shape:
                n *= v
            shape = [n] if layer.type == "flatten" else [o["units"]]
        elif layer.type == "embedding":
            shape = list(shape) + [o["output_dim"]]


def _options(r: Reader, kind: str) -> dict[str, Any]:
    get: dict[str, Any] = {
        "units": lambda: r.get("units", positive_int),
        "filters": lambda: r.get("filters", positive_int),
        "kernel": lambda: r.get("kernel", pair(positive_int), None if kind.endswith("pool")
                                 else _required()),
        "stride": lambda: r.get("stride", pair(positive_int), None),
        "padding": lambda: r.get("padding", PADDING, (0, 0)),
        "dilation": lambda: r.get("dilation", pair(positive_int), (1, 1)),
        "bias": lambda: r.get("bias", boolean, True),
        "activation": lambda: r.get("activation", string, None),
        "rate": lambda: r.get("rate", number, None),
        "input_dim": lambda: r.get("input_dim", positive_int),
        "output_dim": lambda: r.get("output_dim", positive_int),
    }
    out = {key: get[key]() for key in FIELDS[kind]}
    if kind.endswith("pool") and not kind.startswith("global") and out["kernel"] is None:
        out["kernel"] = (2, 2)
    if out.get("padding") == "valid":
        out["padding"] = (0, 0)
    return out


def _required() -> Any:
    from dlsolve.spec.reader import REQUIRED

    return REQUIRED
