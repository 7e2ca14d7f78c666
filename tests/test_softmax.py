"""Softmax: the seeds' worked values, the stable path, cross-entropy, a log-sum-exp reference."""

import math
import random

import pytest
from conftest import PROBLEMS, results, run


def reference(z, T=1.0):
    z = [v / T for v in z]
    m = max(z)
    lse = m + math.log(sum(math.exp(v - m) for v in z))
    return [math.exp(v - lse) for v in z], lse


def test_seed001_8_5_0():
    r = results(["softmax", "8", "5", "0"])
    assert r["probabilities"] == pytest.approx([0.952269826123778, 0.047410722937878444,
                                                0.0003194509383437506], rel=1e-12)
    assert r["sum"] == pytest.approx(3130.371146, abs=1e-6)  # the seed rounds it to 3130.4
    assert r["exponentials"][0] == pytest.approx(2980.957987, abs=1e-6)
    assert r["shift"] == 0


def test_seed001_labels():
    r = results(["softmax", PROBLEMS / "seed001-softmax-seal-panda-duck.yaml"])
    assert r["probabilities"] == pytest.approx([0.24910360124886244, 0.663725645234628,
                                                0.08717075351650967], rel=1e-12)


def test_seed001_rounded_to_two_places():
    r = results(["softmax", PROBLEMS / "seed001-softmax-1.2-0.9-0.75.yaml"])
    assert [round(p, 2) for p in r["probabilities"]] == [0.42, 0.31, 0.27]


def test_large_logits_take_the_stable_path_and_say_so():
    r = results(["softmax", "1000", "1001", "1002"])
    assert r["probabilities"] == pytest.approx([0.09003057317038046, 0.24472847105479764,
                                                0.6652409557748218], rel=1e-12)
    assert r["shift"] == 1002
    assert r["exponentials"] == pytest.approx([math.exp(-2), math.exp(-1), 1.0])
    text = run(["softmax", "1000", "1001", "1002", "--format", "text"]).stdout
    assert "Stable path: subtract the largest logit" in text


def test_very_negative_logits_are_finite():
    r = results(["softmax", "-1000", "-1001", "-5000"])
    assert r["probabilities"][0] == pytest.approx(1 / (1 + math.exp(-1)))
    assert r["probabilities"][2] == 0.0


def test_cross_entropy_and_gradient():
    r = results(["softmax", "0.25", "1.23", "-0.8", "--labels", "seal,panda,duck",
                 "--target", "panda"])
    p, lse = reference([0.25, 1.23, -0.8])
    assert r["cross_entropy"] == pytest.approx(lse - 1.23, rel=1e-12)
    assert r["gradient"] == pytest.approx([p[0], p[1] - 1, p[2]], rel=1e-12)


def test_cross_entropy_when_target_probability_underflows():
    r = results(["softmax", "0", "800", "--target", "0"])
    assert r["cross_entropy"] == pytest.approx(800.0)
    assert r["probabilities"][0] == 0.0


def test_temperature():
    r = results(["softmax", "1", "2", "3", "--temperature", "2"])
    assert r["probabilities"] == pytest.approx(reference([1, 2, 3], 2.0)[0], rel=1e-12)


def test_matrix_is_a_batch_of_rows(tmp_path):
    p = tmp_path / "s.yaml"
    p.write_text("kind: softmax\nlogits: [[1, 2], [3, 3]]\ntarget: [1, 0]\n")
    r = results(["softmax", p])
    assert r["probabilities"][1] == [0.5, 0.5]
    assert len(r["sum"]) == 2 and len(r["cross_entropy"]) == 2
    assert r["cross_entropy"][1] == pytest.approx(math.log(2))


def test_random_rows_sum_to_one_and_match_reference():
    rng = random.Random(7)
    for _ in range(30):
        z = [rng.uniform(-60, 60) for _ in range(rng.randint(2, 7))]
        r = results(["softmax", *[repr(v) for v in z]])
        assert sum(r["probabilities"]) == pytest.approx(1.0, abs=1e-12)
        assert r["probabilities"] == pytest.approx(reference(z)[0], rel=1e-9, abs=1e-300)


def test_against_torch():
    torch = pytest.importorskip("torch")
    z = [3.5, -1.25, 0.0, 7.75]
    r = results(["softmax", *map(str, z), "--target", "2"])
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    loss = torch.nn.functional.cross_entropy(t[None], torch.tensor([2]))
    loss.backward()
    assert r["probabilities"] == pytest.approx(torch.softmax(t, 0).tolist(), rel=1e-12)
    assert r["cross_entropy"] == pytest.approx(loss.item(), rel=1e-12)
    assert r["gradient"] == pytest.approx(t.grad.tolist(), rel=1e-12)
