"""Spec of an ``optimize`` problem: an optimizer, its hyper-parameters, gradients or a function."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlsolve.kernels.optimizers import DEFAULTS, NAMES, state_names
from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.gd import read_function
from dlsolve.spec.reader import (
    BAD,
    Reader,
    Said,
    at_most,
    boolean,
    choice,
    either,
    matrix,
    nonneg,
    nonneg_int,
    number,
    vector,
)

ALIASES = {"sgd_momentum": "momentum", "nag": "nesterov", "rms_prop": "rmsprop",
           "ada_grad": "adagrad", "ada_delta": "adadelta", "adam_w": "adamw"}
FORMS = ("pytorch", "ema", "lr_inside")


@dataclass(frozen=True)
class OptimizeProblem:
    optimizers: list[tuple[str, dict[str, Any]]]   # one, or several with compare
    params: list[float]
    gradients: list[list[float]] | None
    function: Any | None
    text: str | None
    variables: list[Any] | None
    steps: int
    state: dict[str, list[float]]      # start values by state name (none: PyTorch's zeros)
    step: int                          # steps already taken (Adam's t goes on from it)
    round: int | None                  # carried values rounded to this many decimals


def hyper_for(r: Reader, name: str, raw: dict[str, Any]) -> dict[str, Any] | None:
    h = dict(DEFAULTS[name])
    hr = r.child("hyper") if isinstance(r.raw("hyper"), dict) else r
    for key in raw:
        if key not in h:
            allowed = ", ".join(sorted(h))
            hr.fail(key, f"not a hyper-parameter of {name} (it has {allowed})")
            continue
        if isinstance(h[key], bool):
            h[key] = hr.get(key, boolean)
        elif key == "momentum_form":
            h[key] = hr.get(key, choice(*FORMS))
        elif key in ("lr",):
            h[key] = hr.get(key, number)
        else:
            h[key] = hr.get(key, nonneg)
    if name in ("momentum", "nesterov", "sgd") and h.get("nesterov") and h["momentum"] == 0:
        hr.fail("momentum", "Nesterov momentum needs momentum > 0")
    return h if BAD not in h.values() else None


def parse(r: Reader) -> OptimizeProblem | None:
    r.allow(COMMON_FIELDS + ("optimizer", "compare", "params", "gradients", "function",
                             "variables", "steps", "hyper", "state", "round"))
    opt = choice(*NAMES, aliases=ALIASES)
    names: list[str] = []
    if r.has("compare"):
        got = r.get("compare", vector(opt, what="a list of optimizer names"))
        names = got if got is not BAD else []
    else:
        got = r.get("optimizer", opt)
        names = [got] if got is not BAD else []
    raw_hyper = r.raw("hyper", {})
    if not isinstance(raw_hyper, dict):
        r.expected("hyper", "a mapping of hyper-parameters ({lr: 0.1})", raw_hyper)
        raw_hyper = {}
    params = r.get("params", either(vector(number), number, what="the starting parameters"))
    fn = None
    if r.has("gradients") and r.has("function"):
        r.fail("function", "give gradients: (one list per step) or function:, not both")
    elif r.has("function"):
        fn = read_function(r)
    elif not r.has("gradients"):
        r.expected("gradients", "gradients: (one list per step) or a function:", Said("neither"))
    grads = r.get("gradients", either(matrix(), vector(), what="one list of gradients per step"),
                  None)
    steps = r.get("steps", at_most(100_000), None)
    places = r.get("round", at_most(15, nonneg_int), None)
    if not r.ok or params is BAD:
        return None
    params = params if isinstance(params, list) else [params]
    if grads is not None:
        grads = grads if isinstance(grads[0], list) else [[g] for g in grads] \
            if len(params) == 1 else [grads]
        for i, row in enumerate(grads):
            if len(row) != len(params):
                r.expected(("gradients", i), f"{len(params)} gradient(s), one per parameter",
                           Said(f"{len(row)}"))
                return None
    if fn is not None and len(fn[1]) != len(params):
        r.expected("params", f"{len(fn[1])} starting value(s), one per variable "
                   f"({', '.join(map(str, fn[1]))})", Said(f"{len(params)}"))
        return None
    hypers = [(n, hyper_for(r, n, raw_hyper)) for n in names]
    if not r.ok or any(h is None for _, h in hypers):
        return None
    state, step = read_state(r, hypers, len(params))
    if not r.ok:
        return None
    n_steps = len(grads) if grads is not None else (steps or 10)
    return OptimizeProblem(hypers, [float(p) for p in params], grads, fn[0] if fn else None,
                           r.raw("function"), fn[1] if fn else None, n_steps, state, step,
                           places)


def read_state(r: Reader, hypers: list[tuple[str, Any]], n: int) -> tuple[dict, int]:
    """``state:``: start values of the optimizer's own state (one per parameter) and ``step``."""
    raw = r.raw("state")
    if raw is None:
        return {}, 0
    if not isinstance(raw, dict):
        r.expected("state", "a mapping of state names to values ({velocity: [0.5]})", raw)
        return {}, 0
    if len(hypers) > 1:
        r.fail("state", "a start state belongs to one optimizer; give it without compare:")
        return {}, 0
    name, h = hypers[0]
    own = state_names(name, h)
    sr = r.child("state")
    state: dict[str, list[float]] = {}
    for key in raw:
        if key == "step":
            continue
        if key not in own:
            has = ", ".join(own) if own else "no state (plain SGD)"
            sr.fail(key, f"not a state of {name} (it has {has}; and step)", at_key=True)
            continue
        got = sr.get(key, either(vector(number), number, what=f"{n} number(s), one per "
                                                                  "parameter"))
        got = got if got is BAD or isinstance(got, list) else [got]
        if got is not BAD and len(got) != n:
            sr.expected(key, f"{n} number(s), one per parameter", Said(f"{len(got)}"))
        elif got is not BAD:
            state[key] = [float(v) for v in got]
    for key in SQUARES & set(state):
        if min(state[key]) < 0:
            sr.expected(key, "values >= 0 (an average of squares)", Said(f"{min(state[key]):g}"))
    if "grad_avg" in state and any(g * g > s for g, s in zip(state["grad_avg"],
                                                               state.get("square_avg", [0] * n))):
        sr.fail("grad_avg", "grad_avg² must not exceed square_avg (their difference is the "
                            "variance centered RMSprop takes the square root of)")
    step = sr.get("step", nonneg_int, 0)
    return state, step if step is not BAD else 0


SQUARES = {"accumulator", "square_avg", "acc_delta", "v"}
