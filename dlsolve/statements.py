"""The statement and title of a generated variant: the question a sheet prints, with the
spec's own numbers, for each kind that ``dlsolve generate`` makes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

TITLES = {"convshape": "Conv layer output shape", "softmax": "Softmax", "activation":
          "Activation and derivative", "forward": "Forward pass", "backprop":
          "Backpropagation", "loss": "Loss", "conv": "Convolution forward and backward",
          "pool": "Pooling forward and backward", "params": "Parameter count",
          "perceptron": "Perceptron", "gd": "Gradient descent", "optimize": "Optimizer steps",
          "training": "A training step", "attention": "Scaled dot-product attention",
          "norm": "Normalisation forward and backward", "init": "Weight initialisation",
          "graph": "Backpropagation through a circuit", "ensemble": "Ensemble of models",
          "pinn": "Physics-informed loss", "rnn": "Recurrent network"}


def title(kind: str) -> str:
    return TITLES.get(kind, kind.capitalize())


def statement(kind: str, spec: dict[str, Any]) -> str:
    """The question for a generated spec of ``kind`` (the spec without its kind field)."""
    return STATEMENTS[kind](spec | {"kind": kind})


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
    "attention": lambda s: (
        f"Compute scaled dot-product attention for the queries Q = {_rows(s['queries'])}, "
        f"keys K = {_rows(s['keys'])} and values V = {_rows(s['values'])}"
        + (" with a causal mask" if s.get("mask") == "causal" else "")
        + ": the scores QKᵀ, their scaling by 1/√d_k, the softmax of each row and the output."),
    "norm": lambda s: (
        f"Apply {'batch' if s['type'] == 'batchnorm' else 'layer'} normalisation (ε = "
        f"{s['epsilon']:g}) to X = {_rows(s['input'])} with γ = {_nums(s['gamma'])} and β = "
        f"{_nums(s['beta'])}: the mean, the (biased) variance, x̂ and the output"
        + (f"; then, with dL/dY = {_rows(s['grad_output'])}, compute dL/dX, dL/dγ and dL/dβ."
           if "grad_output" in s else ".")),
    "init": lambda s: (
        f"For {s['scheme'].replace('_', ' ')} initialisation of a weight "
        + (f"of shape {'×'.join(map(str, s['shape']))}" if "shape" in s else
           f"with fan-in {s['fan_in']} and fan-out {s['fan_out']}")
        + (f" followed by {s['nonlinearity']}" if "nonlinearity" in s else "")
        + ", give the variance and the standard deviation of the weights (and the bound of "
          "the uniform range where it is uniform)."),
    "graph": lambda s: (
        "For the circuit " + "; ".join(s["nodes"]) + " at "
        + ", ".join(f"{k} = {v:g}" for k, v in s["values"].items())
        + ", compute every node's value, then every input's gradient by backpropagation."),
    "ensemble": lambda s: (
        f"Three models give the predictions {_rows(s['predictions'])} (one row per model). "
        f"Combine them by the {s['method']} and give the ensemble's prediction."),
    "pinn": lambda s: (
        f"The trial solution ŷ(x) = {s['trial']} (with "
        + ", ".join(f"{k} = {v:g}" for k, v in s["values"].items())
        + f") is checked against the equation {s['equation']} = 0 at x = "
        f"{_nums(s['collocation'])} and the boundary values "
        + ", ".join(f"y({k:g}) = {v:g}" for k, v in s["boundary"].items())
        + ". Compute the residuals, the physics and boundary losses and the weighted loss."),
    "rnn": lambda s: (
        f"A {s['cell'].upper() if s['cell'] != 'rnn' else 'plain RNN'} cell with the weights "
        f"given reads the inputs x = {_rows(s['inputs'])} from h0 = 0. Compute every gate and "
        f"hidden state step by step."),
}


def _rows(rows: list[Any]) -> str:
    return "[" + ", ".join(_nums(r) if isinstance(r, list) else f"{r:g}" for r in rows) + "]"
