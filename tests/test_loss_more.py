"""The margin, robust and focal losses: published examples, torch float64, bad input."""

import math

import pytest
from conftest import PROBLEMS, results, run, write
from hypothesis import given, settings
from hypothesis import strategies as st

import dlsolve

KERAS_T = [[0.0, 1.0], [0.0, 0.0]]       # the data of Keras's loss docstrings
KERAS_P = [[0.6, 0.4], [0.4, 0.6]]


def solve(**spec):
    return dlsolve.solve({"kind": "loss", **spec}).results


def test_cs231n_multiclass_svm():
    r = solve(loss="multiclass_svm", margin=10, predictions=[13, -7, 11], targets=[0])
    assert r["loss"] == 8  # max(0, -7 - 13 + 10) + max(0, 11 - 13 + 10) = 0 + 8
    assert r["gradient"] == [-1, 0, 1]
    # the lecture's cat/car/frog scores (Δ = 1): 2.9, 0, 12.9, mean 5.27
    r = solve(loss="multiclass_svm", predictions=[[3.2, 5.1, -1.7], [1.3, 4.9, 2.0],
                                                  [2.2, 2.5, -3.1]], targets=[0, 1, 2])
    assert r["per_sample"] == pytest.approx([2.9, 0, 12.9], abs=1e-12)
    assert r["loss"] == pytest.approx(15.8 / 3, abs=1e-12)


@pytest.mark.parametrize("name, want", [("squared_hinge", 1.86), ("categorical_hinge", 1.4),
                                        ("kl_divergence", 0.5 * math.log(2.5)), ("huber", 0.155),
                                        ("hinge", 1.3)])
def test_keras_docstring_examples(name, want):
    assert solve(loss=name, predictions=KERAS_P, targets=KERAS_T)["loss"] == \
        pytest.approx(want, abs=1e-8)


def test_no_per_term_results_for_the_new_losses():
    r = solve(loss="huber", predictions=[0.5, 3], targets=[0, 0])
    assert not any(k.startswith("loss_") for k in r)
    assert "loss_1" in solve(loss="mse", predictions=[0.5, 3], targets=[0, 0])


def test_smooth_l1_beta_zero_is_l1_and_huber_delta_scales():
    r = solve(loss="smooth_l1", beta=0, predictions=[0.5, -3], targets=[0, 0])
    assert r["loss"] == 1.75 and r["gradient"] == [0.5, -0.5]
    # huber = beta * smooth_l1 when delta = beta (PyTorch's documented relation)
    h = solve(loss="huber", delta=2, predictions=[0.5, 3], targets=[0, 0])["loss"]
    s = solve(loss="smooth_l1", beta=2, predictions=[0.5, 3], targets=[0, 0])["loss"]
    assert h == pytest.approx(2 * s, abs=1e-15)


def test_focal_gamma_zero_no_alpha_is_bce():
    spec = {"predictions": [0.9, 0.2, 0.6], "targets": [1, 0, 0]}
    f = solve(loss="focal", gamma=0, alpha=None, **spec)
    b = solve(loss="bce", **spec)
    assert f["loss"] == pytest.approx(b["loss"], abs=1e-15)
    assert f["gradient"] == pytest.approx(b["gradient"], abs=1e-15)


def test_kl_zero_target_terms_vanish_and_clipping():
    r = solve(loss="kl_divergence", predictions=[0.0, 1.0], targets=[0, 1])
    assert r["loss"] == 0 and r["gradient"] == [0, -1]
    r = solve(loss="kl_divergence", predictions=[0.0, 1.0], targets=[1, 0])
    assert r["loss"] == pytest.approx(-math.log(1e-12))
    assert r["gradient"] == [0, 0]  # clipped: the loss does not move with p


def test_categorical_hinge_tie_shares_the_gradient():
    r = solve(loss="categorical_hinge", predictions=[0.2, 0.5, 0.5], targets=[1, 0, 0])
    assert r["loss"] == pytest.approx(1.3) and r["gradient"] == [-1, 0.5, 0.5]


def test_kinks_take_the_relu_derivative():
    r = solve(loss="multiclass_svm", predictions=[2, 1, 0], targets=[0])  # margin 1 - 2 + 1 = 0
    assert r["loss"] == 0 and r["gradient"] == [0, 0, 0]
    r = solve(loss="squared_hinge", predictions=[1.0], targets=[1])
    assert r["gradient"] == [0]


def torch_loss(torch, name, O, T, **kw):  # noqa: E741
    F = torch.nn.functional
    if name == "multiclass_svm":   # CS231n's sum over j != y (MultiMarginLoss divides by C)
        y = T.long().squeeze(1)
        sy = O.gather(1, y[:, None])
        m = torch.relu(O - sy + kw.get("margin", 1.0))
        mask = torch.ones_like(O).scatter(1, y[:, None], 0.0)
        return (m * mask).sum(1).mean()
    if name == "squared_hinge":
        return (torch.relu(1 - T * O) ** 2).mean()
    if name == "categorical_hinge":
        pos = (T * O).sum(1)
        neg = torch.where(T == 0, O, torch.full_like(O, -math.inf)).max(1).values
        return torch.relu(neg - pos + 1).mean()
    if name == "kl_divergence":
        return F.kl_div(O.log(), T, reduction="batchmean")
    if name == "huber":
        return F.huber_loss(O, T, delta=kw.get("delta", 1.0))
    if name == "smooth_l1":
        return F.smooth_l1_loss(O, T, beta=kw.get("beta", 1.0))
    # focal (torchvision's sigmoid_focal_loss, built from primitives)
    logits = kw.get("from_logits", False)
    p = torch.sigmoid(O) if logits else O
    ce = F.binary_cross_entropy_with_logits(O, T, reduction="none") if logits else \
        F.binary_cross_entropy(O, T, reduction="none")
    pt = p * T + (1 - p) * (1 - T)
    out = ce * (1 - pt) ** kw.get("gamma", 2.0)
    a = kw.get("alpha", 0.25)
    if a is not None:
        out = (a * T + (1 - a) * (1 - T)) * out
    return out.mean()


CASES = [
    ("multiclass_svm", [[3.2, 5.1, -1.7], [1.3, 4.9, 2.0]], [0, 1], {}),
    ("multiclass_svm", [[0.3, -1.2, 0.8, 2.0]], [3], {"margin": 2.5}),
    ("squared_hinge", [[0.3, -2.0, 0.8], [1.7, 0.1, -0.4]], [[1, -1, -1], [1, 1, -1]], {}),
    ("categorical_hinge", [[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]], [[1, 0, 0], [0, 1, 0]], {}),
    ("kl_divergence", [[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]], [[0.1, 0.6, 0.3], [1, 0, 0]], {}),
    ("huber", [[0.2, 3.7, -1.6], [0.5, -0.3, 2.2]], [[0, 1, 0], [1, 0, 0]], {}),
    ("huber", [[0.2, 3.7, -1.6]], [[0, 1, 0]], {"delta": 0.5}),
    ("smooth_l1", [[0.2, 3.7, -1.6], [0.5, -0.3, 2.2]], [[0, 1, 0], [1, 0, 0]], {"beta": 2}),
    ("focal", [[0.9, 0.2, 0.6], [0.3, 0.55, 0.05]], [[1, 0, 0], [1, 1, 0]], {}),
    ("focal", [[2.0, -1.0, 0.3]], [[1, 0, 1]], {"from_logits": True, "gamma": 1.5}),
    ("focal", [[0.9, 0.2, 0.6]], [[1, 0, 0.5]], {"alpha": None, "gamma": 3}),
]


@pytest.mark.parametrize("name, o, t, kw", CASES)
def test_loss_and_gradient_against_torch(name, o, t, kw):
    torch = pytest.importorskip("torch")
    O = torch.tensor(o, dtype=torch.float64, requires_grad=True)  # noqa: E741
    tt = [[v] for v in t] if name == "multiclass_svm" else t
    T = torch.tensor(tt, dtype=torch.float64)
    want = torch_loss(torch, name, O, T, **kw)
    want.backward()
    r = solve(loss=name, predictions=o, targets=t, **kw)
    assert r["loss"] == pytest.approx(want.item(), abs=1e-12)
    grad = r["gradient"] if len(o) > 1 else [r["gradient"]]
    flat = [v for row in grad for v in row]
    assert flat == pytest.approx(O.grad.flatten().tolist(), abs=1e-12)


@pytest.mark.parametrize("yaml, message", [
    ("loss: multiclass_svm\nmargin: -1\npredictions: [2, 5]\ntargets: [0]",
     "3:9: margin: expected a number >= 0, got -1"),
    ("loss: huber\ndelta: 0\npredictions: [2, 5]\ntargets: [0, 1]",
     "3:8: delta: expected a positive number, got 0"),
    ("loss: smooth_l1\nbeta: -0.5\npredictions: [2, 5]\ntargets: [0, 1]",
     "3:7: beta: expected a number >= 0, got -0.5"),
    ("loss: focal\ngamma: -2\npredictions: [0.2, 0.5]\ntargets: [0, 1]",
     "3:8: gamma: expected a number >= 0, got -2"),
    ("loss: focal\nalpha: 1.5\npredictions: [0.2, 0.5]\ntargets: [0, 1]",
     "3:8: alpha: expected a number in [0, 1] (or null for no α weighting), got 1.5"),
    ("loss: focal\npredictions: [0.2, 1.5]\ntargets: [0, 1]",
     "3:20: predictions[1]: expected a probability in [0, 1] (set from_logits: true for raw "
     "scores), got 1.5"),
    ("loss: kl_divergence\npredictions: [-0.2, 0.5]\ntargets: [0, 1]",
     "3:15: predictions[0]: expected a probability in [0, 1] (set from_logits: true for raw "
     "scores), got -0.2"),
    ("loss: kl_divergence\npredictions: [0.2, 0.5]\ntargets: [-1, 1]",
     "4:11: targets[0]: expected a target probability >= 0, got -1"),
    ("loss: kl_divergence\nfrom_logits: true\npredictions: [0.2, 0.5]\ntargets: [0, 1]",
     "3:14: from_logits: expected false: kl_divergence takes no logits"),
    ("loss: categorical_hinge\npredictions: [0.2, 0.5]\ntargets: [1, 1]",
     "4:10: targets: expected a target row with a 0"),
    ("loss: multiclass_svm\npredictions: [2, 5]\ntargets: [2]",
     "4:11: targets[0]: expected a class index 0..1 (0-based), got 2"),
])
def test_bad_input(tmp_path, yaml, message):
    p = write(tmp_path, "kind: loss\n" + yaml + "\n")
    res = run(["loss", p])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    line = res.stderr.strip()
    assert line.startswith(f"{p}:") and message in line, line


def test_bundled_examples():
    r = results(["loss", PROBLEMS / "cs231n-multiclass-svm.yaml"])
    assert r["loss"] == 8 and r["gradient"] == [-1, 0, 1]
    r = results(["loss", PROBLEMS / "keras-squared-hinge.yaml"])
    assert r["loss"] == pytest.approx(1.86, abs=1e-12)


@settings(max_examples=60, deadline=None, derandomize=True)
@given(name=st.sampled_from(["multiclass_svm", "squared_hinge", "categorical_hinge",
                             "kl_divergence", "huber", "smooth_l1", "focal"]),
       o=st.lists(st.floats(-1e300, 1e300, allow_nan=False), min_size=2, max_size=3),
       seed=st.integers(0, 10**6), logits=st.booleans(),
       opt=st.floats(-2, 5, allow_nan=False))
def test_fuzz_never_a_traceback(name, o, seed, logits, opt):
    import random

    from dlsolve.errors import DlsolveError

    rng = random.Random(seed)
    n = len(o)
    if name in ("kl_divergence", "focal") and not logits:
        o = [abs(v) / (1 + abs(v)) for v in o]
    t = {"multiclass_svm": [rng.randrange(n)],
         "squared_hinge": [rng.choice([-1, 0, 1]) for _ in o],
         "categorical_hinge": [float(k == 0) for k in range(n)],
         "kl_divergence": [rng.random() for _ in o]}.get(name, [rng.choice([0, 1]) for _ in o])
    key = {"multiclass_svm": "margin", "huber": "delta", "smooth_l1": "beta",
           "focal": "gamma"}.get(name)
    spec = {"loss": name, "predictions": o, "targets": t, **({key: opt} if key else {}),
            **({"from_logits": True} if logits and name == "focal" else {})}
    try:
        r = solve(**spec)
    except DlsolveError:
        return  # refused, as bad input should be
    assert len(r["gradient"]) == n


def test_an_option_of_another_loss_is_refused(tmp_path):
    p = write(tmp_path, "kind: loss\nloss: huber\nbeta: 2\npredictions: [1]\ntargets: [0]\n")
    res = run(["loss", p])
    assert res.exit_code == 2
    assert res.stderr.strip() == (f"{p}:3:1: beta: not an option of huber (only smooth_l1 "
                                  "takes beta)")


def test_check_grades_the_new_results(tmp_path):
    good = write(tmp_path, "loss: 8\ngradient: [-1, 0, 1]\n", "good.yaml")
    bad = write(tmp_path, "loss: 8\ngradient: [-1, 1, 0]\n", "bad.yaml")
    spec = PROBLEMS / "cs231n-multiclass-svm.yaml"
    assert run(["check", spec, good]).exit_code == 0
    res = run(["check", spec, bad, "--format", "json"])
    assert res.exit_code == 1
    pinn = PROBLEMS / "seed004-q5vi-pinn-perturbed.yaml"
    ans = write(tmp_path, "loss_physics: 0.001189\nloss: 0.004195\n", "pinn.yaml")
    assert run(["check", pinn, ans]).exit_code == 0


def _text(spec):
    return dlsolve.solve({"kind": "loss", **spec}).render("text")


def test_svm_scores_are_named_by_their_0_based_class_as_y_is():
    text = _text({"loss": "multiclass_svm", "margin": 10, "predictions": [13, -7, 11],
                  "targets": [0]})
    assert "L_1 = max(0, s1 - s0 + Δ) = max(0, -7 - 13 + 10) = 0" in text
    assert "L_2 = max(0, s2 - s0 + Δ) = max(0, 11 - 13 + 10) = 8" in text
    assert "∂L/∂s0 = -(" in text and "s3" not in text


def test_delta_and_beta_are_symbols_in_the_formula_numbers_in_the_substitution():
    text = _text({"loss": "smooth_l1", "beta": 2, "predictions": [0.5, 3], "targets": [0, 0]})
    assert "E_1 = 1/2·(o1 - t1)^2/β = 1/2·(0.5 - 0)^2/2 = 0.0625" in text
    assert "E_2 = |o2 - t2| - 1/2·β = |3 - 0| - 1/2·2 = 2" in text
    text = _text({"loss": "huber", "delta": 1, "predictions": [3], "targets": [0]})
    assert "E_1 = δ·(|o1 - t| - 1/2·δ) = 1·(|3 - 0| - 1/2·1) = 2.5" in text


def test_squared_hinge_says_its_label_reading_once():
    text = _text({"loss": "squared_hinge", "predictions": [0.6, 0.4], "targets": [0, 1]})
    assert text.count("read as -1") == 1


@pytest.mark.parametrize("spec", [
    {"loss": "huber", "delta": 1e308, "predictions": [1e308, -1e308], "targets": [-1e308, 1e308]},
    {"loss": "squared_hinge", "predictions": [1e308, -1e308], "targets": [-1, 1]},
])
def test_an_overflow_is_said_not_silent(spec):
    sol = dlsolve.solve({"kind": "loss", **spec})
    assert sol.results["loss"] == math.inf
    assert any("overflows double precision" in n for n in sol.notes)
