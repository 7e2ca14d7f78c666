"""What one layer costs: its parameters (with the formula filled in) and its multiply-adds.

Counts are Keras's (model.summary()); PyTorch's where the spec asks (`bias: pytorch` on a
recurrent layer: two bias vectors per gate). Multiply-accumulates (MACs) count the weight
products of one forward pass of one sample, no bias adds (torch's FlopCounterMode / 2):

- dense on [..., n_in]: positions·n_in·n_out (positions = the leading axes; 1 for a vector);
- conv2d: H_out·W_out·C_out·k_h·k_w·C_in;
- simplernn / lstm / gru with u units on [T, D]: g·T·u·(D + u), g = 1, 4, 3 gates;
- multihead attention with h heads, key size k, value size v on [T, D]: the Q and K
  projections T·D·h·k each, V T·D·h·v, the scores T²·h·k, the weighted sum T²·h·v, the
  output projection T·h·v·D;
- pooling, flatten, dropout, normalisation and embedding lookups: 0.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dlsolve import expr as E
from dlsolve.expr import Num
from dlsolve.spec.params import Layer, channels, window

GATES = {"simplernn": 1, "lstm": 4, "gru": 3}


@dataclass(frozen=True)
class Cost:
    params: int
    weights: int          # parameters that are not bias vectors (nor β)
    trainable: int
    formula: E.Expr | None
    macs: int = 0
    macs_formula: E.Expr | None = None


def _prod(*nums: int) -> E.Expr:
    return E.Mul(tuple(Num(n) for n in nums))


def cost(layer: Layer, shape: list[int], new: list[int]) -> Cost:
    """The parameters and MACs of ``layer`` taking ``shape`` to ``new``."""
    t, o = layer.type, layer.options
    if t == "dense":
        return _dense(o["units"], o["bias"], shape)
    if t == "conv2d":
        return _conv(layer, shape, new)
    if t in GATES:
        return _recurrent(layer, shape)
    if t == "bidirectional":
        inner = cost(o["layer"], shape, new)
        f = Num(2) * E.Bracket("paren", inner.formula) if inner.formula is not None else None
        return Cost(2 * inner.params, 2 * inner.weights, 2 * inner.trainable, f,
                    2 * inner.macs, Num(2) * E.Bracket("paren", inner.macs_formula)
                    if inner.macs_formula is not None else None)
    if t == "multihead_attention":
        return _attention(layer, shape)
    if t == "batchnorm":   # γ, β trainable; moving mean and variance not
        c = shape[-1]
        return Cost(4 * c, 3 * c, 2 * c, Num(4) * Num(c))
    if t == "layernorm":   # γ and β over the last axis
        d = shape[-1]
        return Cost(2 * d, d, 2 * d, Num(2) * Num(d))
    if t == "embedding":
        p = o["input_dim"] * o["output_dim"]
        return Cost(p, p, p, _prod(o["input_dim"], o["output_dim"]))
    return Cost(0, 0, 0, None)   # pooling, flatten, dropout


def _dense(units: int, bias: bool, shape: list[int]) -> Cost:
    n_in, positions = shape[-1], math.prod(shape[:-1])
    p = (n_in + int(bias)) * units
    f = E.Bracket("paren", Num(n_in) + Num(1)) * Num(units) if bias else _prod(n_in, units)
    macs = positions * n_in * units
    mf = _prod(positions, n_in, units) if positions > 1 else _prod(n_in, units)
    return Cost(p, n_in * units, p, f, macs, mf)


def _conv(layer: Layer, shape: list[int], new: list[int]) -> Cost:
    k, _, _, _ = window(layer)
    c, c_out, bias = channels(shape), layer.options["filters"], layer.options["bias"]
    p = (k[0] * k[1] * c + int(bias)) * c_out
    inner = _prod(k[0], k[1], c)
    f = E.Bracket("paren", inner + Num(1)) * Num(c_out) if bias else inner * Num(c_out)
    macs = new[0] * new[1] * c_out * k[0] * k[1] * c
    return Cost(p, k[0] * k[1] * c * c_out, p, f, macs,
                _prod(new[0], new[1], c_out, k[0], k[1], c))


def recurrent_biases(layer: Layer) -> int:
    """Bias vectors per gate: Keras one (GRU with reset_after two), PyTorch two."""
    bias = layer.options["bias"]
    if bias is False:
        return 0
    if bias == "pytorch" or (layer.type == "gru" and layer.options.get("reset_after", True)):
        return 2
    return 1


def _recurrent(layer: Layer, shape: list[int]) -> Cost:
    (steps, d), u, g = shape, layer.options["units"], GATES[layer.type]
    nb = recurrent_biases(layer)
    per_gate = u * (d + u) + nb * u
    inner = _prod(u) * E.Bracket("paren", Num(d) + Num(u))
    if nb:
        inner = inner + (_prod(nb, u) if nb > 1 else Num(u))
    f = Num(g) * E.Bracket("paren", inner) if g > 1 else inner
    macs = g * steps * u * (d + u)
    mf = E.Mul(tuple(Num(n) for n in ((g,) if g > 1 else ()) + (steps, u))
               + (E.Bracket("paren", Num(d) + Num(u)),))
    return Cost(g * per_gate, g * u * (d + u), g * per_gate, f, macs, mf)


def _attention(layer: Layer, shape: list[int]) -> Cost:
    o = layer.options
    (steps, d), h, k = shape, o["heads"], o["key_dim"]
    v = o["value_dim"] or k
    weights = 2 * d * h * k + d * h * v + h * v * d
    p = weights + 2 * h * k + h * v + d
    f = (Num(2) * E.Bracket("paren", _prod(d, h, k) + _prod(h, k))
         + E.Bracket("paren", _prod(d, h, v) + _prod(h, v))
         + E.Bracket("paren", _prod(h, v, d) + Num(d)))
    macs = 2 * steps * d * h * k + steps * d * h * v + steps ** 2 * h * (k + v) + steps * h * v * d
    mf = (Num(2) * _prod(steps, d, h, k) + _prod(steps, d, h, v)
          + E.Pow(Num(steps), Num(2)) * _prod(h) * E.Bracket("paren", Num(k) + Num(v))
          + _prod(steps, h, v, d))
    return Cost(p, weights, p, f, macs, mf)
