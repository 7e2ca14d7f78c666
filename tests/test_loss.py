"""Losses: each convention by hand and against torch; the seeds' tables; log(0); errors."""

import json
import math

import pytest
from conftest import PROBLEMS, results, run, write


def loss(kind, pred, target, *extra):
    args = ["loss", "--kind", kind]
    for row in (pred if isinstance(pred[0], list) else [pred]):
        args += ["--pred", ",".join(map(str, row))]
    for row in (target if isinstance(target[0], list) else [target]):
        args += ["--target", ",".join(map(str, row))]
    return results(args + list(extra))


def test_squared_error_conventions():
    o, t = [1.0, 1.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0]
    assert loss("mse", o, t)["loss"] == 0.25
    assert loss("half_mse", o, t)["loss"] == 0.125
    assert loss("sse", o, t)["loss"] == 1.0
    assert loss("half_sse", o, t)["loss"] == 0.5
    assert loss("mae", [0.5, -1.0], [0.0, 1.0])["loss"] == 1.25


def test_per_output_terms_before_averaging():
    r = loss("mse", [1.0, 3.0], [0.0, 1.0])
    assert (r["loss_1"], r["loss_2"], r["loss"]) == (1.0, 4.0, 2.5)
    assert r["per_sample"] == [2.5]


def test_seed000_q4b():
    r = results(["loss", PROBLEMS / "seed000-q4b-loss.yaml"])
    assert r["loss"] == 0.3125  # the seed's 1.25 used its wrong O2 = -1.5


def test_seed003_bce_table():
    r = results(["loss", PROBLEMS / "seed003-bce-table.yaml"])
    expected = [0.10536052, 0.10536052, 0.22314355, 0.22314355, 0.35667494, 0.35667494,
                0.51082562, 0.51082562, 0.69314718, 0.69314718]
    assert r["per_sample"] == pytest.approx(expected, abs=5e-9)
    assert r["loss"] == pytest.approx(sum(expected) / 10, abs=1e-8)


def test_bce_over_a_list_is_the_mean():
    r = loss("bce", [0.9, 0.1, 0.8, 0.2], [1, 0, 1, 0])
    assert r["loss"] == pytest.approx(0.16425203348601799, rel=1e-12)


def test_seed003_cce_and_sparse():
    r = results(["loss", PROBLEMS / "seed003-cce.yaml"])
    assert r["per_sample"] == pytest.approx([-math.log(0.8), -math.log(0.5), -math.log(0.5)])
    assert r["loss"] == pytest.approx((-math.log(0.8) - 2 * math.log(0.5)) / 3)
    r2 = results(["loss", PROBLEMS / "seed003-sparse-cce.yaml"])
    assert r2["per_sample"] == pytest.approx(r["per_sample"])
    assert loss("sparse_cce", [0.4, 0.5, 0.1], [1])["loss"] == pytest.approx(math.log(2))


def test_reduction_sum_and_log_base():
    r = loss("cce", [[0.5, 0.5], [0.25, 0.75]], [[1, 0], [0, 1]], "--reduction", "sum")
    assert r["loss"] == pytest.approx(-math.log(0.5) - math.log(0.75))
    r = loss("bce", [0.5], [1], "--log-base", "2")
    assert r["loss"] == pytest.approx(1.0)


def test_hinge_converts_zero_labels_and_says_so():
    r = loss("hinge", [0.3, -2.0, 0.8], [1, 0, 0])
    assert r["loss"] == pytest.approx((0.7 + 0.0 + 1.8) / 3)
    out = run(["loss", "--kind", "hinge", "--pred", "0.3", "--target", "0"]).stdout
    assert "the 0 labels were read as -1" in out


def test_log_of_zero_is_clipped_with_a_note():
    res = run(["loss", "--kind", "bce", "--pred", "1,0", "--target", "0,1", "--format", "json"])
    doc = json.loads(res.stdout)
    assert doc["results"]["loss"] == pytest.approx(-math.log(1e-12), rel=1e-6)
    assert any("each tenfold smaller ε adds 2.3026" in n for n in doc["notes"])
    r = loss("bce", [1.0], [0], "--epsilon", "1e-7")
    assert r["loss"] == pytest.approx(-math.log(1e-7), rel=1e-6)


def test_from_logits_is_stable():
    r = loss("bce", [800.0, -800.0], [1, 0], "--from-logits")
    assert r["loss"] == 0.0
    r = loss("cce", [1000.0, 0.0], [0, 1], "--from-logits")
    assert r["loss"] == pytest.approx(1000.0)


@pytest.mark.parametrize("kind", ["mse", "mae", "bce", "cce", "bce_logits", "cce_logits",
                                  "hinge", "soft_cce"])
def test_against_torch(kind):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    o = [[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]]
    t = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]
    O, T = torch.tensor(o, dtype=torch.float64), torch.tensor(t, dtype=torch.float64)  # noqa: E741
    if kind == "mse":
        got, want = loss("mse", o, t)["loss"], F.mse_loss(O, T).item()
    elif kind == "mae":
        got, want = loss("mae", o, t)["loss"], F.l1_loss(O, T).item()
    elif kind == "bce":
        got, want = loss("bce", o, t)["loss"], F.binary_cross_entropy(O, T).item()
    elif kind == "bce_logits":
        got = loss("bce", [[3.0, -2.0], [0.5, 9.0]], [[1, 0], [0, 1]], "--from-logits")["loss"]
        want = F.binary_cross_entropy_with_logits(
            torch.tensor([[3.0, -2.0], [0.5, 9.0]], dtype=torch.float64),
            torch.tensor([[1.0, 0], [0, 1]], dtype=torch.float64)).item()
    elif kind == "cce":
        got = loss("cce", o, t)["loss"]
        want = F.nll_loss(O.log(), T.argmax(1)).item()
    elif kind == "soft_cce":
        st = [[0.1, 0.6, 0.3], [0.5, 0.25, 0.25]]
        got = loss("cce", o, st)["loss"]
        want = -(torch.tensor(st, dtype=torch.float64) * O.log()).sum(1).mean().item()
    elif kind == "cce_logits":
        z = [[2.0, -1.0, 0.5], [0.0, 3.0, 1.0]]
        got = loss("cce", z, t, "--from-logits")["loss"]
        want = F.cross_entropy(torch.tensor(z, dtype=torch.float64), T.argmax(1)).item()
    else:
        got = loss("hinge", [0.3, -2.0, 0.8], [1, -1, -1])["loss"]
        want = torch.clamp(1 - torch.tensor([0.3, 2.0, -0.8], dtype=torch.float64), min=0)\
            .mean().item()
    assert got == pytest.approx(want, rel=1e-12)


def test_errors(tmp_path):
    p = write(tmp_path, "kind: loss\nloss: bce\npredictions: [1.2, 0.5]\ntargets: [1, 2]\n")
    res = run(["loss", p])
    assert res.exit_code == 2
    assert res.stderr.splitlines() == [
        f"{p}:3:15: predictions[0]: expected a probability in [0, 1] (set from_logits: true for "
        "raw scores), got 1.2",
        f"{p}:4:14: targets[1]: expected a target in [0, 1], got 2"]
    p = write(tmp_path, "kind: loss\nloss: mse\npredictions: [1, 2]\ntargets: [1]\n", "b.yaml")
    assert run(["loss", p]).stderr.strip() == (
        f"{p}:4:10: targets: expected 2 values, the shape of the predictions, got 1")
    p = write(tmp_path, "kind: loss\nloss: sparse_cce\npredictions: [[0.5, 0.5]]\ntargets: [2]\n",
              "c.yaml")
    assert run(["loss", p]).stderr.strip() == (
        f"{p}:4:11: targets[0]: expected a class index 0..1 (0-based), got 2")


def test_hinge_in_a_network_reads_zero_labels_as_minus_one():
    import dlsolve

    sol = dlsolve.solve({"kind": "forward", "inputs": [1.0], "targets": [0], "loss": "hinge",
                         "layers": [{"weights": [[0.5]], "bias": 0}]})
    assert sol.results["loss"] == 1.5  # max(0, 1 - (-1)(0.5))
    assert any("target 0 is read as -1" in n for n in sol.notes)


def test_clipping_convention_is_always_stated():
    out = run(["loss", "--kind", "bce", "--pred", "0.9", "--target", "1",
               "--format", "text"]).stdout
    assert "Probabilities are clipped to [ε, 1 - ε] with ε = 1e-12" in out
