"""check: verdicts, digits, error carried forward, the slip catalogue, bad answer files."""

import json

import pytest
from conftest import PROBLEMS, run, write


def check(tmp_path, problem, answers: str, *extra):
    a = write(tmp_path, answers, "answers.yaml")
    res = run(["check", PROBLEMS / problem, a, "--format", "json", *extra])
    assert "Traceback" not in res.output
    return res.exit_code, json.loads(res.stdout) if res.stdout else None, res


def items(doc):
    return {i["name"]: i for i in doc["results"]["items"]}


def notes(doc):
    return " ".join(s.get("text", "") for s in doc["steps"] if s["type"] == "note")


def test_seed000_wrong_output_flagged_with_the_activation_hint(tmp_path):
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml", "outputs: [0, -1.5]\n")
    assert code == 1
    assert doc["results"]["wrong"] == 1
    assert "o2 is z_o2: the activation (ReLU) was not applied" in notes(doc)
    assert doc["results"]["first_wrong"] == "Activation of o2"


def test_seed000_loss_carried_forward_from_the_wrong_output(tmp_path):
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml",
                         "outputs: [0, -1.5]\nloss: 1.25\n")
    assert code == 1
    it = items(doc)
    assert it["loss"]["ok"] is True and it["loss"]["carried_forward"] is True
    assert it["outputs"]["ok"] is False


def test_right_answers_to_fewer_digits(tmp_path):
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml",
                         "outputs: [0, 0]\nloss: 0.31\n")
    assert code == 0 and doc["results"]["correct"] == 2
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml", "loss: 0.3\n")
    assert code == 0
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml", "loss: 0.32\n")
    assert code == 1


def test_trailing_zeros_count_as_digits(tmp_path):
    code, _, _ = check(tmp_path, "seed002-backprop-chain.yaml", "new_w2: 0.427\n")
    assert code == 0
    code, _, _ = check(tmp_path, "seed002-backprop-chain.yaml", "new_w2: 0.4270\n")
    assert code == 1  # four places claimed: 0.4272 is the value


def test_seed002_key_to_its_printed_digits(tmp_path):
    code, doc, _ = check(tmp_path, "seed002-backprop-chain.yaml",
                         "new_w1: 0.1496\nnew_b1: 0.3959\nnew_w2: 0.427\nnew_b2: 0.612\n"
                         "loss: 0.1082\ngrad_w1: 0.001021\n")
    assert code == 0, notes(doc)


def test_gradient_ascent_hint(tmp_path):
    code, doc, _ = check(tmp_path, "seed002-backprop-chain.yaml", "new_w2: 0.4728\n")
    assert code == 1
    assert "gradient ascent" in notes(doc)


def test_sequential_update_hint(tmp_path):
    import dlsolve.api as api  # noqa: F401
    from dlsolve import solve
    from dlsolve.kernels.backprop import sequential_update

    spec = solve(PROBLEMS / "seed002-backprop-chain.yaml")
    from dlsolve.api import parse_document
    from dlsolve.spec.load import load_file

    _, parsed = parse_document(load_file(PROBLEMS / "seed002-backprop-chain.yaml"))
    seq = sequential_update(parsed.net, parsed.loss, parsed.targets, 0.4, {"weights", "biases"})
    assert seq["w1"] != pytest.approx(spec.results["new_w1"])
    code, doc, _ = check(tmp_path, "seed002-backprop-chain.yaml", f"new_w1: {seq['w1']!r}\n")
    assert code == 1
    assert "updates are simultaneous" in notes(doc)


def test_sigma_sign_slip_hint(tmp_path):
    import math
    z = 0.45 * (1 / (1 + math.exp(-0.415))) + 0.65
    code, doc, _ = check(tmp_path, "seed002-backprop-chain.yaml",
                         f"a2: {1 / (1 + math.exp(z)):.4f}\n")
    assert code == 1
    assert "the sign in σ(z) = 1/(1 + e^(-z)) slipped" in notes(doc)


def test_mse_convention_hint(tmp_path):
    code, doc, _ = check(tmp_path, "seed000-q4b-loss.yaml", "loss: 0.625\n")
    assert code == 1
    assert "mean squared error" in notes(doc) and "the ½ or the mean differs" in notes(doc)


def test_convolution_vs_correlation_hint(tmp_path):
    code, doc, _ = check(tmp_path, "seed004-q4-convolution.yaml",
                         "grad_kernel: [[47, 43, 49], [47, 50, 54], [36, 46, 52]]\n"
                         "output: [[158, 183, 172], [229, 237, 238], [164, 232, 233]]\n")
    assert code == 1
    assert items(doc)["output"]["ok"] is True
    assert "that is the cross-correlation answer" in notes(doc)


def test_conv_shape_slips(tmp_path):
    code, doc, _ = check(tmp_path, "seed000-q3-convshape.yaml", "output_shape: 15x15x8\n")
    assert code == 0
    code, doc, _ = check(tmp_path, "seed000-q3-convshape.yaml", "output_shape: 14x14x8\n")
    assert "the padding was counted once" in notes(doc)
    code, doc, _ = check(tmp_path, "seed000-q3-convshape.yaml", "output_shape: [14, 14, 8]\n")
    assert code == 1


def test_gd_wrong_iteration_and_ascent(tmp_path):
    p = write(tmp_path, "kind: gd\nfunction: x**2 - y**2\nstart: [2, 3]\nlearning_rate: 0.1\n"
                        "steps: 2\n", "gd.yaml")
    a = write(tmp_path, "final: [1.24, 3.72]\n", "a.yaml")
    res = run(["check", p, a, "--format", "json"])
    assert res.exit_code == 1
    a = write(tmp_path, "final: [2.88, 1.92]\n", "b.yaml")
    doc = json.loads(run(["check", p, a, "--format", "json"]).stdout)
    assert "gradient ascent" in notes(doc)


def test_gd_trajectory_error_carried_forward(tmp_path):
    p = write(tmp_path, "kind: gd\nfunction: x**2 - y**2\nstart: [2, 3]\nlearning_rate: 0.1\n"
                        "steps: 2\n", "gd.yaml")
    a = write(tmp_path, "trajectory: [[2, 3], [1.6, 3.7], [1.28, 4.44]]\n", "a.yaml")
    doc = json.loads(run(["check", p, a, "--format", "json"]).stdout)
    assert doc["results"]["items"][0]["ok"] is False
    assert "entry 1 is wrong (expected [1.6, 3.6]); the entries after it follow correctly" \
        in notes(doc)


def test_gate_verdict_hint(tmp_path):
    code, doc, _ = check(tmp_path, "seed000-q5-and-candidates.yaml",
                         "implements: [true, true, true]\n")
    assert code == 1
    assert "candidate(s) 2, 3 fail on at least one row" in notes(doc)


def test_unknown_names_and_bad_files(tmp_path):
    code, _, res = check(tmp_path, "seed000-q4a-relu-network.yaml", "outputz: [0, 0]\n")
    assert code == 2
    assert "outputz: not a result of this problem; known results:" in res.stderr
    assert "loss" in res.stderr
    code, _, res = check(tmp_path, "seed000-q4a-relu-network.yaml", "- 1\n")
    assert code == 2 and "expected a mapping of result names" in res.stderr
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml", "outputs: [0]\n")
    assert code == 1 and "expected 2 values, got 1" in notes(doc)
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml", "loss: zero\n")
    assert code == 1


def test_tolerance_flags(tmp_path):
    code, _, _ = check(tmp_path, "seed000-q4a-relu-network.yaml", "loss: 0.32\n", "--rtol",
                       "0.05")
    assert code == 0
    code, _, _ = check(tmp_path, "seed000-q4a-relu-network.yaml", "loss: 0.31\n", "--exact")
    assert code == 1


def test_values_carried_rounded_as_by_hand_are_accepted(tmp_path):
    # the seed's E = 0.1083 comes from a2 rounded to 0.7153; full precision gives 0.10823
    code, doc, _ = check(tmp_path, "seed002-backprop-chain.yaml", "loss: 0.1083\n")
    assert code == 0
    assert "rounded to 4 decimal places" in notes(doc)
    code, doc, _ = check(tmp_path, "seed002-backprop-chain.yaml", "loss: 0.1084\n")
    assert code == 1
