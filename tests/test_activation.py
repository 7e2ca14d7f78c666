"""Activations: values and derivatives against finite differences and torch; kinks; ranges."""

import json
import math

import pytest
from conftest import PROBLEMS, results, run

from dlsolve.kernels.activations import NAMES, REGISTRY, apply

POINTS = [-3.7, -1.3, -0.4, 0.3, 0.9, 2.2, 5.1]


def central(f, x, h=1e-6):
    return (f(x + h) - f(x - h)) / (2 * h)


@pytest.mark.parametrize("name", sorted(REGISTRY))
def test_derivative_matches_central_difference(name):
    act = REGISTRY[name]
    p = dict(act.params)
    for x in POINTS:
        if any(abs(x - k) < 1e-3 for k in act.sides(p)):
            continue
        fd = central(lambda v: act.f(v, p), x)
        assert act.df(x, p) == pytest.approx(fd, rel=1e-6, abs=1e-7), (name, x)


TORCH = {
    "linear": lambda F, t: t, "sigmoid": lambda F, t: F.sigmoid(t), "tanh": lambda F, t: F.tanh(t),
    "relu": lambda F, t: F.relu(t), "relu6": lambda F, t: F.relu6(t),
    "leaky_relu": lambda F, t: F.leaky_relu(t, 0.01), "prelu": lambda F, t: F.prelu(
        t, t.new_tensor([0.25])), "elu": lambda F, t: F.elu(t), "selu": lambda F, t: F.selu(t),
    "celu": lambda F, t: F.celu(t), "gelu": lambda F, t: F.gelu(t),
    "gelu_tanh": lambda F, t: F.gelu(t, approximate="tanh"), "silu": lambda F, t: F.silu(t),
    "mish": lambda F, t: F.mish(t), "softplus": lambda F, t: F.softplus(t),
    "softsign": lambda F, t: F.softsign(t), "hardtanh": lambda F, t: F.hardtanh(t),
    "hardsigmoid": lambda F, t: F.hardsigmoid(t), "hardswish": lambda F, t: F.hardswish(t),
    "logsigmoid": lambda F, t: F.logsigmoid(t), "tanhshrink": lambda F, t: F.tanhshrink(t),
    "softshrink": lambda F, t: F.softshrink(t), "hardshrink": lambda F, t: F.hardshrink(t),
    "sinc": lambda F, t: t.sinc(), "exponential": lambda F, t: t.exp(),
}
KINKS = [-6.0, -3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 3.0, 6.0]


@pytest.mark.parametrize("name", sorted(TORCH))
def test_values_and_derivatives_match_torch_including_kinks(name):
    torch = pytest.importorskip("torch")
    act = REGISTRY[name]
    for x in POINTS + KINKS + [25.0, -30.0]:
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        y = TORCH[name](torch.nn.functional, t)
        y.backward()
        assert apply(act, x, act.params) == pytest.approx(y.item(), rel=1e-12, abs=1e-15), x
        d, _ = act.derivative(x, act.params)
        # torch's hardsigmoid backward multiplies by a single-precision 1/6
        rel = 1e-7 if name == "hardsigmoid" else 1e-12
        assert d == pytest.approx(t.grad.item(), rel=rel, abs=1e-15), (name, x)


def test_seed_sigmoid_points():
    r = results(["activation", "sigmoid", "--at", "0", "--at", "0.415,0.890"])
    assert r["value"] == pytest.approx([0.5, 0.6022861, 0.7088902], abs=1e-7)
    assert r["derivative"][0] == 0.25


def test_gelu_and_elu_reference_values():
    assert results(["activation", "gelu", "--at", "1"])["value"] == [0.8413447460685429]
    r = results(["activation", "elu", "--at", "-1"])
    assert r["value"] == pytest.approx([math.exp(-1) - 1])
    assert r["derivative"] == pytest.approx([math.exp(-1)])


def test_kink_conventions():
    assert results(["activation", "relu", "--at", "0"])["derivative"] == [0.0]
    assert results(["activation", "relu", "--at", "0", "--kink", "right"])["derivative"] == [1.0]
    assert results(["activation", "leaky_relu", "--alpha", "0.2", "--at", "0"])["derivative"] \
        == [0.2]
    res = run(["activation", "relu", "--at", "0", "--format", "text"])
    assert "not differentiable at 0 (left derivative 0, right 1); 0 is used, as PyTorch" \
        in res.stdout


def test_ranges_correct_the_seed_table():
    assert results(["activation", "softplus", "--at", "0"])["range"] == "(0, ∞)"
    assert results(["activation", "leaky_relu", "--at", "0"])["range"] == "(-∞, ∞)"
    assert results(["activation", "elu", "--at", "0"])["range"] == "(-1, ∞)"
    assert results(["activation", "relu", "--at", "0"])["range"] == "[0, ∞)"


def test_overflow_is_reported_not_a_crash():
    res = run(["activation", "exponential", "--at", "1000", "--format", "json"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert doc["results"]["value"] == [float("inf")]   # written Infinity
    assert any("overflows" in n for n in doc["notes"])


def test_parameters_change_the_value():
    assert results(["activation", "softplus", "--beta", "2", "--at", "1"])["value"] == \
        pytest.approx([math.log1p(math.exp(2)) / 2])
    assert results(["activation", "hardtanh", "--min", "-2", "--max", "2", "--at", "1.5"])[
        "value"] == [1.5]


@pytest.mark.parametrize("name", [n for n in NAMES if n != "swish"])
def test_symbolic_derivative_agrees(name):
    res = run(["activation", name, "--at", "-1.3,0.7,2.2", "--symbolic", "--format", "json"])
    assert res.exit_code == 0, res.output
    notes = [s.get("text", "") for s in json.loads(res.stdout)["steps"] if s["type"] == "note"]
    assert any("agrees with the values above at 3 point(s)" in n for n in notes), notes


def test_sigmoid_proof_reads_like_the_exam():
    res = run(["activation", PROBLEMS / "seed003-sigmoid-derivative.yaml", "--format", "text"])
    assert "σ'(x) = 1/(1 + e^(-x))·(1 - 1/(1 + e^(-x))) = σ(x)(1 - σ(x))" in res.stdout
    assert "simplify(d/dx σ(x) - σ(x)(1 - σ(x))) = 0 ✓" in res.stdout


def test_list_has_every_activation():
    res = run(["activation", "--list", "--format", "json"])
    names = json.loads(res.stdout)["results"]["names"]
    assert set(names) == set(REGISTRY) - {"swish"}
    assert len(names) == 26
