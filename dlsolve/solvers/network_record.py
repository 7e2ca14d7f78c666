"""A network's named results: each unit's value and z, per-layer lists, and the chain factors
(dE_d<unit>, d<unit>_dz, deltas); a batch puts a sample axis in front of every per-unit one."""

from __future__ import annotations

import math

from dlsolve.kernels.network import Network, Pass
from dlsolve.steps import Solution


def record(sol: Solution, net: Network, passes: list[Pass], batched: bool = False) -> None:
    """Results: every unit's output and z, per-layer lists, the outputs (a leading sample
    axis for a batch)."""
    p = passes[0]
    bad = [n for n in net.units if not (math.isfinite(p.z[n]) and math.isfinite(p.values[n]))]
    if bad:
        sol.note(f"{', '.join(bad[:6])}{' …' if len(bad) > 6 else ''}: the values overflow double "
                 f"precision (beyond ±1.8e308) and are reported as inf or nan.")

    def per(f):  # type: ignore[no-untyped-def]
        return [f(q) for q in passes] if batched else f(p)

    for layer in net.layers:
        for n in layer:
            sol.set(n, per(lambda q, n=n: q.values[n]))
            sol.set(f"z_{n}", per(lambda q, n=n: q.z[n]))
    sol.set("outputs", per(lambda q: q.outputs(net)))
    layers = net.layers
    if batched:
        sol.set("layer_z", [[[q.z[n] for n in layer] for q in passes] for layer in layers])
        sol.set("layer_outputs", [[[q.values[n] for n in layer] for q in passes]
                                  for layer in layers])
    else:
        sol.set("layer_z", [[p.z[n] for n in layer] for layer in layers])
        sol.set("layer_outputs", [[p.values[n] for n in layer] for layer in layers])


def record_chain(sol: Solution, net: Network, passes: list[Pass], backs: list,
                 batched: bool = False) -> None:
    """Chain factors: dE_d<unit> (∂E/∂ of the unit's output), d<unit>_dz (f'(z), none for
    softmax units), deltas; per layer layer_dE_da, layer_fprime (null for softmax)."""
    def per(f):  # type: ignore[no-untyped-def]
        return [f(b) for b in backs] if batched else f(backs[0])

    for layer in net.layers:
        for n in layer:
            sol.set(f"dE_d{n}", per(lambda b, n=n: b.dE_da.get(n, 0.0)))
            if not net.units[n].act.softmax:
                sol.set(f"d{n}_dz", per(lambda b, n=n: b.fprime[n]))

    def layers(f):  # type: ignore[no-untyped-def]
        if batched:
            return [[[f(b, n) for n in layer] for b in backs] for layer in net.layers]
        return [[f(backs[0], n) for n in layer] for layer in net.layers]

    sol.set("deltas", layers(lambda b, n: b.delta[n]))
    sol.set("layer_dE_da", layers(lambda b, n: b.dE_da.get(n, 0.0)))
    sol.set("layer_fprime", [None if all(net.units[n].act.softmax for n in layer) else row
                             for layer, row in zip(net.layers, layers(
                                 lambda b, n: b.fprime.get(n)))])
