"""The graph kernel's API as later kinds call it: build, evaluate, edges, errors."""

import pytest

from dlsolve.kernels.graph import (
    Gate,
    Graph,
    GraphError,
    ParseError,
    central_difference,
    from_text,
    parse_program,
)
from dlsolve.kernels.graph.patterns import SAYS, pattern


def test_programmatic_graph_with_constants_and_edges():
    g = Graph(["x", "y"], [Gate("a", "mul", ("x", "y")), Gate("b", "add", ("a", 1.0)),
                           Gate("f", "mul", ("b", "x"))], "f")
    ev = g.evaluate({"x": 2, "y": 3})
    assert ev.values["f"] == 14 and ev.grads["x"] == 3 * 2 + 7 and ev.grads["y"] == 4
    uses = ev.into("x")
    assert [(e.dst, e.local, e.grad) for e in uses] == [("a", 3.0, 6.0), ("f", 7.0, 7.0)]
    assert [pattern(gate) for gate in g.gates] == ["multiply", "add constant", "multiply"]
    assert all(pattern(gate) in SAYS for gate in g.gates)


def test_gate_names_follow_the_answer_order():
    g = from_text("f = 1 / (1 + exp(-(w0 * x0 + w1 * x1 + w2)))", ["w0", "x0", "w1", "x1", "w2"])
    assert [(x.name, x.op, x.fn) for x in g.gates] == [
        ("q1", "mul", ""), ("q2", "mul", ""), ("q3", "add", ""), ("q4", "add", ""),
        ("q5", "neg", ""), ("q6", "call", "exp"), ("q7", "add", ""), ("f", "div", "")]
    ev = g.evaluate({"w0": 2, "x0": -1, "w1": -3, "x1": -2, "w2": -3})
    assert round(ev.grads["w0"], 2) == -0.2 and round(ev.grads["x1"], 2) == -0.59


def test_auto_names_skip_names_in_use():
    g = from_text("q1 = x + 1; f = (q1 * x) * x", ["x"])
    assert [x.name for x in g.gates] == ["q1", "q2", "f"]


def test_upstream_array_and_broadcast_gradient():
    g = from_text("Y = W * b", ["W", "b"])
    ev = g.evaluate({"W": [[1, 2], [3, 4]], "b": [10, 20]}, upstream=[[1, 0], [0, 1]])
    assert ev.grads["b"].tolist() == [1, 4]  # summed over the broadcast rows
    assert ev.grads["W"].tolist() == [[10, 0], [0, 20]]
    with pytest.raises(GraphError, match="output.s shape 2×2, got a 3 array"):
        g.evaluate({"W": [[1, 2], [3, 4]], "b": [10, 20]}, upstream=[1, 2, 3])


def test_central_difference_helper():
    g = from_text("f = x * x * y", ["x", "y"])
    assert central_difference(g, {"x": 3.0, "y": 2.0}, "x") == pytest.approx(12, rel=1e-8)
    m = from_text("f = sum(W * W)", ["W"])
    assert central_difference(m, {"W": [[1.0, 2.0]]}, "W") == pytest.approx(6, rel=1e-8)


def test_variable_exponent_and_its_refusals():
    ev = from_text("f = x ** y", ["x", "y"]).evaluate({"x": 0, "y": 2})
    assert ev.grads["y"] == 0 and ev.grads["x"] == 0  # PyTorch masks 0^y ln 0 for y >= 0
    with pytest.raises(GraphError, match="x\\^y·ln x needs x > 0"):
        from_text("f = x ** y", ["x", "y"]).evaluate({"x": -2, "y": 2})
    with pytest.raises(GraphError, match="negative base with a non-integer"):
        from_text("f = x ** 0.5", ["x"]).evaluate({"x": -4})


def test_dead_gates_after_the_output_get_zero():
    ev = from_text("f = x * x; g = log(f - 1)", ["x"], output="f").evaluate({"x": 3})
    assert ev.grads["g"] == 0 and ev.grads["x"] == 6


def test_parser_accepts_exam_notation():
    assert str(parse_program("f = x^2 − 3×y · z")[0]) == "f = sub(pow(x, 2), mul(mul(3, y), z))"
    with pytest.raises(ParseError):
        parse_program("f = x ^^ 2")
