"""graph: CS231n's circuits to the notes' digits, the derivation's lines, inline use, check."""

import json

import pytest
from conftest import PROBLEMS, results, run, write

SIGMOID = PROBLEMS / "cs231n-sigmoid-neuron.yaml"


def test_cs231n_add_multiply():
    r = results(["graph", PROBLEMS / "cs231n-add-multiply.yaml"])
    assert (r["q"], r["f"], r["output"]) == (3, -12, -12)
    assert (r["grad_q"], r["grad_z"], r["grad_x"], r["grad_y"], r["grad_f"]) == (-4, 3, -4, -4, 1)


def test_inline_expression_matches_the_notes():
    r = results(["graph", "f = (x + y) * z", "--at", "x=-2,y=5,z=-4"])
    assert (r["f"], r["grad_x"], r["grad_y"], r["grad_z"]) == (-12, -4, -4, 3)
    assert "q1" not in r  # dlsolve's own gate names are not results


@pytest.mark.parametrize("expand", [False, True])
def test_cs231n_sigmoid_neuron_to_the_notes_digits(expand):
    r = results(["graph", SIGMOID] + (["--expand"] if expand else []))
    assert round(r["output"], 2) == 0.73
    printed = {"grad_w0": -0.2, "grad_x0": 0.39, "grad_w1": -0.39, "grad_x1": -0.59,
               "grad_w2": 0.2}
    for name, value in printed.items():
        assert round(r[name], 2) == value, name
    s = 0.7310585786300049
    assert r["grad_s"] == pytest.approx(s * (1 - s), rel=1e-15)
    assert r["grad_x1"] == pytest.approx(-3 * s * (1 - s), rel=1e-15)


def test_sigmoid_fused_gate_is_written_with_its_local_gradient():
    text = run(["graph", SIGMOID, "--format", "text"]).stdout
    assert "Sigmoid gate (fused)" in text
    assert "∂f/∂s = f(1 - f) = 0.7311(1 - 0.7311) ≈ 0.1966" in text


def test_expanded_sigmoid_is_cs231ns_chain():
    text = run(["graph", SIGMOID, "--expand", "--format", "text"]).stdout
    for line in ("q4 = s·(-1) = 1·(-1) = -1", "q5 = e^q4 = e^(-1) ≈ 0.3679",
                 "q6 = q5 + 1 = 0.3679 + 1 ≈ 1.3679", "f = 1/q6 = 1/1.3679 ≈ 0.7311",
                 "∂f/∂q6 = -1/q6^2 = -1/1.3679^2 ≈ -0.5344",
                 "∂q5/∂q4 = e^q4 = e^(-1) ≈ 0.3679"):
        assert line in text, line


def test_gate_patterns_are_named():
    text = run(["graph", PROBLEMS / "cs231n-add-multiply.yaml", "--format", "text"]).stdout
    assert "Add gate: distributes the upstream gradient unchanged" in text
    assert "Multiply gate: swaps its inputs" in text
    assert "∂f/∂q = z = -4" in text
    assert "∂f/∂x = ∂q/∂x·∂f/∂q = 1·(-4) = -4" in text
    mx = run(["graph", "m = max(x, y); f = m * z", "--at", "x=2,y=5,z=3", "-f", "text"]).stdout
    assert "Max gate: routes the gradient to the larger input" in mx


def test_reused_variable_sums_its_paths():
    r = results(["graph", PROBLEMS / "graph-reused-variable.yaml"])
    assert (r["a"], r["f"], r["grad_x"], r["grad_y"], r["grad_a"]) == (-6, -3, -1, 3, 1)
    text = run(["graph", PROBLEMS / "graph-reused-variable.yaml", "-f", "text"]).stdout
    assert "x is used 2 times: a reused value sums the gradients of its paths" in text
    # L = f: ∂f/∂x is the add gate's local gradient, ∂L/∂x the total over both paths
    assert "∂L/∂x = ∂a/∂x·∂L/∂a + ∂f/∂x·∂L/∂f = -2 + 1 = -1" in text
    assert "  ∂f/∂x = 1\n" in text


def test_circuit_table_and_figure():
    doc = json.loads(run(["graph", PROBLEMS / "cs231n-add-multiply.yaml", "-f", "json"]).stdout)
    table = next(s for s in doc["steps"] if s.get("type") == "table" and
                 s["columns"] == ["wire", "value", "gradient"])
    assert table["rows"][:2] == [["x → q", -2.0, -4.0], ["y → q", 5.0, -4.0]]
    assert table["rows"][-1] == ["f → (output)", -12.0, 1.0]
    fig = next(s for s in doc["steps"] if s.get("type") == "figure")
    assert {"from": "q", "to": "f", "label": "3 / -4"} in fig["edges"]
    assert {"name": "x", "layer": 0} in fig["nodes"] and {"name": "f", "layer": 2} in fig["nodes"]


def test_givens_come_first():
    doc = json.loads(run(["graph", PROBLEMS / "cs231n-add-multiply.yaml", "-f", "json"]).stdout)
    names = [(g["name"], g["value"]) for g in doc["givens"]]
    assert names[2:] == [("x", -2), ("y", 5), ("z", -4), ("∂f/∂f", 1)]


def test_every_format_renders():
    for fmt in ("text", "markdown", "latex", "rich"):
        res = run(["graph", SIGMOID, "--expand", "--format", fmt])
        assert res.exit_code == 0 and "0.7311" in res.stdout, fmt


def test_bare_expression_gives_only_output_and_inputs():
    r = results(["graph", "(x + y) * z", "--at", "x=1,y=2,z=3"])
    assert set(r) == {"x", "y", "z", "grad_x", "grad_y", "grad_z", "output"}
    assert r["output"] == 9 and r["grad_z"] == 3


def test_upstream_and_unused_value():
    r = results(["graph", "f = x * y", "--at", "x=3,y=4,w=7", "--upstream", "2"])
    assert (r["grad_x"], r["grad_y"], r["grad_w"], r["w"]) == (8, 6, 0, 7)


def test_nodes_in_any_order_and_variable_exponent(tmp_path):
    p = write(tmp_path, "kind: graph\nnodes: [f = p + 1, p = x ** y]\nvalues: {x: 2, y: 3}\n")
    r = results(["graph", p])
    assert r["p"] == 8 and r["output"] == 9  # the last assignment (f) is the output
    assert r["grad_x"] == 12
    assert r["grad_y"] == pytest.approx(8 * 0.6931471805599453, rel=1e-15)


def test_activation_keyword_parameter():
    r = results(["graph", "f = leaky_relu(x, alpha=0.1) + elu(y, alpha=2)", "--at", "x=-2,y=-1"])
    assert r["output"] == pytest.approx(-0.2 + 2 * (0.36787944117144233 - 1), rel=1e-14)
    assert r["grad_x"] == pytest.approx(0.1) and r["grad_y"] == pytest.approx(2 * 0.36787944117)


def test_matrix_expression_shapes_and_gradients():
    r = results(["graph", "Y = W @ x + b; f = sum(relu(Y))", "--at",
                 "W=[[1,2],[3,-4]],x=[1,1],b=[0.5,0.5]"])
    assert r["Y"] == [3.5, -0.5] and r["f"] == 3.5
    assert r["grad_W"] == [[1, 1], [0, 0]] and r["grad_x"] == [1, 2] and r["grad_b"] == [1, 0]
    text = run(["graph", "Y = W @ x; f = sum(Y)", "--at", "W=[[1,2],[3,4]],x=[1,0]",
                "-f", "text"]).stdout
    assert "∂f/∂W = ∂f/∂Y·x^T" in text and "shapes W: 2×2, x: 2 → Y: 2" in text


def test_check_grades_by_name(tmp_path):
    answers = write(tmp_path, "grad_x: -4\ngrad_z: 3\nq: 3\ngrad_y: 4\n", "answers.yaml")
    res = run(["check", PROBLEMS / "cs231n-add-multiply.yaml", answers, "--format", "json"])
    assert res.exit_code == 1
    items = {i["name"]: i["ok"] for i in json.loads(res.stdout)["results"]["items"]}
    assert items == {"grad_x": True, "grad_z": True, "q": True, "grad_y": False}


def test_help_names_a_bundled_problem():
    assert "problems/cs231n-sigmoid-neuron.yaml" in run(["graph", "--help"]).stdout


def test_generated_variants_are_fair_questions():
    import dlsolve
    from dlsolve.generate import variants

    seen = set()
    for _, spec in variants("graph", 5, 40):
        r = dlsolve.solve(dict(spec)).results
        inputs = list(spec["values"])
        assert all(r[f"grad_{n}"] != 0 for n in inputs), spec
        assert all(v * 2 == int(v * 2) for v in spec["values"].values())  # integers and halves
        seen.add(tuple(spec["nodes"]))
    assert len(seen) >= 5


GOLDEN = PROBLEMS.parent / "tests" / "golden"


@pytest.mark.parametrize("name, args", [
    ("graph-cs231n-add-multiply", []), ("graph-cs231n-sigmoid-neuron", []),
    ("graph-cs231n-sigmoid-neuron-expanded", ["--expand"]),
    ("graph-reused-variable", []),
])
def test_golden_derivations(name, args):
    """The whole text derivation; regenerate with DLSOLVE_REGEN=1 and read the diff."""
    import os

    problem = name.replace("graph-cs231n", "cs231n").replace("-expanded", "") + ".yaml"
    text = run(["graph", PROBLEMS / problem, *args, "--format", "text", "--width", "100"]).stdout
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("DLSOLVE_REGEN"):
        path.write_text(text)
    assert text == path.read_text()
