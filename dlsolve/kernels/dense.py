"""The same training step as dlsolve.kernels.training.run for big matrix-form networks, with
the weight products done by numpy over the whole batch.

Weighted sums z = A·Wᵀ + b and the backward products dE/dA = Δ·W, ∂E/∂W = Δᵀ·A run as matrix
products; every per-unit rule (activation, its derivative, dropout, the softmax and ŷ - y
deltas) is the scalar code of dlsolve.kernels.backprop, so both paths give the same numbers.
A sample's gradients are a lazy mapping (δ_u·source on demand) instead of a dict per sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from dlsolve.kernels import losses as L
from dlsolve.kernels.activations import apply
from dlsolve.kernels.backprop import Backward, layer_deltas, start
from dlsolve.kernels.network import Network, Pass, softmax

MIN_PARAMS = 2000   # networks at least this big (matrix form, not rounded) take this path


def applicable(net: Network, round_to: int | None) -> bool:
    return net.form == "matrix" and round_to is None and len(net.params) >= MIN_PARAMS


class SampleGrads(Mapping):
    """One sample's gradient of each parameter: δ_unit·(its source), or δ_unit for a bias."""

    def __init__(self, index: dict[str, tuple[str, str | None]], b: Backward, p: Pass):
        self.index, self.b, self.p = index, b, p

    def __getitem__(self, k: str) -> float:
        unit, src = self.index[k]
        d = self.b.delta[unit]
        return d if src is None else d * self.p.values[src]

    def __iter__(self) -> Iterator[str]:
        return iter(self.index)

    def __len__(self) -> int:
        return len(self.index)


def uses(net: Network) -> dict[str, tuple[str, str | None]]:
    """Each parameter's one use in a matrix-form network: (unit, source; None for a bias)."""
    out: dict[str, tuple[str, str | None]] = {}
    for layer in net.layers:
        for name in layer:
            u = net.units[name]
            out.update({w: (name, s) for w, s in zip(u.weights, u.sources)})
            out[u.bias] = (name, None)  # type: ignore[index]
    return out


def arrays(net: Network, params: dict[str, float]) -> list[tuple[Any, Any]]:
    import numpy as np

    get = params.__getitem__
    out = []
    if "flat" not in net._index:  # each layer's weight names in row order, built once
        net._index["flat"] = [[w for row in wl for w in row] for wl in net.weight_names]
    for flat, wl, bl in zip(net._index["flat"], net.weight_names, net.bias_names):
        w = np.fromiter(map(get, flat), float, len(flat)).reshape(len(wl), len(wl[0]))
        out.append((w, np.fromiter(map(get, bl), float, len(bl))))
    return out


def forward(net: Network, params: dict[str, float], xs: Any) -> list[Pass]:
    """One Pass per sample (inputs, z, outputs after dropout by name)."""
    import numpy as np

    a = np.asarray(xs, dtype=float)
    passes = [Pass(dict(zip(net.inputs, row)), {}, {}, {}) for row in a.tolist()]
    for li, (layer, (w, b)) in enumerate(zip(net.layers, arrays(net, params))):
        with np.errstate(all="ignore"):  # inf/nan as the scalar kernel gives (and notes)
            z = (a @ w.T + b).tolist()
        out = []
        drop = net.dropout.get(li)
        drop = drop if drop is not None and drop.masks else None
        for s, (p, zs) in enumerate(zip(passes, z)):
            row = _activate(net, layer, zs)
            p.z.update(zip(layer, zs))
            if drop is not None:
                p.pre.update(zip(layer, row))
                f = [drop.factor(s, j) for j in range(len(layer))]
                p.factor.update(zip(layer, f))
                row = [v * fj for v, fj in zip(row, f)]
            p.values.update(zip(layer, row))
            out.append(row)
        a = np.array(out)
    return passes


def _activate(net: Network, layer: list[str], zs: list[float]) -> list[float]:
    units = [net.units[n] for n in layer]
    if all(u.act.softmax for u in units):
        return softmax(zs)
    return [apply(u.act.fn, z, u.act.params) for u, z in zip(units, zs)]


def run(net: Network, loss: L.LossSpec, batch: Any, params: dict[str, float],
        samples: int | None = None) -> tuple[list[Pass], list[Backward], list[float], dict]:
    """(passes, backwards, per-sample losses, summed data gradients) of the batch."""
    import numpy as np

    xs, ts = batch.xs[:samples], batch.ts[:samples]
    passes = forward(net, params, xs)
    index = uses(net)
    backs = [start(net, p, loss, list(t), None, scale=batch.weight)
             for p, t in zip(passes, ts)]
    for b, p in zip(backs, passes):
        b.grads = SampleGrads(index, b, p)
    grads: dict[str, float] = {}
    mats = arrays(net, params)
    for li in range(len(net.layers) - 1, -1, -1):
        layer = net.layers[li]
        for p, b, t in zip(passes, backs, ts):
            layer_deltas(net, p, b, layer, loss, list(t), scale=batch.weight)
        delta = np.array([[b.delta[n] for n in layer] for b in backs])
        srcs = net.units[layer[0]].sources
        a_prev = np.array([[p.values[s] for s in srcs] for p in passes])
        with np.errstate(all="ignore"):
            gw = (delta.T @ a_prev).tolist()
            grads.update(zip(net.bias_names[li], delta.sum(axis=0).tolist()))
            up = (delta @ mats[li][0]).tolist() if li else []
        for row_names, row in zip(net.weight_names[li], gw):
            grads.update(zip(row_names, row))
        for b, row in zip(backs, up):
            b.dE_da.update(zip(srcs, row))
    losses = [L.sample(loss, list(t), p.outputs(net)).loss for p, t in zip(passes, ts)]
    return passes, backs, losses, grads


def loss_only(net: Network, loss: L.LossSpec, batch: Any, params: dict[str, float],
              samples: int | None, per_sample: Any) -> float:
    """Σ over the first ``samples`` of per_sample(t, pass) (the objective's data part)."""
    passes = forward(net, params, batch.xs[:samples])
    return math.fsum(per_sample(list(t), p) for p, t in zip(passes, batch.ts[:samples]))
