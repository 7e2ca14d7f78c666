"""norm: nn.BatchNorm1d / nn.LayerNorm forward, autograd backward, running statistics; bad input."""

import numpy as np
import pytest
from conftest import run, write
from hypothesis import given, settings
from hypothesis import strategies as st

import dlsolve
from dlsolve.kernels.norm import backward, forward

torch = pytest.importorskip("torch")

X = [[-1.0, 2.0, 0.5], [0.0, 1.0, 1.5], [1.0, 6.0, -2.0], [2.5, -1.0, 0.0]]
G = [[1.0, 0.0, 0.5], [0.0, 2.0, -1.0], [0.0, 1.0, 0.0], [-0.5, 0.0, 2.0]]
GAMMA, BETA = [2.0, 1.0, 0.5], [0.0, 1.0, -1.0]


def solve(**spec):
    return dlsolve.solve({"kind": "norm", **spec}).results


def t(m, grad=False):
    return torch.tensor(m, dtype=torch.float64, requires_grad=grad)


def torch_batchnorm(train, x=X, g=G, **kw):
    bn = torch.nn.BatchNorm1d(3, momentum=kw.get("momentum", 0.1), eps=kw.get("eps", 1e-5),
                              dtype=torch.float64)
    with torch.no_grad():
        bn.weight.copy_(t(GAMMA))
        bn.bias.copy_(t(BETA))
        bn.running_mean.copy_(t(kw.get("rm", [0.0, 0.0, 0.0])))
        bn.running_var.copy_(t(kw.get("rv", [1.0, 1.0, 1.0])))
    bn.train(train)
    xt = t(x, True)
    y = bn(xt)
    (y * t(g)).sum().backward()
    return bn, xt, y


def test_batchnorm_train_against_torch():
    r = solve(type="batchnorm", input=X, gamma=GAMMA, beta=BETA, grad_output=G, momentum=0.2,
              running_mean=[0.5, 0, 1], running_var=[2, 1, 0.5])
    bn, xt, y = torch_batchnorm(True, momentum=0.2, rm=[0.5, 0, 1], rv=[2, 1, 0.5])
    assert np.allclose(r["output"], y.detach().numpy(), atol=1e-12)
    assert np.allclose(r["running_mean"], bn.running_mean.numpy(), atol=1e-12)
    assert np.allclose(r["running_var"], bn.running_var.numpy(), atol=1e-12)
    assert np.allclose(r["grad_input"], xt.grad.numpy(), atol=1e-10)
    assert np.allclose(r["grad_gamma"], bn.weight.grad.numpy(), atol=1e-12)
    assert np.allclose(r["grad_beta"], bn.bias.grad.numpy(), atol=1e-12)
    assert np.allclose(r["var"], np.var(X, axis=0), atol=1e-12)  # biased


def test_batchnorm_eval_against_torch():
    r = solve(type="batchnorm", mode="eval", input=X, gamma=GAMMA, beta=BETA, grad_output=G,
              running_mean=[0.5, 0, 1], running_var=[2, 1, 0.5])
    bn, xt, y = torch_batchnorm(False, rm=[0.5, 0, 1], rv=[2, 1, 0.5])
    assert np.allclose(r["output"], y.detach().numpy(), atol=1e-12)
    assert np.allclose(r["grad_input"], xt.grad.numpy(), atol=1e-12)
    assert np.allclose(r["grad_gamma"], bn.weight.grad.numpy(), atol=1e-12)
    assert r["mean"] == [0.5, 0, 1] and "running_mean" not in r


def test_layernorm_against_torch():
    r = solve(type="layernorm", input=X, gamma=GAMMA, beta=BETA, grad_output=G, epsilon=1e-3)
    ln = torch.nn.LayerNorm(3, eps=1e-3, dtype=torch.float64)
    with torch.no_grad():
        ln.weight.copy_(t(GAMMA))
        ln.bias.copy_(t(BETA))
    xt = t(X, True)
    y = ln(xt)
    (y * t(G)).sum().backward()
    assert np.allclose(r["output"], y.detach().numpy(), atol=1e-12)
    assert np.allclose(r["grad_input"], xt.grad.numpy(), atol=1e-10)
    assert np.allclose(r["grad_gamma"], ln.weight.grad.numpy(), atol=1e-12)
    assert np.allclose(r["grad_beta"], ln.bias.grad.numpy(), atol=1e-12)
    assert np.allclose(r["mean"], np.mean(X, axis=1)) and len(r["var"]) == 4


@settings(max_examples=20, deadline=None, derandomize=True)
@given(st.integers(2, 5), st.integers(1, 4), st.sampled_from([0, 1]), st.integers(0, 9999))
def test_backward_matches_central_differences(n, d, axis, seed):
    rng = np.random.default_rng(seed)
    x, g, gamma = rng.normal(size=(n, d)), rng.normal(size=(n, d)), rng.normal(size=d)
    f = forward(x, axis, 1e-3, gamma, 0.5)
    b = backward(f, g, gamma)
    h = 1e-6
    for i in range(n):
        for j in range(d):
            e = np.zeros_like(x)
            e[i, j] = h
            up = (g * forward(x + e, axis, 1e-3, gamma, 0.5).output).sum()
            down = (g * forward(x - e, axis, 1e-3, gamma, 0.5).output).sum()
            assert abs((up - down) / (2 * h) - b.grad_input[i, j]) < 1e-6


def test_flat_input_is_one_sample_and_number_gamma():
    r = solve(type="layernorm", input=[1, 2, 3], gamma=2, epsilon=0)
    assert np.allclose(r["output"], [[-2 * 1.224744871391589, 0, 2 * 1.224744871391589]])


def test_full_detail_has_the_finite_difference_check(tmp_path):
    text = run(["norm", "problems/batchnorm-forward-backward.yaml", "--format", "json"]).stdout
    assert '"grad_input"' in text
    from dlsolve.render import render

    sol = dlsolve.solve("problems/batchnorm-forward-backward.yaml")
    full = render(sol, "text", detail="full")
    assert "agree with central finite differences" in full
    assert "agree with central" not in render(sol, "text")
    assert "unbiased" in full and "biased" in full


def test_big_batch_is_summarised():
    x = np.arange(64 * 32, dtype=float).reshape(64, 32) % 7
    sol = dlsolve.solve({"kind": "norm", "type": "batchnorm", "input": x.tolist(),
                         "grad_output": "ones"})
    assert "follow the same two lines" in sol.render("text")
    assert np.allclose(sol.results["grad_input"], 0, atol=1e-9)  # ones: dx = 0


@pytest.mark.parametrize("text, where", [
    ("type: batchnorm\ninput: [[1, 2]]\n", ":3:8: input: batchnorm in train mode needs at "
                                           "least 2 samples"),
    ("type: batchnorm\ninput: [[1], [2]]\nepsilon: 0\n", ":4:10: epsilon: expected epsilon > 0"),
    ("type: layernorm\ninput: [[1, 2]]\nmomentum: 0.1\n",
     ":4:11: momentum: only batchnorm has running statistics"),
    ("type: batchnorm\ninput: [[1], [2]]\ngrad_output: [[1]]\n",
     "grad_output: expected a 2×1 matrix"),
    ("type: batchnorm\ninput: [[1, 2], [3, 4]]\ngamma: [1, 2, 3]\n",
     "gamma: expected 2 numbers (one per feature) or one"),
    ("type: batchnorm\ninput: [[1e200], [3e200]]\n", "input: expected numbers of size at most"),
    ("type: groupnorm\ninput: [[1, 2]]\n", "type: expected one of batchnorm, layernorm"),
    ("type: layernorm\ninput: [[1, 1]]\nepsilon: 0\n", "input[0]: sample 1 is constant"),
])
def test_bad_input(tmp_path, text, where):
    p = write(tmp_path, "kind: norm\n" + text)
    res = run(["norm", p])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert where in res.stderr, res.stderr


def test_layernorm_is_the_same_in_eval_mode():
    a = solve(type="layernorm", input=X, grad_output=G)
    assert solve(type="layernorm", input=X, grad_output=G, mode="eval") == a


def test_eval_mode_accepts_one_sample():
    r = solve(type="batchnorm", mode="eval", input=[[2.0, 0.0]], epsilon=0)
    assert r["output"] == [[2.0, 0.0]]
