"""Backpropagation worked as an answer key: forward, loss, deltas, chain rule, updates.

Every gradient is checked against a central finite difference inside the run (a mismatch is
a bug and stops the run). ``epochs`` repeats forward, backward and update; ``round`` also
carries values rounded to N decimals, as a hand calculation does, and compares the two.
"""

from __future__ import annotations

import math

from dlsolve.expr import Num, Sym
from dlsolve.kernels import losses as L
from dlsolve.kernels.backprop import (
    DIRECTIONS,
    MAX_CHECKED,
    Backward,
    backward,
    check_gradients,
    loss_of,
    roles,
    update,
)
from dlsolve.kernels.network import Network, Pass, forward, param_order
from dlsolve.solvers.backprop_steps import (
    d,
    delta_table,
    gradient_steps,
    hidden_steps,
    output_steps,
)
from dlsolve.solvers.forward import (
    describe,
    forward_steps,
    intro,
    loss_section,
    outputs_step,
    record,
)
from dlsolve.spec.network import NetworkProblem
from dlsolve.steps import Heading, Note, Solution, Step, TableStep


def solve(spec: NetworkProblem) -> Solution:
    net, loss, t = spec.net, spec.loss, spec.targets
    assert loss is not None and t is not None and spec.learning_rate is not None
    sol = Solution("backprop", "Backpropagation: " + describe(net),
                   answer=("loss", "new_weights", "new_biases") if net.form == "matrix" else
                   ("loss",))
    intro(sol, net)
    role, order = roles(net), param_order(net, backward=True)
    which = set(spec.update)
    params, losses = dict(net.params), []
    first: tuple[Pass, Backward] | None = None
    for epoch in range(spec.epochs):
        p = forward(net, params)
        b = backward(net, p, loss, t, params)
        losses.append(L.sample(loss, t, p.outputs(net)).loss)
        if first is None:
            first = (p, b)
        if epoch == 0 or spec.show_all:
            if spec.epochs > 1:
                sol.add(Heading(f"Epoch {epoch + 1}"))
            derivation(sol, spec, params, p, b, order, role, which)
        params = update(params, b.grads, spec.learning_rate, which, role)
    assert first is not None
    final = loss_of(net, loss, t, params)
    if spec.epochs > 1:
        epochs_table(sol, losses, final, spec.show_all)
    verify(sol, net, loss, t, first)
    results(sol, spec, first, losses, final, params, order)
    if spec.round is not None:
        from dlsolve.solvers.backprop_round import compare

        compare(sol, spec, first, params)
    return sol


def derivation(sol: Solution, spec: NetworkProblem, params: dict[str, float], p: Pass,
               b: Backward, order: list[str], role: dict[str, str], which: set[str]) -> None:
    net, loss, t = spec.net, spec.loss, spec.targets
    assert loss is not None and t is not None and spec.learning_rate is not None
    forward_steps(sol, net, p, spec.matrix_view, params)
    outputs_step(sol, net, p)
    loss_section(sol, net, p, loss, t, spec.loss_defaulted)
    output_steps(sol, net, p, b, loss, t)
    if len(net.layers) > 1 or len(net.outputs) > 1:
        sol.add(delta_table(net, p, b, net.layers[-1], "Output deltas"))
    hidden_steps(sol, net, p, b, params)
    gradient_steps(sol, net, p, b, loss, params, order)
    sol.add(TableStep("All gradients", ("parameter", "value", "gradient"),
                      capped([(k, params[k], b.grads[k]) for k in order])))
    update_steps(sol, params, b.grads, spec.learning_rate, order, role, which)


def update_steps(sol: Solution, params: dict[str, float], grads: dict[str, float], lr: float,
                 order: list[str], role: dict[str, str], which: set[str]) -> None:
    sol.add(Heading(f"Updates (learning rate η = {lr:g})"),
            Note("Every parameter is updated with the gradients of the same forward pass "
                 "(a simultaneous update): the new weights are not used until the next pass."))
    if which != {"weights", "biases"}:
        kept = ({"weights", "biases"} - which).pop()
        sol.add(Note(f"Only the {' and '.join(sorted(which))} are updated; the {kept} keep "
                     f"their values (their gradients are still shown).", "warning"))
    new = update(params, grads, lr, which, role)
    for k in order[:24]:
        if role.get(k) in which:
            sol.add(Step("", Sym(f"{k}_new"), Sym(k) - Sym("eta") * d("E", k),
                         Num(params[k]) - Num(lr) * Num(grads[k]), value=new[k],
                         key=f"new_{k}"))
    sol.add(TableStep("Old, gradient, new", ("parameter", "old", "dE/dp", "new"),
                      capped([(k, params[k], grads[k], new[k] if role.get(k) in which else
                               f"{new[k]:g} (kept)") for k in order])))


def capped(rows: list[tuple], limit: int = 40) -> tuple:
    """A table's rows, the middle elided past ``limit`` (all values are in JSON)."""
    if len(rows) <= limit:
        return tuple(rows)
    gap = ("… " + str(len(rows) - limit + 1) + " more",) + ("",) * (len(rows[0]) - 1)
    return tuple(rows[:limit - 5]) + (gap,) + tuple(rows[-4:])


def epochs_table(sol: Solution, losses: list[float], final: float, shown: bool) -> None:
    sol.add(Heading("Epochs"),
            TableStep("Loss per epoch (before that epoch's update)", ("epoch", "loss"),
                      tuple((i + 1, v) for i, v in enumerate(losses)) + (("after", final),)))
    if not shown:
        sol.add(Note("Epochs after the first repeat the same steps with the updated "
                     "parameters (--show-all writes each out)."))


def verify(sol: Solution, net: Network, loss: L.LossSpec, t: list[float],
           first: tuple[Pass, Backward]) -> None:
    p, b = first
    if not all(math.isfinite(g) for g in b.grads.values()):
        sol.add(Note("The values overflow double precision, so some gradients are inf or nan "
                     "and were not checked against finite differences: scale the inputs or "
                     "weights down.", "warning"))
        sol.note("Gradients overflowed double precision (inf/nan).")
        return
    check = check_gradients(net, loss, t, net.params, b.grads, p)
    which = (f"all {check.checked} gradients" if check.checked == check.total else
             f"{check.checked} gradients" if check.total <= MAX_CHECKED else
             f"{check.checked} of the {check.total} gradients (a fixed random sample), and "
             f"the whole gradient along {DIRECTIONS} random directions,")
    text = f"Check: {which} agree with central finite differences (largest difference " \
           f"{check.worst:.1e})."
    if check.skipped:
        text += (f" {', '.join(check.skipped[:8])}{' …' if len(check.skipped) > 8 else ''} sit "
                 f"at a kink, where the derivative is a convention, so they were not compared.")
    sol.add(Note(text, "conclusion"))
    for note in b.kink_notes:
        sol.note(note)


def results(sol: Solution, spec: NetworkProblem, first: tuple[Pass, Backward],
            losses: list[float], final: float, params: dict[str, float],
            order: list[str]) -> None:
    net, (p, b) = spec.net, first
    assert spec.loss is not None and spec.targets is not None
    record(sol, net, p)
    res = L.sample(spec.loss, spec.targets, p.outputs(net))
    if spec.loss.name in L.ELEMENTWISE or spec.loss.name == "cce":
        for o, v in zip(net.outputs, res.terms):
            sol.set(f"loss_{o}", v)
    sol.set("loss", losses[0])
    sol.set("losses", losses)
    sol.set("final_loss", final)
    sol.set("deltas", [[b.delta[u] for u in layer] for layer in net.layers])
    for k in order:
        sol.set(f"grad_{k}", b.grads[k])
        sol.set(f"new_{k}", params[k])
    if net.form == "matrix":
        sol.set("grad_weights", [[[b.grads[w] for w in row] for row in layer]
                                 for layer in net.weight_names])
        sol.set("grad_biases", [[b.grads[x] for x in layer] for layer in net.bias_names])
        sol.set("new_weights", [[[params[w] for w in row] for row in layer]
                                for layer in net.weight_names])
        sol.set("new_biases", [[params[x] for x in layer] for layer in net.bias_names])
    else:
        sol.answer = ("loss",) + tuple(f"grad_{k}" for k in order[:8]) + \
            tuple(f"new_{k}" for k in order[:8])


