"""The newer losses inside networks and on the command line: class-index targets for the
multiclass SVM, every loss's target rule, the loss options as flags."""

import pytest
from conftest import results, run, write

import dlsolve

NET = ("kind: backprop\ninputs: [1]\nlayers:\n"
       "  - {weights: [[0.5], [0.2]], bias: 0, activation: linear}\n"
       "learning_rate: 0.1\n")


def test_multiclass_svm_takes_a_class_index_in_a_network(tmp_path):
    p = write(tmp_path, NET + "targets: [1]\nloss: multiclass_svm\n")
    r = results(["backprop", p])
    # scores (0.5, 0.2), class 1: L = max(0, 0.5 - 0.2 + 1) = 1.3; dL/ds = (1, -1)
    assert r["loss"] == pytest.approx(1.3)
    assert r["grad_weights"] == [[[1.0], [-1.0]]]
    text = run(["backprop", p, "--format", "text"]).stdout
    assert "∂E/∂o2 = -" in text


def test_torch_agrees_on_the_svm_gradient():
    torch = pytest.importorskip("torch")
    w = torch.tensor([[0.5], [0.2]], dtype=torch.float64, requires_grad=True)
    s = (w @ torch.tensor([1.0], dtype=torch.float64))
    loss = torch.clamp(s[0] - s[1] + 1, min=0)
    loss.backward()
    r = dlsolve.solve({"kind": "backprop", "inputs": [1], "layers": [
        {"weights": [[0.5], [0.2]], "bias": 0, "activation": "linear"}], "targets": [1],
        "loss": "multiclass_svm", "learning_rate": 0.1}).results
    assert [g[0] for g in r["grad_weights"][0]] == pytest.approx([g[0] for g in w.grad.tolist()])


@pytest.mark.parametrize("loss,targets,message", [
    ("kl_divergence", "[-0.5, 1.5]", "targets[0]: expected a target probability >= 0 for "
                                     "kl_divergence, got -0.5"),
    ("bce", "[0.5, 2]", "targets[1]: expected a target in [0, 1] for bce, got 2"),
    ("squared_hinge", "[1, 3]", "targets[1]: expected a label -1, 1 (or 0) for squared_hinge"),
    ("multiclass_svm", "[2]", "targets: expected [class index 0..1] for multiclass_svm"),
])
def test_targets_that_do_not_fit_the_loss(tmp_path, loss, targets, message):
    p = write(tmp_path, NET + f"targets: {targets}\nloss: {loss}\n")
    res = run(["backprop", p])
    assert res.exit_code == 2 and message in res.stderr, res.stderr


def test_loss_options_as_flags():
    assert results(["loss", "--kind", "multiclass_svm", "--pred", "13,-7,11", "--target", "0",
                    "--margin", "10"])["loss"] == pytest.approx(8.0)   # CS231n's example
    assert results(["loss", "--kind", "huber", "--pred", "0.5", "--target", "2",
                    "--delta", "1"])["loss"] == pytest.approx(1.0)
    assert results(["loss", "--kind", "smooth_l1", "--pred", "0.5", "--target", "2",
                    "--beta", "2"])["loss"] == pytest.approx(1.5 ** 2 / 4)


def test_a_long_number_is_a_value_not_a_file_name():
    res = run(["softmax", "9" * 400])
    assert res.exit_code == 2 and "an integer of 400 digits" in res.stderr


def test_a_softmax_output_names_the_most_likely_class():
    from conftest import PROBLEMS

    r = results(["forward", PROBLEMS / "word2vec-skipgram.yaml"])
    # e = row "cat" of W_in = (0.5, 1); u = (-0.15, 0.5, 1.05, -0.1); p_sat is the largest
    assert r["predicted"] == "p_sat" and r["predicted_class"] == 2
    assert r["outputs"][2] == pytest.approx(0.455626, abs=1e-6)
