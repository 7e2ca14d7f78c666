"""Recurrent cells step by step: RNN, LSTM and GRU over T steps, and backprop through time.

Every gate has W (H×D, on x_t), U (H×H, on h_{t-1}), an input bias b and a hidden bias bu, as
PyTorch's ``weight_ih``/``weight_hh``/``bias_ih``/``bias_hh`` (gate order i, f, g, o for the
LSTM and r, z, n for the GRU):

    rnn   h_t = f(W x_t + b + U h_{t-1} + bu)                       f = tanh or relu
    lstm  i, f, o = σ(W x_t + b + U h_{t-1} + bu),  g = tanh(...)
          c_t = f ⊙ c_{t-1} + i ⊙ g,   h_t = o ⊙ tanh(c_t)
    gru   r, z = σ(W x_t + b + U h_{t-1} + bu)
          n = tanh(W_n x_t + b_n + r ⊙ (U_n h_{t-1} + bu_n))        reset_after (PyTorch, Keras)
          n = tanh(W_n x_t + b_n + U_n (r ⊙ h_{t-1}) + bu_n)        reset_after: false
          h_t = (1 - z) ⊙ n + z ⊙ h_{t-1}

An optional output layer gives y_t = act(W_y h_t + b_y). Backprop through time walks the steps
backwards: dL/dh_t = (from y_t) W_yᵀ δy_t + (from h_{t+1}) Σ_gates U_gᵀ δ_{g,t+1} (+ the GRU's
z ⊙ dL/dh_{t+1}); each parameter's gradient is a sum over the steps of one term per step
(``terms``), so the derivation can write the sum the kernel adds (``kernels.bptt``: the
graph engine on the unrolled cell). Plain Python vectors (``dlsolve.kernels.vec``: exam
sizes, no NumPy import), no steps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from dlsolve.kernels import losses as L
from dlsolve.kernels.activations import REGISTRY
from dlsolve.kernels.vec import Mat, Vec, relu, sigmoid, tanh

GATES = {"rnn": ("rnn",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
TANH_GATES = {"g", "n"}   # the others (but the plain cell) are sigmoid gates
PARTS = ("W", "U", "b", "bu")


@dataclass(frozen=True)
class Gate:
    """One gate's parameters: W (H×D), U (H×H), b and bu (H)."""

    W: Mat
    U: Mat
    b: Vec
    bu: Vec


@dataclass(frozen=True)
class Cell:
    """A recurrent cell: its kind (rnn, lstm, gru), gates in PyTorch's order, options."""

    kind: str
    gates: dict[str, Gate]
    activation: str = "tanh"     # the plain cell: tanh | relu
    reset_after: bool = True     # the GRU: Keras's and PyTorch's default

    @property
    def hidden(self) -> int:
        return len(next(iter(self.gates.values())).U)


@dataclass(frozen=True)
class Readout:
    """The output layer y_t = act(W h_t + b); act is a registry name or softmax."""

    W: Mat
    b: Vec
    activation: str = "linear"
    params: dict[str, float] = field(default_factory=dict)


@dataclass
class StepState:
    """Step t of the forward pass: pre-activations ``pre`` and values ``gate`` per gate."""

    x: Vec
    h_prev: Vec
    pre: dict[str, Vec]
    gate: dict[str, Vec]
    h: Vec
    c_prev: Vec | None = None
    c: Vec | None = None
    tanh_c: Vec | None = None
    inner: Vec | None = None   # gru: U_n h + bu_n (reset_after) or r ⊙ h
    y_pre: Vec | None = None
    y: Vec | None = None


@dataclass
class Forward:
    steps: list[StepState]
    h0: Vec
    c0: Vec | None = None


def _affine(g: Gate, x: Vec, h: Vec) -> Vec:
    return g.W @ x + g.b + g.U @ h + g.bu


def _act(name: str, a: Vec) -> Vec:
    return sigmoid(a) if name == "sigmoid" else tanh(a) if name == "tanh" else relu(a)


def step(cell: Cell, x: Vec, h: Vec, c: Vec | None = None) -> StepState:
    """One step of the cell from (h_{t-1}, c_{t-1}) on input x_t."""
    G = cell.gates
    if cell.kind == "rnn":
        a = _affine(G["rnn"], x, h)
        v = _act(cell.activation, a)
        return StepState(x, h, {"rnn": a}, {"rnn": v}, v)
    if cell.kind == "lstm":
        pre = {k: _affine(G[k], x, h) for k in GATES["lstm"]}
        val = {k: tanh(a) if k == "g" else sigmoid(a) for k, a in pre.items()}
        c_new = val["f"] * c + val["i"] * val["g"]
        tc = tanh(c_new)
        return StepState(x, h, pre, val, val["o"] * tc, c, c_new, tc)
    pre = {k: _affine(G[k], x, h) for k in ("r", "z")}
    val = {k: sigmoid(a) for k, a in pre.items()}
    n = G["n"]
    if cell.reset_after:
        inner = n.U @ h + n.bu
        pre["n"] = n.W @ x + n.b + val["r"] * inner
    else:
        inner = val["r"] * h
        pre["n"] = n.W @ x + n.b + n.U @ inner + n.bu
    val["n"] = tanh(pre["n"])
    h_new = (1 - val["z"]) * val["n"] + val["z"] * h
    return StepState(x, h, pre, val, h_new, inner=inner)


def readout_value(ro: Readout, a: Vec) -> Vec:
    if ro.activation == "softmax":
        top = max(a)
        e = Vec([math.exp(v - top) for v in a])
        return e / math.fsum(e)
    f = REGISTRY[ro.activation].f
    return Vec([f(v, ro.params) for v in a])


def forward(cell: Cell, xs: list[Vec], h0: Vec, c0: Vec | None = None,
            ro: Readout | None = None) -> Forward:
    """The cell run over x_1..x_T (and the output layer on each h_t)."""
    steps, h, c = [], h0, c0
    for x in xs:
        s = step(cell, x, h, c)
        if ro is not None:
            s.y_pre = ro.W @ s.h + ro.b
            s.y = readout_value(ro, s.y_pre)
        steps.append(s)
        h, c = s.h, s.c
    return Forward(steps, h0, c0)


def outputs(fw: Forward) -> list[Vec]:
    """What the targets are compared with: y_t with an output layer, else h_t."""
    return [s.y if s.y is not None else s.h for s in fw.steps]


def step_losses(fw: Forward, targets: list[Vec | None], loss: L.LossSpec) -> list:
    """L_t per step (None where the step has no target)."""
    return [None if t is None else L.sample(loss, list(t), list(o)).loss
            for t, o in zip(targets, outputs(fw))]


def total_loss(fw: Forward, targets: list[Vec | None], loss: L.LossSpec) -> float:
    return float(sum(v for v in step_losses(fw, targets, loss) if v is not None))
