"""Randomised exam variants with "nice" numbers, reproducible from a seed.

Each generator draws from short decimals and small integers and rejects degenerate draws
(all-dead ReLU layers, conv shapes that do not tile, gates no candidate can be judged on),
so every variant is a fair exam question. ``variants(kind, seed, count)`` yields specs.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from typing import Any

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


def _loss(rng: random.Random) -> dict[str, Any]:
    name = rng.choice(["mse", "half_sse", "mae", "bce", "cce", "sparse_cce"])
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
    "loss": _loss, "conv": _conv, "pool": _pool, "params": _params, "perceptron": _perceptron,
    "gd": _gd, "optimize": _optimize,
}
KINDS = tuple(GENERATORS) + ("all",)
TITLES = {"convshape": "Conv layer output shape", "softmax": "Softmax", "activation":
          "Activation and derivative", "forward": "Forward pass", "backprop":
          "Backpropagation", "loss": "Loss", "conv": "Convolution forward and backward",
          "pool": "Pooling forward and backward", "params": "Parameter count",
          "perceptron": "Perceptron", "gd": "Gradient descent", "optimize": "Optimizer steps"}


def variants(kind: str, seed: int, count: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(file stem, spec) for each variant; the same seed gives the same variants."""
    kinds = list(GENERATORS) if kind == "all" else [kind]
    for i in range(count):
        k = kinds[i % len(kinds)]
        rng = random.Random(f"{seed}:{k}:{i}")
        spec = GENERATORS[k](rng)
        spec = {"kind": spec.pop("kind"), "title": f"{TITLES[k]}, variant {i + 1} (seed {seed})",
                "statement": STATEMENTS[k](spec | {"kind": k}), **spec}
        yield f"{k}-{i + 1:04d}", spec


def _nums(values: list[Any]) -> str:
    return "[" + ", ".join(f"{v:g}" for v in values) + "]"


def _loss_words(name: str) -> str:
    from dlsolve.kernels.losses import TITLES

    return TITLES[name].split(",")[0]


def _act_words(name: str) -> str:
    from dlsolve.kernels.activations import lookup

    act = lookup(name)
    return act.title if act is not None else name


def _statement_network(spec: dict[str, Any]) -> str:
    sizes = "-".join([str(len(spec["inputs"]))] + [str(len(layer["weights"]))
                                                   for layer in spec["layers"]])
    text = (f"A {sizes} network with {_act_words(spec['layers'][0]['activation'])} units has "
            f"the weights "
            f"and biases given (W[j][i] is the weight from input i to unit j). For the input "
            f"x = {_nums(spec['inputs'])}, compute every weighted sum and output, then the "
            f"loss ({_loss_words(spec['loss'])}) against the targets {_nums(spec['targets'])}.")
    if spec["kind"] == "backprop":
        text += (f" Then compute the gradient of the loss for every weight and bias, and their "
                 f"values after one step of gradient descent with learning rate "
                 f"{spec['learning_rate']:g}.")
    return text


def _statement_conv(spec: dict[str, Any]) -> str:
    n, k = len(spec["input"]), len(spec["kernel"])
    op = "Convolve (a true convolution: the kernel rotated 180°)" \
        if spec["operation"] == "convolution" else "Cross-correlate"
    return (f"{op} the {n}×{n} input X with the {k}×{k} kernel W, stride {spec['stride']}, no "
            f"padding: compute the output Y. Then, with dL/dY a matrix of ones, compute "
            f"dL/dX and dL/dW.")


def _statement_perceptron(spec: dict[str, Any]) -> str:
    if "train" in spec:
        return (f"Train a perceptron (step activation, f(0) = 1) on the {spec['gate']} gate "
                f"with the perceptron rule, learning rate 1, from w = (0, 0), b = 0, for at most "
                f"{spec['train']['epochs']} epochs. Give the weights after each epoch; does it "
                f"converge?")
    return (f"A step neuron (f(z) = 1 for z ≥ 0, else 0) computes f(w1·x1 + w2·x2 + b). Which "
            f"of the candidate weights and biases given make it compute {spec['gate']}? Show "
            f"the net input and the output for every row of the truth table.")


def _statement_optimize(spec: dict[str, Any]) -> str:
    steps = len(spec["gradients"])
    return (f"Apply {steps} steps of {spec['optimizer']} (learning rate "
            f"{spec['hyper']['lr']:g}, PyTorch's other defaults) from θ0 = "
            f"{_nums(spec['params'])} with the gradients given (row t: the gradient at step t). "
            f"Give the parameters and the optimizer's state after each step.")


STATEMENTS: dict[str, Callable[[dict[str, Any]], str]] = {
    "convshape": lambda s: (f"A convolution layer with {s['filters']} filters of size "
                            f"{s['kernel']}×{s['kernel']}, stride {s['stride']} and padding "
                            f"{s['padding']} is applied to a {s['input'][0]}×{s['input'][1]}×"
                            f"{s['input'][2]} input. What is the output shape, and how many "
                            f"parameters does the layer have?"),
    "softmax": lambda s: (f"Compute the softmax of the logits {_nums(s['logits'])}" +
                          (f" for the classes {', '.join(s['labels'])}, and the cross-entropy "
                           f"loss when the true class is {s['labels'][s['target']]}."
                           if "labels" in s else ", step by step.")),
    "activation": lambda s: (f"Evaluate the {_act_words(s['name'])} activation and its "
                             f"derivative at "
                             f"x = {', '.join(f'{v:g}' for v in s['at'])}."),
    "forward": _statement_network, "backprop": _statement_network,
    "loss": lambda s: (f"Compute the {_loss_words(s['loss'])} of the predictions given "
                       f"against the targets given, term by term."),
    "conv": _statement_conv,
    "pool": lambda s: (f"Apply {'max' if s['pool'] == 'max' else 'average'} pooling with 2×2 "
                       f"windows and stride 2 to the 4×4 input X. Then, with dL/dY a matrix "
                       f"of ones, compute dL/dX."),
    "params": lambda s: (f"For an input of shape {s['input'][0]}×{s['input'][1]}×"
                         f"{s['input'][2]} and the layers given, give each layer's output "
                         f"shape and parameter count, and the total."),
    "perceptron": _statement_perceptron,
    "gd": lambda s: (f"Run {s['steps']} iterations of gradient descent on f(x, y) = "
                     f"{s['function'].replace('**', '^').replace('*', '')} from "
                     f"{tuple(s['start'])} with learning rate {s['learning_rate']:g}."),
    "optimize": _statement_optimize,
}
