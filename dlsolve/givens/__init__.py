"""The data of a problem, read back from its checked spec: what a question sheet must state.

Every derivation opens with its givens (the exam's "Variable | Value" table: inputs, weights,
biases, targets, the learning rate, the loss; matrices; candidates; the function and the start
point; hyper-parameters) and, where the problem has a model, its equations in symbols before
any number is put in. Solvers may record their own (``sol.given``); for the kinds that do not,
``attach`` derives them from the spec object after solving, so each kind states its data
without its solver changing.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from dlsolve.steps import Equations, Figure, Given, Solution

# kind -> "module:function"; each function returns (givens, equations) for a spec object.
DERIVERS = {
    "forward": "network:derive", "backprop": "network:derive",
    "softmax": "simple:softmax", "activation": "simple:activation", "loss": "simple:loss",
    "convshape": "simple:convshape",
    "conv": "cnn:conv", "pool": "cnn:pool", "params": "cnn:params",
    "perceptron": "learning:perceptron", "gd": "learning:gd", "optimize": "learning:optimize",
    "prove": "learning:prove",
}


def derive(kind: str, spec: Any) -> tuple[list[Given], Equations | None]:
    """The givens of a spec object of ``kind`` and its model's equations (None if none)."""
    ref = DERIVERS.get(kind)
    if ref is None:
        return [], None
    module, name = ref.split(":")
    return getattr(import_module(f"dlsolve.givens.{module}"), name)(spec)


def attach(sol: Solution, kind: str, spec: Any) -> None:
    """Give ``sol`` the givens of its spec unless its solver recorded its own, its model's
    equations unless it wrote them, and its network figures their biases."""
    if kind in ("forward", "backprop"):
        from dlsolve.givens.network import with_biases

        sol.steps = [with_biases(st, spec.net) if isinstance(st, Figure) and not st.biases
                     else st for st in sol.steps]
    givens, equations = derive(kind, spec)
    if not sol.givens:  # a solver that records its own givens keeps them
        sol.givens.extend(givens)
    if equations is not None and equations.rows and \
            not any(isinstance(st, Equations) for st in sol.steps):
        sol.steps.insert(0, equations)
