"""Problem kinds: which function parses a spec of that kind and which solves it.

``parse(reader) -> spec object`` and ``solve(spec) -> Solution``, named "module:function".
Modules are imported on use so that a command loads only what it needs (SymPy, for one,
only where symbolic work happens).
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

KINDS: dict[str, tuple[str, str]] = {
    "convshape": ("dlsolve.spec.convshape:parse", "dlsolve.solvers.convshape:solve"),
    "softmax": ("dlsolve.spec.softmax:parse", "dlsolve.solvers.softmax:solve"),
    "activation": ("dlsolve.spec.activation:parse", "dlsolve.solvers.activation:solve"),
    "loss": ("dlsolve.spec.loss:parse", "dlsolve.solvers.loss:solve"),
    "forward": ("dlsolve.spec.network:parse", "dlsolve.solvers.forward:solve"),
    "backprop": ("dlsolve.spec.network:parse_backprop", "dlsolve.solvers.backprop:solve"),
    "conv": ("dlsolve.spec.conv:parse", "dlsolve.solvers.conv:solve"),
    "pool": ("dlsolve.spec.conv:parse_pool", "dlsolve.solvers.pool:solve"),
    "params": ("dlsolve.spec.params:parse", "dlsolve.solvers.params:solve"),
    "perceptron": ("dlsolve.spec.perceptron:parse", "dlsolve.solvers.perceptron:solve"),
    "gd": ("dlsolve.spec.gd:parse", "dlsolve.solvers.gd:solve"),
    "optimize": ("dlsolve.spec.optimize:parse", "dlsolve.solvers.optimize:solve"),
    "prove": ("dlsolve.spec.prove:parse", "dlsolve.spec.prove:solve"),
    "attention": ("dlsolve.spec.attention:parse", "dlsolve.solvers.attention:solve"),
    "norm": ("dlsolve.spec.norm:parse", "dlsolve.solvers.norm:solve"),
    "init": ("dlsolve.spec.init:parse", "dlsolve.solvers.init:solve"),
    "graph": ("dlsolve.spec.graph:parse", "dlsolve.solvers.graph:solve"),
    "pinn": ("dlsolve.spec.pinn:parse", "dlsolve.solvers.pinn:solve"),
    "ensemble": ("dlsolve.spec.ensemble:parse", "dlsolve.solvers.ensemble:solve"),
    "rnn": ("dlsolve.spec.rnn:parse", "dlsolve.solvers.rnn:solve"),
    "derivative": ("dlsolve.spec.derivative:parse", "dlsolve.solvers.derivative:solve"),
}

COMMON_FIELDS = ("kind", "title", "statement", "mistakes")


def _load(ref: str) -> Any:
    module, name = ref.split(":")
    return getattr(import_module(module), name)


def parser(kind: str) -> Any:
    """The ``parse`` function for ``kind``."""
    return _load(KINDS[kind][0])


def solver(kind: str) -> Any:
    """The ``solve`` function for ``kind``."""
    return _load(KINDS[kind][1])
