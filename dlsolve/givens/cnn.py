"""Givens of the CNN kinds: the input and kernel matrices, bias, stride, padding, dL/dY;
pooling windows; the layer list of a parameter count."""

from __future__ import annotations

from typing import Any

from dlsolve import expr as E
from dlsolve.steps import Given, given

_DLDY = E.Deriv(E.Sym("L"), E.Sym("Y"))


def _channels(array: Any, several: bool) -> Any:
    return array.tolist() if several else array[0].tolist()


def _geometry(spec: Any, kernel: Any = None) -> list[Given]:
    out = []
    if kernel is not None:
        out.append(given("kernel", _pair(kernel), "window size"))
    out.append(given("stride", _pair(spec.g.stride), "stride"))
    top, bottom, left, right = spec.g.pad
    if any(spec.g.pad):
        pad = _pair((top, left)) if (top, left) == (bottom, right) else \
            E.Text(f"top {top}, bottom {bottom}, left {left}, right {right}")
        out.append(given("padding", pad, "zero padding" if kernel is None else "padding"))
    if tuple(spec.g.dilation) != (1, 1):
        out.append(given("dilation", _pair(spec.g.dilation), "dilation"))
    return out


def conv(spec: Any) -> tuple[list[Given], None]:
    out = [given("X", _channels(spec.x, spec.channels), "input"),
           given("W", spec.k.tolist() if spec.many else spec.k[0, 0].tolist(),
                 "kernel" + ("s (filters × channels)" if spec.many else ""))]
    if spec.bias_list or any(spec.b):
        out.append(given("b", spec.b.tolist() if spec.bias_list else float(spec.b[0]), "bias"))
    out += _geometry(spec)
    out.append(given("operation", E.Text("convolution (kernel rotated 180°)" if spec.flip
                                         else "cross-correlation"), "operation"))
    if spec.activation is not None:
        out.append(given("f", E.Text(spec.activation.fn.title), "activation"))
    if spec.gy is not None:
        out.append(given(_DLDY, _channels(spec.gy, spec.many), "upstream gradient"))
    return out, None


def pool(spec: Any) -> tuple[list[Given], None]:
    out = [given("X", _channels(spec.x, spec.channels), "input"),
           given("pool", E.Text("max" if spec.mode == "max" else "average"), "pooling")]
    if not spec.global_:
        out += _geometry(spec, spec.kernel)
    else:
        out.append(given("window", E.Text("global (the whole map)"), "window"))
    if spec.gy is not None:
        out.append(given(_DLDY, _channels(spec.gy, spec.channels), "upstream gradient"))
    return out, None


SKIP = {"dilation": "1×1", "bias": "yes", "padding": "0×0", "stride": "None",
        "activation": "None"}


def params(spec: Any) -> tuple[list[Given], None]:
    out = [given("input", E.Seq(tuple(E.Num(d) for d in spec.input), "", "x"), "input shape")]
    for i, layer in enumerate(spec.layers, 1):
        out.append(given(E.Text(f"layer {i}"), E.Text(_layer_words(layer)), f"layer {i}"))
    return out, None


def _layer_words(layer: Any) -> str:
    """'conv2d, filters 8, kernel 3×3'; a wrapped layer in brackets."""
    opts = [(k, f"({_layer_words(v)})" if hasattr(v, "options") else _word(v))
            for k, v in layer.options.items() if v is not None]
    text = ", ".join(f"{k} {v}" for k, v in opts if SKIP.get(k) != v)
    label = (layer.name + ": " if layer.name else "") + layer.type
    return label + (", " + text if text else "")


def _word(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "×".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _pair(value: Any) -> Any:
    a, b = value
    return int(a) if a == b else E.Seq((E.Num(int(a)), E.Num(int(b))), "", "x")
