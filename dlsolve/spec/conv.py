"""Specs of ``conv`` and ``pool`` problems: matrices (or channel lists), shapes, dL/dY."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from dlsolve.kernels.convolution import Geometry, geometry
from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec import limits
from dlsolve.spec.common import PADDING, ActivationSpec, activation_conv
from dlsolve.spec.reader import (
    BAD,
    Bad,
    Reader,
    Said,
    boolean,
    choice,
    either,
    expects,
    matrix,
    number,
    pair,
    positive_int,
    vector,
)


@expects("a matrix (rows of numbers) or a list of C matrices (channels first)")
def tensor3(v: Any) -> tuple[np.ndarray, bool]:
    """(array of shape (C, H, W), whether channels were given)."""
    what = "a matrix (rows of numbers) or a list of C matrices (channels first)"
    if isinstance(v, list) and v and all(isinstance(r, list) for r in v) and \
            all(r and isinstance(r[0], list) for r in v):
        mats = []
        for c, m in enumerate(v):
            try:
                mats.append(matrix()(m))
            except Bad as e:
                raise Bad(e.expected, (c,) + e.sub, e.got) from None
        shape = np.shape(mats[0])
        for c, m in enumerate(mats):
            if np.shape(m) != shape:
                raise Bad(f"channels of one shape ({shape[0]}×{shape[1]}, as channel 0)", (c,),
                          Said(f"{len(m)}×{len(m[0])}"))
        return np.array(mats, dtype=float), True
    try:
        return np.array([matrix()(v)], dtype=float), False
    except Bad as e:
        if e.sub:
            raise
        raise Bad(what) from None


def _one(pair_or_word: Any) -> Any:
    """A pair shown as one number when both sides agree."""
    if isinstance(pair_or_word, tuple) and pair_or_word[0] == pair_or_word[1]:
        return pair_or_word[0]
    return list(pair_or_word) if isinstance(pair_or_word, tuple) else pair_or_word


def _shape(a: np.ndarray) -> str:
    return "×".join(str(n) for n in a.shape[-2:])


@dataclass(frozen=True)
class ConvProblem:
    x: np.ndarray                 # (C_in, H, W)
    channels: bool                # the input was a list of matrices
    k: np.ndarray                 # (C_out, C_in, kh, kw)
    many: bool                    # kernels: (a list of filters) rather than kernel:
    b: np.ndarray                 # (C_out,)
    bias_list: bool
    g: Geometry
    padding: tuple[int, int] | str
    flip: bool
    gy: np.ndarray | None         # dL/dY, (C_out, H_out, W_out)
    activation: ActivationSpec | None


def _kernels(r: Reader, c_in: int) -> tuple[np.ndarray, bool] | None:
    if r.has("kernel") == r.has("kernels"):
        r.fail("kernel", "give kernel: (one filter) or kernels: (a list of filters), one of them")
        return None
    if r.has("kernel"):
        got = r.get("kernel", tensor3)
        if got is BAD:
            return None
        k = got[0]
        if k.shape[0] != c_in:
            r.expected("kernel", f"a kernel with the input's {c_in} channel(s)",
                       Said(f"{k.shape[0]}"))
            return None
        return k[None], False
    raw = r.raw("kernels")
    if not isinstance(raw, list) or not raw:
        r.expected("kernels", "a list of filters, each a matrix or a list of C_in matrices", raw)
        return None
    filters = []
    for o, f in enumerate(raw):
        got = r.convert(("kernels", o), f, tensor3)
        if got is BAD:
            return None
        arr = got[0]
        if arr.shape[0] != c_in:
            r.expected(("kernels", o), f"{c_in} channel matrix(es), as the input has",
                       Said(f"{arr.shape[0]}"))
            return None
        filters.append(arr)
    shape = filters[0].shape
    for o, f in enumerate(filters):
        if f.shape != shape:
            r.expected(("kernels", o), f"filters of one shape ({_shape(filters[0])})",
                       Said(_shape(f)))
            return None
    return np.array(filters), True


def grad_output(r: Reader, shape: tuple[int, int, int], why: str) -> np.ndarray | None:
    """dL/dY: ``ones`` or a matrix / list of matrices of the output's shape."""
    raw = r.raw("grad_output")
    if raw is None:
        return None
    if raw == "ones":
        return np.ones(shape)
    got = r.get("grad_output", either(choice("ones"), tensor3, what="ones, a matrix or a list "
                                      "of matrices"))
    if got is BAD:
        return None
    arr = got[0]
    want = f"{shape[1]}×{shape[2]}" + (f" ×{shape[0]} channels" if shape[0] > 1 else "")
    if arr.shape != shape:
        have = _shape(arr) + (f" ×{arr.shape[0]} channels" if arr.shape[0] > 1 else "")
        r.expected("grad_output", f"a {want} gradient, the shape of the output ({why})",
                   Said(have))
        return None
    return arr


def _fits(r: Reader, h: int, w: int, kh: int, kw: int, padding: Any, dilation: tuple,
          key: str, channels: int = 1) -> bool:
    if padding == "same":
        return True
    size = limits.product((channels, h + 2 * padding[0], w + 2 * padding[1]))
    if size > limits.ELEMENTS:
        r.fail("padding", limits.too_large("values in the padded input", size, limits.ELEMENTS))
        return False
    for n, k, p, d, dim in ((h, kh, padding[0], dilation[0], "height"),
                            (w, kw, padding[1], dilation[1], "width")):
        eff = d * (k - 1) + 1
        if eff > n + 2 * p:
            r.expected(key, f"a kernel that fits the padded input ({dim} {n} + 2·{p} = "
                            f"{n + 2 * p})", Said(f"{'effective ' if d > 1 else ''}kernel "
                                                  f"{dim} {eff}"))
            return False
    return True


def parse(r: Reader) -> ConvProblem | None:
    r.allow(COMMON_FIELDS + ("input", "kernel", "kernels", "bias", "stride", "padding",
                             "dilation", "operation", "grad_output", "activation"))
    got = r.get("input", tensor3)
    stride = r.get("stride", pair(positive_int), (1, 1))
    padding = r.get("padding", PADDING, (0, 0))
    dilation = r.get("dilation", pair(positive_int), (1, 1))
    op = r.get("operation", choice("cross-correlation", "convolution", aliases={
        "cross_correlation": "cross-correlation", "correlation": "cross-correlation",
        "true_convolution": "convolution"}), "cross-correlation")
    act = r.get("activation", activation_conv(False), None)
    if got is BAD:
        return None
    x, channels = got
    ks = _kernels(r, x.shape[0])
    if ks is None or not r.ok:
        return None
    k, many = ks
    padding = (0, 0) if padding == "valid" else padding
    bias = r.get("bias", either(vector(number), number, what="a number or one per filter"), 0.0)
    if isinstance(bias, list) and len(bias) != k.shape[0]:
        r.expected("bias", f"{k.shape[0]} biases (one per filter) or one number",
                   Said(f"{len(bias)}"))
    if not r.ok or not _fits(r, x.shape[1], x.shape[2], k.shape[2], k.shape[3], padding,
                             dilation, "kernel" if r.has("kernel") else "kernels", x.shape[0]):
        return None
    b = np.array(bias if isinstance(bias, list) else [bias] * k.shape[0], dtype=float)
    g = geometry(x.shape[1], x.shape[2], k.shape[2], k.shape[3], stride, padding, dilation)
    why = (f"{x.shape[1]}×{x.shape[2]} input, {k.shape[2]}×{k.shape[3]} kernel, stride "
           f"{_one(stride)}, padding {_one(padding)}")
    gy = grad_output(r, (k.shape[0],) + g.out, why)
    if not r.ok:
        return None
    return ConvProblem(x, channels, k, many, b, isinstance(bias, list), g, padding,
                       op == "convolution", gy, act)


@dataclass(frozen=True)
class PoolProblem:
    x: np.ndarray
    channels: bool
    mode: str            # max | avg
    kernel: tuple[int, int]
    g: Geometry
    global_: bool
    count_include_pad: bool
    gy: np.ndarray | None
    same: bool = False   # TensorFlow's padding 'same'


def parse_pool(r: Reader) -> PoolProblem | None:
    r.allow(COMMON_FIELDS + ("input", "pool", "kernel", "stride", "padding", "dilation",
                             "grad_output", "count_include_pad", "ceil_mode"))
    got = r.get("input", tensor3)
    mode = r.get("pool", choice("max", "avg", "global_max", "global_avg", aliases={
        "average": "avg", "mean": "avg", "globalmax": "global_max", "globalavg": "global_avg",
        "global_average": "global_avg", "maxpool": "max", "avgpool": "avg"}), "max")
    include = r.get("count_include_pad", boolean, None)
    ceil_mode = r.get("ceil_mode", boolean, False)
    if got is BAD or mode is BAD:
        return None
    x, channels = got
    glob = mode.startswith("global")
    if glob:
        kernel = (x.shape[1], x.shape[2])
        stride, padding, dilation = kernel, (0, 0), (1, 1)
        for key in ("kernel", "stride", "padding"):
            if r.has(key):
                r.fail(key, "global pooling covers the whole input; leave it out")
    else:
        kernel = r.get("kernel", pair(positive_int))
        stride = r.get("stride", pair(positive_int), kernel if kernel is not BAD else (1, 1))
        padding = r.get("padding", PADDING, (0, 0))
        dilation = r.get("dilation", pair(positive_int), (1, 1))
    if not r.ok:
        return None
    padding = (0, 0) if padding == "valid" else padding
    if include is None:  # PyTorch counts padded zeros; TensorFlow's 'same' never does
        include = padding != "same"
    if padding != "same" and (2 * padding[0] > kernel[0] or 2 * padding[1] > kernel[1]):
        r.expected("padding", "at most half the kernel size (PyTorch's rule for pooling)",
                   list(padding))
    if not r.ok or not _fits(r, x.shape[1], x.shape[2], kernel[0], kernel[1], padding, dilation,
                             "kernel", x.shape[0]):
        return None
    g = geometry(x.shape[1], x.shape[2], kernel[0], kernel[1], stride, padding, dilation,
                 ceil_mode)
    why = f"{x.shape[1]}×{x.shape[2]} input, {kernel[0]}×{kernel[1]} window, stride {stride[0]}"
    gy = grad_output(r, (x.shape[0],) + g.out, why)
    if not r.ok:
        return None
    return PoolProblem(x, channels, mode.replace("global_", ""), kernel, g, glob, include, gy,
                       padding == "same")
