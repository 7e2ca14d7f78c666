"""How a gradient travels back through a recurrent cell: step Jacobians and their products.

J_s = ∂h_s/∂h_{s-1}; ∂h_T/∂h_t = J_T J_{T-1} ⋯ J_{t+1}. For the plain cell J_s = diag(f'(a_s)) U,
so ‖J_s‖ ≤ max f'(a_s) · ‖U‖ with tanh' ≤ 1: when ‖U‖ < 1 the product shrinks geometrically
(the gradient vanishes, the network forgets), and it may grow when ‖U‖ > 1. The LSTM carries a
second state c; its Jacobian is over (h, c), and ∂c_T/∂c_t keeps a path ∏ f_s that the forget
gate can hold near 1. Norms are spectral (the largest singular value; |·| for one unit).
Also the finite-difference self-checks of the BPTT gradients.
"""

from __future__ import annotations

import math
from dataclasses import replace

from dlsolve.kernels import losses as L
from dlsolve.kernels.recurrent import Cell, Forward, Readout, StepState, forward, total_loss
from dlsolve.kernels.vec import Mat, Vec, blocks, diag, diag_mul, eye, norm2, step, sub


def jacobian(cell: Cell, s: StepState) -> Mat:
    """∂h_t/∂h_{t-1} (rnn, gru) or ∂(h_t, c_t)/∂(h_{t-1}, c_{t-1}) (lstm, 2H×2H)."""
    G, v = cell.gates, s.gate
    if cell.kind == "rnn":
        fp = 1 - s.h * s.h if cell.activation == "tanh" else step(s.pre["rnn"])
        return diag_mul(fp, G["rnn"].U)
    if cell.kind == "lstm":
        sp = {k: v[k] * (1 - v[k]) for k in ("i", "f", "o")}
        dc_dh = (diag_mul(s.c_prev * sp["f"], G["f"].U) + diag_mul(v["g"] * sp["i"], G["i"].U)
                 + diag_mul(v["i"] * (1 - v["g"] ** 2), G["g"].U))
        k = v["o"] * (1 - s.tanh_c ** 2)
        dh_dh = diag_mul(s.tanh_c * sp["o"], G["o"].U) + diag_mul(k, dc_dh)
        return blocks(dh_dh, diag(k * v["f"]), dc_dh, diag(v["f"]))
    r, z, n = v["r"], v["z"], v["n"]
    rp = diag_mul(r * (1 - r), G["r"].U)
    if cell.reset_after:
        dan = diag_mul(r, G["n"].U) + diag_mul(s.inner, rp)
    else:
        dan = G["n"].U @ (diag(r) + diag_mul(s.h_prev, rp))
    return (diag(z) + diag_mul((s.h_prev - n) * z * (1 - z), G["z"].U)
            + diag_mul((1 - z) * (1 - n * n), dan))


def norm(m: Mat) -> float:
    """The spectral norm (largest singular value)."""
    return norm2(m) if m.size else 0.0


MANY = 20_000  # entries: beyond, one batched NumPy SVD beats power iteration in plain Python


def norms(ms: list[Mat]) -> list[float]:
    """The spectral norm of each matrix (all the same shape); batched by NumPy for long runs.

    >>> norms([Mat([[3, 0], [0, -4]]), Mat([[0.5, 0], [0, 0]])])
    [4.0, 0.5]
    """
    if not ms or not ms[0].size:
        return [0.0] * len(ms)
    if len(ms) * ms[0].size <= MANY:
        return [norm(m) for m in ms]
    import numpy as np

    return np.linalg.norm(np.array([m.tolist() for m in ms]), 2, axis=(1, 2)).tolist()


def products(cell: Cell, fw: Forward) -> list[Mat]:
    """∂(state_T)/∂(state_t) for t = 0..T-1 (state h, or (h, c) for the LSTM)."""
    js = [jacobian(cell, s) for s in fw.steps]
    acc = eye(len(js[-1]))
    out = []
    for j in reversed(js):
        acc = acc @ j
        out.append(acc)
    out.reverse()
    return out


def h_block(cell: Cell, m: Mat) -> Mat:
    """The ∂h/∂h block of a state Jacobian (all of it but for the LSTM)."""
    H = cell.hidden
    return sub(m, slice(0, H), slice(0, H)) if cell.kind == "lstm" else m


def c_block(cell: Cell, m: Mat) -> Mat:
    H = cell.hidden
    return sub(m, slice(H, None), slice(H, None))


def trend(norms: list[float]) -> tuple[str, float] | None:
    """'falls' or 'grows' with the mean factor per step when every step moves the same way.

    ``norms`` run from t = T-1 back to t = 0 (one more step back each).

    >>> trend([0.5, 0.25, 0.125])
    ('falls', 0.5)
    >>> trend([1.0, 0.5, 0.6]) is None
    True
    """
    if len(norms) < 3 or any(v <= 0 for v in norms):
        return None
    ratios = [b / a for a, b in zip(norms, norms[1:])]
    mean = math.exp(math.fsum(math.log(q) for q in ratios) / len(ratios))
    if all(q < 1 for q in ratios):
        return "falls", mean
    if all(q > 1 for q in ratios):
        return "grows", mean
    return None


def perturbed(cell: Cell, key: str, delta: Vec | Mat) -> Cell:
    """The cell with ``delta`` added to one parameter array (``"<gate>_<part>"``)."""
    gate, part = key.rsplit("_", 1) if not key.endswith("_bu") else (key[:-3], "bu")
    g = cell.gates[gate]
    gates = dict(cell.gates)
    gates[gate] = replace(g, **{part: getattr(g, part) + delta})
    return replace(cell, gates=gates)


def directional_checks(cell: Cell, xs: list[Vec], h0: Vec, c0: Vec | None,
                       ro: Readout | None, targets: list, loss: L.LossSpec,
                       grads: dict[str, Vec | Mat], eps: float = 1e-6) -> list[tuple]:
    """(name, BPTT's Σ grad·v, central difference (L(θ + εv) - L(θ - εv))/2ε) per array.

    v is a fixed pattern of ±1 (alternating signs), so one check covers every entry of the
    array at once. Long, wide problems (T·H² beyond ``LARGE``) get one check along every
    parameter at once (two forward passes instead of two per array).
    """
    if len(xs) * cell.hidden ** 2 > LARGE:
        return [_all_at_once(cell, xs, h0, c0, ro, targets, loss, grads, eps)]
    def value(c: Cell, r: Readout | None) -> float:
        return total_loss(forward(c, xs, h0, c0, r), targets, loss)

    out = []
    for key, g in grads.items():
        v = _pattern(g)
        if key.startswith("output_"):
            part = key[len("output_"):]
            hi = replace(ro, **{part: getattr(ro, part) + eps * v})
            lo = replace(ro, **{part: getattr(ro, part) - eps * v})
            fd = (value(cell, hi) - value(cell, lo)) / (2 * eps)
        else:
            fd = (value(perturbed(cell, key, eps * v), ro)
                  - value(perturbed(cell, key, -eps * v), ro)) / (2 * eps)
        out.append((key, _dot(g, v), fd))
    return out


LARGE = 2000


def _all_at_once(cell: Cell, xs: list[Vec], h0: Vec, c0: Vec | None, ro: Readout | None,
                 targets: list, loss: L.LossSpec, grads: dict[str, Vec | Mat],
                 eps: float) -> tuple:
    def moved(sign: float) -> float:
        c, r = cell, ro
        for key, g in grads.items():
            d = _pattern(g) * (sign * eps)
            if key.startswith("output_"):
                part = key[len("output_"):]
                r = replace(r, **{part: getattr(r, part) + d})
            else:
                c = perturbed(c, key, d)
        return total_loss(forward(c, xs, h0, c0, r), targets, loss)

    fd = (moved(1.0) - moved(-1.0)) / (2 * eps)
    return ("all", math.fsum(_dot(g, _pattern(g)) for g in grads.values()), fd)


def _pattern(g: Vec | Mat) -> Vec | Mat:
    """+1, -1, +1, ... over the entries (row by row), shaped as ``g``."""
    if isinstance(g, Mat):
        n = len(g[0])
        return Mat([[1.0 if (i * n + j) % 2 == 0 else -1.0 for j in range(n)]
                    for i in range(len(g))])
    return Vec([1.0 if k % 2 == 0 else -1.0 for k in range(len(g))])


def _dot(a: Vec | Mat, b: Vec | Mat) -> float:
    if isinstance(a, Mat):
        return math.fsum(r @ s for r, s in zip(a, b))
    return a @ b
