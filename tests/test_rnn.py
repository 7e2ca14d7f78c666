"""rnn: hand-checked values, finite differences for BPTT and the step Jacobians, the
derivation's layout (givens, detail levels, summary view) and every output format."""

import json
import math
from dataclasses import replace

import numpy as np
import pytest
from conftest import PROBLEMS, results, run
from hypothesis import given, settings
from hypothesis import strategies as st

import dlsolve
from dlsolve import api
from dlsolve.kernels import bptt_engine as BE
from dlsolve.kernels import gradflow as G
from dlsolve.kernels import losses as L
from dlsolve.kernels.recurrent import forward, total_loss
from dlsolve.kernels.vec import Mat, Vec, norm2
from dlsolve.solvers.rnn import model
from dlsolve.steps import Step, shown

RNN = {"kind": "rnn", "cell": "rnn", "activation": "relu", "inputs": [[1], [1]],
       "weights": {"rnn": {"W": [[1]], "U": [[1]], "b": [0]}},
       "output": {"W": [[1]], "b": [0]}, "targets": [[0], [0]], "loss": "half_sse"}


def test_two_step_relu_bptt_by_hand():
    # h = (1, 2), y = h, L = (1 + 4)/2; dL/dh2 = 2, dL/dh1 = 1 + U·2 = 3
    res = dlsolve.solve(RNN).results
    assert res["h"] == [[1.0], [2.0]] and res["loss"] == 2.5
    assert res["grad_h"] == [[3.0], [2.0]] and res["grad_h0"] == [3.0]
    assert res["grad_rnn_W"] == [[5.0]] and res["grad_rnn_U"] == [[2.0]]
    assert res["grad_output_W"] == [[5.0]] and res["grad_output_b"] == [3.0]
    assert res["step_losses"] == [0.5, 2.0]


def test_tanh_rnn_by_hand():
    spec = {"kind": "rnn", "inputs": [1, 0.5], "weights": {"W": 0.5, "U": 0.8, "b": 0.1}}
    res = dlsolve.solve(spec).results
    h1 = math.tanh(0.6)
    assert res["h"] == [[pytest.approx(h1)], [pytest.approx(math.tanh(0.25 + 0.1 + 0.8 * h1))]]


def test_lstm_and_gru_one_step_by_hand():
    zero = {"W": 0, "U": 0, "b": 0}
    res = dlsolve.solve({"kind": "rnn", "cell": "lstm", "inputs": [1], "c0": 2,
                         "weights": {k: zero for k in "ifgo"}}).results
    assert res["c"] == [[1.0]] and res["h"] == [[pytest.approx(0.5 * math.tanh(1))]]
    res = dlsolve.solve({"kind": "rnn", "cell": "gru", "inputs": [1], "h0": 1,
                         "weights": {"r": zero, "z": zero, "n": {"W": 1, "U": 2}}}).results
    assert res["n"] == [[pytest.approx(math.tanh(2))]]
    assert res["h"] == [[pytest.approx(0.5 * math.tanh(2) + 0.5)]]
    # reset_after: false: n = tanh(1 + 2·(r·h0)) = tanh(1 + 2·0.5) = tanh(2) as well here,
    # but a hidden bias moves outside: bu_n = 1 gives tanh(3), not tanh(1 + 0.5·(2 + 1))
    n_gate = {"W": 1, "U": 2, "bu": 1}
    before = dlsolve.solve({"kind": "rnn", "cell": "gru", "inputs": [1], "h0": 1, "reset_after":
                            False, "weights": {"r": zero, "z": zero, "n": n_gate}}).results
    after = dlsolve.solve({"kind": "rnn", "cell": "gru", "inputs": [1], "h0": 1,
                           "weights": {"r": zero, "z": zero, "n": n_gate}}).results
    assert before["n"] == [[pytest.approx(math.tanh(3))]]
    assert after["n"] == [[pytest.approx(math.tanh(2.5))]]


def test_null_targets_skip_steps_and_target_means_the_last():
    one = dlsolve.solve({**RNN, "targets": None, "target": [0]}).results
    two = dlsolve.solve({**RNN, "targets": [None, [0]]}).results
    assert one["loss"] == two["loss"] == 2.0
    assert one["grad_h"] == two["grad_h"] == [[2.0], [2.0]]
    assert one["step_losses"] == [None, 2.0]


def test_without_output_targets_compare_with_h():
    spec = {k: v for k, v in RNN.items() if k != "output"}
    res = dlsolve.solve(spec).results
    assert res["loss"] == 2.5 and "y" not in res and "grad_output_W" not in res


def test_softmax_output_with_cross_entropy():
    spec = {"kind": "rnn", "inputs": [1, -1], "h0": [0.1, -0.2],
            "weights": {"W": [[0.5], [-0.5]], "U": [[0.3, 0.1], [0.2, -0.4]]},
            "output": {"W": [[1, -1], [0.5, 0.5], [0, 1]], "activation": "softmax"},
            "targets": [[0, 1, 0], [1, 0, 0]]}
    sol = dlsolve.solve(spec)
    assert sum(sol.results["y"][0]) == pytest.approx(1)
    assert any("cce" in n for n in sol.notes)   # the loss defaults to cce after a softmax
    fd_checks(spec)


# -- finite differences -------------------------------------------------------------------


def bump(g, idx, eps):
    """A zero Vec/Mat shaped as ``g`` with ``eps`` at ``idx``."""
    if isinstance(g, Mat):
        rows = [[0.0] * len(g[0]) for _ in g]
        rows[idx[0]][idx[1]] = eps
        return Mat(rows)
    v = [0.0] * len(g)
    v[idx[0]] = eps
    return Vec(v)


def fd_checks(spec, eps=1e-6):
    m = model(api.parse(api._mapping_document(spec, "<t>"), "rnn"))
    fw = forward(m.cell, m.xs, m.h0, m.c0, m.ro)
    bp = BE.backward(m.cell, fw, m.targets, m.spec.loss, m.ro)

    def loss_at(cell, ro, h0):
        return total_loss(forward(cell, m.xs, h0, m.c0, ro), m.targets, m.spec.loss)

    for key, g in bp.grads.items():
        for idx in np.ndindex(np.shape(g.tolist())):
            d = bump(g, idx, eps)
            if key.startswith("output_"):
                part = key.split("_")[1]
                hi = loss_at(m.cell, replace(m.ro, **{part: getattr(m.ro, part) + d}), m.h0)
                lo = loss_at(m.cell, replace(m.ro, **{part: getattr(m.ro, part) - d}), m.h0)
            else:
                hi = loss_at(G.perturbed(m.cell, key, d), m.ro, m.h0)
                lo = loss_at(G.perturbed(m.cell, key, -d), m.ro, m.h0)
            want = (hi - lo) / (2 * eps)
            assert np.array(g.tolist())[idx] == pytest.approx(want, abs=1e-6), key
    for k in range(len(m.h0)):
        d = bump(m.h0, (k,), eps)
        hi, lo = loss_at(m.cell, m.ro, m.h0 + d), loss_at(m.cell, m.ro, m.h0 - d)
        assert bp.dh0[k] == pytest.approx((hi - lo) / (2 * eps), abs=1e-6)


def spec_from(cell, seed, T, D, H, Y, loss="half_sse"):
    rng = np.random.default_rng(seed)

    def r(*s):
        return rng.uniform(-1, 1, s).round(2).tolist()

    spec = {"kind": "rnn", "cell": cell, "inputs": r(T, D), "h0": r(H),
            "weights": {k: {"W": r(H, D), "U": r(H, H), "b": r(H), "bu": r(H)}
                        for k in {"rnn": ["rnn"], "lstm": "ifgo", "gru": "rzn"}[cell]},
            "targets": r(T, Y or H), "loss": loss}
    if Y:
        spec["output"] = {"W": r(Y, H), "b": r(Y), "activation": "sigmoid"}
    if cell == "gru":
        spec["reset_after"] = bool(seed % 2)
    return spec


@settings(max_examples=25, deadline=None, derandomize=True)
@given(cell=st.sampled_from(["rnn", "lstm", "gru"]), seed=st.integers(0, 10_000),
       T=st.integers(1, 4), D=st.integers(1, 3), H=st.integers(1, 3), Y=st.integers(0, 2),
       loss=st.sampled_from(["half_sse", "mse", "sse"]))
def test_bptt_matches_finite_differences(cell, seed, T, D, H, Y, loss):
    fd_checks(spec_from(cell, seed, T, D, H, Y, loss))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("reset_after", [True, False])
def test_step_jacobian_matches_finite_differences(cell, reset_after):
    spec = spec_from(cell, 7, 2, 2, 3, 0)
    spec["reset_after"] = reset_after if cell == "gru" else None
    m = model(api.parse(api._mapping_document(
        {k: v for k, v in spec.items() if v is not None}, "<t>"), "rnn"))
    fw = forward(m.cell, m.xs, m.h0, m.c0)
    s = fw.steps[1]
    from dlsolve.kernels.recurrent import step
    state = np.array(list(s.h_prev) + (list(s.c_prev) if cell == "lstm" else []))
    H, eps, J = m.H, 1e-6, np.array(G.jacobian(m.cell, s).tolist())
    for k in range(len(state)):
        d = np.zeros_like(state)
        d[k] = eps

        def run_(v):
            out = step(m.cell, s.x, Vec(v[:H]), Vec(v[H:]) if cell == "lstm" else None)
            return np.array(list(out.h) + (list(out.c) if cell == "lstm" else []))

        np.testing.assert_allclose(J[:, k], (run_(state + d) - run_(state - d)) / (2 * eps),
                                   atol=1e-8)


def test_self_check_lines_are_full_detail_and_agree():
    sol = dlsolve.solve(spec_from("lstm", 3, 3, 2, 2, 1))
    checks = [s for s in sol.steps if getattr(s, "title", "").startswith("BPTT against")]
    assert checks and all(s.detail == "full" for s in checks)
    assert all(abs(row[1] - row[2]) < 1e-6 for row in checks[0].rows)
    assert "Self-check" not in sol.render("text")
    assert "Self-check" in sol.render("text", detail="full")


# -- the derivation -----------------------------------------------------------------------


def test_givens_first_and_answer_names():
    sol = dlsolve.solve(PROBLEMS / "lstm-one-step.yaml")
    names = [g.name.name for g in sol.givens]
    assert names[:3] == ["x_1", "h_0", "c_0"] and "W_i" in names and "U_o" in names
    assert sol.answer == ("i", "f", "g", "o", "c", "h")
    bptt = dlsolve.solve(RNN)
    assert "grad_rnn_W" in bptt.answer and "loss" in bptt.answer


def test_every_gate_written_with_numbers():
    text = dlsolve.solve(PROBLEMS / "lstm-one-step.yaml").render("text")
    assert "i_1 = σ(W_i·x_1 + b_i + U_i·h_0) = σ(0.5·1 + (-0.25)·2 + 0 + 1·0.5) = σ(0.5)" in text
    assert "c_1 = f_1·c_0 + i_1·g_1 = 0.8808·1 + 0.6225·0.2449" in text
    assert "PyTorch's LSTM conventions: gates in the order i, f, g, o" in text


def test_bptt_writes_both_paths_and_sums():
    text = dlsolve.solve(RNN).render("text")
    assert "∂L/∂h_1 = W_y^T·δ_y,1 + U^T·δ_2 = 1 + 2 = 3" in text
    assert "∂L/∂W = Σ_t δ_t·x_t^T = 3·1 + 2·1 = 5" in text


def test_vanishing_gradient_conclusion_with_the_problems_numbers():
    sol = dlsolve.solve(PROBLEMS / "rnn-bptt-three-steps.yaml")
    norms = sol.results["dhT_dht_norm"]
    assert norms[0] < norms[1] < norms[2] < 1
    text = sol.render("text", detail="brief")
    assert "falls geometrically" in text and "vanishing" in text


def test_exploding_gradient_note():
    spec = {"kind": "rnn", "inputs": [0, 0, 0, 0], "h0": [0.01],
            "weights": {"W": 1, "U": 3}, "target": 0}
    text = dlsolve.solve(spec).render("text")
    assert "grows geometrically" in text and "explodes" in text


def test_long_sequences_summarise_after_step_one():
    rng = np.random.default_rng(0)
    spec = {"kind": "rnn", "inputs": rng.uniform(-1, 1, (50, 2)).tolist(),
            "weights": {"W": rng.uniform(-0.3, 0.3, (16, 2)).tolist(),
                        "U": rng.uniform(-0.2, 0.2, (16, 16)).tolist()},
            "output": {"W": rng.uniform(-1, 1, (1, 16)).tolist()}, "target": 0.5}
    sol = dlsolve.solve(spec)
    exam = sol.render("text")
    assert "Step t = 1 --" in exam and "Step t = 2 --" not in exam
    assert "Step t = 50 (backward)" in exam and "Step t = 3 (backward)" not in exam
    assert "Step t = 2 --" in sol.render("text", detail="full")
    assert len(sol.results["h"]) == 50
    full = dlsolve.solve({**spec, "show_all": True}).render("text")
    assert "Step t = 2 --" in full


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "json", "rich"])
@pytest.mark.parametrize("name", ["rnn-forward-tanh", "lstm-one-step", "gru-one-step",
                                  "rnn-bptt-three-steps"])
def test_problems_render_in_every_format(name, fmt):
    res = run(["rnn", PROBLEMS / f"{name}.yaml", "--format", fmt])
    assert res.exit_code == 0, res.output
    if fmt == "json":
        data = json.loads(res.stdout)
        assert data["kind"] == "rnn" and len(data["results"]["h"]) >= 1


def test_results_are_lists_of_vectors_even_for_one_unit():
    res = results(["rnn", PROBLEMS / "rnn-bptt-three-steps.yaml"])
    assert all(isinstance(v, list) and len(v) == 1 for v in res["h"])
    assert all(isinstance(v, list) for v in res["grad_h"])


def test_detail_levels_are_valid():
    sol = dlsolve.solve(spec_from("gru", 1, 3, 2, 2, 1))
    assert all(s.detail in ("brief", "exam", "full") for s in sol.steps)
    brief = sol.render("text", detail="brief")
    assert "Equations" in brief and "States over time" in brief
    assert not any(isinstance(s, Step) and s.key == "r" and shown(s, "brief") for s in sol.steps)


def test_loss_convention_named():
    sol = dlsolve.solve(RNN)
    assert "half sum of squared errors" in sol.render("text")
    assert L.NAMES


def test_spectral_norm_matches_numpy():
    rng = np.random.default_rng(5)
    for n in (1, 2, 3, 8, 16):
        a = rng.uniform(-1, 1, (n, n))
        assert norm2(Mat(a.tolist())) == pytest.approx(np.linalg.norm(a, 2), rel=1e-9)


def test_generated_variants_are_nice_and_solve():
    from dlsolve.generate import variants

    seen = set()
    for _, spec in variants("rnn", 9, 30):
        assert 2 <= len(spec["inputs"]) <= 4
        for gate in spec["weights"].values():
            assert all(abs(w) in (0.5, 1.0) for row in gate["W"] + gate["U"] for w in row)
        res = dlsolve.solve(dict(spec)).results
        assert len(res["h"]) == len(spec["inputs"])
        seen.add((spec["cell"], "loss" in res))
    assert {c for c, _ in seen} == {"rnn", "lstm", "gru"} and {b for _, b in seen} == {True, False}


def test_check_grades_rnn_answers(tmp_path):
    right = tmp_path / "right.yaml"
    right.write_text("h: [[1], [2]]\nloss: 2.5\ngrad_rnn_W: [[5]]\n")
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text("h: [[1], [2]]\nloss: 2.5\ngrad_rnn_W: [[4]]\n")
    spec = tmp_path / "spec.yaml"
    spec.write_text(json.dumps(RNN))
    assert run(["check", spec, right]).exit_code == 0
    res = run(["check", spec, wrong])
    assert res.exit_code == 1 and "grad_rnn_W" in res.stdout


def test_word2vec_skipgram_as_a_network():
    res = dlsolve.solve(PROBLEMS / "word2vec-skipgram.yaml").results
    assert [res["e1"], res["e2"]] == [0.5, 1.0]          # the row of W_in for "cat"
    p = res["outputs"]
    assert sum(p) == pytest.approx(1) and max(p) == res["p_sat"]
    z = [0.5 * a + 1.0 * b for a, b in ((0.1, -0.2), (0.4, 0.3), (0.5, 0.8), (-0.6, 0.2))]
    assert res["loss"] == pytest.approx(-(z[2] - math.log(sum(math.exp(v) for v in z))))


def test_path_two_written_as_products_for_one_unit():
    text = dlsolve.solve(PROBLEMS / "rnn-bptt-three-steps.yaml").render("text")
    assert "Path 2 into h_2: from h_3\n  U^T·δ_3 = 0.5·" in text


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_sparse_cce_and_bce_outputs_match_finite_differences(cell):
    spec = spec_from(cell, 11, 3, 2, 2, 3)
    spec["output"]["activation"] = "softmax"
    spec["targets"], spec["loss"] = [1, None, 2], "sparse_cce"
    fd_checks(spec)
    spec["output"]["activation"] = "sigmoid"
    spec["targets"], spec["loss"] = [[1, 0, 1], [0, 0, 1], None], "bce"
    fd_checks(spec)


def test_softmax_output_gradient_is_y_minus_t_with_cce():
    spec = spec_from("rnn", 12, 1, 1, 2, 3)
    spec["output"]["activation"] = "softmax"
    spec["targets"], spec["loss"] = [[0, 1, 0]], "cce"
    m = model(api.parse(api._mapping_document(spec, "<t>"), "rnn"))
    fw = forward(m.cell, m.xs, m.h0, m.c0, m.ro)
    bp = BE.backward(m.cell, fw, m.targets, m.spec.loss, m.ro)
    y = fw.steps[0].y
    assert bp.steps[0].dzy == pytest.approx([y[0], y[1] - 1, y[2]])



def test_parameter_sums_name_the_cell_or_the_gate_in_words():
    res = run(["rnn", PROBLEMS / "rnn-bptt-three-steps.yaml"])
    assert "W of the cell" in res.output and "of gate rnn" not in res.output
    res = run(["rnn", PROBLEMS / "lstm-one-step.yaml"])
    assert res.exit_code == 0


def test_batched_spectral_norms_agree_with_the_plain_power_iteration():
    from dlsolve.kernels import gradflow as G
    from dlsolve.kernels.vec import Mat

    rng = np.random.default_rng(5)
    ms = [Mat(rng.normal(size=(3, 3)).tolist()) for _ in range(3000)]  # batched: NumPy
    assert len(ms) * 9 > G.MANY
    assert G.norms(ms) == pytest.approx([G.norm(m) for m in ms], rel=1e-10)
