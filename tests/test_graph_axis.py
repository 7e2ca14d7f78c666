"""graph: sum(X, axis=k) and mean(X, axis=k), against torch.sum/torch.mean(dim=k)."""

import numpy as np
import pytest
from conftest import run, write

from dlsolve.kernels.graph import GraphError, central_difference, from_text

torch = pytest.importorskip("torch")
D = torch.float64
W = [[1.0, -2.0, 0.5], [3.0, 0.25, -1.5]]
UP = {0: [1.0, -2.0, 0.5], 1: [2.0, -1.0], -1: [2.0, -1.0]}


@pytest.mark.parametrize("fn", ["sum", "mean"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_a_reduction_along_an_axis_matches_torch(fn, axis):
    g = from_text(f"Y = {fn}(W, axis={axis}); f = Y * Y", ["W"])
    ev = g.evaluate({"W": W}, UP[axis])
    w = torch.tensor(W, dtype=D, requires_grad=True)
    y = getattr(torch, fn)(w, dim=axis)
    (y * y).backward(torch.tensor(UP[axis], dtype=D))
    assert np.allclose(ev.values["Y"], y.detach().numpy(), rtol=0, atol=1e-12)
    assert np.allclose(ev.grads["W"], w.grad.numpy(), rtol=0, atol=1e-9)
    fd = central_difference(g, {"W": W}, "W", UP[axis])
    assert fd == pytest.approx(float(ev.grads["W"].sum()), rel=1e-6)


def test_a_vector_reduces_along_its_only_axis():
    ev = from_text("f = mean(x, axis=0)", ["x"]).evaluate({"x": [1.0, 2.0, 6.0]})
    assert ev.values["f"] == 3.0 and ev.grads["x"].tolist() == [1 / 3] * 3


def test_without_axis_the_whole_array_reduces():
    ev = from_text("f = sum(W)", ["W"]).evaluate({"W": W})
    assert float(ev.values["f"]) == 1.25 and ev.grads["W"].tolist() == [[1.0] * 3] * 2


def test_the_formula_names_the_axis():
    res = run(["graph", "f = sum(sum(W, axis=1))", "--at", "W=[[1,2],[3,4]]", "-f", "text"])
    assert "q1 = sum(W, axis = 1) = sum([[1, 2], [3, 4]], axis = 1) = [3, 7]" in res.stdout


@pytest.mark.parametrize("expr, message", [
    ("f = sum(W, axis=2)", "f: sum(..., axis=2) needs an array with axis 2, got 2×3"),
    ("f = mean(W, axis=-3)", "mean: axis= takes a whole number (0, 1 or -1), got -3"),
    ("f = mean(sum(W, axis=0), axis=-2)",
     "f: mean(..., axis=-2) needs an array with axis -2, got 3"),
    ("f = sum(W, axis=0.5)", "sum: axis= takes a whole number (0, 1 or -1), got 0.5"),
    ("f = sum(W, axis=1e308)", "sum: axis= takes a whole number (0, 1 or -1), got 1e+308"),
    ("f = sum(W, dim=0)", "sum takes no parameter dim= (only axis=)"),
    ("f = max(W, axis=0)", "max takes no parameter axis="),
])
def test_a_bad_axis_is_refused(expr, message):
    with pytest.raises(GraphError, match=None) as e:
        from_text(expr, ["W"]).evaluate({"W": W})
    assert e.value.message == message


def test_a_bad_axis_in_a_spec_names_its_line(tmp_path):
    p = write(tmp_path, "kind: graph\nnodes:\n  - f = sum(W, axis=2)\n"
                        "values: {W: [[1, 2], [3, 4]]}\n")
    res = run(["graph", p])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert res.stderr.strip() == (f"{p}:3:5: nodes[0]: f: sum(..., axis=2) needs an array "
                                  "with axis 2, got 2×2")
