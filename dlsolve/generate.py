"""Randomised exam variants with "nice" numbers, reproducible from a seed.

Each generator draws from short decimals and small integers and rejects degenerate draws
(all-dead ReLU layers, conv shapes that do not tile, gates no candidate can be judged on),
so every variant is a fair exam question. ``variants(kind, seed, count)`` yields specs.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

from dlsolve.statements import statement, title

WEIGHTS = [-1.0, -0.5, 0.5, 1.0, 1.5, 2.0, -2.0, 0.25, -0.25]
INPUTS = [0.1, 0.2, 0.5, 1.0, 1.5, 2.0, -0.5, -1.0]


def _convshape(rng: random.Random) -> dict[str, Any]:
    while True:
        side = rng.choice([7, 14, 28, 32, 56, 64, 128, 224, 227])
        k, s, p = rng.choice([1, 3, 5, 7, 11]), rng.choice([1, 2, 2, 4]), rng.choice([0, 1, 2, 3])
        if k <= side + 2 * p and (side - k + 2 * p) % s == 0:
            return {"kind": "convshape", "input": [side, side, rng.choice([1, 3, 16, 32, 64])],
                    "filters": rng.choice([8, 16, 32, 64, 128]), "kernel": k, "stride": s,
                    "padding": p}


def _softmax(rng: random.Random) -> dict[str, Any]:
    n = rng.choice([3, 3, 4])
    logits = [rng.choice([-1, 0, 0.5, 1, 2, 2.5, 3, 4]) for _ in range(n)]
    spec = {"kind": "softmax", "logits": logits}
    if rng.random() < 0.5:
        spec["labels"] = rng.sample(["cat", "dog", "bird", "fish", "seal", "panda", "duck"], n)
        spec["target"] = rng.randrange(n)
    return spec


def _activation(rng: random.Random) -> dict[str, Any]:
    from dlsolve.kernels.activations import NAMES

    name = rng.choice([n for n in NAMES if n != "swish"])
    return {"kind": "activation", "name": name,
            "at": sorted(rng.sample([-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0], 3))}


def _layers(rng: random.Random, sizes: list[int], act: str) -> list[dict[str, Any]]:
    return [{"weights": [[rng.choice(WEIGHTS) for _ in range(a)] for _ in range(b)],
             "bias": [rng.choice([-0.5, 0.0, 0.5, 1.0]) for _ in range(b)], "activation": act}
            for a, b in zip(sizes, sizes[1:])]


def _network(rng: random.Random, kind: str) -> dict[str, Any]:
    import dlsolve

    while True:
        sizes = rng.choice([[2, 2, 2], [2, 2, 1], [3, 2, 1], [2, 3, 2], [1, 1, 1]])
        act = rng.choice(["relu", "sigmoid", "sigmoid", "tanh"])
        spec = {"kind": kind, "inputs": [rng.choice(INPUTS) for _ in range(sizes[0])],
                "layers": _layers(rng, sizes, act),
                "targets": [rng.choice([0.0, 0.5, 1.0]) for _ in range(sizes[-1])],
                "loss": rng.choice(["half_sse", "mse", "half_mse"])}
        if kind == "backprop":
            spec["learning_rate"] = rng.choice([0.1, 0.5, 1.0])
        res = dlsolve.solve(spec).results
        if act == "relu" and (not any(res["layer_outputs"][0]) or not any(res["outputs"])):
            continue  # an all-dead layer makes a dull question
        return spec


def _training(rng: random.Random) -> dict[str, Any]:
    """A backprop step as a modern exam poses it: a mini-batch, dropout, an L2/L1 penalty or
    an optimizer with a start state (one or two of them)."""
    import dlsolve

    features = rng.sample(["batch", "dropout", "penalty", "optimizer"], rng.choice([1, 1, 2]))
    while True:
        sizes = rng.choice([[2, 2, 1], [2, 2, 2], [3, 2, 1]])
        act = rng.choice(["relu", "sigmoid", "tanh"])
        n = rng.choice([2, 3]) if "batch" in features else 1
        xs = [[rng.choice(INPUTS) for _ in range(sizes[0])] for _ in range(n)]
        ts = [[rng.choice([0.0, 0.5, 1.0]) for _ in range(sizes[-1])] for _ in range(n)]
        spec: dict[str, Any] = {"kind": "backprop", "inputs": xs if n > 1 else xs[0],
                                "layers": _layers(rng, sizes, act),
                                "targets": ts if n > 1 else ts[0],
                                "loss": rng.choice(["half_sse", "mse"]),
                                "learning_rate": rng.choice([0.1, 0.5])}
        if "dropout" in features:
            mask = [rng.randint(0, 1) for _ in range(sizes[1])]
            mask[rng.randrange(len(mask))] = 1  # never drop the whole layer
            key = rng.choice(["p", "keep"])
            spec["layers"][0]["dropout"] = {key: 0.5, "mask": mask}
        if "penalty" in features:
            spec["regularization"] = {rng.choice(["l2", "l1"]): rng.choice([0.01, 0.1])}
        if "optimizer" in features:
            name = rng.choice(["momentum", "adam", "rmsprop"])
            spec.pop("learning_rate")
            spec.update(optimizer=name, hyper={"lr": rng.choice([0.1, 0.01])})
            if name == "momentum" and rng.random() < 0.5:
                spec["state"] = {"velocity": {"biases": [[rng.choice([0.1, -0.1, 0.5])
                                                          for _ in range(b)] for b in sizes[1:]]}}
        res = dlsolve.solve(spec).results
        first = res["layer_outputs"][0]
        if act == "relu" and not any(v for row in (first if n > 1 else [first]) for v in row):
            continue  # an all-dead layer makes a dull question
        spec["statement"] = _training_statement(spec, sizes, act, n)
        return spec


def _training_statement(spec: dict[str, Any], sizes: list[int], act: str, n: int) -> str:
    """The question in words; the numbers are the spec's (printed as givens on the sheet)."""
    parts = [f"A {'-'.join(map(str, sizes))} network with {act} units and the weights, "
             f"biases and inputs given is trained with {spec['loss']} loss"]
    if n > 1:
        parts.append(f" on a mini-batch of {n} samples (the loss is the mean over samples)")
    drop = spec["layers"][0].get("dropout")
    if drop:
        prob = f"keep probability {drop['keep']}" if "keep" in drop else f"p = {drop['p']}"
        parts.append(f", with inverted dropout ({prob}, mask {drop['mask']}) on the hidden layer")
    reg = spec.get("regularization")
    if reg:
        (kind, lam), = reg.items()
        parts.append(f", plus an {kind.upper()} penalty on the weights with λ = {lam}")
    step = (f"one {spec['optimizer']} step (lr = {spec['hyper']['lr']}"
            f"{', from the given velocity' if 'state' in spec else ''})" if "optimizer" in spec
            else f"one gradient descent step with learning rate {spec['learning_rate']}")
    return "".join(parts) + (f". Compute the forward pass, the loss, every gradient and the "
                             f"parameters after {step}.")


def _loss(rng: random.Random) -> dict[str, Any]:
    name = rng.choice(["mse", "half_sse", "mae", "bce", "cce", "sparse_cce"] + list(MORE_LOSSES))
    if name in MORE_LOSSES:
        return {"kind": "loss", "loss": name, **MORE_LOSSES[name](rng)}
    if name in ("cce", "sparse_cce"):
        p = rng.choice([[0.7, 0.2, 0.1], [0.5, 0.3, 0.2], [0.1, 0.8, 0.1], [0.25, 0.25, 0.5]])
        c = rng.randrange(3)
        return {"kind": "loss", "loss": name, "predictions": [p],
                "targets": [c] if name == "sparse_cce" else [[float(k == c) for k in range(3)]]}
    n = rng.choice([2, 3, 4])
    if name == "bce":
        return {"kind": "loss", "loss": name,
                "predictions": [rng.choice([0.1, 0.2, 0.6, 0.8, 0.9]) for _ in range(n)],
                "targets": [rng.choice([0, 1]) for _ in range(n)]}
    return {"kind": "loss", "loss": name, "predictions": [rng.choice(INPUTS) for _ in range(n)],
            "targets": [rng.choice([0.0, 0.5, 1.0]) for _ in range(n)]}


def _svm(rng: random.Random) -> dict[str, Any]:
    scores = [rng.choice([-2.0, -1.0, 0.5, 1.0, 2.0, 3.0, 13.0, -7.0, 11.0]) for _ in range(3)]
    return {"margin": rng.choice([1, 1, 10]), "predictions": scores,
            "targets": [rng.randrange(3)]}


def _two_class_rows(rng: random.Random) -> list[list[float]]:
    return [rng.choice([[0.6, 0.4], [0.4, 0.6], [0.8, 0.2], [0.3, 0.7]]) for _ in range(2)]


MORE_LOSSES: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "multiclass_svm": _svm,
    "squared_hinge": lambda r: {"predictions": [r.choice([0.5, -0.5, 2.0, 0.25]) for _ in
                                                range(3)],
                                "targets": [r.choice([-1, 1]) for _ in range(3)]},
    "categorical_hinge": lambda r: {"predictions": _two_class_rows(r),
                                    "targets": [r.choice([[0, 1], [1, 0]]) for _ in range(2)]},
    "kl_divergence": lambda r: {"predictions": _two_class_rows(r),
                                "targets": [r.choice([[0, 1], [0.5, 0.5], [0.25, 0.75]])
                                            for _ in range(2)]},
    "huber": lambda r: {"delta": r.choice([1, 0.5, 2]), "targets": [0.0, 1.0, 0.5],
                        "predictions": [r.choice([0.5, 3.0, -1.0, 1.5]) for _ in range(3)]},
    "smooth_l1": lambda r: {"beta": r.choice([1, 0.5, 2]), "targets": [0.0, 1.0, 0.5],
                            "predictions": [r.choice([0.5, 3.0, -1.0, 1.5]) for _ in range(3)]},
    "focal": lambda r: {"gamma": r.choice([2, 1, 0.5]), "alpha": r.choice([0.25, 0.5, None]),
                        "predictions": [r.choice([0.9, 0.2, 0.6, 0.1]) for _ in range(3)],
                        "targets": [r.choice([0, 1]) for _ in range(3)]},
}


def _ensemble(rng: random.Random) -> dict[str, Any]:
    models = rng.choice([3, 5])
    if rng.random() < 0.5:
        return {"kind": "ensemble", "method": "vote",
                "predictions": [[rng.randrange(3) for _ in range(4)] for _ in range(models)]}
    rows = [rng.choice([[0.7, 0.2, 0.1], [0.4, 0.5, 0.1], [0.2, 0.3, 0.5], [0.6, 0.3, 0.1]])
            for _ in range(models)]
    return {"kind": "ensemble", "method": rng.choice(["mean", "median"]), "predictions": rows}


def _pinn(rng: random.Random) -> dict[str, Any]:
    k, off = rng.choice([0.5, 1, 2]), rng.choice([0, 0, 0.5, -0.5])
    return {"kind": "pinn", "trial": "exp(-c*x)", "values": {"c": k + off},
            "equation": f"y' + {k:g}*y", "collocation": [0, 0.5, 1],
            "boundary": {0: 1}, "weights": {"physics": 1, "boundary": rng.choice([1, 10])}}


def _conv(rng: random.Random) -> dict[str, Any]:
    n, k = rng.choice([(4, 2), (5, 3), (5, 2), (6, 3)])
    return {"kind": "conv", "input": [[rng.randint(0, 9) for _ in range(n)] for _ in range(n)],
            "kernel": [[rng.randint(-1, 2) for _ in range(k)] for _ in range(k)],
            "stride": rng.choice([1, 1, 2]) if (n - k) % 2 == 0 else 1,
            "operation": rng.choice(["cross-correlation", "convolution"]),
            "grad_output": "ones"}


def _pool(rng: random.Random) -> dict[str, Any]:
    return {"kind": "pool", "input": [[rng.randint(0, 9) for _ in range(4)] for _ in range(4)],
            "pool": rng.choice(["max", "avg"]), "kernel": 2, "stride": 2, "grad_output": "ones"}


def _params(rng: random.Random) -> dict[str, Any]:
    side = rng.choice([28, 32, 64])
    layers = [{"type": "conv2d", "filters": rng.choice([8, 16, 32]), "kernel": 3,
               "padding": "same"}, {"type": "maxpool", "kernel": 2},
              {"type": "conv2d", "filters": rng.choice([16, 32, 64]), "kernel": 3},
              {"type": "flatten"}, {"type": "dense", "units": rng.choice([10, 100])}]
    return {"kind": "params", "input": [side, side, rng.choice([1, 3])], "layers": layers}


def _perceptron(rng: random.Random) -> dict[str, Any]:
    gate = rng.choice(["AND", "OR", "NAND", "NOR"])
    if rng.random() < 0.5:
        return {"kind": "perceptron", "gate": gate, "train": {"learning_rate": 1, "epochs": 30}}
    cands = [{"weights": [rng.choice([-1, 1, 2]) for _ in range(2)],
              "bias": rng.choice([-2.5, -1.5, -0.5, 0.5, 1.5])} for _ in range(3)]
    return {"kind": "perceptron", "gate": gate, "candidates": cands}


def _gd(rng: random.Random) -> dict[str, Any]:
    a, b = rng.choice([1, 2, 3]), rng.choice([1, 2, 5])
    fn = rng.choice([f"{a}*x**2 + {b}*y**2", "x**2 - y**2", f"(x - {a})**2 + (y + {b})**2"])
    return {"kind": "gd", "function": fn, "start": [rng.choice([1, 2, 3]), rng.choice([-1, 1, 2])],
            "learning_rate": rng.choice([0.05, 0.1, 0.2]), "steps": rng.choice([3, 5, 10])}


def _optimize(rng: random.Random) -> dict[str, Any]:
    name = rng.choice(["sgd", "momentum", "adagrad", "rmsprop", "adam"])
    steps = rng.choice([2, 3])
    grads = [[rng.choice([-1.0, -0.5, 0.2, 0.5, 1.0]) for _ in range(2)] for _ in range(steps)]
    return {"kind": "optimize", "optimizer": name, "params": [1.0, -1.0], "gradients": grads,
            "hyper": {"lr": rng.choice([0.1, 0.01])}}


def _attention(rng: random.Random) -> dict[str, Any]:
    t, d = rng.choice([(2, 2), (3, 2), (3, 3)])
    cell = [-1, 0, 0, 1, 1, 2]

    def m(r: int, c: int) -> list[list[int]]:
        return [[rng.choice(cell) for _ in range(c)] for _ in range(r)]

    spec: dict[str, Any] = {"kind": "attention", "queries": m(t, d), "keys": m(t, d),
                            "values": m(t, 2)}
    if rng.random() < 0.4:
        spec["mask"] = "causal"
    return spec


def _norm(rng: random.Random) -> dict[str, Any]:
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


def _init(rng: random.Random) -> dict[str, Any]:
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


def _graph(rng: random.Random) -> dict[str, Any]:
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
def _rnn(rng: random.Random) -> dict[str, Any]:
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
        return _rnn(rng)   # every state 0: a dull question
    return spec


GENERATORS: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "convshape": _convshape, "softmax": _softmax, "activation": _activation,
    "forward": lambda r: _network(r, "forward"), "backprop": lambda r: _network(r, "backprop"),
    "training": _training,
    "loss": _loss, "conv": _conv, "pool": _pool, "params": _params, "perceptron": _perceptron,
    "gd": _gd, "optimize": _optimize, "attention": _attention, "norm": _norm, "init": _init,
    "graph": _graph, "ensemble": _ensemble, "pinn": _pinn, "rnn": _rnn,
}
KINDS = tuple(GENERATORS) + ("all",)
def variants(kind: str, seed: int, count: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(file stem, spec) for each variant; the same seed gives the same variants."""
    kinds = list(GENERATORS) if kind == "all" else [kind]
    for i in range(count):
        k = kinds[i % len(kinds)]
        rng = random.Random(f"{seed}:{k}:{i}")
        spec = GENERATORS[k](rng)
        spec = {"kind": spec.pop("kind"), "title": f"{title(k)}, variant {i + 1} (seed {seed})",
                "statement": spec.pop("statement", None) or statement(k, spec), **spec}
        yield f"{k}-{i + 1:04d}", spec
