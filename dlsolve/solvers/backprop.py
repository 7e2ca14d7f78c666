"""Backpropagation worked as an answer key: forward, loss, deltas, chain rule, updates.

A batch works sample 1 in full and tabulates the rest; dropout, a weight penalty and any
optimizer of ``optimize`` join the same derivation (dlsolve.solvers.training_steps). Every
gradient is checked against a central finite difference inside the run (a mismatch is a bug
and stops the run). ``round`` makes the derivation the hand calculation: every number shown
is carried rounded to N decimals, full precision beside it in a table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from dlsolve.expr import Num, Sym
from dlsolve.kernels import training as K
from dlsolve.kernels.backprop import roles
from dlsolve.kernels.network import Network, param_order
from dlsolve.solvers import backprop_results as res
from dlsolve.solvers import training_steps as TS
from dlsolve.solvers.backprop_steps import (
    chained,
    d,
    delta_table,
    gradient_steps,
    hidden_steps,
    output_steps,
)
from dlsolve.solvers.forward import (
    describe,
    dropout_note,
    forward_steps,
    givens,
    intro,
    loss_section,
    outputs_step,
)
from dlsolve.spec.network import NetworkProblem
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

MAX_UPDATE_STEPS = 24


def plan(spec: NetworkProblem) -> K.Plan:
    """The training run the spec describes."""
    assert spec.loss is not None
    net, role = spec.net, roles(spec.net)
    which = set(spec.update)
    order = [k for k in param_order(net, backward=True) if role.get(k) in which]
    opt = spec.optimizer
    lr = opt.hyper["lr"] if opt else spec.learning_rate
    assert lr is not None
    return K.Plan(spec.loss, spec.samples, order, lr, spec.reg, opt.name if opt else None,
                  opt.hyper if opt else None, opt.state if opt else {}, opt.step if opt else 0,
                  bool(opt and opt.lr_defaulted))


def solve(spec: NetworkProblem) -> Solution:
    net = spec.net
    sol = Solution("backprop", "Backpropagation: " + describe(net), answer=("loss",))
    intro(sol, net)
    givens(sol, spec)
    pl = plan(spec)
    trace = K.train(net, pl, spec.epochs)
    shown = K.train(net, pl, spec.epochs, spec.round) if spec.round is not None else trace
    if spec.round is not None:
        TS.rounding_note(sol, spec, shown)
    order = param_order(net, backward=True)
    for epoch in range(len(shown.epochs)):
        if epoch == 0 or spec.show_all:
            if spec.epochs > 1:
                sol.add(Heading(f"Epoch {epoch + 1}"))
            first = len(sol.steps)
            derivation(sol, spec, pl, shown, epoch, order)
            if epoch:  # the conventions were stated in epoch 1
                sol.steps[first:] = [replace(s, detail="full") if isinstance(s, Note) else s
                                     for s in sol.steps[first:]]
    TS.gradient_health(sol, net, trace.epochs[0].grads)
    TS.identical_units(sol, net, trace.before[0])
    if spec.epochs > 1:
        TS.epochs_table(sol, trace, spec.show_all)
    res.verify(sol, spec, pl, trace.epochs[0])
    res.results(sol, spec, trace, order)
    if spec.round is not None:
        from dlsolve.solvers.backprop_round import compare

        compare(sol, spec, trace, shown)
        sol.add(Note("The answer below is at full precision; the hand calculation's values are "
                     "in the table above (and in JSON under rounded).", detail="brief"))
    _key_equations(sol, net)
    return sol


def _key_equations(sol: Solution, net: Network) -> None:
    """The loss and the output deltas are the key equations (shown at brief detail)."""
    keys = {"loss", "penalty", "data_loss"} | {f"delta_{o}" for o in net.outputs}
    sol.steps[:] = [replace(s, detail="brief") if isinstance(s, Step) and s.key in keys and
                    s.detail == "exam" else s for s in sol.steps]


def derivation(sol: Solution, spec: NetworkProblem, pl: K.Plan, trace: K.Trace, epoch: int,
               order: list[str]) -> None:
    net, loss = spec.net, spec.loss
    assert loss is not None
    ep, params = trace.epochs[epoch], trace.before[epoch]
    p, b, t = ep.passes[0], ep.backs[0], list(pl.batch.ts[0])
    batched = spec.batched
    forward_part(sol, spec, pl, ep, params)
    ch = chained(net, p, b, loss, order)
    output_steps(sol, net, p, b, loss, t, ch)
    if len(net.layers) > 1 or len(net.outputs) > 1:
        sol.add(delta_table(net, p, b, net.layers[-1], "Output deltas"))
    hidden_steps(sol, net, p, b, params, ch)
    gradient_steps(sol, net, p, b, loss, params, order)
    if batched:
        TS.batch_gradients(sol, ep, order)
    if pl.reg:
        TS.penalty_gradients(sol, ep, order, pl.reg, params)
    grads = ep.grads
    sol.add(TableStep("All gradients", ("parameter", "value", "gradient"),
                      capped(order, lambda k: (k, params[k], grads[k])), detail="full"))
    if pl.optimizer is None:
        update_steps(sol, params, grads, trace.after[epoch], pl, order)
    else:
        from dlsolve.solvers.optimizer_steps import optimizer_steps

        optimizer_steps(sol, pl, params, grads, trace, epoch, order)


def forward_part(sol: Solution, spec: NetworkProblem, pl: K.Plan, ep: K.Epoch,
                 params: dict[str, float]) -> None:
    """Sample 1's forward pass and loss, the other samples, the penalty."""
    net, loss, p = spec.net, spec.loss, ep.passes[0]
    assert loss is not None
    if spec.batched:
        sol.add(Note(f"A batch of {len(pl.batch)} samples: sample 1 is worked in full, the "
                     "others are tabulated; the loss is the "
                     f"{'mean' if pl.batch.reduction == 'mean' else 'sum'} over samples."))
    dropout_note(sol, net)
    forward_steps(sol, net, p, spec.matrix_view, params)
    outputs_step(sol, net, p)
    loss_section(sol, net, p, loss, list(pl.batch.ts[0]), spec.loss_defaulted)
    if spec.batched:
        TS.batch_forward_table(sol, net, ep)
    if pl.reg:
        TS.penalty_steps(sol, net, pl.reg, params, ep)
    if spec.batched and pl.batch.weight != 1:
        sol.add(Note(f"Each sample's loss enters the batch loss times 1/{len(pl.batch)}, so "
                     f"sample 1's gradients below carry that factor."))


def update_steps(sol: Solution, params: dict[str, float], grads: dict[str, float],
                 new: dict[str, float], pl: K.Plan, order: list[str]) -> None:
    lr = pl.lr
    sol.add(Heading(f"Updates (learning rate η = {lr:g})"),
            Note("Every parameter is updated with the gradients of the same forward pass "
                 "(a simultaneous update): the new weights are not used until the next pass."))
    updated = set(pl.update)
    kept = [k for k in order if k not in updated]
    if kept:
        sol.add(Note(f"Only {', '.join(pl.update[:6])}{' …' if len(pl.update) > 6 else ''} "
                     f"update; {', '.join(kept[:6])}{' …' if len(kept) > 6 else ''} keep their "
                     f"values (their gradients are still shown).", "warning"))
    todo = [k for k in order if k in updated]
    for i, k in enumerate(todo[:MAX_UPDATE_STEPS]):
        sol.add(Step("", Sym(f"{k}_new"), Sym(k) - Sym("eta") * d("E", k),
                     Num(params[k]) - Num(lr) * Num(grads[k]), value=new[k], key=f"new_{k}",
                     detail="exam" if i == 0 or len(todo) <= 2 else "full"))
    if len(todo) > 2:
        sol.add(Note(f"{', '.join(todo[1:-1][:5])}{' …' if len(todo) > 7 else ''} and "
                     f"{todo[-1]} are updated the same way (p_new = p - η·∂E/∂p):"))
    sol.add(TableStep("Old, gradient, new", ("parameter", "old", "∂E/∂p", "new"),
                      capped(order, lambda k: (k, params[k], grads[k], new[k] if k in updated
                                               else f"{new[k]:g} (kept)")),
                      detail="exam" if len(todo) > 2 else "full"))


def capped(keys: list[str], row: Callable[[str], tuple], limit: int = 40) -> tuple:
    """A table's rows, one per key, the middle elided past ``limit`` (all values are in
    JSON); only the rows shown are built."""
    if len(keys) <= limit:
        return tuple(row(k) for k in keys)
    head = [row(k) for k in keys[:limit - 5]]
    gap = ("… " + str(len(keys) - limit + 1) + " more",) + ("",) * (len(head[0]) - 1)
    return tuple(head) + (gap,) + tuple(row(k) for k in keys[-4:])

