"""attention, norm, init: regressions found by a hostile review (bounds, wording, answers)."""

import json

import numpy as np
import pytest
from conftest import PROBLEMS, run, write

import dlsolve


def refused(tmp_path, body, args=()):
    p = write(tmp_path, body)
    res = run(["solve", p, *args])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    return p, res.stderr.strip().splitlines()


QKV = "queries: [[2, 0]]\nkeys: [[1, 0], [0, 1]]\nvalues: [[1, 2], [1, 1]]\n"


def test_a_scale_that_overflows_the_scores_is_refused(tmp_path):
    p, lines = refused(tmp_path, "kind: attention\n" + QKV + "scale: 1.0e+308\n")
    assert lines == [f"{p}:5:8: scale: expected a scale of at most 1e+50 (a larger one "
                     "overflows the scores to inf), got 1e+308"]


def test_one_row_is_said_in_the_singular(tmp_path):
    p, lines = refused(tmp_path, "kind: attention\nqueries: [[1, 0]]\nkeys: [[1, 0], [0, 1]]\n"
                                 "values: [[1, 2]]\n")
    assert lines == [f"{p}:4:9: values: expected 2 rows (one value per key), got 1 row"]


def test_a_huge_positional_table_is_refused_not_computed(tmp_path):
    p, lines = refused(tmp_path, "kind: attention\npositional: {positions: [0, 1, 2], "
                                 "d_model: 1000000000}\n")
    assert lines == [f"{p}:2:45: positional.d_model: expected a table of at most 10000 "
                     "entries (positions × d_model), got 3 × 1000000000"]
    res = run(["attention", "--positions", "0,1", "--d-model", "100000"])
    assert res.exit_code == 2 and "at most 10000 entries" in res.stderr


def test_a_slope_whose_square_overflows_is_refused(tmp_path):
    p, lines = refused(tmp_path, "kind: init\nscheme: he_normal\nfan_in: 10\n"
                                 "nonlinearity: leaky_relu\nnegative_slope: 1.0e+308\n")
    assert lines == [f"{p}:5:17: negative_slope: expected a slope of at most 1e+100 "
                     "(1 + slope² must stay finite), got 1e+308"]


def steps(sol):
    return [s for s in sol.steps if hasattr(s, "lhs")]


def test_the_spliced_softmax_calls_its_normaliser_z_not_s():
    sol = dlsolve.solve(str(PROBLEMS / "attention-3-tokens.yaml"))
    text = run(["solve", PROBLEMS / "attention-3-tokens.yaml", "-f", "text"]).stdout
    assert "Z = e^z1 + e^z2 + e^z3 = 8.3421 + 16.9188 + 8.3421 ≈ 33.6031" in text
    assert "P(key 1) = e^z1/Z = 8.3421/33.6031 ≈ 0.2483" in text
    assert "S = e^z1" not in text and "| key   | z" in text and "over its 3 keys" in text
    assert "z_j is the scaled score of query 1 with key j (row 1 of S')." in text
    assert sol.results["scores"][0] == [3.0, 4.0, 3.0]  # S is still the score matrix


def test_cost_names_projections_only_when_there_are_some():
    text = run(["solve", PROBLEMS / "attention-causal-mask.yaml", "-f", "text"]).stdout
    assert "(99 FLOPs in all)." in text and "projections grow" not in text
    text = run(["solve", PROBLEMS / "attention-3-tokens.yaml", "-f", "text"]).stdout
    assert "the projections grow only as O(T·d²)" in text


@pytest.mark.parametrize("name", ["layernorm", "batchnorm-forward-backward"])
def test_norm_answers_the_statistics_and_x_hat_the_statement_asks_for(name):
    sol = dlsolve.solve(str(PROBLEMS / f"{name}.yaml"))
    assert sol.answer[:4] == ("mean", "var", "x_hat", "output")
    assert {"grad_input", "grad_gamma", "grad_beta"} <= set(sol.answer)


def test_x_hat_prints_as_a_hat_in_latex_and_dx_hat_is_gamma_times_g():
    tex = run(["solve", PROBLEMS / "layernorm.yaml", "-f", "latex"]).stdout
    assert "xhat" not in tex
    assert r"\hat{x_{11}}" in tex and r"\hat{x} =" in tex
    res = run(["solve", PROBLEMS / "layernorm.yaml", "-f", "json"])
    sol = json.loads(res.stdout)["problems"][0]
    head = "The gradient reaching the normalised values of sample 1"
    dxh = next(s for s in sol["steps"] if (s.get("title") or "").startswith(head))
    # γ = [1, 2, 1], g row 1 = [1, 0, 0]
    assert dxh["substituted"] == "[1·1, 2·0, 1·0]" and dxh["value"] == [1.0, 0.0, 0.0]


def test_one_head_with_w_o_projects_o_not_an_undefined_h(tmp_path):
    p = write(tmp_path, "kind: attention\nqueries: [[1, 0], [0, 1]]\nkeys: [[1, 0], [1, 1]]\n"
                        "values: [[1, 2], [3, 4]]\nW_o: [[1, 0], [0, 2]]\n")
    text = run(["solve", p, "-f", "text"]).stdout
    assert "Y = O W_o: entry (1, 1) is row 1 of O times column 1" in text
    assert "y_11 = Σ_j o_1j·w_j1 = 2·1 + 3·0 = 2" in text and "| O W_o" in text
    assert dlsolve.solve(str(p)).results["output"][0] == [2.0, 6.0]


def test_a_gamma_whose_products_overflow_is_refused(tmp_path):
    p, lines = refused(tmp_path, "kind: norm\ntype: batchnorm\ninput: [[1, 2], [3, 5]]\n"
                                 "gamma: [1.0e+300, 1]\n")
    assert lines == [f"{p}:4:8: gamma: expected numbers of size at most 1e+50 (larger ones "
                     "overflow the products to inf), got 1e+300"]


def test_the_backward_self_check_copes_with_huge_gamma(tmp_path):
    """γ = 1e40: a finite difference of the whole loss is mostly rounding noise."""
    torch = pytest.importorskip("torch")
    p = write(tmp_path, "kind: norm\ntype: batchnorm\ninput: [[1, 2], [3, 5]]\n"
                        "gamma: [1.0e+40, 1]\ngrad_output: [[1, 1], [2, 1]]\n")
    res = run(["solve", p, "-f", "json"])
    assert res.exit_code == 0, res.output
    got = np.asarray(json.loads(res.stdout)["problems"][0]["results"]["grad_input"])
    x = torch.tensor([[1.0, 2.0], [3.0, 5.0]], dtype=torch.float64, requires_grad=True)
    gamma = torch.tensor([1e40, 1.0], dtype=torch.float64)
    y = torch.nn.functional.batch_norm(x, None, None, gamma, None, True, 0.1, 1e-5)
    y.backward(torch.tensor([[1.0, 1.0], [2.0, 1.0]], dtype=torch.float64))
    assert np.allclose(got, x.grad.numpy(), rtol=1e-9, atol=0)


def test_numbers_spanning_many_magnitudes_solve_without_a_failed_self_check(tmp_path):
    p = write(tmp_path, "kind: norm\ntype: layernorm\ninput: [[3, 1.0e+50], [1.0e-300, 0]]\n"
                        "epsilon: 1.0e-300\ngamma: [3, 1.0e+40]\n"
                        "grad_output: [[1.0e-300, 0], [1.0e+50, -1.0e+50]]\n")
    res = run(["solve", p, "-f", "json"])
    assert res.exit_code == 0, res.output


def test_the_backward_self_check_copes_with_a_tiny_running_variance(tmp_path):
    """running_var 1e-320: one feature's outputs swamp the other's in a single sum."""
    p = write(tmp_path, "kind: norm\ntype: batchnorm\nmode: eval\ninput: [[1, 2], [3, 4]]\n"
                        "running_var: [1.0e-320, 1]\nepsilon: 0\n"
                        "grad_output: [[1, 1], [1, 1]]\n")
    res = run(["solve", p, "-f", "json"])
    assert res.exit_code == 0, res.output
    got = np.asarray(json.loads(res.stdout)["problems"][0]["results"]["grad_input"])
    # eval mode: dx = γ g / √(running_var + ε)
    assert np.allclose(got, [[1 / np.sqrt(1e-320), 1.0]] * 2, rtol=1e-12, atol=0)


def test_the_self_check_still_catches_a_wrong_backward(monkeypatch, tmp_path):
    from dataclasses import replace

    from dlsolve.errors import SolverBug
    from dlsolve.solvers import norm_backward

    real = norm_backward.grads
    monkeypatch.setattr(norm_backward, "grads", lambda *a, **k: replace(
        real(*a, **k), grad_input=real(*a, **k).grad_input * 1.001))
    with pytest.raises(SolverBug):
        dlsolve.solve(str(PROBLEMS / "batchnorm-forward-backward.yaml"))


def test_a_sample_whose_variance_underflows_with_epsilon_0_is_refused(tmp_path):
    p, lines = refused(tmp_path, "kind: norm\ntype: layernorm\n"
                                 "input: [[-1, 3], [5.0e-324, 1.0e-300]]\nepsilon: 0\n")
    assert lines == [f"{p}:3:18: input[1]: sample 2 varies too little for a float (its "
                     "variance underflows to 0): variance 0 with epsilon 0 divides 0 by 0; "
                     "give epsilon > 0"]
