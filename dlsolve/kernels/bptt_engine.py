"""Backprop through time by the graph engine, and its check against the closed form.

``backward`` runs the graph engine (``dlsolve.kernels.graph``) on the cell unrolled over
the T steps as its gates: W x_t + b + U h_{t-1} + bu, σ/tanh/relu, the products and sums of
the LSTM's and GRU's state, the output layer, and L = Σ_t Σ dL_t/dy_t ⊙ y_t (the loss enters
through its gradient, the loss kernel's). The values are Vec and Mat, so the engine computes
in plain Python (``graph.lite``): the numbers of the forward pass to the bit, no NumPy.
Everything the derivation writes is read off the evaluation: dL/dh_t and its two paths (the
wires from h_t into y_t and into step t + 1), each gate's gradient and δ (pre-activation),
what step t sends back to h_{t-1} (the wires from h_{t-1}), and each parameter's term of
step t (the wire from the parameter into step t). ``disagreement`` measures it against
``kernels.bptt.closed_form``, the same walk in the formulas the derivation writes.
"""

from __future__ import annotations

import math
from typing import Any

from dlsolve.kernels import losses as L
from dlsolve.kernels.activations import REGISTRY
from dlsolve.kernels.bptt import BPTT, StepGrad, closed_form, factors, loss_gradients
from dlsolve.kernels.graph.core import Evaluation, Gate, Graph, GraphError
from dlsolve.kernels.recurrent import GATES, PARTS, Cell, Forward, Readout, StepState
from dlsolve.kernels.vec import Mat, Vec, zeros


def disagreement(cell: Cell, fw: Forward, a: BPTT, b: BPTT) -> float:
    """The largest gap between two backward walks of one problem, in units of the size the
    numbers were made from (so that rounding, cancellations included, stays far below 1e-9
    and a wrong formula far above it). A number of step t is measured against S_t, the
    largest number of step t (dL/dh_t = path 1 + path 2 may cancel to far less than either,
    dL/dz_t = dL/dh_t ⊙ (h_{t-1} − n_t) likewise); a term left_t right_tᵀ against S_t
    max|right_t|; a parameter's gradient against Σ_t S_t max|right_t|. inf where one walk
    has a quantity the other lacks."""
    worst, sizes = 0.0, []
    for ga, gb in zip(a.steps, b.steps):
        pairs = _pairs(ga, gb)
        if pairs is None or set(ga.terms) != set(gb.terms):
            return math.inf
        size = max((_top(v) for pair in pairs for v in pair), default=0.0)
        sizes.append(size)
        worst = max([worst] + [_gap(x, y, size) for x, y in pairs])
    scale = {key: 0.0 for key in b.grads}
    for s, ga, gb, size in zip(fw.steps, a.steps, b.steps, sizes):
        for key in gb.terms:
            right = _right(cell, s, gb, key)
            unit = size * (1.0 if right is None else _top(right))
            scale[key] += unit
            worst = max(worst, _gap(ga.terms[key], gb.terms[key], unit))
    for key, g in b.grads.items():
        if key not in a.grads:
            return math.inf
        worst = max(worst, _gap(a.grads[key], g, scale[key]))
    worst = max(worst, _gap(a.dh0, b.dh0, sizes[0]))
    if b.dc0 is not None:
        worst = max(worst, _gap(a.dc0, b.dc0, sizes[0]))
    return worst


def _right(cell: Cell, s: StepState, g: StepGrad, key: str) -> Vec | None:
    """The right factor of the term ``key`` of one step (None for a bias)."""
    if key.startswith("output_"):
        return s.h if key == "output_W" else None
    k, part = key.rsplit("_", 1) if not key.endswith("_bu") else (key[:-3], "bu")
    return factors(cell, s, g, k, part)[1]


STEP_FIELDS = ("dy", "dzy", "from_output", "from_next", "dh", "dc_from_h", "dc_from_next", "dc",
               "dc_prev", "d_inner")


def _pairs(a: StepGrad, b: StepGrad) -> list[tuple[Any, Any]] | None:
    """The two walks' numbers of one step side by side (None if they differ in kind)."""
    out = []
    for name in STEP_FIELDS:
        x, y = getattr(a, name), getattr(b, name)
        if (x is None) != (y is None):
            return None
        if x is not None:
            out.append((x, y))
    for name in ("dgate", "delta", "to_prev"):
        x, y = getattr(a, name), getattr(b, name)
        if list(x) != list(y):
            return None
        out += [(x[k], y[k]) for k in y]
    return out


def _flat(v: Any) -> list[float]:
    return [x for r in v for x in r] if v and isinstance(v[0], list) else list(v)


def _top(v: Any) -> float:
    return max((abs(x) for x in _flat(v)), default=0.0)


def _gap(x: Any, y: Any, size: float) -> float:
    fx, fy = _flat(x), _flat(y)
    if len(fx) != len(fy):
        return math.inf
    return max((abs(u - w) for u, w in zip(fx, fy)), default=0.0) / max(size, 1e-300)


# -- the graph engine's backward pass -----------------------------------------------------

class _Unrolled:
    """The cell over T steps (and the output layer, and L) as the graph engine's gates."""

    def __init__(self, cell: Cell, fw: Forward, douts: list[Vec | None], ro: Readout | None):
        self.gates: list[Gate] = []
        self.values: dict[str, Vec | Mat] = {}
        self.cell, self.ro = cell, ro
        for k, g in cell.gates.items():
            for p in PARTS:
                self.values[f"{p}_{k}"] = getattr(g, p)
        if ro is not None:
            self.values.update(W_y=ro.W, b_y=ro.b)
        self.values["h_0"] = fw.h0
        if cell.kind == "lstm":
            self.values["c_0"] = fw.c0
        losses = []
        for t, (s, d) in enumerate(zip(fw.steps, douts), 1):
            self.values[f"x_{t}"] = s.x
            self.step(t)
            out = f"h_{t}" if ro is None else self.readout(t)
            if d is not None:  # L_t seen through its gradient: Σ dL_t/dout_t ⊙ out_t
                self.values[f"dout_{t}"] = d
                self.add(f"Lw_{t}", "mul", f"dout_{t}", out)
                losses.append(self.add(f"L_{t}", "call", f"Lw_{t}", fn="sum"))
        total = losses[0] if losses else self.add("L_0", "mul", f"h_{len(fw.steps)}", 0.0)
        for i, term in enumerate(losses[1:], 2):
            total = self.add(f"L_1..{i}", "add", total, term)
        self.output = total if losses else self.add("L", "call", total, fn="sum")

    def add(self, name: str, op: str, *args: str | float, fn: str = "",
            params: tuple[tuple[str, float], ...] = ()) -> str:
        self.gates.append(Gate(name, op, tuple(args), fn, params))
        return name

    def affine(self, k: str, t: int, h: str | None = None) -> str:
        """a_k,t = W_k x_t + b_k + U_k h_{t-1} + bu_k, added left to right as the forward
        pass adds it (U_k on ``h``, h_{t-1} unless said)."""
        add = self.add
        add(f"Wx_{k}{t}", "matmul", f"W_{k}", f"x_{t}")
        add(f"Wx+b_{k}{t}", "add", f"Wx_{k}{t}", f"b_{k}")
        add(f"Uh_{k}{t}", "matmul", f"U_{k}", h or f"h_{t - 1}")
        add(f"Wx+b+Uh_{k}{t}", "add", f"Wx+b_{k}{t}", f"Uh_{k}{t}")
        return add(f"a_{k}{t}", "add", f"Wx+b+Uh_{k}{t}", f"bu_{k}")

    def step(self, t: int) -> None:
        cell, add = self.cell, self.add
        if cell.kind == "rnn":
            add(f"h_{t}", "call", self.affine("rnn", t), fn=cell.activation)
            return
        if cell.kind == "lstm":
            for k in GATES["lstm"]:
                add(f"{k}_{t}", "call", self.affine(k, t), fn="tanh" if k == "g" else "sigmoid")
            add(f"fc_{t}", "mul", f"f_{t}", f"c_{t - 1}")
            add(f"ig_{t}", "mul", f"i_{t}", f"g_{t}")
            add(f"c_{t}", "add", f"fc_{t}", f"ig_{t}")
            add(f"tanh_c_{t}", "call", f"c_{t}", fn="tanh")
            add(f"h_{t}", "mul", f"o_{t}", f"tanh_c_{t}")
            return
        for k in ("r", "z"):
            add(f"{k}_{t}", "call", self.affine(k, t), fn="sigmoid")
        if cell.reset_after:   # r ⊙ (U_n h_{t-1} + bu_n)
            add(f"Wx_n{t}", "matmul", "W_n", f"x_{t}")
            add(f"Wx+b_n{t}", "add", f"Wx_n{t}", "b_n")
            add(f"Uh_n{t}", "matmul", "U_n", f"h_{t - 1}")
            add(f"inner_{t}", "add", f"Uh_n{t}", "bu_n")
            add(f"r*inner_{t}", "mul", f"r_{t}", f"inner_{t}")
            add(f"a_n{t}", "add", f"Wx+b_n{t}", f"r*inner_{t}")
        else:                  # U_n (r ⊙ h_{t-1}) + bu_n
            add(f"inner_{t}", "mul", f"r_{t}", f"h_{t - 1}")
            self.affine("n", t, f"inner_{t}")
        add(f"n_{t}", "call", f"a_n{t}", fn="tanh")
        add(f"1-z_{t}", "sub", 1.0, f"z_{t}")
        add(f"(1-z)n_{t}", "mul", f"1-z_{t}", f"n_{t}")
        add(f"zh_{t}", "mul", f"z_{t}", f"h_{t - 1}")
        add(f"h_{t}", "add", f"(1-z)n_{t}", f"zh_{t}")

    def readout(self, t: int) -> str:
        ro = self.ro
        self.add(f"Wh_y{t}", "matmul", "W_y", f"h_{t}")
        self.add(f"z_y{t}", "add", f"Wh_y{t}", "b_y")
        if ro.activation == "softmax":
            return self.add(f"y_{t}", "call", f"z_y{t}", fn="softmax")
        params = {**dict(REGISTRY[ro.activation].params), **ro.params}
        return self.add(f"y_{t}", "call", f"z_y{t}", fn=ro.activation,
                        params=tuple(params.items()))

    def graph(self) -> Graph:
        return Graph(list(self.values), self.gates, self.output)


def backward(cell: Cell, fw: Forward, targets: list[Vec | None], loss: L.LossSpec,
             ro: Readout | None = None) -> BPTT:
    """Every gradient of L = Σ_t L_t, by the graph engine on the unrolled cell.

    The loss enters through its gradient at the outputs (``loss_gradients``, the loss
    kernel's): the engine's output is Σ_t Σ dL_t/dy_t ⊙ y_t, whose gradients are L's. Where
    the forward pass overflows double precision the engine refuses its values; the closed
    form then gives the inf and nan the derivation warns of (``BPTT.engine`` is False).
    """
    douts = loss_gradients(fw, targets, loss)
    graph, values = unrolled(cell, fw, douts, ro)
    wanted = [n for n in values if not n.startswith(("x_", "dout_"))]
    try:
        ev = graph.evaluate(values, wrt=wanted)
    except GraphError:
        return closed_form(cell, fw, targets, loss, ro)
    return _read(cell, fw, douts, ro, ev)


def unrolled(cell: Cell, fw: Forward, douts: list[Vec | None],
             ro: Readout | None = None) -> tuple[Graph, dict[str, Vec | Mat]]:
    """The graph of the cell over fw's steps and its input values (parameters ``W_k`` ``U_k``
    ``b_k`` ``bu_k``, ``W_y`` ``b_y``, ``x_t``, ``h_0``, ``c_0``, ``dout_t``); node ``h_t`` is
    h_t, ``a_kt`` gate k's pre-activation at step t, ``y_t`` the output."""
    net = _Unrolled(cell, fw, douts, ro)
    return net.graph(), net.values


def _read(cell: Cell, fw: Forward, douts: list[Vec | None], ro: Readout | None,
          ev: Evaluation) -> BPTT:
    """The quantities the derivation writes, off the engine's gradients and wires."""
    T, H, kind = len(fw.steps), cell.hidden, cell.kind
    grad, wires = ev.grads, _wires(ev)

    def vec(name: str) -> Vec:
        return Vec(grad[name])

    def wire(src: str, dst: str) -> Vec | Mat:
        return _typed(wires[src, dst])

    steps = []
    for t in range(1, T + 1):
        d = douts[t - 1]
        into_y = f"Wh_y{t}" if ro is not None else f"Lw_{t}"
        path1 = wire(f"h_{t}", into_y) if d is not None else zeros(H)
        g = StepGrad(d, vec(f"z_y{t}") if ro is not None and d is not None else None,
                     path1, zeros(H), vec(f"h_{t}"))
        gates = GATES[kind]
        g.dgate = {"rnn": g.dh} if kind == "rnn" else {k: vec(f"{k}_{t}") for k in gates}
        g.delta = {k: vec(f"a_{k}{t}") for k in gates}
        if kind == "gru":
            g.to_prev["direct"] = wire(f"h_{t - 1}", f"zh_{t}")
            if not cell.reset_after:
                g.d_inner = vec(f"inner_{t}")
        for k in gates:
            into = f"inner_{t}" if kind == "gru" and k == "n" and not cell.reset_after \
                else f"Uh_{k}{t}"
            g.to_prev[k] = wire(f"h_{t - 1}", into)
        if kind == "lstm":
            g.dc_from_h = wire(f"c_{t}", f"tanh_c_{t}")
            g.dc_from_next = wire(f"c_{t}", f"fc_{t + 1}") if t < T else zeros(H)
            g.dc, g.dc_prev = vec(f"c_{t}"), wire(f"c_{t - 1}", f"fc_{t}")
        g.terms = {f"{k}_{p}": wire(f"{p}_{k}", _user(k, p, t, cell)) for k in gates
                   for p in PARTS}
        if ro is not None and d is not None:
            g.terms.update(output_W=wire("W_y", f"Wh_y{t}"), output_b=wire("b_y", f"z_y{t}"))
        steps.append(g)
    for g, nxt in zip(steps, steps[1:]):   # path 2: the wires from h_t into step t + 1
        g.from_next = nxt.dh_prev
    grads = {f"{k}_{p}": _typed(grad[f"{p}_{k}"]) for k in GATES[kind] for p in PARTS}
    if ro is not None:
        grads.update(output_W=_typed(grad["W_y"]), output_b=_typed(grad["b_y"]))
    return BPTT(steps, grads, vec("h_0"), vec("c_0") if kind == "lstm" else None)


def _user(k: str, part: str, t: int, cell: Cell) -> str:
    """The gate of step t that takes parameter ``part`` of gate k."""
    if part == "W":
        return f"Wx_{k}{t}"
    if part == "b":
        return f"Wx+b_{k}{t}"
    if part == "U":
        return f"Uh_{k}{t}"
    if cell.kind == "gru" and k == "n" and cell.reset_after:
        return f"inner_{t}"
    return f"a_{k}{t}"


def _wires(ev: Evaluation) -> dict[tuple[str, str], Any]:
    """The gradient each wire carries back, by (source, gate) (two wires between the same
    pair, none here, would add)."""
    out: dict[tuple[str, str], Any] = {}
    for e in ev.edges:
        key = (e.src, e.dst)
        out[key] = e.grad + out[key] if key in out else e.grad
    return out


def _typed(v: Any) -> Vec | Mat:
    """An engine value (a Vec or a Mat: the graph ran on them) as its own copy."""
    return Mat.of_rows([Vec(r) for r in v]) if isinstance(v, Mat) else Vec(v)
