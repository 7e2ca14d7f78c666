"""A network's update by an optimizer of ``optimize`` (momentum, Adam, ...): its rules in
symbols, each parameter's update with the numbers (from the given start state), a table."""

from __future__ import annotations

from typing import Any

from dlsolve.expr import Sym
from dlsolve.kernels import training as K
from dlsolve.solvers.optimize import LHS_KEYS, TITLES, _form_note, _hyper_note, rules, substitute
from dlsolve.solvers.training_steps import MAX_STEPS
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

V_KEY = {"rmsprop": "square_avg", "adadelta": "square_avg", "adam": "v", "adamw": "v"}
SYMBOL = {"velocity": "v", "m": "m", "v": "v", "accumulator": "s", "square_avg": "v",
          "acc_delta": "u"}


def _hyper_values(h: dict[str, Any], t: int) -> dict[str, Any]:
    return {"lr": h["lr"], "mu": h.get("momentum", 0.0), "tau": h.get("dampening", 0.0),
            "alpha": h.get("alpha", 0.0), "epsilon": h.get("eps", 0.0), "rho": h.get("rho", 0.0),
            "beta1": h.get("beta1", 0.0), "beta2": h.get("beta2", 0.0), "t": t,
            "lambda": h.get("weight_decay", 0.0)}


def start_state(pl: K.Plan, trace: K.Trace, epoch: int, k: str) -> dict[str, float]:
    """The optimizer state of parameter k before the update of ``epoch`` (by symbol)."""
    assert pl.optimizer is not None and pl.hyper is not None
    init = pl.hyper.get("initial_accumulator_value", 0.0)
    out = {"s": init, "v": 0.0, "m": 0.0, "u": 0.0}
    for name, vals in pl.state.items():
        if k in vals and name in SYMBOL:
            out[SYMBOL[name]] = vals[k]
    if epoch > 0:
        d = trace.steps[epoch - 1][k]
        for name, sym in SYMBOL.items():
            key = V_KEY.get(pl.optimizer, "velocity") if sym == "v" else name
            if key in d and (sym != "v" or name == key):
                out[sym] = d[key]
    return out


def optimizer_steps(sol: Solution, pl: K.Plan, params: dict[str, float],
                    grads: dict[str, float], trace: K.Trace, epoch: int,
                    order: list[str]) -> None:
    name, h = pl.optimizer, pl.hyper
    assert name is not None and h is not None
    t = pl.step + epoch + 1
    _conventions(sol, pl, name, h, t, epoch)
    todo = list(pl.update)
    for i, k in enumerate(todo[:MAX_STEPS]):  # the first worked; the rest at full detail
        _param_lines(sol, name, h, t, k, params[k], trace.steps[epoch][k],
                     start_state(pl, trace, epoch, k), "exam" if i == 0 else "full")
    if len(todo) > 1:
        sol.add(Note(f"{', '.join(todo[1:-1][:5])}{' …' if len(todo) > 7 else ''}"
                     f"{' and ' if len(todo) > 2 else ''}{todo[-1]} "
                     f"{'is' if len(todo) == 2 else 'are'} updated the same way (table below)."))
    updating = set(todo)
    kept = [k for k in order if k not in updating]
    if kept:
        sol.add(Note(f"{', '.join(kept[:6])}{' …' if len(kept) > 6 else ''} do not update "
                     "(their state stays as given).", "warning"))
    _table(sol, todo, params, grads, trace, epoch)


def _conventions(sol: Solution, pl: K.Plan, name: str, h: dict[str, Any], t: int,
                 epoch: int) -> None:
    """The heading, the optimizer's conventions and its rules in symbols."""
    sol.add(Heading(f"Updates ({TITLES[name]}, step t = {t})"),
            Note(_hyper_note(name, h), detail="full"),
            Note("Every parameter is updated with the gradients of the same forward pass "
                 "(a simultaneous update), each with its own optimizer state."))
    if pl.lr_defaulted:
        sol.add(Note(f"No learning rate was given: PyTorch's default lr = {h['lr']:g} for "
                     f"{TITLES[name]} is used.", "warning"))
    form = _form_note(name, h)
    if form:
        sol.add(Note(form))
    if pl.state and epoch == 0:
        sol.add(Note(f"The optimizer starts from the given state ({', '.join(pl.state)}"
                     f"{f', after {pl.step} steps' if pl.step else ''})."))
    for lhs, rhs in rules(name, h):
        sol.add(Step("", lhs, rhs, detail="brief"))


def _table(sol: Solution, todo: list[str], params: dict[str, float], grads: dict[str, float],
           trace: K.Trace, epoch: int) -> None:
    from dlsolve.solvers.backprop import capped

    work, new = trace.steps[epoch], trace.after[epoch]
    cols = [c for c in ("velocity", "m", "v", "accumulator", "square_avg", "acc_delta")
            if todo and c in work[todo[0]]]
    sol.add(TableStep("Old, gradient, state, new", ("parameter", "old", "∂E/∂p", *cols, "new"),
                      capped(todo, lambda k: (k, params[k], grads[k], *[work[k][c] for c in cols],
                                              new[k])),
                      detail="exam" if len(todo) > 1 else "full"))


def _param_lines(sol: Solution, name: str, h: dict[str, Any], t: int, k: str, p0: float,
                 d: dict[str, float], state: dict[str, float], detail: str) -> None:
    values: dict[str, Any] = dict(_hyper_values(h, t), g=d.get("g_decayed", d["g"]), p=p0,
                                  **state)
    if "lr_t" in d:
        values["lr_t"] = d["lr_t"]
    v_key = V_KEY.get(name, "velocity")
    sol.add(Step(f"{k}: p = {p0:g}, g = {d['g']:g}", detail=detail))
    first = rules(name, h)[0][1]
    for lhs, rhs in rules(name, h):
        key = v_key if lhs.name == "v" else LHS_KEYS.get(lhs.name, lhs.name)
        if lhs.name == "p" and name == "adamw" and rhs == first:
            key = "decayed"
        value = d.get(key)
        is_new = key == "new"
        sol.add(Step("", Sym(f"{k}_new") if is_new else lhs, rhs, substitute(rhs, values),
                     value=value, key=f"new_{k}" if is_new else None, detail=detail))
        if value is not None:
            values[lhs.name] = value
