"""Backprop through time for the cells of ``dlsolve.kernels.recurrent``.

The numbers come from the graph engine (``kernels.bptt_engine.backward``, the cell
unrolled as its gates); this module holds what both walks share (``StepGrad``, ``BPTT``, the
loss gradients at the outputs) and ``closed_form``, the same walk in explicit formulas, the
chain rule per step as an exam writes it, from t = T down to 1. Into h_t come two paths:
from y_t (W_yᵀ δy_t, or the loss gradient itself when there is no output layer) and from
h_{t+1} (the terms ``to_prev`` of step t+1). Then, per cell (σ' = σ(1 - σ), tanh' = 1 - tanh²):

    rnn   δ = dh ⊙ f'(a);                          to h_{t-1}: Uᵀ δ
    lstm  dc = dh ⊙ o ⊙ (1 - tanh² c) + dc_{t+1} ⊙ f_{t+1}
          do = dh ⊙ tanh c, di = dc ⊙ g, dg = dc ⊙ i, df = dc ⊙ c_{t-1}
          δ_k = dk ⊙ k' (k = i, f, g, o);          to h_{t-1}: Σ U_kᵀ δ_k;  to c_{t-1}: dc ⊙ f
    gru   dz = dh ⊙ (h_{t-1} - n), dn = dh ⊙ (1 - z), δ_n = dn ⊙ (1 - n²)
          dr = δ_n ⊙ (U_n h_{t-1} + bu_n)          (reset_after)
          dr = (U_nᵀ δ_n) ⊙ h_{t-1}                 (reset_after: false)
          to h_{t-1}: z ⊙ dh + U_rᵀ δ_r + U_zᵀ δ_z + U_nᵀ (δ_n ⊙ r)   (or (U_nᵀ δ_n) ⊙ r)

Each parameter's gradient is Σ_t left_t right_tᵀ (W: δ x_tᵀ, U: δ h_{t-1}ᵀ; the GRU's n gate
puts r beside δ_n or beside h_{t-1}), biases Σ_t left_t: ``factors`` gives the two vectors of
one step, ``terms`` the per-step terms, ``sum_terms`` their sums.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dlsolve.kernels import losses as L
from dlsolve.kernels.activations import REGISTRY
from dlsolve.kernels.recurrent import GATES, PARTS, Cell, Forward, Readout, StepState, outputs
from dlsolve.kernels.vec import Mat, Vec, outer, step, zeros


@dataclass
class StepGrad:
    """Step t of the backward walk: the two paths into h_t, each gate's gradients."""

    dy: Vec | None           # dL_t/dy_t (dL_t/dh_t without an output layer)
    dzy: Vec | None          # dL_t/d(W_y h_t + b_y)
    from_output: Vec         # path 1 into h_t (zeros without a target)
    from_next: Vec           # path 2 into h_t (zeros at t = T)
    dh: Vec                  # dL/dh_t, both paths
    dgate: dict[str, Vec] = field(default_factory=dict)   # dL/d(gate value)
    delta: dict[str, Vec] = field(default_factory=dict)   # dL/d(pre-activation)
    to_prev: dict[str, Vec] = field(default_factory=dict)  # terms of dL/dh_{t-1}
    dc_from_h: Vec | None = None
    dc_from_next: Vec | None = None
    dc: Vec | None = None
    dc_prev: Vec | None = None
    d_inner: Vec | None = None   # gru without reset_after: U_nᵀ δ_n
    terms: dict[str, Vec | Mat] = field(default_factory=dict)  # step t's parameter terms

    @property
    def dh_prev(self) -> Vec:
        return sum(self.to_prev.values())  # type: ignore[return-value]


@dataclass
class BPTT:
    steps: list[StepGrad]             # in time order (t = 1..T)
    grads: dict[str, Vec | Mat]   # "<gate>_<part>" and "output_W", "output_b"
    dh0: Vec
    dc0: Vec | None = None
    engine: bool = True           # computed by the graph engine (else by the closed form)


def readout_backward(ro: Readout, y_pre: Vec, y: Vec,
                     dy: Vec) -> Vec:
    """dL/d(pre-activation) of the output layer from dL/dy."""
    if ro.activation == "softmax":
        return y * (dy - y @ dy)
    df = REGISTRY[ro.activation].df
    return Vec([df(a, ro.params) for a in y_pre]) * dy


def loss_gradients(fw: Forward, targets: list[Vec | None],
                   loss: L.LossSpec) -> list[Vec | None]:
    """dL_t/d(output) per step (None where the step has no target)."""
    return [None if t is None else Vec(L.gradient(loss, list(t), list(o)))
            for t, o in zip(targets, outputs(fw))]


# -- the closed form: the chain rule per step --------------------------------------------

def _cell_back(cell: Cell, s: StepState, g: StepGrad) -> None:
    G, dh = cell.gates, g.dh
    if cell.kind == "rnn":
        fp = 1 - s.h * s.h if cell.activation == "tanh" else step(s.pre["rnn"])
        g.dgate["rnn"] = dh
        g.delta["rnn"] = dh * fp
        g.to_prev["rnn"] = G["rnn"].U.T @ g.delta["rnn"]
        return
    v = s.gate
    if cell.kind == "lstm":
        g.dc_from_h = dh * v["o"] * (1 - s.tanh_c ** 2)
        g.dc = g.dc_from_h + g.dc_from_next
        g.dgate = {"i": g.dc * v["g"], "f": g.dc * s.c_prev, "g": g.dc * v["i"],
                   "o": dh * s.tanh_c}
        g.dc_prev = g.dc * v["f"]
    else:
        g.dgate = {"z": dh * (s.h_prev - v["n"]), "n": dh * (1 - v["z"])}
        dn = g.dgate["n"] * (1 - v["n"] ** 2)
        if cell.reset_after:
            g.dgate["r"] = dn * s.inner
        else:
            g.d_inner = G["n"].U.T @ dn
            g.dgate["r"] = g.d_inner * s.h_prev
        g.dgate = {k: g.dgate[k] for k in GATES["gru"]}
        g.to_prev["direct"] = v["z"] * dh
    for k, d in g.dgate.items():
        g.delta[k] = d * (1 - v[k] ** 2) if k in ("g", "n") else d * v[k] * (1 - v[k])
    for k in GATES[cell.kind]:
        g.to_prev[k] = _to_prev(cell, s, g, k)


def _to_prev(cell: Cell, s: StepState, g: StepGrad, k: str) -> Vec:
    U = cell.gates[k].U
    if cell.kind == "gru" and k == "n":
        if cell.reset_after:
            return U.T @ (g.delta["n"] * s.gate["r"])
        return g.d_inner * s.gate["r"]
    return U.T @ g.delta[k]


def closed_form(cell: Cell, fw: Forward, targets: list[Vec | None], loss: L.LossSpec,
                ro: Readout | None = None) -> BPTT:
    """Every gradient of L = Σ_t L_t by the formulas above, walking t = T..1."""
    H = cell.hidden
    douts = loss_gradients(fw, targets, loss)
    out: list[StepGrad] = []
    from_next, dc_next = zeros(H), zeros(H)
    for s, d in zip(reversed(fw.steps), reversed(douts)):
        dzy = None
        if d is None:
            path1 = zeros(H)
        elif ro is None:
            path1 = d
        else:
            dzy = readout_backward(ro, s.y_pre, s.y, d)
            path1 = ro.W.T @ dzy
        g = StepGrad(d, dzy, path1, from_next, path1 + from_next)
        if cell.kind == "lstm":
            g.dc_from_next = dc_next
        _cell_back(cell, s, g)
        out.append(g)
        from_next, dc_next = g.dh_prev, g.dc_prev
    out.reverse()
    for s, g in zip(fw.steps, out):
        g.terms = {f"{k}_{p}": _product(*factors(cell, s, g, k, p)) for k in GATES[cell.kind]
                   for p in PARTS}
        if g.dzy is not None:
            g.terms.update(output_W=outer(g.dzy, s.h), output_b=g.dzy)
    grads = {f"{k}_{p}": sum_terms(terms(cell, fw, out, k, p)) for k in GATES[cell.kind]
             for p in PARTS}
    if ro is not None:
        for p in ("W", "b"):
            found = output_terms(fw, out, p)
            grads[f"output_{p}"] = sum_terms(found) if found else (
                ro.W * 0.0 if p == "W" else ro.b * 0.0)
    return BPTT(out, grads, out[0].dh_prev, out[0].dc_prev if cell.kind == "lstm" else None,
                engine=False)


def _product(left: Vec, right: Vec | None) -> Vec | Mat:
    return left if right is None else outer(left, right)


def factors(cell: Cell, s: StepState, g: StepGrad, k: str,
            part: str) -> tuple[Vec, Vec | None]:
    """(left, right) of step t's term for gate k's ``part``: the term is left rightᵀ (or left)."""
    left = g.delta[k]
    if cell.kind == "gru" and k == "n" and part in ("U", "bu") and cell.reset_after:
        left = left * s.gate["r"]
    if part in ("b", "bu"):
        return left, None
    if part == "W":
        return left, s.x
    if cell.kind == "gru" and k == "n" and not cell.reset_after:
        return left, s.inner
    return left, s.h_prev


def terms(cell: Cell, fw: Forward, steps: list[StepGrad], k: str,
          part: str) -> list[tuple[int, Vec | Mat]]:
    """(t, term) for t = 1..T: the summands of gate k's ``part`` gradient (the engine's: what
    the parameter's wire into step t carries back; ``factors`` writes it as left rightᵀ)."""
    return [(t, g.terms[f"{k}_{part}"]) for t, g in enumerate(steps, 1)]


def output_terms(fw: Forward, steps: list[StepGrad],
                 part: str) -> list[tuple[int, Vec | Mat]]:
    """(t, term) for the steps with a target: δy_t h_tᵀ (W) or δy_t (b)."""
    return [(t, g.terms[f"output_{part}"]) for t, g in enumerate(steps, 1)
            if f"output_{part}" in g.terms]


def sum_terms(found: list[tuple[int, Vec | Mat]]) -> Vec | Mat:
    total = found[0][1]
    for _, term in found[1:]:
        total = total + term
    return total
