"""The new losses inside networks: forward's loss and backprop's gradients against torch."""

import math

import pytest

import dlsolve

W1, B1 = [[0.15, 0.20], [0.25, 0.30]], [0.35, 0.35]
W2, B2 = [[0.40, 0.45], [0.50, 0.55]], [0.60, 0.60]
X = [0.05, 0.10]
NEW = ["huber", "smooth_l1", "focal", "kl_divergence", "squared_hinge", "categorical_hinge",
       "multiclass_svm"]


def spec(kind, loss, targets, **extra):
    return {"kind": kind, "inputs": X, "targets": targets, "loss": loss, "learning_rate": 0.5,
            "layers": [{"weights": W1, "bias": B1, "activation": "sigmoid"},
                       {"weights": W2, "bias": B2, "activation": "sigmoid"}], **extra}


def torch_loss(torch, name, o, t, **kw):
    F = torch.nn.functional
    if name == "huber":
        return F.huber_loss(o, t, delta=kw.get("delta", 1.0))
    if name == "smooth_l1":
        return F.smooth_l1_loss(o, t, beta=kw.get("beta", 1.0))
    if name == "focal":
        pt = o * t + (1 - o) * (1 - t)
        a = 0.25 * t + 0.75 * (1 - t)
        return (a * (1 - pt) ** 2 * F.binary_cross_entropy(o, t, reduction="none")).mean()
    if name == "kl_divergence":
        return torch.where(t > 0, t * (t.log() - o.log()), torch.zeros_like(t)).sum()
    if name == "squared_hinge":
        s = 2 * t - 1
        return (torch.relu(1 - s * o) ** 2).mean()
    y = int(t.argmax())
    if name == "categorical_hinge":
        return torch.relu(1 + o[1 - y] - o[y])
    return torch.relu(o[1 - y] - o[y] + 1)   # multiclass_svm, two classes


@pytest.mark.parametrize("name", NEW)
def test_backprop_gradients_against_torch(name):
    torch = pytest.importorskip("torch")
    w1 = torch.tensor(W1, dtype=torch.float64, requires_grad=True)
    w2 = torch.tensor(W2, dtype=torch.float64, requires_grad=True)
    b1 = torch.tensor(B1, dtype=torch.float64, requires_grad=True)
    b2 = torch.tensor(B2, dtype=torch.float64, requires_grad=True)
    h = torch.sigmoid(w1 @ torch.tensor(X, dtype=torch.float64) + b1)
    o = torch.sigmoid(w2 @ h + b2)
    t = torch.tensor([0.0, 1.0], dtype=torch.float64)
    want = torch_loss(torch, name, o, t)
    want.backward()
    r = dlsolve.solve(spec("backprop", name, [0, 1])).results
    assert r["loss"] == pytest.approx(want.item(), abs=1e-12)
    got = [v for layer in r["grad_weights"] for row in layer for v in row]
    assert got == pytest.approx(w1.grad.flatten().tolist() + w2.grad.flatten().tolist(),
                                abs=1e-12)
    grad_b = [v for layer in r["grad_biases"] for v in layer]
    assert grad_b == pytest.approx(b1.grad.tolist() + b2.grad.tolist(), abs=1e-12)


@pytest.mark.parametrize("name", NEW)
def test_forward_loss_and_options(name):
    r = dlsolve.solve(spec("forward", name, [0, 1])).results
    assert math.isfinite(r["loss"])
    assert not any(k.startswith("loss_o") for k in r)  # no per-term results for these losses


def test_loss_options_reach_the_network():
    a = dlsolve.solve(spec("forward", "huber", [0, 1], delta=0.5)).results["loss"]
    b = dlsolve.solve(spec("forward", "huber", [0, 1])).results["loss"]
    assert a != b
    with pytest.raises(Exception, match="margin: expected a number >= 0"):
        dlsolve.solve(spec("forward", "multiclass_svm", [0, 1], margin=-1))
