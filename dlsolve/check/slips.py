"""A catalogue of known slips: for a wrong answer, the value each slip would give, and a hint.

Each entry maps a result name to (the value the slip produces, the hint to show). A wrong
answer matching one of them gets that hint instead of a bare ✗.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from dlsolve.check import slips_losses
from dlsolve.check import slips_more as more
from dlsolve.kernels import losses as L

Alternatives = dict[str, list[tuple[Any, str]]]


def _add(out: Alternatives, name: str, value: Any, hint: str) -> None:
    out.setdefault(name, []).append((value, hint))


def network(spec: Any, results: dict[str, Any]) -> Alternatives:
    net, out = spec.net, {}
    zs = [results[f"z_{o}"] for o in net.outputs]
    for o, z in zip(net.outputs, zs):
        act = net.units[o].act
        if act.softmax or act.fn.name == "linear":
            continue
        hint = (f"{o} equals z_{o} = {z:g}: the activation ({act.title}) was not applied to "
                f"the output (it gives {results[o]:g})")
        _add(out, o, z, hint)
        if act.fn.name == "sigmoid":
            _add(out, o, 1 / (1 + math.exp(min(z, 700))),
                 f"{o} = 1/(1 + e^z): the sign in σ(z) = 1/(1 + e^(-z)) slipped")
    outs = results["outputs"]
    mixed = [[z if j == i else v for j, v in enumerate(outs)] for i, z in enumerate(zs)]
    for o, alt in zip(net.outputs, mixed):
        act = net.units[o].act
        if not act.softmax and act.fn.name != "linear":
            _add(out, "outputs", alt, f"{o} is z_{o}: the activation ({act.title}) was not "
                 f"applied to that output")
    _add(out, "outputs", zs, "the outputs equal the weighted sums z: the output activation "
                             "was not applied")
    if spec.loss is not None and spec.targets is not None:
        _loss_conventions(out, spec.loss, spec.targets, outs)
        units = " ".join(net.outputs) if not spec.loss.from_logits else ""
        slips_losses.loss_slips(out, spec.loss, [spec.targets], [outs],
                                {"loss": "loss", "units": units})
    if getattr(spec, "learning_rate", None) is not None:
        _updates(out, spec, results)
    return out


def _loss_conventions(out: Alternatives, loss: L.LossSpec, t: list[float],
                      o: list[float]) -> None:
    if loss.name not in ("mse", "half_mse", "sse", "half_sse"):
        return
    for other in ("mse", "half_mse", "sse", "half_sse"):
        if other != loss.name:
            alt = L.sample(L.LossSpec(other), t, o).loss
            _add(out, "loss", alt, f"that is the {L.TITLES[other]}; this problem's loss is "
                                   f"the {L.TITLES[loss.name]} (the ½ or the mean differs)")


def _updates(out: Alternatives, spec: Any, results: dict[str, Any]) -> None:
    from dlsolve.kernels.backprop import roles, sequential_update

    lr, net = spec.learning_rate, spec.net
    which = set(spec.update)
    role = roles(net)
    ascent = {k: v + lr * results[f"grad_{k}"] if role.get(k) in which else v
              for k, v in net.params.items()}
    seq = sequential_update(net, spec.loss, spec.targets, lr, which)
    hints = {"ascent": "the gradient was added: that is gradient ascent; descent subtracts "
                       "it (p - η·∂E/∂p)",
             "sequential": "the later layers' new weights were used for this gradient: updates "
                           "are simultaneous, from one forward pass with the old weights"}
    for kind, table in (("ascent", ascent), ("sequential", seq)):
        for k in net.params:
            _add(out, f"new_{k}", table[k], hints[kind])
        if net.form == "matrix":
            _add(out, "new_weights", [[[table[w] for w in row] for row in layer]
                                      for layer in net.weight_names], hints[kind])
            _add(out, "new_biases", [[table[b] for b in layer] for layer in net.bias_names],
                 hints[kind])


def loss_problem(spec: Any, results: dict[str, Any]) -> Alternatives:
    out = slips_losses.loss_problem(spec, results)
    if len(spec.predictions) == 1:
        _loss_conventions(out, spec.loss, spec.targets[0], spec.predictions[0])
    return out


def conv(spec: Any, results: dict[str, Any]) -> Alternatives:
    from dataclasses import replace

    from dlsolve.solvers.conv import solve

    other = solve(replace(spec, flip=not spec.flip)).results
    op = "cross-correlation" if spec.flip else "convolution (kernel rotated 180°)"
    out: Alternatives = {}
    for key in ("output", "grad_kernel", "grad_input"):
        if key in other:
            _add(out, key, other[key], f"that is the {op} answer; this problem's operation is "
                 f"{'convolution' if spec.flip else 'cross-correlation'}: keep the forward and "
                 f"backward passes consistent")
    return out


def convshape(spec: Any, results: dict[str, Any]) -> Alternatives:
    out: Alternatives = {}
    if spec.solve_for or spec.layer == "transposed" or spec.padding == "same":
        return out
    dims, dims_once, dims_noplus, dims_nopad = [], [], [], []
    for n, k, s, p, d in zip(spec.input[:2], spec.kernel, spec.stride, spec.padding,
                             spec.dilation):
        eff = d * (k - 1) + 1
        dims.append((n - eff + 2 * p) / s + 1)
        dims_once.append((n - eff + p) // s + 1)
        dims_noplus.append((n - eff + 2 * p) // s)
        dims_nopad.append((n - eff) // s + 1 if n >= eff else None)
    c = results["output_channels"]
    slipped = [(dims_once, "the padding was counted once: it is added on both sides, so the "
                           "formula has 2P"),
               (dims_noplus, "the + 1 was left out of ⌊(W - F + 2P)/S⌋ + 1 (it counts the "
                             "first window)")]
    if not results["fits"]:
        slipped.insert(0, (dims, "the floor was forgotten: (W - F + 2P)/S is not a whole "
                                 "number, and a layer has a whole number of rows"))
    if any(spec.padding) and None not in dims_nopad:
        slipped.append((dims_nopad, "the padding was left out: the formula is "
                                    "⌊(W - F + 2P)/S⌋ + 1 with P on each side"))
    for hw, hint in slipped:  # (the catalogue drops a slip that gives the right size)
        _add(out, "output_shape", hw + [c], hint)
        _add(out, "output_height", hw[0], hint)
        _add(out, "output_width", hw[1], hint)
    return out


def gd(spec: Any, results: dict[str, Any]) -> Alternatives:
    from dlsolve.solvers.gd import evaluate, gradient

    _, funcs = gradient(spec.function, spec.variables)
    traj = [list(spec.start)]
    for _ in range(spec.steps):
        g = evaluate(funcs, traj[-1])
        if g is None:
            break
        traj.append([v + spec.learning_rate * gi for v, gi in zip(traj[-1], g)])
    hint = "the gradient was added: that is gradient ascent; descent subtracts α·∇f"
    return {"trajectory": [(traj, hint)], "final": [(traj[-1], hint)]}


def perceptron(spec: Any, results: dict[str, Any]) -> Alternatives:
    if "implements" not in results or not spec.candidates:
        return {}
    claims = [True] * len(results["implements"])
    bad = [i + 1 for i, ok in enumerate(results["implements"]) if not ok]
    hint = ("candidate(s) " + ", ".join(map(str, bad)) + " fail on at least one row of the "
            "truth table (see the ✗ rows): a gate is implemented only if every row matches")
    return {"implements": [(claims, hint)]}


def derivative(spec: Any, results: dict[str, Any]) -> Alternatives:
    """The chain rule without its inner derivative: outer′(inner) alone."""
    from dlsolve.symbolic.derivative import Explainer

    out: Alternatives = {}
    hint = ("the chain rule lost its inner derivative: outer′(inner) must be multiplied by "
            "inner′")
    many = len(spec.variables) > 1
    slipped = [Explainer(v, many, forget_inner=True).explain(spec.function)
               for v in spec.variables]
    right = [str(d) for d in slipped]
    if spec.at is not None:
        point = dict(zip(spec.variables, spec.at))
        values = [float(d.subs(point).evalf()) for d in slipped]
        _add(out, "value", values if many else values[0], hint)
        for v, value in zip(spec.variables, values) if many else ():
            _add(out, f"partial_{v}", value, hint)
    _add(out, "derivative", right if many else right[0], hint)
    return out


CATALOGUE: dict[str, Callable[[Any, dict[str, Any]], Alternatives]] = {
    kind: more.only_wrong(fn) for kind, fn in {
        "forward": network, "backprop": network, "loss": loss_problem, "conv": conv,
        "convshape": convshape, "gd": gd, "perceptron": perceptron, "derivative": derivative,
        "norm": more.norm, "attention": more.attention, "rnn": more.rnn, "pool": more.pool,
    }.items()}
