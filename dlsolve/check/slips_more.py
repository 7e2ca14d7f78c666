"""Known slips of normalisation, attention, recurrent cells and pooling (and ``add``).

Wired as ``slips``: each kind's function maps a result name to the values a slip gives and
the hint to show; every value is recomputed from the spec with the slip made (an axis, a
scale, a mask, a term or an activation left out), never written down. A slip that gives the
right value anyway (no padding, d_k = 1, h_0 = 0 over one step) is left out.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from dlsolve.kernels import losses as L

Alternatives = dict[str, list[tuple[Any, str]]]


def add(out: Alternatives, name: str, value: Any, hint: str, right: Any = None) -> None:
    """Record a slip's value, unless it is not a finite number or equals the right value."""
    if _finite(value) and (right is None or _differs(value, right)):
        out.setdefault(name, []).append((value, hint))


def guarded(fn: Callable[[Any, dict[str, Any]], Alternatives]
            ) -> Callable[[Any, dict[str, Any]], Alternatives]:
    """A kind's slips, or none where a slipped run overflows: never a failed check."""
    @functools.wraps(fn)
    def slips(spec: Any, results: dict[str, Any]) -> Alternatives:
        try:
            return fn(spec, results)
        except (ArithmeticError, ValueError):
            return {}
    return slips


def only_wrong(fn: Callable[[Any, dict[str, Any]], Alternatives]
               ) -> Callable[[Any, dict[str, Any]], Alternatives]:
    """A kind's slips without those that give the right value for this problem (a last layer's
    sequential update, an output whose activation leaves z as it is)."""
    @functools.wraps(fn)
    def slips(spec: Any, results: dict[str, Any]) -> Alternatives:
        out = {k: [(v, h) for v, h in alts if k not in results or _differs(v, results[k])]
               for k, alts in fn(spec, results).items()}
        return {k: alts for k, alts in out.items() if alts}
    return slips


def _finite(v: Any) -> bool:
    if isinstance(v, list):
        return all(_finite(x) for x in v)
    return isinstance(v, (int, float)) and math.isfinite(v)


def _differs(a: Any, b: Any) -> bool:
    if isinstance(a, list) and isinstance(b, list):
        return len(a) != len(b) or any(_differs(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)
    return a != b


# ---- normalisation ------------------------------------------------------------------------

@guarded
def norm(spec: Any, results: dict[str, Any]) -> Alternatives:
    import numpy as np

    from dlsolve.kernels.norm import forward

    out: Alternatives = {}
    axis = 0 if spec.type == "batchnorm" else 1
    x, names = np.asarray(spec.x, dtype=float), ("mean", "var", "x_hat", "output")
    count = "N" if axis == 0 else "D"

    def put(f: Any, hint: str, keys: tuple[str, ...] = names) -> None:
        for k in keys:
            add(out, k, getattr(f, k).tolist(), hint, results.get(k))
    with np.errstate(all="ignore"):
        if spec.batch_stats and x.shape[axis] > 1:
            unbiased = forward(x, axis, spec.eps, spec.gamma, spec.beta, mean=x.mean(axis=axis),
                               var=x.var(axis=axis, ddof=1))
            put(unbiased, f"the unbiased variance (divided by {count} - 1) was used: the "
                f"forward pass normalises with the biased one, divided by {count}"
                + (" (the unbiased one only feeds running_var)" if axis == 0 else ""),
                ("var", "x_hat", "output"))
        if spec.batch_stats:
            other = forward(x, 1 - axis, spec.eps, spec.gamma, spec.beta)
            put(other, "each row (one sample over its features) was normalised: that is layer "
                "normalisation; batchnorm normalises each column, a feature over the batch"
                if axis == 0 else "each column (one feature over the batch) was normalised: "
                "that is batch normalisation; layernorm normalises each row, a sample over its "
                "features")
        if spec.eps > 0:
            eval_ = not spec.batch_stats
            no_eps = forward(x, axis, 0.0, spec.gamma, spec.beta,
                             spec.running_mean if eval_ else None,
                             spec.running_var if eval_ else None)
            put(no_eps, f"ε = {spec.eps:g} was left out of √(σ² + ε)", ("x_hat", "output"))
        if spec.type == "batchnorm" and spec.mode == "train" and "running_var" in results:
            m = spec.momentum
            biased = [(1 - m) * r + m * v for r, v in zip(spec.running_var, results["var"])]
            add(out, "running_var", biased, "the biased batch variance went into the running "
                "update: PyTorch's running_var takes the unbiased one (N/(N - 1) times σ²)",
                results["running_var"])
    return out


# ---- attention ----------------------------------------------------------------------------

ATTENTION_KEYS = ("scaled", "weights", "head_outputs", "concat", "output")


@guarded
def attention(spec: Any, results: dict[str, Any]) -> Alternatives:
    from dlsolve.solvers.attention import solve

    out: Alternatives = {}
    if spec.q is None and spec.x is None:
        return out
    d_k = len((results.get("Q") or spec.q)[0]) // spec.heads

    def put(slipped: dict[str, Any], hint: str, keys: tuple[str, ...] = ATTENTION_KEYS) -> None:
        for k in keys:
            if k in slipped and k in results:
                add(out, k, slipped[k], hint, results[k])
    if spec.scale is True and d_k > 1:
        put(solve(replace(spec, scale=False)).results, f"the scores were not scaled by "
            f"1/√d_k = 1/√{d_k}: the weights are softmax(Q Kᵀ/√d_k)")
    if spec.mask == "causal":
        put(solve(replace(spec, mask=None)).results, "the causal mask was not applied: query i "
            "attends to keys j ≤ i only (the scores above the diagonal are -∞, weight 0)")
    if spec.heads == 1:
        put(_column_softmax(spec, results), "the softmax ran down the columns (over the "
            "queries): it runs along each row, one query's scores over the keys, so that each "
            "row of weights sums to 1", ("weights", "output"))
    return out


def _column_softmax(spec: Any, results: dict[str, Any]) -> dict[str, Any]:
    import numpy as np

    s = np.asarray(results["scaled"], dtype=float)
    w = np.zeros_like(s)
    for j in range(s.shape[1]):
        keep = np.isfinite(s[:, j])
        if keep.any():
            e = np.exp(s[keep, j] - s[keep, j].max())
            w[keep, j] = e / e.sum()
    o = w @ np.asarray(results.get("V") or spec.v, dtype=float)
    if spec.w_o is not None:
        o = o @ np.asarray(spec.w_o, dtype=float)
    return {"weights": w.tolist(), "output": o.tolist()}


# ---- recurrent cells ----------------------------------------------------------------------

@guarded
def rnn(spec: Any, results: dict[str, Any]) -> Alternatives:
    from dlsolve.solvers.rnn import model

    m, out = model(spec), {}
    for run in (_no_recurrence(m), _no_activation(m)):
        if run is not None:
            _put_run(out, spec, m, results, *run)
    return out


def _no_recurrence(m: Any) -> tuple[list, list, dict[str, Any], str]:
    """U h_{t-1} left out of every gate: the cell run with U = 0."""
    from dlsolve.kernels.recurrent import GATES, Gate, forward

    zero = {k: Gate(g.W, g.U * 0.0, g.b, g.bu) for k, g in m.cell.gates.items()}
    fw = forward(replace(m.cell, gates=zero), m.xs, m.h0, m.c0, m.ro)
    gates = {} if m.cell.kind == "rnn" else {k: [s.gate[k].tolist() for s in fw.steps]
                                              for k in GATES[m.cell.kind]}
    form = (f"h_t = {m.cell.activation}(W x_t + b + U h_{{t-1}} + bu)" if m.cell.kind == "rnn"
            else "every gate takes U h_{t-1} besides W x_t")
    return ([s.h for s in fw.steps], [s.c for s in fw.steps], gates,
            f"the previous hidden state was left out: {form} (h_0 at the first step)")


def _no_activation(m: Any) -> tuple[list, list, dict[str, Any], str] | None:
    """The plain cell without its activation; the LSTM's h_t = o_t ⊙ c_t (no tanh)."""
    from dlsolve.kernels.recurrent import step

    if m.cell.kind not in ("rnn", "lstm"):
        return None
    hs, cs, h, c = [], [], m.h0, m.c0
    for x in m.xs:
        if m.cell.kind == "rnn":
            g = m.cell.gates["rnn"]
            h = g.W @ x + g.b + g.U @ h + g.bu
        else:
            st = step(m.cell, x, h, c)
            h, c = st.gate["o"] * st.c, st.c
        hs.append(h)
        cs.append(c)
    act = m.cell.activation
    return (hs, cs, {}, f"the activation ({act}) was not applied: h_t = {act}(W x_t + b + "
            "U h_{t-1} + bu)" if m.cell.kind == "rnn" else
            "tanh was left off the cell state: h_t = o_t ⊙ tanh(c_t)")


def _put_run(out: Alternatives, spec: Any, m: Any, results: dict[str, Any], hs: list,
             cs: list, gates: dict[str, Any], hint: str) -> None:
    """The results of a slipped run: h (c, the gates), y through the readout, the loss."""
    from dlsolve.kernels.recurrent import readout_value

    ys = [readout_value(m.ro, m.ro.W @ h + m.ro.b).tolist() for h in hs] if m.ro else None
    values = {"h": [h.tolist() for h in hs], "y": ys, **gates}
    if m.cell.kind == "lstm":
        values["c"] = [c.tolist() for c in cs]
    if m.targets is not None and "loss" in results:
        outs = ys if ys is not None else values["h"]
        values["loss"] = math.fsum(L.sample(spec.loss, list(t), o).loss
                                   for t, o in zip(m.targets, outs) if t is not None)
    for k, v in values.items():
        if v is not None and k in results:
            add(out, k, v, hint, results[k])


# ---- pooling ------------------------------------------------------------------------------

@guarded
def pool(spec: Any, results: dict[str, Any]) -> Alternatives:
    from dlsolve.solvers.pool import solve

    out: Alternatives = {}
    if spec.mode != "avg":
        return out
    other = solve(replace(spec, count_include_pad=not spec.count_include_pad)).results
    hint = ("the window was divided by its real cells only: the padded zeros count in the "
            "divisor here (k_h·k_w, PyTorch's count_include_pad)" if spec.count_include_pad else
            "the padded zeros were counted in the divisor: here a window is divided by its real "
            "(unpadded) cells only")
    for k in ("output", "grad_input"):
        if k in other and k in results:
            add(out, k, other[k], hint, results[k])
    return out
