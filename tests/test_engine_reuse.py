"""Backward passes of other kinds run on the graph engine; their closed forms are checked
against it. norm: batchnorm/layernorm through kernels.norm.graph."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlsolve
from dlsolve.errors import SolverBug
from dlsolve.kernels import norm as N
from dlsolve.kernels.graph import core

torch = pytest.importorskip("torch")

X = [[-1.0, 2.0, 0.5], [0.0, 1.0, 1.5], [1.0, 6.0, -2.0], [2.5, -1.0, 0.0]]
G = [[1.0, 0.0, 0.5], [0.0, 2.0, -1.0], [0.0, 1.0, 0.0], [-0.5, 0.0, 2.0]]
GAMMA = [2.0, 1.0, 0.5]


def norm_spec(**kw):
    return {"kind": "norm", "type": "batchnorm", "input": X, "gamma": GAMMA, "grad_output": G,
            **kw}


@pytest.fixture
def evaluations(monkeypatch) -> list:
    """Every Evaluation the graph engine returns while the test runs."""
    runs: list = []
    evaluate = core.Graph.evaluate

    def spy(self, values, upstream=1.0, wrt=None):
        ev = evaluate(self, values, upstream, wrt)
        runs.append(ev)
        return ev

    monkeypatch.setattr(core.Graph, "evaluate", spy)
    return runs


def test_norm_gradients_are_the_engines(evaluations):
    """The solver's dL/dx, dγ, dβ are what Graph.evaluate returned (no other computation)."""
    runs = evaluations
    r = dlsolve.solve(norm_spec()).results
    assert len(runs) == 1
    ev = runs[0]
    assert {g.op for g in ev.graph.gates} == {"call", "sub", "mul", "add", "div"}
    assert {g.fn for g in ev.graph.gates if g.op == "call"} == {"mean", "sqrt"}
    assert np.array_equal(r["grad_input"], ev.grads["x"])     # exam numbers: no rescaling
    assert np.array_equal(r["grad_gamma"], ev.grads["gamma"])
    assert np.array_equal(r["grad_beta"], ev.grads["beta"])


def test_wrt_leaves_constants_out():
    """Gradients only into the inputs named (the others are constants): none is carried into
    s = √v here, so ∂f/∂v = −x/(2 s³) ~ 1e400, which overflows, is never formed."""
    from dlsolve.kernels.graph import from_text

    g = from_text("s = sqrt(v); f = x / s", given=["x", "v"])
    ev = g.evaluate({"x": 1e100, "v": 1e-200}, wrt=["x"])
    assert ev.grads["x"] == pytest.approx(1e100) and "v" not in ev.grads
    assert "s" not in ev.grads and [e.src for e in ev.edges] == ["x"]
    with pytest.raises(core.GraphError, match="not finite"):
        g.evaluate({"x": 1e100, "v": 1e-200})
    with pytest.raises(core.GraphError, match="wrt: y is not an input"):
        g.evaluate({"x": 1.0, "v": 0.0}, wrt=["y"])
    full = g.evaluate({"x": 2.0, "v": 3.0})
    part = g.evaluate({"x": 2.0, "v": 3.0}, wrt=["x", "v"])
    assert full.grads == part.grads and full.edges == part.edges


def torch_norm(kind, x, g, gamma, eps, rm=None, rv=None):
    d = len(x[0])
    m = torch.nn.LayerNorm(d, eps=eps, dtype=torch.float64) if kind == "layernorm" else \
        torch.nn.BatchNorm1d(d, eps=eps, dtype=torch.float64)
    with torch.no_grad():
        m.weight.copy_(torch.tensor(gamma, dtype=torch.float64))
        if rm is not None:
            m.running_mean.copy_(torch.tensor(rm, dtype=torch.float64))
            m.running_var.copy_(torch.tensor(rv, dtype=torch.float64))
    m.train(rm is None)
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    (m(xt) * torch.tensor(g, dtype=torch.float64)).sum().backward()
    return xt.grad.numpy(), m.weight.grad.numpy(), m.bias.grad.numpy()


@pytest.mark.parametrize("kind,extra", [("batchnorm", {}), ("layernorm", {}),
                                        ("batchnorm", {"mode": "eval"})])
def test_norm_engine_against_torch_autograd(kind, extra):
    stats = {"running_mean": [0.5, 0.0, 1.0], "running_var": [2.0, 1.0, 0.5]} if extra else {}
    r = dlsolve.solve(norm_spec(type=kind, epsilon=1e-3, **extra, **stats)).results
    dx, dg, db = torch_norm(kind, X, G, GAMMA, 1e-3, stats.get("running_mean"),
                            stats.get("running_var"))
    assert np.allclose(r["grad_input"], dx, rtol=1e-12, atol=1e-13)
    assert np.allclose(r["grad_gamma"], dg, rtol=1e-12, atol=1e-13)
    assert np.allclose(r["grad_beta"], db, rtol=1e-12, atol=1e-13)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(st.integers(1, 9), st.integers(1, 9), st.sampled_from(["batchnorm", "layernorm", "eval"]),
       st.integers(-5, 5), st.floats(-1e5, 1e5), st.integers(0, 10 ** 6))
def test_closed_form_equals_engine(n, d, kind, size, offset, seed):
    """To rounding (1e-9 of it), offsets far above the spread included (there the computed x̂
    do not sum to 0, and the closed form, which assumes they do, parts by exactly that)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)) * 10.0 ** size + offset
    g, gamma = rng.normal(size=(n, d)), rng.normal(size=d) * 3
    if kind == "eval":
        f = N.forward(x, 0, 1e-5, gamma, 0.1, rng.normal(size=d), rng.random(size=d) + 0.01)
    elif kind == "batchnorm" and n == 1:
        return
    else:
        f = N.forward(x, 0 if kind == "batchnorm" else 1, 1e-5, gamma, 0.1)
    engine, closed = N.backward(f, g), N.closed_form(f, g)
    assert N.disagreement(engine, closed, f, g) < 1e-9
    assert np.allclose(engine.grad_input, closed.grad_input, rtol=1e-7,
                       atol=1e-7 * np.abs(closed.grad_input).max(initial=1.0))


def test_a_wrong_closed_form_is_caught(monkeypatch):
    """The assertion is live: a closed form without its third term raises."""
    from dlsolve.solvers import norm_backward

    def two_terms(f, g, gamma=None, batch_stats=None):
        b = N.closed_form(f, g, gamma, batch_stats)
        gx = b.grad_x_hat
        n = gx.shape[0]
        return N.Backward((n * gx - gx.sum(axis=0)) / (n * f.std), b.grad_gamma, b.grad_beta, gx)

    monkeypatch.setattr(norm_backward, "closed_form", two_terms)
    with pytest.raises(SolverBug, match="closed form and the graph engine differ"):
        dlsolve.solve(norm_spec())


def test_tiny_numbers_keep_their_digits():
    """The engine's staged gradients (dL/dσ² here ~1e400) would overflow; rescaled by powers
    of two they do not, and the answer is torch's (its fused kernel forms no dL/dσ²)."""
    x, g = [[1e-150], [-1e-150], [3e-150]], [[1e50], [0.0], [2e49]]
    r = dlsolve.solve({"kind": "norm", "type": "batchnorm", "input": x, "gamma": [1e50],
                       "epsilon": 1e-300, "grad_output": g}).results
    dx, dg, _ = torch_norm("batchnorm", x, g, [1e50], 1e-300)
    assert np.allclose(r["grad_input"], dx, rtol=1e-14, atol=0)
    assert np.allclose(r["grad_gamma"], dg, rtol=1e-14, atol=0)


def test_tiny_products_do_not_underflow():
    """γ·g = 1e-330 is below double precision, dx = γ g/s·(…) ~ 1e-231 is not: the closed form
    as written (γ g first) gave 0; the rescaled engine gives the value. With x = (0, 1, 2)·1e-100,
    x̂ = (−√1.5, 0, √1.5) and the upstream on entry 1 only, dx = γ g/s·(1/6, −1/3, 1/6)."""
    x, g = [[0.0], [1e-100], [2e-100]], [[1e-170], [0.0], [0.0]]
    r = dlsolve.solve({"kind": "norm", "type": "batchnorm", "input": x, "gamma": [1e-160],
                       "epsilon": 1e-250, "grad_output": g}).results
    unit = 1e-160 / (math.sqrt(2 / 3) * 1e-100) * 1e-170
    assert np.allclose(np.ravel(r["grad_input"]), [unit / 6, -unit / 3, unit / 6], rtol=1e-12,
                       atol=0)


# -- the engine on plain-Python arrays (kernels.vec), as the recurrent kinds evaluate it --

LITE_PROGRAMS = [
    "Y = W @ x + b; f = sum(tanh(Y) * Y)",
    "H = relu(W @ X); f = sum(H * H) + sum(transpose(H))",
    "A = max(W, V, 0.5); B = min(W, V); f = sum(A @ transpose(B))",
    "s = x @ (W @ x); f = s * s + max(x)",
    "P = sigmoid(W) * V + b; f = mean(P) + sum(abs(P - 1))",
    "Z = W * x + b; f = sum(leaky_relu(Z, alpha=0.2) ** 2)",
    "r = x @ W; f = sum(r * x) + sum(transpose(X) @ W)",
    "A = softmax(W @ V); f = sum(A * W) + sum(softmax(x) * b) + sum(softmax(X) * X)",
    "m = mean(W, axis=0); s = sum(X, axis=1); f = sum(m * b) + sum(s * x) + sum(W - m)",
    "E = exp(W / 4) + sqrt(V * V + 1); f = sum(log(E) * (1 - W)) + sum(gelu(x) * b)",
    "D = W / (V * V + 1); f = sum(D * D) + min(W) + sum(elu(X) @ transpose(X))",
]


def _lite(v):
    from dlsolve.kernels.vec import Mat, Vec

    return Mat(v) if isinstance(v[0], list) else Vec(v)


@pytest.mark.parametrize("program", LITE_PROGRAMS)
@pytest.mark.parametrize("seed", range(3))
def test_plain_python_arrays_give_numpys_numbers(program, seed):
    from dlsolve.kernels.graph import from_text

    rng = np.random.default_rng(seed)
    data = {"W": rng.integers(-4, 5, (3, 3)) / 2, "V": rng.integers(-4, 5, (3, 3)) / 2,
            "X": rng.integers(-4, 5, (3, 2)) / 2, "x": rng.integers(-4, 5, 3) / 2,
            "b": rng.integers(-4, 5, 3) / 2}
    g = from_text(program, [k for k in data if k in program.replace("max", "")])
    want = g.evaluate({k: data[k].tolist() for k in g.inputs})
    got = g.evaluate({k: _lite(data[k].tolist()) for k in g.inputs})
    assert got.arrays and type(got.grads["W"]).__name__ == "Mat"
    for name in g.names():
        assert np.allclose(np.asarray(got.values[name], dtype=float), want.values[name],
                           rtol=1e-12, atol=1e-12), name
    for name in g.inputs:
        assert np.allclose(np.asarray(got.grads[name], dtype=float), want.grads[name],
                           rtol=1e-12, atol=1e-12), name
    assert len(got.edges) == len(want.edges)
    for a, b in zip(got.edges, want.edges):
        assert (a.src, a.dst, a.index) == (b.src, b.dst, b.index)
        assert np.allclose(np.asarray(a.grad, dtype=float), b.grad, rtol=1e-12, atol=1e-12)


def test_plain_python_arrays_broadcast_as_numpy():
    from dlsolve.kernels.graph import from_text
    from dlsolve.kernels.vec import Mat, Vec

    g = from_text("Y = W * b + c; f = sum(Y * Y)", ["W", "b", "c"])
    W, b, c = [[1.0, 2.0], [3.0, 4.0]], [10.0, 20.0], 0.5
    want = g.evaluate({"W": W, "b": b, "c": [c]})
    got = g.evaluate({"W": Mat(W), "b": Vec(b), "c": Vec([c])})
    for k in ("W", "b", "c"):
        assert np.allclose(np.asarray(got.grads[k], dtype=float), want.grads[k]), k
    with pytest.raises(core.GraphError, match="do not match"):
        g.evaluate({"W": Mat(W), "b": Vec([1.0, 2.0, 3.0]), "c": Vec([c])})


# -- rnn / lstm / gru: backprop through time on the engine ----------------------------------

def rnn_problem(cell, seed, T=3, D=2, H=2, Y=1, loss="half_sse", readout=None, act="tanh",
                reset_after=True, gaps=False):
    """A random recurrent problem (numbers with two decimals, as an exam's)."""
    rng = np.random.default_rng(seed)

    def r(*s):
        return rng.uniform(-1, 1, s).round(2).tolist()

    gates = {"rnn": ["rnn"], "lstm": list("ifgo"), "gru": list("rzn")}[cell]
    spec = {"kind": "rnn", "cell": cell, "inputs": r(T, D), "h0": r(H), "loss": loss,
            "weights": {k: {"W": r(H, D), "U": r(H, H), "b": r(H), "bu": r(H)} for k in gates}}
    if cell == "lstm":
        spec["c0"] = r(H)
    if cell == "rnn":
        spec["activation"] = act
    if cell == "gru":
        spec["reset_after"] = reset_after
    if Y:
        spec["output"] = {"W": r(Y, H), "b": r(Y)}
        if readout:
            spec["output"]["activation"] = readout
    if loss == "cce":
        spec["targets"] = [np.eye(Y)[rng.integers(Y)].tolist() for _ in range(T)]
    else:
        spec["targets"] = r(T, Y or H)
    if gaps:  # a target at every other step only (the last one kept)
        spec["targets"] = [t if (T - 1 - i) % 2 == 0 else None
                           for i, t in enumerate(spec["targets"])]
    return spec


def kernels_of(spec):
    from dlsolve import api
    from dlsolve.kernels.recurrent import forward
    from dlsolve.solvers.rnn import model

    m = model(api.parse(api._mapping_document(spec, "<t>"), "rnn"))
    return m, forward(m.cell, m.xs, m.h0, m.c0, m.ro)


def test_bptt_numbers_are_the_engines(evaluations):
    runs = evaluations
    r = dlsolve.solve(rnn_problem("lstm", 3, T=3, H=2)).results
    (ev,) = runs
    assert ev.arrays and type(ev.grads["U_f"]).__name__ == "Mat"   # plain Python, no NumPy
    for k in "ifgo":
        for p in ("W", "U", "b", "bu"):
            assert r[f"grad_{k}_{p}"] == ev.grads[f"{p}_{k}"].tolist()
        assert r[f"delta_{k}"] == [ev.grads[f"a_{k}{t}"].tolist() for t in (1, 2, 3)]
    assert r["grad_h"] == [ev.grads[f"h_{t}"].tolist() for t in (1, 2, 3)]
    assert r["grad_c0"] == ev.grads["c_0"].tolist()


def test_bptt_keeps_numpy_out():
    """The recurrent kind's start-up: the engine runs on Vec and Mat, NumPy stays unloaded."""
    import json
    import subprocess
    import sys

    code = ("import sys, json, dlsolve; r = dlsolve.solve(json.loads(sys.argv[1])).results; "
            "assert 'grad_g_U' in r; print('numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(rnn_problem("lstm", 1))],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_the_engines_forward_is_the_kernels_to_the_bit(cell):
    from dlsolve.kernels import bptt as B
    from dlsolve.kernels import bptt_engine as BE

    m, fw = kernels_of(rnn_problem(cell, 5, T=4, D=3, H=3, Y=2, readout="sigmoid"))
    graph, values = BE.unrolled(m.cell, fw, B.loss_gradients(fw, m.targets, m.spec.loss), m.ro)
    v = graph.forward_only(values)
    for t, s in enumerate(fw.steps, 1):
        assert v[f"h_{t}"] == s.h and v[f"y_{t}"] == s.y
        for k in s.pre:
            assert v[f"a_{k}{t}"] == s.pre[k]


RNN_CASES = [dict(cell=c, reset_after=ra) for c, ra in
             (("rnn", True), ("lstm", True), ("gru", True), ("gru", False))]


@settings(max_examples=80, deadline=None, derandomize=True)
@given(case=st.sampled_from(RNN_CASES), seed=st.integers(0, 10 ** 6), T=st.integers(1, 5),
       D=st.integers(1, 3), H=st.integers(1, 4), Y=st.integers(0, 3),
       loss=st.sampled_from(["half_sse", "mse", "cce"]), act=st.sampled_from(["tanh", "relu"]),
       readout=st.sampled_from([None, "sigmoid", "tanh", "softmax"]), gaps=st.booleans())
def test_closed_form_bptt_equals_engine(case, seed, T, D, H, Y, loss, act, readout, gaps):
    from dlsolve.kernels import bptt as B
    from dlsolve.kernels import bptt_engine as BE

    if loss == "cce":
        Y, readout = max(Y, 2), "softmax"
    m, fw = kernels_of(rnn_problem(case["cell"], seed, T, D, H, Y, loss, readout, act,
                                   case["reset_after"], gaps))
    engine = BE.backward(m.cell, fw, m.targets, m.spec.loss, m.ro)
    closed = B.closed_form(m.cell, fw, m.targets, m.spec.loss, m.ro)
    assert engine.engine and not closed.engine
    assert BE.disagreement(m.cell, fw, engine, closed) < 1e-12
    for key, g in closed.grads.items():
        assert np.allclose(engine.grads[key].tolist(), g.tolist(), rtol=1e-12, atol=1e-15)


def test_relu_at_zero_is_pytorchs_in_both():
    """A pre-activation of exactly 0: relu'(0) = 0 in the engine and in the closed form."""
    from dlsolve.kernels import bptt as B
    from dlsolve.kernels import bptt_engine as BE

    spec = {"kind": "rnn", "cell": "rnn", "activation": "relu", "inputs": [[1.0], [0.0]],
            "weights": {"rnn": {"W": [[1.0]], "U": [[0.0]], "b": [0.0]}},
            "targets": [[0.0], [1.0]], "loss": "half_sse"}
    m, fw = kernels_of(spec)
    e = BE.backward(m.cell, fw, m.targets, m.spec.loss, m.ro)
    c = B.closed_form(m.cell, fw, m.targets, m.spec.loss, m.ro)
    assert fw.steps[1].pre["rnn"] == [0.0] and e.steps[1].dh == c.steps[1].dh == [-1.0]
    assert e.steps[1].delta["rnn"] == c.steps[1].delta["rnn"] == [0.0]
    # δ_1 = (h_1 − 0)·relu'(1) = 1, δ_2 = −1·relu'(0) = 0: dL/dW = 1·x_1 + 0·x_2 = 1
    assert e.grads["rnn_W"] == c.grads["rnn_W"] == [[1.0]]


def test_a_wrong_bptt_closed_form_is_caught(monkeypatch):
    from dlsolve.kernels import bptt as B

    real = B.closed_form

    def forgets_the_update_gate_path(*a, **k):  # GRU: to h_{t-1} without z ⊙ dh
        out = real(*a, **k)
        for g in out.steps:
            g.to_prev["direct"] = g.to_prev["direct"] * 0.0
        return out

    monkeypatch.setattr(B, "closed_form", forgets_the_update_gate_path)
    with pytest.raises(SolverBug, match="closed form and the graph engine differ"):
        dlsolve.solve(rnn_problem("gru", 2))


def test_a_wrong_step_jacobian_is_caught(monkeypatch):
    from dlsolve.kernels import gradflow as G

    real = G.jacobian
    monkeypatch.setattr(G, "jacobian", lambda cell, s: real(cell, s) * 1.001)
    with pytest.raises(SolverBug, match="step Jacobian J_1 disagrees"):
        dlsolve.solve(rnn_problem("lstm", 4))


def test_an_overflowing_forward_pass_falls_back_to_the_closed_form():
    """The engine refuses inf; the closed form gives the inf/nan the derivation warns of."""
    from dlsolve.kernels import bptt_engine as BE

    spec = {"kind": "rnn", "cell": "rnn", "activation": "relu", "inputs": [[1.0]] * 3,
            "weights": {"rnn": {"W": [[1e200]], "U": [[1e200]], "b": [0.0]}},
            "targets": [[0.0]] * 3, "loss": "half_sse"}
    m, fw = kernels_of(spec)
    bp = BE.backward(m.cell, fw, m.targets, m.spec.loss, m.ro)
    assert not bp.engine and not math.isfinite(bp.grads["rnn_W"][0][0])
