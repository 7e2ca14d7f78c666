"""graph: regressions found by a hostile review (overflow, domain edges, wording)."""

import json

import pytest
from conftest import results, run, write

from dlsolve.kernels.graph import central_difference, from_text


@pytest.mark.parametrize("node, values", [
    ("f = sum(x)", "{x: [1.0e+308, 1.0e+308]}"),
    ("f = mean(x)", "{x: [1.0e+308, 1.0e+308]}"),
    ("f = W @ x", "{W: [[1.0e+308, 1.0e+308]], x: [1.0e+308, 1]}"),
    ("f = transpose(x) @ x", "{x: [1.0e+200, 1.0e+200]}"),
])
def test_an_overflowing_reduction_or_product_is_refused(tmp_path, node, values):
    p = write(tmp_path, f"kind: graph\nnodes: ['{node}']\nvalues: {values}\n")
    res = run(["graph", p])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert res.stderr.strip() == f"{p}:2:9: nodes[0]: f is not finite at this point: overflow"


@pytest.mark.parametrize("expr, x, grad", [
    ("f = log(x)", 1e-7, 1e7),                 # x - 1e-6 < 0: the step must shrink
    ("f = sqrt(x)", 1e-300, 0.5 / 1e-150),     # h·|x| underflows to 0
    ("f = sqrt(x) * 3", 4e-8, 3 * 0.5 / 2e-4),
])
def test_a_point_near_the_edge_of_a_domain_solves(expr, x, grad):
    r = results(["graph", expr, "--at", f"x={x!r}"])
    assert r["grad_x"] == pytest.approx(grad, rel=1e-12)


def test_central_difference_shrinks_its_step_inside_the_domain():
    g = from_text("f = log(x)", ["x"])
    assert central_difference(g, {"x": 1e-7}, "x") == pytest.approx(1e7, rel=1e-6)
    g = from_text("f = sum(log(x))", ["x"])
    assert central_difference(g, {"x": [1e-7, 1.0]}, "x") == pytest.approx(1e7 + 1, rel=1e-6)


def test_wires_are_arrows_and_a_second_path_title_has_no_stray_separator():
    res = run(["graph", "f = transpose(x) @ x", "--at", "x=[1,2]", "--format", "json"])
    sol = json.loads(res.stdout)
    titles = [s.get("title") or "" for s in sol["steps"]]
    assert not any(t.startswith(";") for t in titles)
    assert "Transpose gate: transposes the gradient back; path x → q1" in titles
    table = next(s for s in sol["steps"] if s["type"] == "table")
    assert table["rows"][0][0] == "x → q1"
    # the transposed upstream gradient is bracketed: (∂L/∂q1)^T, not ∂L/∂q1^T
    assert any("(∂L/∂q1)^T" in (s.get("formula") or "") for s in sol["steps"])


def test_givens_write_each_node_as_a_formula_not_as_code():
    res = run(["graph", "problems/cs231n-sigmoid-neuron.yaml", "-f", "json"])
    givens = {g["name"]: g["value"] for g in json.loads(res.stdout)["givens"]}
    assert givens["s"] == "w0·x0 + w1·x1 + w2" and givens["f"] == "σ(s)"
    res = run(["graph", "f = x - (y - z) / (x * y) ** 2 + leaky_relu(x, alpha=0.2)",
               "--at", "x=1,y=2,z=3", "-f", "json"])
    assert json.loads(res.stdout)["givens"][0]["value"] == \
        "x - (y - z)/(x·y)^2 + LeakyReLU(x, α = 0.2)"


def test_a_reused_input_of_the_output_gate_keeps_local_and_total_apart():
    text = run(["graph", "f = x * y + x", "--at", "x=3,y=-2", "-f", "text"]).stdout
    assert "L = f: ∂f/∂x is a gate's local gradient, ∂L/∂x the total gradient" in text
    assert "∂L/∂x = ∂q1/∂x·∂L/∂q1 + ∂f/∂x·∂L/∂f = -2 + 1 = -1" in text
    # without a reused input of the output gate the output keeps its own name
    text = run(["graph", "f = (x + y) * z", "--at", "x=-2,y=5,z=-4", "-f", "text"]).stdout
    assert "∂f/∂x = ∂q1/∂x·∂f/∂q1 = 1·(-4) = -4" in text and "∂L" not in text
