"""Spec of a ``convshape`` problem: one conv, transposed-conv or pooling layer's shapes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.common import PADDING
from dlsolve.spec.reader import (
    BAD,
    Bad,
    Reader,
    Said,
    at_most,
    boolean,
    choice,
    expects,
    nonneg_int,
    pair,
)

LAYERS = ("conv", "transposed", "maxpool", "avgpool", "local")
UNKNOWNS = ("padding", "kernel", "stride", "filters", "input", "output_padding")


@dataclass(frozen=True)
class ConvShapeProblem:
    layer: str
    input: tuple[int, int, int]
    channels_given: bool
    filters: int | None
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int] | str       # a pair, or "same"
    dilation: tuple[int, int]
    output_padding: tuple[int, int]
    bias: bool
    ceil_mode: bool
    solve_for: str | None = None
    output_shape: tuple[int, int, int] | None = None


@expects("[H, W, C], [H, W] or a single side")
def input_shape(v: Any) -> tuple[int, int, int | None]:
    if not isinstance(v, list):
        v = [v]
    if not 1 <= len(v) <= 3:
        raise Bad("[H, W, C], [H, W] or a single side")
    dims = []
    for i, item in enumerate(v):
        try:
            dims.append(at_most(100_000)(item))
        except Bad:
            raise Bad("a positive integer", (i,), item) from None
    if len(dims) == 1:
        return (dims[0], dims[0], None)
    return (dims[0], dims[1], dims[2] if len(dims) == 3 else None)




def parse(r: Reader) -> ConvShapeProblem | None:
    r.allow(COMMON_FIELDS + ("input", "filters", "kernel", "stride", "padding", "dilation",
                             "layer", "output_padding", "bias", "ceil_mode", "solve_for",
                             "output_shape"))
    solve_for = r.get("solve_for", choice(*UNKNOWNS), None)
    layer = r.get("layer", choice(*LAYERS, aliases={"pool": "maxpool", "max": "maxpool",
                                                    "avg": "avgpool", "conv2d": "conv",
                                                    "transpose": "transposed",
                                                    "locally_connected": "local",
                                                    "conv_transpose": "transposed"}), "conv")
    need = {k: k != solve_for for k in UNKNOWNS}
    shape = r.get("input", input_shape) if need["input"] else (0, 0, None)
    kernel = r.get("kernel", pair(at_most(100_000))) if need["kernel"] else (0, 0)
    pooling = layer in ("maxpool", "avgpool")
    default_stride = kernel if pooling and kernel is not BAD else (1, 1)
    stride = r.get("stride", pair(at_most(100_000)), default_stride) if need["stride"] else (0, 0)
    padding = r.get("padding", PADDING, (0, 0)) if need["padding"] else (0, 0)
    if padding == "valid":
        padding = (0, 0)
    dilation = r.get("dilation", pair(at_most(100_000)), (1, 1))
    out_pad = r.get("output_padding", pair(nonneg_int), (0, 0)) if need["output_padding"] \
        else (0, 0)
    if solve_for == "output_padding" and layer != "transposed":
        r.fail("solve_for", "output_padding belongs to a transposed convolution (layer: "
                            "transposed)")
    filters = None
    if layer in ("conv", "transposed", "local") and need["filters"]:
        filters = r.get("filters", at_most(10_000_000), what="a positive integer (the number of "
                        "filters, C_out)")
    elif pooling and r.has("filters"):
        r.fail("filters", "a pooling layer has no filters (it keeps the input's channels)")
    bias = r.get("bias", boolean, True)
    ceil_mode = r.get("ceil_mode", boolean, False)
    target = None
    if solve_for:
        target = r.get("output_shape", _target_shape, what="the target shape [H, W, C] "
                       "(--output-shape HxWxC)")
    elif r.has("output_shape"):
        r.fail("output_shape", "only used with solve_for")
    if not r.ok:
        return None
    if layer == "transposed" and padding == "same":
        r.fail("padding", "a number or a pair for a transposed convolution, got 'same'")
    if layer == "transposed" and any(o >= max(s, d) for o, s, d in zip(out_pad, stride, dilation)):
        r.expected("output_padding", "smaller than the stride or the dilation (PyTorch's rule)",
                   list(out_pad))
    spec = ConvShapeProblem(layer, (shape[0], shape[1], shape[2] or 1), shape[2] is not None,
                            filters, kernel, stride, padding, dilation, out_pad, bias, ceil_mode,
                            solve_for, target)
    if not solve_for and layer != "transposed" and padding != "same":
        _check_fits(r, spec)
    if solve_for == "output_padding" and target is not None:
        _check_output_padding(r, spec, target)
    return spec if r.ok else None


def _check_output_padding(r: Reader, spec: ConvShapeProblem, target: tuple) -> None:
    """PyTorch allows 0 <= output_padding < max(stride, dilation): refuse a target outside."""
    assert isinstance(spec.padding, tuple)
    for n, k, s, p, d, want in zip(spec.input, spec.kernel, spec.stride, spec.padding,
                                   spec.dilation, target):
        base = (n - 1) * s - 2 * p + d * (k - 1) + 1
        if not 0 <= want - base < max(s, d):
            r.expected("output_shape", f"a side from {base} to {base + max(s, d) - 1} "
                       f"(output_padding 0..{max(s, d) - 1}, below max(stride, dilation) as "
                       f"PyTorch requires)", Said(str(want)))
            return


def _target_shape(v: Any) -> tuple[int, int, int]:
    h, w, c = input_shape(v)
    return (h, w, c or 0)


def _check_fits(r: Reader, spec: ConvShapeProblem) -> None:
    assert isinstance(spec.padding, tuple)
    dims = list(zip(("height", "width"), spec.input, spec.kernel, spec.padding, spec.dilation))
    if dims[0][1:] == dims[1][1:]:
        dims = [("side",) + dims[0][1:]]
    for dim, n, k, p, d in dims:
        eff = d * (k - 1) + 1
        if eff > n + 2 * p:
            what = f"a kernel that fits the padded input ({dim} {n} + 2·{p} = {n + 2 * p})"
            got = Said(f"{'effective ' if d > 1 else ''}kernel {dim} {eff}")
            r.expected("kernel", what, got)
