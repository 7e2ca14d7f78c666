"""Backprop: the seeds' chain, Mazur, rounding as by hand, epochs, and torch autograd."""

import json
import math
import random

import pytest
from conftest import PROBLEMS, results, run, write

import dlsolve
from dlsolve.kernels.activations import REGISTRY


def sig(z):
    return 1 / (1 + math.exp(-z))


def test_seed002_chain_full_precision():
    r = results(["backprop", PROBLEMS / "seed002-backprop-chain.yaml"])
    a1 = sig(0.1 * 0.15 + 0.40)
    a2 = sig(0.45 * a1 + 0.65)
    d2 = (a2 - 0.25) * a2 * (1 - a2)
    d1 = d2 * 0.45 * a1 * (1 - a1)
    assert r["loss"] == pytest.approx(0.5 * (0.25 - a2) ** 2, rel=1e-12)
    assert r["grad_w2"] == pytest.approx(d2 * a1, rel=1e-12)
    assert r["grad_b2"] == pytest.approx(d2, rel=1e-12)
    assert r["grad_w1"] == pytest.approx(d1 * 0.1, rel=1e-12)
    assert r["grad_b1"] == pytest.approx(d1, rel=1e-12)
    assert r["new_w2"] == pytest.approx(0.45 - 0.4 * d2 * a1, rel=1e-12)
    assert r["deltas"] == [[pytest.approx(d1)], [pytest.approx(d2)]]


def test_seed002_key_reproduced_by_rounding_to_4_places():
    r = results(["backprop", PROBLEMS / "seed002-backprop-chain.yaml", "--round", "4"])
    key = r["rounded"]
    assert key["outputs"] == [0.7153]          # a2
    assert key["loss"] == 0.1083               # E
    # every factor carried rounded: a2(1 - a2) = 0.7153·0.2847 = 0.2036, δ = 0.4653·0.2036;
    # the seed writes 0.0948 for b2 (from an unrounded σ') and 0.05706 for w2 (rounded)
    assert key["grad_b2"] == 0.09474
    assert key["grad_w1"] == 0.001021
    assert key["grad_w2"] == 0.05706
    assert (key["new_w1"], key["new_b1"]) == (0.1496, 0.3959)
    assert (round(key["new_w2"], 3), round(key["new_b2"], 3)) == (0.427, 0.612)
    assert r["loss"] == pytest.approx(0.10822956298900614, rel=1e-12)  # full precision


def test_seed002_derivation_chain_rule_line():
    out = run(["backprop", PROBLEMS / "seed002-backprop-chain.yaml", "--format", "text"]).stdout
    assert ("∂E/∂w1 = ∂E/∂a2·∂a2/∂z2·∂z2/∂a1·∂a1/∂z1·∂z1/∂w1 = (-(t - a2))·(a2(1 - a2))·w2·"
            "(a1(1 - a1))·x = 0.4653·0.2037·0.45·0.2395·0.1 ≈ 0.001021") in out
    assert "w2_new = w2 - η·∂E/∂w2 = 0.45 - 0.4·0.05707 ≈ 0.4272" in out
    assert "simultaneous update" in out
    assert "Check: all 4" not in out  # a self-check line: full detail only
    full = dlsolve.solve(PROBLEMS / "seed002-backprop-chain.yaml").render("text", detail="full")
    assert "Check: all 4 gradients agree with central finite differences" in full


def test_seed003_learning_rate_1():
    r = results(["backprop", PROBLEMS / "seed003-backprop-chain-lr1.yaml"])
    r2 = results(["backprop", PROBLEMS / "seed002-backprop-chain.yaml"])
    for k in ("w1", "b1", "w2", "b2"):
        assert r[f"grad_{k}"] == r2[f"grad_{k}"]
    assert r["new_w2"] == pytest.approx(0.45 - r["grad_w2"], rel=1e-15)


def test_mazur_published_values():
    r = results(["backprop", PROBLEMS / "mazur-backprop.yaml"])
    assert r["loss"] == pytest.approx(0.298371109, abs=1e-9)
    assert r["new_w5"] == pytest.approx(0.35891648, abs=1e-8)
    assert r["new_w1"] == pytest.approx(0.149780716, abs=1e-9)
    assert r["new_w8"] == pytest.approx(0.561370121, abs=1e-9)
    assert r["new_b1"] == 0.35  # biases kept (update: [weights])
    assert r["grad_b1"] != 0.0  # but their gradient is still reported


def test_epochs_lower_the_loss(tmp_path):
    r = results(["backprop", PROBLEMS / "mazur-backprop.yaml", "--epochs", "5"])
    assert len(r["losses"]) == 5
    assert all(a > b for a, b in zip(r["losses"], r["losses"][1:]))
    assert r["final_loss"] < r["losses"][-1]
    one = results(["backprop", PROBLEMS / "mazur-backprop.yaml"])
    assert r["grad_w1"] == one["grad_w1"]  # gradients are those of the first pass
    out = run(["backprop", PROBLEMS / "mazur-backprop.yaml", "--epochs", "3", "--show-all",
               "--format", "text"]).stdout
    assert out.count("-- Epoch ") == 3


def test_softmax_cross_entropy_delta_is_p_minus_y(tmp_path):
    p = write(tmp_path, "kind: backprop\ninputs: [1.0, -1.0]\nlayers:\n"
                        "  - {weights: [[0.5, 0.2], [-0.3, 0.8], [0.1, 0.1]], bias: 0, "
                        "activation: softmax}\ntargets: [0, 0, 1]\nloss: cce\nlearning_rate: 1\n")
    r = results(["backprop", p])
    z = [0.3, -1.1, 0.0]
    m = max(z)
    e = [math.exp(v - m) for v in z]
    probs = [v / sum(e) for v in e]
    assert r["deltas"][0] == pytest.approx([probs[0], probs[1], probs[2] - 1], rel=1e-12)


def test_kink_convention_is_stated(tmp_path):
    p = write(tmp_path, "kind: backprop\ninputs: [1.0]\nlayers:\n"
                        "  - {weights: [[1.0]], bias: -1.0, activation: relu}\n"
                        "  - {weights: [[2.0]], bias: 0.5}\ntargets: [1.0]\nloss: mse\n"
                        "learning_rate: 0.1\n")
    res = run(["backprop", p, "--format", "json"])
    doc = json.loads(res.stdout)
    assert doc["results"]["grad_w1_11"] == 0.0
    assert any("not differentiable at 0" in n and "PyTorch" in n for n in doc["notes"])
    full = json.loads(dlsolve.solve(p).render("json", detail="full"))
    assert any("sit at a kink" in (s.get("text") or "") for s in full["steps"])


def test_a_wrong_gradient_fails_loudly(monkeypatch, tmp_path):
    import dlsolve.kernels.backprop as bp

    real = bp.backward

    def broken(*a, **k):
        b = real(*a, **k)
        b.grads = {key: v * 1.01 for key, v in b.grads.items()}
        return b

    monkeypatch.setattr("dlsolve.kernels.training.backward", broken)
    with pytest.raises(dlsolve.errors.SolverBug, match="central finite difference"):
        dlsolve.solve(PROBLEMS / "seed002-backprop-chain.yaml")


def test_errors(tmp_path):
    base = "kind: backprop\ninputs: [0.1]\nlayers:\n  - {weights: [[0.15]], bias: [0.40]}\n"
    p = write(tmp_path, base + "targets: [0.25]\nlearning_rate: fast\n")
    assert run(["backprop", p]).stderr.strip() == (
        f"{p}:6:16: learning_rate: expected a number, got 'fast'")
    p = write(tmp_path, base + "learning_rate: 0.5\n", "b.yaml")
    assert run(["backprop", p]).stderr.strip() == (
        f"{p}:1:1: targets: missing: backprop needs targets to differentiate a loss; add a "
        "line such as `targets: [0.01, 0.99]` (one per output)")
    p = write(tmp_path, base + "targets: [0.25]\n", "c.yaml")
    res = run(["backprop", p])
    assert res.exit_code == 2
    assert res.stderr.strip() == (
        f"{p}:1:1: learning_rate: missing: backprop needs a step size; add a line such as "
        "`learning_rate: 0.5` (or give --lr 0.5)")
    p = write(tmp_path, base + "targets: [0.25]\nlr: 0.5\n", "d.yaml")
    assert run(["backprop", p, "--format", "json"]).exit_code == 0


def test_derive_generalised_delta_rule():
    out = run(["backprop", "--derive", "--format", "text"]).stdout
    assert "∂o_k/∂z_k = e^(-z_k)/(1 + e^(-z_k))^2 = o_k(1 - o_k)" in out
    assert "δ_j = ∂E/∂o_j·∂o_j/∂z_j = (o_j(1 - o_j))·(Σ_k w_kj·δ_k)" in out
    res = run(["backprop", "--derive", "--activation", "sigmoidd"])
    assert res.exit_code == 2


LOSSES = ["mse", "half_mse", "sse", "half_sse", "mae", "bce", "cce", "sparse_cce", "hinge"]
ACTS = [n for n in sorted(REGISTRY) if n not in ("swish", "step")]


def torch_loss(torch, name, o, t):
    if name == "mse":
        return ((t - o) ** 2).mean()
    if name == "half_mse":
        return (0.5 * (t - o) ** 2).mean()
    if name == "sse":
        return ((t - o) ** 2).sum()
    if name == "half_sse":
        return (0.5 * (t - o) ** 2).sum()
    if name == "mae":
        return (t - o).abs().mean()
    if name == "bce":
        return -(t * o.log() + (1 - t) * (1 - o).log()).mean()
    if name in ("cce", "sparse_cce"):
        return -(t * o.log()).sum()
    return torch.clamp(1 - t * o, min=0).mean()


@pytest.mark.parametrize("seed", range(40))
def test_random_networks_gradients_match_torch(seed):
    torch = pytest.importorskip("torch")
    from test_activation import TORCH

    rng = random.Random(seed)
    loss = LOSSES[seed % len(LOSSES)]
    depth = rng.randint(1, 4)
    sizes = [rng.randint(1, 6) for _ in range(depth + 1)]
    if loss in ("cce", "sparse_cce"):
        sizes[-1] = max(2, sizes[-1])
    layers = []
    for i in range(depth):
        act = rng.choice(ACTS)
        if i == depth - 1:
            act = {"bce": "sigmoid", "cce": "softmax", "sparse_cce": "softmax"}.get(loss, act)
        layers.append({"weights": [[round(rng.uniform(-1, 1), 3) for _ in range(sizes[i])]
                                   for _ in range(sizes[i + 1])],
                       "bias": [round(rng.uniform(-0.5, 0.5), 3) for _ in range(sizes[i + 1])],
                       "activation": act})
    n = sizes[-1]
    if loss == "sparse_cce":
        targets = [rng.randrange(n)]
    elif loss == "cce":
        hot = rng.randrange(n)
        targets = [1.0 if k == hot else 0.0 for k in range(n)]
    elif loss == "hinge":
        targets = [rng.choice([-1.0, 1.0]) for _ in range(n)]
    else:
        targets = [round(rng.uniform(0.05, 0.95), 2) for _ in range(n)]
    spec = {"kind": "backprop", "inputs": [round(rng.uniform(-1, 1), 3) for _ in range(sizes[0])],
            "layers": layers, "targets": targets, "loss": loss, "learning_rate": 0.1}
    r = dlsolve.solve(spec).results
    ws = [torch.tensor(lay["weights"], dtype=torch.float64, requires_grad=True) for lay in layers]
    bs = [torch.tensor(lay["bias"], dtype=torch.float64, requires_grad=True) for lay in layers]
    a = torch.tensor(spec["inputs"], dtype=torch.float64)
    for lay, w, b in zip(layers, ws, bs):
        z = w @ a + b
        a = torch.softmax(z, 0) if lay["activation"] == "softmax" else \
            TORCH[lay["activation"]](torch.nn.functional, z)
    t = torch.tensor(targets, dtype=torch.float64)
    if loss == "sparse_cce":
        t = torch.nn.functional.one_hot(torch.tensor(targets[0]), n).double()
    value = torch_loss(torch, loss, a, t)
    value.backward()
    # torch's hardsigmoid backward uses a single-precision 1/6 (see test_activation)
    rel = 1e-7 if any(lay["activation"] == "hardsigmoid" for lay in layers) else 1e-9
    assert r["loss"] == pytest.approx(value.item(), rel=1e-9, abs=1e-12)
    for got, w in zip(r["grad_weights"], ws):
        flat = [v for row in got for v in row]
        assert flat == pytest.approx(w.grad.flatten().tolist(), rel=rel, abs=1e-12)
    for got, b in zip(r["grad_biases"], bs):
        assert got == pytest.approx(b.grad.tolist(), rel=rel, abs=1e-12)


def test_overflowing_network_is_said_not_silent(tmp_path):
    p = write(tmp_path, "kind: backprop\ninputs: [1e200]\nlayers:\n"
                        "  - {weights: [[1e200]], bias: 0, activation: relu}\n"
                        "targets: [1.0]\nloss: mse\nlearning_rate: 0.1\n")
    res = run(["backprop", p, "--format", "json"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert any("overflow" in n for n in doc["notes"])
