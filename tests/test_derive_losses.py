"""backprop --derive for every loss of the registry: the derived ∂E/∂o agrees with a finite
difference of the kernels' loss; refused and unknown names exit 2 with a clear message."""

from __future__ import annotations

import json

import pytest
from conftest import run

from dlsolve.kernels import losses as L
from dlsolve.symbolic import delta as D

# (targets, outputs, options) per loss: away from kinks, both branches of piecewise losses
POINTS = {
    "mse": [([0.3, -1.2, 2.0], [0.9, -0.1, -0.5], {})],
    "half_mse": [([0.3, -1.2, 2.0], [0.9, -0.1, -0.5], {})],
    "sse": [([0.3, -1.2, 2.0], [0.9, -0.1, -0.5], {})],
    "half_sse": [([0.3, -1.2], [0.9, -0.1], {})],
    "mae": [([0.3, -1.2, 2.0], [0.9, -0.1, -0.5], {})],
    "bce": [([1, 0, 1, 0], [0.8, 0.3, 0.15, 0.9], {})],
    "cce": [([0.2, 0.0, 0.8], [0.3, 0.5, 0.2], {}), ([0, 1, 0], [0.25, 0.6, 0.15], {})],
    "sparse_cce": [([1], [0.2, 0.5, 0.3], {})],
    "hinge": [([1, -1, 1, -1], [0.3, 0.4, 1.7, -2.2], {})],
    "squared_hinge": [([1, -1, 1, -1], [0.3, 0.4, 1.7, -2.2], {})],
    "kl_divergence": [([0.2, 0.0, 0.8], [0.3, 0.5, 0.2], {}), ([0.5, 0.5], [0.9, 0.1], {})],
    # |d| = 0.6, 1.1, 2.5: inside, inside/outside and outside the threshold
    "huber": [([0.3, -1.2, 2.0], [0.9, -0.1, -0.5], {}),
              ([0.3, -1.2, 2.0], [0.9, -0.1, -0.5], {"delta": 1.5}),
              ([0.3, -1.2, 2.0], [0.9, -0.1, -0.5], {"delta": 0.4})],
    "smooth_l1": [([0.3, -1.2, 2.0], [0.9, -0.1, -0.5], {}),
                  ([0.3, -1.2, 2.0], [0.9, -0.1, -0.5], {"beta": 0.8}),
                  ([0.3, -1.2, 2.0], [0.9, -0.1, -0.5], {"beta": 0.0})],
    "focal": [([1, 0, 1, 0], [0.8, 0.3, 0.15, 0.9], {}),
              ([1, 0, 1, 0], [0.8, 0.3, 0.15, 0.9], {"gamma": 0.0, "alpha": None}),
              ([1, 0, 1, 0], [0.8, 0.3, 0.15, 0.9], {"gamma": 1.5, "alpha": 0.6})],
    # CS231n's scores: margins 2.9 (active) and -3.9; then two active, one not, Δ = 0.5
    "multiclass_svm": [([0], [3.2, 5.1, -1.7], {}), ([2], [1.0, 1.5, 0.8, -0.4],
                                                     {"margin": 0.5})],
    # margin 1 + 0.6 - 0.5 > 0; then 1 + 0.3 - 2 < 0 (no gradient)
    "categorical_hinge": [([0, 1, 0], [0.3, 0.5, 0.6], {}), ([0, 1, 0], [0.1, 2.0, 0.3], {})],
}


def finite_difference(spec, t, o, h=1e-6):
    out = []
    for k in range(len(o)):
        up, down = list(o), list(o)
        up[k] += h
        down[k] -= h
        out.append((L.sample(spec, t, up).loss - L.sample(spec, t, down).loss) / (2 * h))
    return out


def test_every_supported_loss_has_points():
    assert set(POINTS) == set(D.supported())


@pytest.mark.parametrize("name,t,o,options", [(n, t, o, opts) for n, cases in POINTS.items()
                                              for t, o, opts in cases])
def test_derived_gradient_matches_a_finite_difference_of_the_kernel(name, t, o, options):
    spec = L.LossSpec(name, **options)
    derived = D.loss_gradient(spec, t, o)
    assert derived == pytest.approx(finite_difference(spec, t, o), rel=1e-5, abs=1e-7)


def test_hand_values():
    # huber δ = 1, d = 0.6, 1.1, -2.5: 0.6, then δ·sign(d) = 1 and -1; the mean's 1/3
    spec = L.LossSpec("huber")
    assert D.loss_gradient(spec, [0.3, -1.2, 2.0], [0.9, -0.1, -0.5]) == pytest.approx(
        [0.2, 1 / 3, -1 / 3])
    # CS231n: scores [3.2, 5.1, -1.7], class 0: only the second margin is active
    assert D.loss_gradient(L.LossSpec("multiclass_svm"), [0], [3.2, 5.1, -1.7]) == [-1, 1, 0]
    # KL: -t/p
    assert D.loss_gradient(L.LossSpec("kl_divergence"), [0.5, 0.5], [0.25, 0.75]) == \
        pytest.approx([-2, -2 / 3])


@pytest.mark.parametrize("name", L.NAMES)
def test_every_registry_loss_derives_or_is_refused(name):
    res = run(["backprop", "--derive", "--activation", "sigmoid", "--loss", name,
               "--format", "json"])
    assert "internal error" not in res.output and "Traceback" not in res.output
    if name in D.supported():
        assert res.exit_code == 0, res.output
        doc = json.loads(res.stdout)
        titles = [s.get("title", "") for s in doc["steps"]]
        assert "Output delta" in titles and "Hidden delta (the generalised delta rule)" in titles
    else:
        assert res.exit_code == 2
        assert "--derive has no derivation" in res.stderr and "huber" in res.stderr


@pytest.mark.parametrize("fmt", ["text", "markdown", "latex", "html"])
@pytest.mark.parametrize("name", ["huber", "smooth_l1", "focal", "multiclass_svm",
                                  "categorical_hinge"])
def test_piecewise_and_coupled_losses_render(name, fmt):
    res = run(["backprop", "--derive", "--activation", "tanh", "--loss", name, "--format", fmt])
    assert res.exit_code == 0, res.output


def test_both_branches_shown():
    out = run(["backprop", "--derive", "--loss", "huber", "--format", "text"]).stdout
    assert "∂E/∂o_k = {o_k - t_k if δ ≥ |o_k - t_k|; δ·sign(o_k - t_k) otherwise}" in out
    out = run(["backprop", "--derive", "--loss", "smooth_l1", "--format", "text"]).stdout
    assert "{(o_k - t_k)/β if β > |o_k - t_k|; sign(o_k - t_k) otherwise}" in out
    out = run(["backprop", "--derive", "--loss", "focal", "--format", "text"]).stdout
    assert "if t_k = 1;" in out and "if t_k = 0}" in out
    out = run(["backprop", "--derive", "--loss", "multiclass_svm", "--format", "text"]).stdout
    assert "∂E/∂o_k = {1 if Δ + o_k - o_y > 0; 0 otherwise}" in out
    assert "∂E/∂o_y = Σ_k {-1 if Δ + o_k - o_y > 0; 0 otherwise}" in out


def test_aliases_and_case():
    for name in ("KL", "huber_loss", "Smooth-L1", "svm"):
        res = run(["backprop", "--derive", "--loss", name, "--format", "json"])
        assert res.exit_code == 0, (name, res.output)


@pytest.mark.parametrize("args,field,hint", [
    (["--loss", "hubr"], "--loss", "did you mean 'huber'?"),
    (["--loss", "kl_divergance"], "--loss", "did you mean 'kl_divergence'?"),
    (["--activation", "sigmoidd"], "--activation", "did you mean 'sigmoid'?"),
    (["--activation", "tanhh", "--loss", "mse"], "--activation", "did you mean 'tanh'?"),
])
def test_unknown_names_exit_2_with_did_you_mean(args, field, hint):
    res = run(["backprop", "--derive", *args])
    assert res.exit_code == 2
    line = res.stderr.strip()
    assert line.startswith(f"dlsolve backprop --derive: {field}: expected ") and \
        line.endswith(hint), line
    assert "\n" not in line and "Traceback" not in res.output


@pytest.mark.parametrize("name", L.NAMES)
def test_softmax_refused_for_every_loss(name):
    res = run(["backprop", "--derive", "--activation", "softmax", "--loss", name])
    assert res.exit_code == 2
    assert "softmax is not elementwise" in res.stderr and "δ_k = o_k - t_k" in res.stderr
