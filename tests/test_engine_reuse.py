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


def test_norm_gradients_are_the_engines(monkeypatch):
    """The solver's dL/dx, dγ, dβ are what Graph.evaluate returned (no other computation)."""
    runs = []
    evaluate = core.Graph.evaluate

    def spy(self, values, upstream=1.0, wrt=None):
        ev = evaluate(self, values, upstream, wrt)
        runs.append(ev)
        return ev

    monkeypatch.setattr(core.Graph, "evaluate", spy)
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
