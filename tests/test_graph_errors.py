"""graph: bad input exits 2 with file:line:col: field: message, never a traceback."""

import builtins

import pytest
from conftest import run, write
from hypothesis import given, settings
from hypothesis import strategies as st

from dlsolve.kernels.graph import GraphError, ParseError, from_text, parse_program


def errors(tmp_path, body):
    p = write(tmp_path, "kind: graph\n" + body)
    res = run(["graph", p])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    return p, res.stderr.strip().splitlines()


def test_unknown_function_with_did_you_mean(tmp_path):
    p, lines = errors(tmp_path, "nodes:\n  - s = x + 1\n  - f = sigmod(s)\nvalues: {x: 1}\n")
    assert lines == [f"{p}:4:5: nodes[1]: unknown function 'sigmod'; did you mean sigmoid? "
                     "(at column 5)"]


def test_free_symbol_without_a_value(tmp_path):
    p, lines = errors(tmp_path, "nodes: [f = x * y]\nvalues: {x: 1}\n")
    assert lines == [f"{p}:2:9: nodes[0]: y has no value: give it in values: or assign it "
                     "(y = ...) (at column 9)"]


def test_a_cycle(tmp_path):
    p, lines = errors(tmp_path, "nodes:\n  - a = b + x\n  - b = a * 2\nvalues: {x: 1}\n")
    assert lines == [f"{p}:3:5: nodes[0]: a cycle: a -> b -> a; the nodes must form a graph "
                     "without loops (each name assigned once)"]


def test_micrograd_rebinding_is_a_cycle(tmp_path):
    p, lines = errors(tmp_path, "nodes: [c = c + 1]\nvalues: {x: 1}\n")
    assert "nodes[0]: a cycle: c -> c" in lines[0] and lines[0].startswith(f"{p}:2:9:")


def test_an_undefined_node_used_as_output(tmp_path):
    p, lines = errors(tmp_path, "nodes: [f = x * 2]\nvalues: {x: 1}\noutput: g\n")
    assert lines == [f"{p}:4:9: output: expected one of the assigned nodes (f), "
                     "got 'g'"]


def test_a_name_assigned_twice(tmp_path):
    p, lines = errors(tmp_path, "nodes:\n  - c = x + 1\n  - c = x * 2\nvalues: {x: 1}\n")
    assert lines == [f"{p}:4:5: nodes[1]: c is assigned twice (first in statement 1); "
                     "each node is assigned once"]


def test_a_name_both_given_and_assigned(tmp_path):
    p, lines = errors(tmp_path, "nodes: [x = y + 1]\nvalues: {x: 1, y: 2}\n")
    assert "nodes[0]: x is assigned here and also given in values:" in lines[0]


@pytest.mark.parametrize("node, why", [
    ("f = x / y", "f is not finite at this point: division by zero"),
    ("f = log(y)", "f is not finite at this point: log of a number <= 0"),
    ("f = y ** -1", "f is not finite at this point: a power of 0 with a negative exponent"),
    ("f = sqrt(y)", "the gradient of f with respect to y is not finite at this point"),
    ("f = exp(exp(x * 10))", "is not finite at this point: overflow"),
])
def test_not_finite_at_the_point(tmp_path, node, why):
    p, lines = errors(tmp_path, f"nodes: ['{node}']\nvalues: {{x: 1, y: 0}}\n")
    assert lines[0].startswith(f"{p}:2:9: nodes[0]: ") and why in lines[0], lines


def test_expression_statement_is_named(tmp_path):
    p, lines = errors(tmp_path, "expression: 'q = x - 1; f = log(q)'\nvalues: {x: 1}\n")
    assert lines == [f"{p}:2:13: expression: statement 2 (f = log(q)): f is not finite at "
                     "this point: log of a number <= 0"]


def test_shapes_checked(tmp_path):
    p, lines = errors(tmp_path, "nodes: [f = sum(W @ x)]\nvalues: {W: [[1, 2], [3, 4]], "
                                "x: [1, 2, 3]}\n")
    assert "q1: shapes 2×2 @ 3 do not match (the inner sizes 2 and 3 differ)" in lines[0]


def test_bad_parameter(tmp_path):
    p, lines = errors(tmp_path, "nodes: ['f = leaky_relu(x, alpa=0.1)']\nvalues: {x: 1}\n")
    assert "leaky_relu has no parameter 'alpa' (parameters of LeakyReLU: alpha)" in lines[0]
    p, lines = errors(tmp_path, "nodes: ['f = hardtanh(x, min=2, max=1)']\nvalues: {x: 1}\n")
    assert "hardtanh: min: expected min < max" in lines[0]


@pytest.mark.parametrize("text, why", [
    ("f = x.__class__", "attribute access (a.b) is not allowed"),
    ("f = __import__('os').system('touch pwned')", "not allowed"),
    ("f = eval(x)", "unknown function 'eval'"),
    ("f = x[0]", "a subscript (a[i]) is not allowed"),
    ("f = (lambda t: t)(x)", "a lambda is not allowed"),
    ("f = ｅｘｐ(x)", "character 'ｅ' (U+FF45) is not allowed"),
    ("f = x if x else y", "an if-expression is not allowed"),
    ("f = 'x'", "a string is not allowed here"),
    ("f = x ** 100000", "expected an exponent up to 1000 in size"),
    ("f = x; import os", "expected an assignment name = expression, got a import statement"),
    ("c += 1", "an updating assignment"),
    ("f = x < y", "a comparison is not allowed"),
])
def test_refused_without_evaluating(tmp_path, monkeypatch, text, why):
    def no_eval(*args, **kwargs):
        raise AssertionError("evaluated")

    monkeypatch.setattr(builtins, "eval", no_eval)
    monkeypatch.setattr(builtins, "exec", no_eval)
    monkeypatch.chdir(tmp_path)
    res = run(["graph", text, "--at", "x=1,y=2"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert why in res.stderr and res.stderr.startswith("dlsolve graph: EXPRESSION: ")
    assert not (tmp_path / "pwned").exists()


def test_deep_and_long_input_is_bounded():
    assert len(parse_program("f = " + " + ".join(["x"] * 150))) == 1  # a long sum is fine
    with pytest.raises(ParseError, match="nesting|nested"):
        parse_program("f = " + "-exp(" * 250 + "x" + ")" * 250)
    with pytest.raises(ParseError, match="at most"):
        parse_program("f = " + " + ".join(["x"] * 900))
    with pytest.raises(ParseError, match="characters"):
        parse_program("f = " + "x + " * 2000 + "x")


def test_neither_or_both_forms(tmp_path):
    p, lines = errors(tmp_path, "values: {x: 1}\n")
    assert "nodes: expected nodes: (a list of assignments) or expression: (one line)" in lines[0]
    p, lines = errors(tmp_path, "nodes: [f = x]\nexpression: f = x\nvalues: {x: 1}\n")
    assert "got both" in lines[0]


def test_reserved_names_and_bad_values(tmp_path):
    p, lines = errors(tmp_path, "nodes: [output = x + 1]\nvalues: {x: 1}\n")
    assert "the name 'output' is reserved for results" in lines[0]
    p, lines = errors(tmp_path, "nodes: [f = x + 1]\nvalues: {x: [1, [2]]}\n")
    assert lines[0].startswith(f"{p}:3:") and "values.x" in lines[0]
    p, lines = errors(tmp_path, "nodes: [f = x + 1]\nvalues: {x: 1}\nupstrem: 2\n")
    assert "did you mean 'upstream'?" in lines[0]


def test_bad_at_flag():
    res = run(["graph", "f = x", "--at", "x"])
    assert res.exit_code == 2 and "is not NAME=VALUE" in res.stderr


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from(list("xyz()+-*/@^=;., 0123456789eabsmqf_[]'\"lk")),
               max_size=40))
def test_any_text_is_refused_cleanly_or_solved(text):
    """The reader and the builder fail only with their own errors, never anything else."""
    try:
        from_text(text, ["x", "y", "z"]).evaluate({"x": 1.5, "y": -2.0, "z": 0.0})
    except (ParseError, GraphError):
        pass


def test_attribute_access_in_a_spec_names_its_line(tmp_path):
    p, lines = errors(tmp_path, "nodes:\n  - q = x + 1\n  - f = q.real\nvalues: {x: 1}\n")
    assert lines == [f"{p}:4:5: nodes[1]: attribute access (a.b) is not allowed here "
                     "(at column 5)"]
    p, lines = errors(tmp_path, "expression: 'f = open(x)'\nvalues: {x: 1}\n")
    assert lines[0].startswith(f"{p}:2:13: expression: unknown function 'open'")
