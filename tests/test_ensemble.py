"""ensemble: mean, weighted mean, median, majority vote; bad input."""

import statistics

import pytest
from conftest import PROBLEMS, results, run, write

import dlsolve


def solve(**spec):
    return dlsolve.solve({"kind": "ensemble", **spec}).results


def test_soft_vote_bundled():
    r = results(["ensemble", PROBLEMS / "ensemble-soft-vote.yaml"])
    assert r["ensemble"] == pytest.approx([1.4 / 3, 1.1 / 3, 0.5 / 3], abs=1e-15)
    assert r["predicted_class"] == 0


def test_majority_vote_bundled():
    r = results(["ensemble", PROBLEMS / "ensemble-majority-vote.yaml"])
    assert r["ensemble"] == [1, 0, 2, 1]
    assert r["votes"][1] == {"0": 4, "2": 1}


def test_scalar_mean_weighted_and_threshold():
    assert solve(predictions=[0.8, 0.6, 0.3])["ensemble"] == pytest.approx(1.7 / 3)
    r = solve(predictions=[0.8, 0.6, 0.3], weights=[2, 1, 1], threshold=0.5)
    assert r["ensemble"] == pytest.approx(2.5 / 4) and r["predicted_class"] == 1


def test_median_even_count_is_numpy_s():
    r = solve(method="median", predictions=[[3.0, 1.0], [1.0, 2.0], [2.0, 8.0], [10.0, 4.0]])
    assert r["ensemble"] == [statistics.median([3, 1, 2, 10]), statistics.median([1, 2, 8, 4])]
    assert r["ensemble"] == [2.5, 3.0]


def test_vote_tie_goes_to_the_smallest_label_and_names_work():
    assert solve(method="vote", predictions=[2, 1, 1, 2])["ensemble"] == 1
    r = solve(method="vote", predictions=["dog", "cat", "dog"])
    assert r["ensemble"] == "dog" and r["votes"] == {"cat": 1, "dog": 2}


@pytest.mark.parametrize("yaml, message", [
    ("predictions: [0.5]", "2:14: predictions: expected one prediction per model"),
    ("predictions: [[0.5, 0.5], [1.0]]", "2:14: predictions: expected the same number"),
    ("method: vote\npredictions: [1, 0.5]", "3:18: predictions[1]: expected a class label"),
    ("method: median\nweights: [1, 2]\npredictions: [1, 2]",
     "3:10: weights: weights apply to method: mean only"),
    ("weights: [1]\npredictions: [1, 2]", "2:10: weights: expected 2 weights"),
    ("method: best\npredictions: [1, 2]", "2:9: method: expected one of mean, median, vote"),
    ("method: vote\nclasses: [cat, dog]\npredictions: [[0, 1], [1, 1]]",
     "3:10: classes: expected no classes with method: vote"),
])
def test_bad_input(tmp_path, yaml, message):
    p = write(tmp_path, "kind: ensemble\n" + yaml + "\n")
    res = run(["ensemble", p])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert res.stderr.startswith(f"{p}:") and message in res.stderr, res.stderr


def test_self_check_at_full_detail():
    sol = dlsolve.solve(str(PROBLEMS / "ensemble-soft-vote.yaml"))
    assert "Check: the averaged probabilities sum to 1 ✓" in sol.render("text", detail="full")
    assert "Check:" not in sol.render("text")


@pytest.mark.parametrize("spec, expected", [
    ({"predictions": [[1e308, 2.0], [1e308, 2.0]]}, [1e308, 2.0]),
    ({"predictions": [1e308, 1e308], "weights": [1e308, 1e308]}, 1e308),
    ({"predictions": [-1e308, -1e308, 1.0], "weights": [1, 1, 0]}, -1e308),
    ({"method": "median", "predictions": [1e308, 1.7e308]}, 1.35e308),
])
def test_values_near_the_float_limit_average_without_overflow(spec, expected):
    assert solve(**spec)["ensemble"] == pytest.approx(expected, rel=1e-15)
