"""Backprop's named results and its finite-difference self-check."""

from __future__ import annotations

import math
from typing import Any

from dlsolve.kernels import gradcheck as G
from dlsolve.kernels import losses as L
from dlsolve.kernels import training as K
from dlsolve.kernels.network import Network
from dlsolve.solvers.network_record import record, record_chain
from dlsolve.spec.network import NetworkProblem
from dlsolve.steps import Note, Solution


def verify(sol: Solution, spec: NetworkProblem, pl: K.Plan, ep: K.Epoch) -> None:
    net = spec.net
    grads = ep.grads
    if not all(math.isfinite(g) for g in grads.values()):
        sol.add(Note("The values overflow double precision, so some gradients are inf or nan "
                     "and were not checked against finite differences: scale the inputs or "
                     "weights down.", "warning"))
        sol.note("Gradients overflowed double precision (inf/nan).")
        return
    big = len(grads) > G.MAX_CHECKED and len(pl.batch) > 1
    n = 1 if big else None  # big batches: sample 1's share of the gradient is checked
    if big:
        grads = {k: ep.backs[0].grads[k] + ep.penalty_grads.get(k, 0.0) for k in grads}
    check = G.check_gradients(K.objective(net, pl.loss, pl.batch, pl.reg, n), net.params,
                              grads, K.kinks(net, pl.loss, pl.batch, pl.reg, n))
    which = (f"all {check.checked} gradients" if check.checked == check.total else
             f"{check.checked} gradients" if check.total <= G.MAX_CHECKED else
             f"{check.checked} of the {check.total} gradients (a fixed random sample), and "
             f"the whole gradient along {G.DIRECTIONS} random directions,")
    text = f"Check: {which} agree with central finite differences (largest difference " \
           f"{check.worst:.1e})" + (" — sample 1's share of the batch gradient." if big else ".")
    if check.skipped:
        text += (f" {', '.join(check.skipped[:8])}{' …' if len(check.skipped) > 8 else ''} sit "
                 f"at a kink, where the derivative is a convention, so they were not compared.")
    sol.add(Note(text, "conclusion", detail="full"))
    for b in ep.backs[:1]:
        for note in b.kink_notes:
            sol.note(note)


def nest(net: Network, values: dict[str, float]) -> tuple[Any, Any]:
    """(per-layer weight matrices, per-layer bias lists) of a parameter table."""
    get = values.get
    return ([[[float(get(w, 0.0)) for w in row] for row in layer] for layer in net.weight_names],
            [[float(get(x, 0.0)) for x in layer] for layer in net.bias_names])


def results(sol: Solution, spec: NetworkProblem, trace: K.Trace, order: list[str]) -> None:
    net, ep = spec.net, trace.epochs[0]
    assert spec.loss is not None
    record(sol, net, ep.passes, spec.batched)
    record_chain(sol, net, ep.passes, ep.backs, spec.batched)
    if not spec.batched:
        sample = L.sample(spec.loss, list(trace_targets(spec)), ep.passes[0].outputs(net))
        if spec.loss.name in L.ELEMENTWISE or spec.loss.name == "cce":
            for o, v in zip(net.outputs, sample.terms):
                sol.set(f"loss_{o}", v)
    losses = [e.loss for e in trace.epochs]
    sol.set("loss", losses[0])
    sol.set("losses", losses)
    sol.set("final_loss", trace.final.loss)
    if spec.reg:
        sol.set("data_loss", ep.data_loss)
        sol.set("penalty", ep.penalty)
    grads, params = ep.grads, trace.params
    put = sol.results  # plain floats and lists already: no conversion needed
    for k in order:
        put[f"grad_{k}"] = float(grads[k])
        put[f"new_{k}"] = float(params[k])
    final = [p.outputs(net) for p in trace.final.passes]
    sol.set("final_outputs", final if spec.batched else final[0])
    if net.form == "matrix":
        put["grad_weights"], put["grad_biases"] = nest(net, grads)
        put["new_weights"], put["new_biases"] = nest(net, params)
        put["history"] = [dict(zip(("weights", "biases"), nest(net, a))) for a in trace.after]
    else:
        sol.set("history", [{k: a[k] for k in order} for a in trace.after])
    _state(sol, spec, trace, order)
    _answer(sol, spec, order)


def trace_targets(spec: NetworkProblem) -> tuple[float, ...]:
    return spec.samples.ts[0]


def _state(sol: Solution, spec: NetworkProblem, trace: K.Trace, order: list[str]) -> None:
    for name, vals in trace.state.items():
        if spec.net.form == "matrix":
            sol.results[f"{name}_weights"], sol.results[f"{name}_biases"] = nest(spec.net, vals)
        else:
            for k in order:
                sol.set(f"{name}_{k}", vals.get(k, 0.0))


def _answer(sol: Solution, spec: NetworkProblem, order: list[str]) -> None:
    """What the question asks: the loss, the gradients, the updated parameters (after the
    last epoch, labelled so when there are several)."""
    net = spec.net
    extra = ("data_loss", "penalty") if spec.reg else ()
    if net.form == "matrix" and len(net.params) > 60:  # too many numbers for an answer box
        sol.answer = ("loss",) + extra + ("final_loss",)
        sol.add(Note(f"All {len(net.params)} gradients and updated parameters are in the "
                     "tables above (and every one in JSON: grad_weights, new_weights, ...).",
                     detail="brief"))
        return
    if net.form == "matrix":
        sol.answer = ("loss",) + extra + ("grad_weights", "grad_biases", "new_weights",
                                          "new_biases")
    else:
        which = set(spec.update)
        from dlsolve.kernels.backprop import roles

        role = roles(net)
        updated = [k for k in order if role.get(k) in which]
        sol.answer = ("loss",) + extra + tuple(f"grad_{k}" for k in order[:24]) + \
            tuple(f"new_{k}" for k in updated[:24])
        if len(order) > 24:
            sol.add(Note(f"The answer lists the first 24 of the {len(order)} gradients and "
                         "updates; all of them are in the tables above and in JSON.",
                         detail="brief"))
    if spec.epochs > 1:
        sol.answer = sol.answer + ("final_loss",)
