"""derivative: the rules written out, SymPy's diff as the oracle, central differences at
the point; prove's exit status."""

import json
import math

import pytest
import sympy as sp
from conftest import PROBLEMS, ROOT, run, write
from hypothesis import given, settings
from hypothesis import strategies as st

import dlsolve

FUNCTIONS = ["3*x**2 + 2*x - 5", "(2*x + 1)**3", "x**2*sin(3*x)", "x/(x + 1)", "exp(-x**2)",
             "sigmoid(x)", "log(x)*x", "2**x", "x**x", "sqrt(1 + x**2)", "tanh(2*x)**2",
             "sin(cos(x))", "1/x", "atan(x)/x"]


def solved(function, at=None, variables=None):
    spec = {"kind": "derivative", "function": function}
    if at is not None:
        spec["at"] = at
    if variables:
        spec["variables"] = variables
    return dlsolve.solve(spec)


def central(f, point, i, h=1e-6):
    up = list(point)
    down = list(point)
    up[i] += h
    down[i] -= h
    return (f(*up) - f(*down)) / (2 * h)


@pytest.mark.parametrize("function", FUNCTIONS)
def test_derivative_is_sympys_and_the_value_a_central_difference(function):
    x = sp.Symbol("x", real=True)
    sol = solved(function, {"x": 0.7})
    expr = sp.sympify(sol.results["function"], locals={"x": x})
    assert sp.simplify(sp.sympify(sol.results["derivative"], locals={"x": x}) -
                       sp.diff(expr, x)) == 0
    f = sp.lambdify([x], expr, "math")
    assert sol.results["value"] == pytest.approx(central(f, [0.7], 0), rel=1e-7, abs=1e-9)
    assert sol.results["f_value"] == pytest.approx(f(0.7), rel=1e-12)


def test_the_issue_example_writes_product_and_chain_rules():
    res = run(["derivative", "x**2*sin(3x)", "--at", "x=1", "--format", "text"])
    assert res.exit_code == 0, res.output
    text = res.stdout
    assert "Product rule (uv)′ = u′v + uv′, with" in text
    assert "d/dx(x^2·sin(3·x)) = u'·v + u·v' = 2·x·sin(3·x) + x^2·(3·cos(3·x))" in text
    assert "d/dx(sin(3·x)) = cos(u)·(d/dx(u)) = cos(3·x)·3" in text  # outer′(inner) × inner′
    assert "3·1^2·cos(3·1) + 2·1·sin(3·1) ≈ -2.6877" in text
    r = json.loads(run(["derivative", "x**2*sin(3x)", "--at", "x=1", "--format",
                        "json"]).stdout)["results"]
    assert r["value"] == pytest.approx(2 * math.sin(3) + 3 * math.cos(3), rel=1e-14)


def test_quotient_rule_is_written_out():
    text = solved("x/(x + 1)").render("text")
    assert "(u'·v - u·v')/v^2 = (1·(x + 1) - x·1)/(x + 1)^2" in text


def test_partial_derivatives_and_the_gradient():
    sol = solved("x**2*y + sin(x*y)", {"x": 1, "y": 2}, ["x", "y"])
    f = lambda x, y: x**2 * y + math.sin(x * y)  # noqa: E731
    assert sol.results["value"] == pytest.approx([central(f, [1, 2], 0),
                                                  central(f, [1, 2], 1)], rel=1e-8)
    assert sol.results["partial_x"] == pytest.approx(4 + 2 * math.cos(2), rel=1e-14)
    assert sol.results["partial_y"] == pytest.approx(1 + math.cos(2), rel=1e-14)
    assert sol.results["derivative"] == ["2*x*y + y*cos(x*y)", "x**2 + x*cos(x*y)"]
    text = sol.render("text")
    assert "y held constant." in text and "∂f/∂y = x^2 + x·cos(x·y)" in text


@pytest.mark.parametrize("name, value", [("derivative-basic.yaml", 14),
                                         ("derivative-chain-rule.yaml", 54),
                                         ("derivative-product-chain.yaml",
                                          2 * math.sin(3) + 3 * math.cos(3))])
def test_bundled_problems(name, value):
    res = run(["derivative", PROBLEMS / name, "--format", "json"])
    assert res.exit_code == 0
    assert json.loads(res.stdout)["results"]["value"] == pytest.approx(value, rel=1e-14)


def test_check_grades_a_derivative_answer(tmp_path):
    a = write(tmp_path, "value: 54\n", "a.yaml")
    assert run(["check", PROBLEMS / "derivative-chain-rule.yaml", a]).exit_code == 0
    a = write(tmp_path, "value: 18\n", "b.yaml")  # the inner derivative forgotten
    assert run(["check", PROBLEMS / "derivative-chain-rule.yaml", a]).exit_code == 1


@pytest.mark.parametrize("args, message", [
    (["x**", "--at", "x=1"], "FUNCTION: not a formula"),
    (["x**2", "--at", "y=1"], "--at: expected a value for each variable (x), got y"),
    (["x*y", "--at", "1"], "--at: expected 2 number(s), one per variable (x, y), got 1"),
    (["__import__('os')"], "FUNCTION:"),
])
def test_bad_input(args, message):
    res = run(["derivative", *args])
    assert res.exit_code == 2 and message in res.stderr and "Traceback" not in res.output


def test_bad_spec_names_line_and_field(tmp_path):
    p = write(tmp_path, "kind: derivative\nfunction: x**2\nat: {x: one}\nfunctoin: 1\n")
    res = run(["derivative", p])
    assert res.exit_code == 2
    assert f"{p}:3:" in res.stderr and "at" in res.stderr
    assert f"{p}:4:1: functoin: unknown field; did you mean 'function'?" in res.stderr


TERMS = st.sampled_from(["x", "x**2", "sin(x)", "exp(x/3)", "(x + 2)**3", "log(x + 3)",
                         "cos(2*x)", "tanh(x)", "sqrt(x + 4)"])


@settings(max_examples=25, deadline=None, derandomize=True)
@given(st.lists(TERMS, min_size=1, max_size=3), st.sampled_from(["+", "*", "/"]),
       st.floats(-1.5, 1.5))
def test_random_compositions_match_central_differences(terms, op, point):
    function = f" {op} ".join(f"({t})" for t in terms)
    sol = solved(function, {"x": point})
    x = sp.Symbol("x", real=True)
    f = sp.lambdify([x], sp.sympify(sol.results["function"], locals={"x": x}), "math")
    fd = central(f, [point], 0, 1e-5)
    assert sol.results["value"] == pytest.approx(fd, rel=1e-5, abs=1e-6)


def test_prove_exit_status_and_documentation():
    assert run(["prove", "sigmoid(-z) = 1 - sigmoid(z)"]).exit_code == 0
    false = run(["prove", "sigmoid(z) = 1/(1 + exp(z))"])
    assert false.exit_code == 1 and "holds = no" in false.stdout
    assert run(["prove", "no equals sign"]).exit_code == 2
    assert "1 when it is false" in " ".join(run(["prove", "--help"]).stdout.split())
    assert "a proved identity is false" in " ".join(run(["--help"]).stdout.split())
    assert "the identity is false\n(`prove`" in (ROOT / "README.md").read_text()


def test_check_accepts_the_derivative_in_any_equivalent_form(tmp_path):
    a = write(tmp_path, "derivative: 6(2x + 1)^2\nvalue: 54\n", "a.yaml")
    assert run(["check", PROBLEMS / "derivative-chain-rule.yaml", a]).exit_code == 0
    a = write(tmp_path, "derivative: 24*x**2 + 24*x + 6\n", "b.yaml")
    assert run(["check", PROBLEMS / "derivative-chain-rule.yaml", a]).exit_code == 0


def test_check_names_the_forgotten_inner_derivative(tmp_path):
    a = write(tmp_path, "derivative: 3(2x + 1)^2\nvalue: 27\n", "a.yaml")
    res = run(["check", PROBLEMS / "derivative-chain-rule.yaml", a, "--format", "json"])
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["results"]["wrong"] == 2
    assert "the chain rule lost its inner derivative" in json.dumps(doc["steps"],
                                                                    ensure_ascii=False)


def test_an_undefined_point_is_said_not_silent():
    sol = solved("1/x", {"x": 0})
    assert math.isnan(sol.results["value"])
    assert "The derivative is not a finite real number at x=0" in sol.render("text")
    sol = solved("log(x)", {"x": -1})
    assert sol.results["value"] == -1 and math.isnan(sol.results["f_value"])
    assert any("f itself is not a finite real number" in n for n in sol.notes)


@pytest.mark.parametrize("at", [2, [2], {"x": 2}])
def test_the_point_as_number_list_or_mapping(at):
    assert solved("x**3", at).results["value"] == 12


def test_without_a_point_only_the_derivative():
    sol = solved("exp(2x)")
    assert sol.answer == ("derivative",) and sol.results["derivative"] == "2*exp(2*x)"
    assert "value" not in sol.results
