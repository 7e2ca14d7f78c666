"""The training parts of a network spec: a batch, dropout, a weight penalty, an optimizer.

```yaml
inputs: [[1, 2], [3, 4]]                 # a batch: one row per sample ...
targets: [[0], [1]]                      # ... and one target row (or class index) per sample
layers:
  - {weights: ..., dropout: {p: 0.5, mask: [1, 0]}}   # or keep: 0.5 (CS231n)
regularization: {l2: 0.01}               # or l1:, l2_form: keras (λΣw² instead of λ/2·Σw²)
optimizer: adam                          # any of optimize's, with hyper: and state:
hyper: {lr: 0.01}
state: {m: {weights: [...], biases: [...]}, step: 3}
```
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from dlsolve.kernels import losses as L
from dlsolve.kernels.network import Dropout, Network
from dlsolve.kernels.optimizers import NAMES as OPTIMIZERS
from dlsolve.kernels.optimizers import state_names
from dlsolve.kernels.regularization import NONE, Regularization
from dlsolve.spec.optimize import ALIASES, hyper_for
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

TRAINING_FIELDS = ("regularization", "l2_form", "optimizer", "hyper", "state")
L2_FORMS = ("half", "keras")


@dataclass(frozen=True)
class OptimizerSpec:
    name: str
    hyper: dict[str, Any]
    state: dict[str, dict[str, float]]   # state name -> parameter name -> start value
    step: int = 0
    lr_defaulted: bool = False           # no lr given anywhere: PyTorch's default


def learning_rate(r: Reader, required: bool) -> Any:
    """learning_rate (the reader also takes lr, eta, learning-rate); a missing one says how
    to give it."""
    if r.has("learning_rate"):
        return r.get("learning_rate", number)
    if required:
        r.fail("learning_rate", "missing: backprop needs a step size; add a line such as "
               "`learning_rate: 0.5` (or give --lr 0.5)")
        return BAD
    return None


def batch_rows(r: Reader) -> list[list[float]] | None:
    """The rows of a batch of inputs (``inputs`` as a matrix), else None."""
    raw = r.raw("inputs")
    if not (isinstance(raw, list) and raw and all(isinstance(v, list) for v in raw)):
        return None
    rows = r.get("inputs", matrix())
    return None if rows is BAD else [[float(v) for v in row] for row in rows]


def batch_targets(r: Reader, outputs: list[str], n: int,
                  loss_name: Any) -> list[list[float]] | None:
    """One target row per sample (a class index each for sparse_cce; a flat list of n numbers
    for a single output)."""
    raw = r.raw("targets")
    k = len(outputs)
    if isinstance(raw, list) and len(raw) != n:
        r.expected("targets", f"{n} targets, one row per sample", Said(f"{len(raw)}"))
        return None
    if isinstance(raw, list) and len(raw) == n and all(
            not isinstance(v, list) for v in raw) and (k == 1 or loss_name in L.CLASS_INDEX):
        got = r.get("targets", vector(number))
        return None if got is BAD else [[float(v)] for v in got]
    rows = r.get("targets", matrix(), what=f"one target row per sample ({n} rows of {k})")
    if rows is BAD:
        return None
    if len(rows) != n:
        r.expected("targets", f"{n} target rows, one per sample", Said(f"{len(rows)}"))
        return None
    width = 1 if loss_name in L.CLASS_INDEX else k
    for i, row in enumerate(rows):
        if len(row) != width:
            r.expected(("targets", i), f"{width} target(s) ({', '.join(outputs)})",
                       Said(f"{len(row)}"))
            return None
    return [[float(v) for v in row] for row in rows]


def dropout(lr_: Reader, units: int, samples: int) -> Dropout | None | Any:
    """A layer's ``dropout: {p | keep, mask}``; BAD after an issue."""
    raw = lr_.raw("dropout")
    if raw is None:
        return None
    if not isinstance(raw, dict):
        lr_.expected("dropout", "a mapping {p: 0.5, mask: [1, 0, ...]}", raw)
        return BAD
    dr = lr_.child("dropout")
    dr.allow(("p", "keep", "mask"))
    if dr.has("p") == dr.has("keep"):
        dr.fail((), "give p: (the drop probability, PyTorch) or keep: (the keep probability, "
                "CS231n), one of them")
        return BAD
    key = "p" if dr.has("p") else "keep"
    v = dr.get(key, number)
    if v is not BAD and not (0 <= v < 1 if key == "p" else 0 < v <= 1):
        dr.expected(key, "a probability in [0, 1)" if key == "p" else
                    "a probability in (0, 1]", v)
        return BAD
    masks = _masks(dr, units, samples)
    if v is BAD or masks is BAD:
        return BAD
    p = float(v) if key == "p" else 1.0 - float(v)
    return Dropout(p, masks, key == "keep")  # no mask: eval mode (kept to be said)


def _masks(dr: Reader, units: int, samples: int) -> Any:
    raw = dr.raw("mask")
    if raw is None:
        return ()
    rows = raw if isinstance(raw, list) and raw and all(isinstance(v, list) for v in raw) \
        else [raw]
    flat = len(rows) == 1 and rows[0] is raw
    if not flat and len(rows) != samples:
        dr.expected("mask", f"one mask row per sample ({samples})", Said(f"{len(rows)} rows"))
        return BAD
    out = []
    for i, row in enumerate(rows):
        path = ("mask",) if flat else ("mask", i)
        if not isinstance(row, list) or len(row) != units:
            dr.expected(path, f"{units} mask entries (one per unit of this layer)",
                        Said(f"{len(row)}") if isinstance(row, list) else row)
            return BAD
        bad = [j for j, m in enumerate(row) if isinstance(m, bool) or m not in (0, 1)]
        if bad:
            dr.expected(path + (bad[0],), "0 (dropped) or 1 (kept)", row[bad[0]])
            return BAD
        out.append(tuple(float(m) for m in row))
    return tuple(out)


def regularization(r: Reader) -> Regularization | Any:
    raw = r.raw("regularization")
    form = r.get("l2_form", choice(*L2_FORMS), None)
    if raw is None:
        if form not in (None, BAD):
            r.fail("l2_form", "needs a penalty, e.g. `regularization: {l2: 0.01}`")
        return NONE
    if not isinstance(raw, dict):
        r.expected("regularization", "a mapping {l2: 0.01} or {l1: 0.01}", raw)
        return BAD
    rr = r.child("regularization")
    rr.allow(("l2", "l1", "l2_form"))
    l2, l1 = rr.get("l2", nonneg, 0.0), rr.get("l1", nonneg, 0.0)
    inner = rr.get("l2_form", choice(*L2_FORMS), None)
    if BAD in (l1, l2, inner, form):
        return BAD
    return Regularization(float(l2), float(l1), inner or form or "half")


def optimizer(r: Reader, lr: Any) -> OptimizerSpec | None | Any:
    """``optimizer:``, ``hyper:`` and ``state:`` (state checked against the network later)."""
    if not r.has("optimizer"):
        for key in ("hyper", "state"):
            if r.has(key):
                r.fail(key, f"needs an optimizer: line (one of {', '.join(OPTIMIZERS)})")
        return None
    raw = r.raw("optimizer")
    name = r.get("optimizer", choice(*OPTIMIZERS, aliases=ALIASES))
    if name is BAD:
        close = difflib.get_close_matches(str(raw).lower(), OPTIMIZERS + tuple(ALIASES), n=1)
        if close:
            r.fail("optimizer", f"did you mean {ALIASES.get(close[0], close[0])!r}?")
        return BAD
    hyper_raw = r.raw("hyper", {})
    if not isinstance(hyper_raw, dict):
        r.expected("hyper", "a mapping of hyper-parameters ({lr: 0.1})", hyper_raw)
        return BAD
    hyper = hyper_for(r, name, hyper_raw)
    if hyper is None:
        return BAD
    if "lr" not in hyper_raw and lr not in (None, BAD):
        hyper["lr"] = float(lr)
    defaulted = "lr" not in hyper_raw and lr in (None, BAD)
    return OptimizerSpec(name, hyper, {}, 0, defaulted)


def optimizer_state(r: Reader, net: Network, opt: OptimizerSpec) -> OptimizerSpec | Any:
    """The given start state, as start values per parameter name."""
    raw = r.raw("state")
    if raw is None:
        return opt
    if not isinstance(raw, dict):
        r.expected("state", "a mapping of state names ({m: {weights: ..., biases: ...}})", raw)
        return BAD
    sr = r.child("state")
    known = state_names(opt.name, opt.hyper)
    sr.allow(known + ("step",))
    step = sr.get("step", nonneg, 0)
    state: dict[str, dict[str, float]] = {}
    for key in known:
        if key in raw:
            got = _state_values(sr.child(key), sr.raw(key), net, key)
            if got is not BAD:
                state[key] = got
    if not r.ok or step is BAD:
        return BAD
    return OptimizerSpec(opt.name, opt.hyper, state, int(step), opt.lr_defaulted)


def _state_values(kr: Reader, raw: Any, net: Network, key: str) -> Any:
    if not isinstance(raw, dict):
        kr.expected((), "a mapping " + ("{weights: [...], biases: [...]}" if net.form ==
                                        "matrix" else "{parameter: value}"), raw)
        return BAD
    if net.form != "matrix":
        kr.allow(list(net.params))
        vals = {str(k): kr.get(k, number) for k in raw}
        return BAD if BAD in vals.values() else {k: float(v) for k, v in vals.items()
                                                 if k in net.params}
    kr.allow(("weights", "biases"))
    out: dict[str, float] = {}
    for part, names in (("weights", net.weight_names), ("biases", net.bias_names)):
        if part in raw and _fill(kr, part, raw[part], names, out) is BAD:
            return BAD
    return out


def _fill(kr: Reader, part: str, raw: Any, names: Any, out: dict[str, float]) -> Any:
    """Match a per-layer list of values to the parameter names' shapes."""
    def shape(x: Any) -> Any:
        return [shape(v) for v in x] if isinstance(x, list) else None

    want = shape(names)
    if shape(raw) != want:
        text = "; ".join(f"layer {i + 1}: " + (f"{len(n)}×{len(n[0])}" if part == "weights"
                                               else f"{len(n)}") for i, n in enumerate(names))
        kr.expected(part, f"one {'matrix' if part == 'weights' else 'list'} per layer "
                    f"shaped like the {part} ({text})", raw)
        return BAD

    def walk(n: Any, v: Any, path: tuple) -> None:
        if isinstance(n, list):
            for i, (a, b) in enumerate(zip(n, v)):
                walk(a, b, path + (i,))
        else:
            got = kr.convert((part,) + path, v, number)
            if got is not BAD:
                out[n] = float(got)

    walk(names, raw, ())
    return out


def backprop_fields(r: Reader, backprop: bool) -> dict[str, Any]:
    lr = learning_rate(r, backprop and not r.has("optimizer"))
    opt = optimizer(r, lr)
    reg = regularization(r)
    update = r.get("update", either(vector(choice("weights", "biases")),
                                    choice("weights", "biases", "both"),
                                    what="a list of weights/biases"), ["weights", "biases"])
    if update == "both":
        update = ["weights", "biases"]
    elif isinstance(update, str):
        update = [update]
    epochs = r.get("epochs", at_most(10_000), None)
    steps = r.get("steps", at_most(10_000), None)
    if epochs is not None and steps is not None and epochs is not BAD and epochs != steps:
        r.fail("steps", "give epochs: or steps: (the same thing), not both")
    rnd = r.get("round", nonneg_int, None)
    show_all = r.get("show_all", boolean, False)
    return {"learning_rate": lr if lr is not BAD else None,
            "update": tuple(update) if update is not BAD else ("weights", "biases"),
            "epochs": (epochs or steps or 1) if BAD not in (epochs, steps) else 1,
            "round": rnd if rnd is not BAD else None, "show_all": bool(show_all),
            "reg": reg if reg is not BAD else NONE, "optimizer": opt}
