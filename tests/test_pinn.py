"""pinn: residuals by hand, the seed 004 Q5 vi problem, bad input."""

import json
import math

import pytest
from conftest import PROBLEMS, results, run, write
from hypothesis import given, settings
from hypothesis import strategies as st

import dlsolve


def solve(**spec):
    return dlsolve.solve({"kind": "pinn", **spec})


def test_hand_computed_residuals_and_losses():
    # y = 0.5x² + 1, R = y'' - y = 1 - (0.5x² + 1) = -0.5x²
    r = solve(trial="a*x**2 + 1", values={"a": 0.5}, equation="y'' - y",
              collocation=[0, 1, 2], boundary={0: 1, 2: 2},
              weights={"physics": 1, "boundary": 4}).results
    assert r["residuals"] == [0, -0.5, -2]
    assert r["loss_physics"] == pytest.approx((0 + 0.25 + 4) / 3, abs=1e-15)
    assert r["boundary_errors"] == [0, 1]
    assert r["loss_boundary"] == 0.5
    assert r["loss"] == pytest.approx(r["loss_physics"] + 4 * 0.5, abs=1e-15)


def test_seed004_exact_solution_has_zero_loss():
    r = results(["pinn", PROBLEMS / "seed004-q5vi-pinn-exact.yaml"])
    assert r["residuals"] == [0, 0, 0, 0, 0]
    assert r["boundary_errors"] == [0, 0]
    assert r["loss"] == 0


def test_seed004_perturbed_trial():
    # ŷ = e^{-x/2} cos(0.9x): R = (1 - b + b² - a²) ŷ + (2ab - a) e^{-bx} sin(ax) = -0.06 ŷ
    r = results(["pinn", PROBLEMS / "seed004-q5vi-pinn-perturbed.yaml"])
    xs = [0, 0.5, 1, 1.5, 2]
    want = [-0.06 * math.exp(-x / 2) * math.cos(0.9 * x) for x in xs]
    assert r["residuals"] == pytest.approx(want, abs=1e-14)
    assert r["loss_physics"] == pytest.approx(sum(v * v for v in want) / 5, abs=1e-15)
    e2 = math.exp(-1) * math.cos(1.8) - math.exp(-1) * math.cos(math.sqrt(3))
    assert r["boundary_errors"] == pytest.approx([0, e2], abs=1e-14)
    assert r["loss"] == pytest.approx(r["loss_physics"] + 10 * e2 * e2 / 2, abs=1e-14)
    assert r["loss"] > 0


def test_derivatives_are_written_out_and_checked_at_full_detail():
    sol = solve(trial="exp(-x)", equation="y' + y", collocation=[0, 1], boundary={0: 1})
    text = sol.render("text")
    assert "y' = -e^(-x)" in text and "R(1) = y + y' = 0.3679 - 0.3679 = 0" in text
    full = sol.render("text", detail="full")
    assert "Check: the residuals from central differences" in full and "✓" in full
    assert "Check: the residuals" not in text


def test_equation_in_x_and_constants():
    # y = e^{-x**2/2}: y' = -x y, y'' = (x**2 - 1) y, so y'' + x y' + y = 0
    r = solve(trial="exp(-x**2/2)", equation="y'' + x*y' + y", collocation=[0, 1, 2.5]).results
    assert r["residuals"] == [0, 0, 0]
    # a constant in the equation: y = e^{-2x} against y' + k y with k = 3 leaves e^{-2x}
    r = solve(trial="exp(-2*x)", values={"k": 3}, equation="y' + k*y", collocation=[0, 1]).results
    assert r["residuals"] == pytest.approx([1, math.exp(-2)], abs=1e-15)


def test_third_order_and_the_full_check():
    sol = solve(trial="x**3", equation="y\'\'\' - 6", collocation=[0, 1])
    assert sol.results["residuals"] == [0, 0]
    assert "✓" in sol.render("text", detail="full")


def test_no_boundary_points_give_a_zero_boundary_loss():
    r = solve(trial="sin(x)", equation="y'' + y", collocation=[0.3]).results
    assert r["residuals"] == [0] and r["loss_boundary"] == 0 and r["boundary_errors"] == []


@settings(max_examples=25, deadline=None, derandomize=True)
@given(a=st.integers(-5, 5), b=st.integers(-5, 5), c=st.integers(-5, 5),
       xs=st.lists(st.integers(-4, 4), min_size=1, max_size=3))
def test_quadratic_trials_by_hand(a, b, c, xs):
    # y = a x² + b x + c: y'' + y' + y = 2a + (2a x + b) + (a x² + b x + c)
    r = solve(trial="a*x**2 + b*x + c", values={"a": a, "b": b, "c": c},
              equation="y'' + y' + y", collocation=xs).results
    assert r["residuals"] == [2 * a + 2 * a * x + b + a * x * x + b * x + c for x in xs]


def test_many_points_are_tabled_and_capped():
    sol = solve(trial="exp(-x)", equation="y' + y", collocation=[i / 10 for i in range(20)])
    assert sol.results["residuals"] == [0] * 20
    text = sol.render("text")
    assert "The other 12 points are worked the same way" in text
    from dlsolve.errors import DlsolveError

    with pytest.raises(DlsolveError, match="collocation: expected at most 500 points"):
        solve(trial="exp(-x)", equation="y' + y", collocation=list(range(501)))


def test_givens_and_answer():
    sol = solve(trial="exp(-x)", equation="y' + y", collocation=[0], boundary={0: 1})
    assert "y_hat = e^(-x)" in sol.render("text")  # a formula, not the typed code
    assert [g.value for g in sol.givens[-2:]] == [1.0, 1.0]  # w_p, w_b
    typed = solve(trial="exp(-x)", equation="y' + 0.5*y", collocation=[0]).render("text")
    assert "R = y/2 + y' = 0" in typed and "0.5*y" not in typed
    assert sol.answer == ("loss_physics", "loss_boundary", "loss")


@pytest.mark.parametrize("yaml, message", [
    ('trial: "a*2"\nvalues: {a: 1}\nequation: "y\' + y"\ncollocation: [0]',
     "2:8: trial: expected a trial solution in x (the expression has no x), got 'a*2'"),
    ('trial: "exp(-x)"\nequation: "y\' + y"\ncollocation: [0]\nboundary: {zero: 1}',
     "5:12: boundary.zero: expected a boundary point x (a number), got 'zero'"),
    ('trial: "exp(-x)"\nequation: "y\' + y"\ncollocation: [0]\nboundary: {0: [1]}',
     "5:11: boundary[0]: expected a number, got [1]"),
    ('trial: "exp(-x)"\nequation: "x + 1"\ncollocation: [0]',
     "3:11: equation: expected an expression in y, y', y''"),
    ('trial: "exp(-k*x)"\nequation: "y\' + y"\ncollocation: [0]',
     "2:8: trial: unknown name 'k'"),
    ('trial: "__import__(\'os\').system(\'ls\')"\nequation: "y\' + y"\ncollocation: [0]',
     "2:8: trial:"),
    ('trial: "exp(-x)"\nequation: "y\' + y"\ncollocation: [a]',
     "4:15: collocation[0]: expected a number"),
    ('trial: "log(x)"\nequation: "y\' + y"\ncollocation: [1, 0]',
     "4:18: collocation[1]: expected a point where ŷ and its derivatives are finite and real"),
    ('trial: "1/x"\nequation: "y\' + y"\ncollocation: [1]\nboundary: {0: 1}',
     "5:11: boundary[0]: expected a point where ŷ is finite and real, got 0"),
    ('trial: "abs(x) + 1"\nequation: "y\' + y"\ncollocation: [1]',
     "2:8: trial: expected the functions exp log sqrt sin cos tan tanh sinh cosh asin acos atan "
     "only (a derivative must exist everywhere), got Abs"),
    ('trial: "exp(-x)"\nequation: "y\' + z"\ncollocation: [1]',
     "3:11: equation: unknown name 'z'"),
    ('trial: "exp(-x)"\nequation: "y\' + y"\ncollocation: [1]\nweights: {physic: 1}',
     "5:11: weights.physic: unknown field; did you mean 'physics'?"),
])
def test_bad_input(tmp_path, yaml, message):
    p = write(tmp_path, "kind: pinn\n" + yaml + "\n")
    res = run(["pinn", p])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert res.stderr.startswith(f"{p}:") and message in res.stderr, res.stderr


def test_json_results_at_full_precision():
    res = run(["pinn", PROBLEMS / "seed004-q5vi-pinn-perturbed.yaml", "--format", "json"])
    doc = json.loads(res.stdout)
    assert set(doc["results"]) >= {"residuals", "loss_physics", "boundary_errors",
                                   "loss_boundary", "loss"}


def test_boundary_error_reads_formula_then_numbers_with_a_negative_target_bracketed():
    sol = solve(trial="exp(-x)", equation="y' + y", collocation=[0], boundary={0: -1})
    text = sol.render("text")
    assert "e_1 = y(0) - y_b1 = 1 - (-1) = 2" in text
    assert "L_bc = " in text and "L_phys = " in text


@pytest.mark.parametrize("yaml, message", [
    ('trial: "sin(x)"\nequation: "y\'\' + z"\ncollocation: [0]',
     "equation: unknown name 'z': the variables are x, y, y', y''"),
    ('trial: "sin(x)"\nequation: "y"\ncollocation: [0]\nboundary: {0: "x + 1"}',
     "5:11: boundary[0]: expected a number or a formula of numbers and the constants of "
     "values: (none given); x is not allowed"),
])
def test_messages_speak_the_user_s_notation(tmp_path, yaml, message):
    p = write(tmp_path, "kind: pinn\n" + yaml + "\n")
    res = run(["pinn", p])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert message in res.stderr and "y_d" not in res.stderr, res.stderr


def test_an_overflowing_loss_is_said():
    sol = solve(trial="x**2", equation="y'' + y", collocation=[1e140])
    assert sol.results["loss"] == math.inf
    assert any("overflows double precision" in n for n in sol.notes)


@pytest.mark.parametrize("yaml, message", [
    ('trial: "exp(exp(exp(exp(exp(sin(x))))))*tan(x)**x"\nequation: "y\'\'\'\'\'\' + y"\n'
     'collocation: [0.1]', "2:8: trial: expected a trial whose derivatives stay exam-sized "
     "(at most 3000 terms and factors), got ŷ'''' beyond that"),
    ('trial: "' + "+".join(f"sin({i}*x)" for i in range(60)) + '"\nequation: "y"\n'
     'collocation: [0]', "2:8: trial: expected a formula of at most 400 characters, got "),
    ('trial: "x"\nequation: "' + " + ".join(["y"] * 120) + '"\ncollocation: [0]',
     "3:11: equation: expected a formula of at most 400 characters, got 477 characters"),
])
def test_formulas_too_big_for_an_exam_are_refused_quickly(tmp_path, yaml, message):
    p = write(tmp_path, "kind: pinn\n" + yaml + "\n")
    res = run(["pinn", p])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert message in res.stderr, res.stderr
