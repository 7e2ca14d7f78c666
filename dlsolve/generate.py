"""Randomised exam variants with "nice" numbers, reproducible from a seed.

Each generator draws from short decimals and small integers and rejects degenerate draws
(all-dead ReLU layers, conv shapes that do not tile, gates no candidate can be judged on),
so every variant is a fair exam question. ``variants(kind, seed, count)`` yields specs.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

from dlsolve import generate_models as models
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


GENERATORS: dict[str, Callable[[random.Random], dict[str, Any]]] = {
    "convshape": _convshape, "softmax": _softmax, "activation": _activation,
    "forward": lambda r: _network(r, "forward"), "backprop": lambda r: _network(r, "backprop"),
    "training": _training,
    "loss": _loss, "conv": _conv, "pool": _pool, "params": _params, "perceptron": _perceptron,
    "gd": _gd, "optimize": _optimize, "attention": models.attention, "norm": models.norm,
    "init": models.initialisation, "graph": models.graph, "ensemble": _ensemble, "pinn": _pinn,
    "rnn": models.rnn,
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
