"""`gradient` of every loss: torch autograd (float64) and central finite differences."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import dlsolve
from dlsolve.kernels import losses as L
from dlsolve.names import LOSSES

O = [[0.2, 0.7, 0.1], [0.5, 0.3, 0.2]]  # noqa: E741
T = [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def solve(**spec):
    return dlsolve.solve({"kind": "loss", **spec}).results


def flat(rows):
    return [v for row in rows for v in row]


@pytest.mark.parametrize("name, kw", [
    ("mse", {}), ("half_mse", {}), ("sse", {}), ("half_sse", {}), ("mae", {}), ("bce", {}),
    ("cce", {}), ("sparse_cce", {}), ("hinge", {}), ("bce", {"from_logits": True}),
    ("cce", {"from_logits": True}), ("sparse_cce", {"from_logits": True}),
    ("cce", {"reduction": "sum"}), ("bce", {"log_base": 2})])
def test_existing_losses_against_torch(name, kw):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    o = [[2.0, -1.0, 0.5], [0.0, 3.0, 1.0]] if kw.get("from_logits") else O
    t = [[-1, 1, -1], [1, -1, -1]] if name == "hinge" else T
    P = torch.tensor(o, dtype=torch.float64, requires_grad=True)
    Tt = torch.tensor(t, dtype=torch.float64)
    y = Tt.argmax(1)
    logits = kw.get("from_logits", False)
    want = {
        "mse": lambda: F.mse_loss(P, Tt), "half_mse": lambda: 0.5 * F.mse_loss(P, Tt),
        "sse": lambda: ((P - Tt) ** 2).sum(1).mean(),
        "half_sse": lambda: (0.5 * (P - Tt) ** 2).sum(1).mean(),
        "mae": lambda: F.l1_loss(P, Tt),
        "bce": lambda: (F.binary_cross_entropy_with_logits(P, Tt) if logits else
                        F.binary_cross_entropy(P, Tt)) / (0.6931471805599453 if kw.get(
                            "log_base") else 1),
        "cce": lambda: F.cross_entropy(P, y) if logits else -(Tt * P.log()).sum(1).mean(),
        "sparse_cce": lambda: F.cross_entropy(P, y) if logits else F.nll_loss(P.log(), y),
        "hinge": lambda: torch.relu(1 - Tt * P).mean(),
    }[name]()
    if kw.get("reduction") == "sum":
        want = -(Tt * P.log()).sum()
    want.backward()
    targets = [int(v) for v in y] if name == "sparse_cce" else t
    r = solve(loss=name, predictions=o, targets=targets, **kw)
    assert r["loss"] == pytest.approx(want.item(), abs=1e-12)
    assert flat(r["gradient"]) == pytest.approx(P.grad.flatten().tolist(), abs=1e-12)


def spec_for(name):
    opts = {"huber": {"delta": 0.7}, "smooth_l1": {"beta": 0.6}, "multiclass_svm": {"margin": 1.5},
            "focal": {"gamma": 2.5, "alpha": 0.3}}
    return L.LossSpec(name, **opts.get(name, {}))


def draw(name, rng):
    """A batch of 2 samples of 3 outputs, with targets the loss accepts."""
    probs = name in L.PROBABILITIES
    o = [[rng.uniform(0.05, 0.95) if probs else rng.uniform(-2, 2) for _ in range(3)]
         for _ in range(2)]
    if name in L.CLASS_INDEX:
        return o, [[float(rng.randrange(3))] for _ in range(2)]
    if name in L.LABELS_PM1:
        return o, [[rng.choice([-1.0, 1.0]) for _ in range(3)] for _ in range(2)]
    if name in ("cce", "categorical_hinge"):
        return o, [[float(k == c) for k in range(3)] for c in (rng.randrange(3), rng.randrange(3))]
    return o, [[rng.uniform(0, 1) if probs else rng.uniform(-1, 1) for _ in range(3)]
               for _ in range(2)]


def batch_loss(spec, t, o):
    return sum(L.sample(spec, ti, oi).loss for ti, oi in zip(t, o)) / len(o)


@pytest.mark.parametrize("name", LOSSES)
@pytest.mark.parametrize("seed", range(5))
def test_every_gradient_matches_finite_differences(name, seed):
    spec, rng, h = spec_for(name), random.Random(f"{name}:{seed}"), 1e-6
    o, t = draw(name, rng)
    g = L.batch_gradient(spec, t, o)
    for i in range(2):
        for j in range(3):
            up = [row[:] for row in o]
            dn = [row[:] for row in o]
            up[i][j] += h
            dn[i][j] -= h
            fd = (batch_loss(spec, t, up) - batch_loss(spec, t, dn)) / (2 * h)
            assert g[i][j] == pytest.approx(fd, abs=1e-6), (name, i, j)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(x=st.lists(st.floats(-3, 3), min_size=3, max_size=3),
       t=st.lists(st.sampled_from([0.0, 1.0]), min_size=3, max_size=3),
       gamma=st.floats(0, 4), alpha=st.floats(0, 1))
def test_focal_from_logits_gradient_property(x, t, gamma, alpha):
    spec, h = L.LossSpec("focal", from_logits=True, gamma=gamma, alpha=alpha), 1e-6
    g = L.gradient(spec, t, x)
    for j in range(3):
        up, dn = x[:], x[:]
        up[j] += h
        dn[j] -= h
        fd = (L.sample(spec, t, up).loss - L.sample(spec, t, dn).loss) / (2 * h)
        assert g[j] == pytest.approx(fd, abs=1e-5)


def test_gradient_has_the_shape_of_the_predictions():
    assert solve(loss="mse", predictions=[1, 2], targets=[0, 0])["gradient"] == [1, 2]
    r = solve(loss="sparse_cce", predictions=[[0.5, 0.5], [0.25, 0.75]], targets=[0, 1])
    assert flat(r["gradient"]) == pytest.approx([-1, 0, 0, -2 / 3])


def test_each_derivative_is_a_step():
    sol = dlsolve.solve({"kind": "loss", "loss": "huber", "predictions": [0.5, 3],
                         "targets": [0, 0]})
    text = sol.render("text")
    assert "∂L/∂o1 = (o1 - t1)/2 = (0.5 - 0)/2" in text
    assert "∂L/∂o2 = δ·sign(o2 - t2)/2 = 1·sign(3 - 0)/2" in text


def test_self_check_line_at_full_detail_only():
    sol = dlsolve.solve({"kind": "loss", "loss": "focal", "predictions": [0.9, 0.2],
                         "targets": [1, 0]})
    assert "Check: central differences of L" in sol.render("text", detail="full")
    assert "✓" in sol.render("text", detail="full")
    assert "Check: central differences" not in sol.render("text")
