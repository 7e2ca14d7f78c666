"""Generators of variants for the model kinds: attention, normalisation, initialisation,
computational graphs and recurrent cells (small integers and halves, degenerate draws
rejected), used by ``dlsolve.generate``."""

from __future__ import annotations

import random
from typing import Any


def attention(rng: random.Random) -> dict[str, Any]:
    t, d = rng.choice([(2, 2), (3, 2), (3, 3)])
    cell = [-1, 0, 0, 1, 1, 2]

    def m(r: int, c: int) -> list[list[int]]:
        return [[rng.choice(cell) for _ in range(c)] for _ in range(r)]

    spec: dict[str, Any] = {"kind": "attention", "queries": m(t, d), "keys": m(t, d),
                            "values": m(t, 2)}
    if rng.random() < 0.4:
        spec["mask"] = "causal"
    return spec


def norm(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(["batchnorm", "layernorm"])
    n, d = rng.choice([(2, 2), (3, 2), (2, 3), (4, 2)])
    while True:
        x = [[rng.choice([-2, -1, 0, 1, 2, 3, 4]) for _ in range(d)] for _ in range(n)]
        lines = x if kind == "layernorm" else [list(c) for c in zip(*x)]
        if all(max(v) != min(v) for v in lines):  # no constant feature (sample)
            break
    spec = {"kind": "norm", "type": kind, "input": x,
            "gamma": [rng.choice([0.5, 1, 2]) for _ in range(d)],
            "beta": [rng.choice([-1, 0, 0.5, 1]) for _ in range(d)], "epsilon": 1.0e-5}
    if rng.random() < 0.6:
        spec["grad_output"] = [[rng.choice([-1, 0, 1, 2]) for _ in range(d)] for _ in range(n)]
    return spec


def initialisation(rng: random.Random) -> dict[str, Any]:
    from dlsolve.kernels.init import SCHEMES

    scheme = rng.choice(SCHEMES)
    spec: dict[str, Any] = {"kind": "init", "scheme": scheme}
    if rng.random() < 0.3:
        spec["shape"] = [rng.choice([16, 32, 64]), rng.choice([3, 16, 32]), 3, 3]
    else:
        spec["fan_in"], spec["fan_out"] = rng.choice([64, 128, 256, 512]), rng.choice([10, 64,
                                                                                       128])
    if rng.random() < 0.5:
        spec["nonlinearity"] = rng.choice(["relu", "tanh", "sigmoid", "linear"])
    return spec
GRAPHS = [
    ["q = x + y", "f = q * z"], ["a = x * y", "f = a + x"], ["m = max(x, y)", "f = m * z"],
    ["s = w0 * x0 + w1 * x1 + w2", "f = sigmoid(s)"], ["q = x * y + z", "f = q ** 2"],
    ["s = w * x + b", "r = relu(s)", "f = r * r"], ["d = x - y", "f = exp(d) / (1 + exp(d))"],
    ["a = x * y", "b = max(a, z)", "f = b + x * z"],
]


def graph(rng: random.Random) -> dict[str, Any]:
    """A CS231n-style circuit at small integers and halves; dead or tied points rejected."""
    from dlsolve.kernels.graph import GraphError, from_assignments, parse_assignment
    from dlsolve.kernels.graph.build import names_in

    while True:
        nodes = rng.choice(GRAPHS)
        assigns = [parse_assignment(n) for n in nodes]
        used = {n.id for a in assigns for n in names_in(a.tree)}
        names = sorted(used - {a.name for a in assigns})
        values = {n: rng.choice([-3, -2, -1.5, -1, -0.5, 0.5, 1, 1.5, 2, 3]) for n in names}
        try:
            ev = from_assignments(assigns, names).evaluate(values)
        except GraphError:
            continue
        tie = any(e.local is not None and 0 < e.local < 1 for e in ev.edges
                  if ev.graph.by_name[e.dst].fn == "max")
        if not tie and all(ev.grads[n] != 0 for n in names) and \
                all(abs(v) < 100 for v in ev.values.values()):
            return {"kind": "graph", "nodes": nodes, "values": values}
def rnn(rng: random.Random) -> dict[str, Any]:
    """An RNN, LSTM or GRU over 2-4 steps, weights in halves; half of them with BPTT."""
    import dlsolve

    halves = [-1.0, -0.5, 0.5, 1.0]
    cell = rng.choice(["rnn", "rnn", "lstm", "gru"])
    T, D, H = rng.choice([2, 3, 4]), rng.choice([1, 1, 2]), rng.choice([1, 1, 2])

    def m(rows: int, cols: int) -> list[list[float]]:
        return [[rng.choice(halves) for _ in range(cols)] for _ in range(rows)]

    gates = {"rnn": ["rnn"], "lstm": list("ifgo"), "gru": list("rzn")}[cell]
    spec: dict[str, Any] = {
        "kind": "rnn", "cell": cell,
        "inputs": [[rng.choice([-1, 0, 1, 2]) for _ in range(D)] for _ in range(T)],
        "weights": {g: {"W": m(H, D), "U": m(H, H), "b": [rng.choice([0.0, 0.5])
                                                          for _ in range(H)]} for g in gates}}
    if cell == "rnn":
        spec["activation"] = rng.choice(["tanh", "tanh", "relu"])
    if rng.random() < 0.5:
        spec["output"] = {"W": m(1, H), "b": [0.0]}
        spec["target"] = [rng.choice([0.0, 0.5, 1.0])]
        spec["loss"] = "half_sse"
    if spec.get("activation") == "relu" and not any(
            v for h in dlsolve.solve(dict(spec)).results["h"] for v in h):
        return rnn(rng)   # every state 0: a dull question
    return spec
