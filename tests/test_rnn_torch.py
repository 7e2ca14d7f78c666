"""rnn against PyTorch in float64: nn.RNN / nn.LSTM / nn.GRU with the gate weights copied in
(hidden states and every BPTT gradient), and the same cells written in torch ops step by step
(gates, dL/dh_t through time, the GRU without reset_after) to 1e-9."""

import numpy as np
import pytest

import dlsolve

torch = pytest.importorskip("torch")

GATES = {"rnn": ("rnn",), "lstm": ("i", "f", "g", "o"), "gru": ("r", "z", "n")}
PARTS = ("W", "U", "b", "bu")
TOL = 1e-9


def rand(rng, *shape):
    return np.round(rng.uniform(-1.2, 1.2, shape), 3).tolist()


def problem(seed, cell, T, D, H, Y, reset_after=True, act="tanh"):
    rng = np.random.default_rng(seed)
    spec = {"kind": "rnn", "cell": cell, "inputs": rand(rng, T, D), "h0": rand(rng, H),
            "weights": {k: {"W": rand(rng, H, D), "U": rand(rng, H, H), "b": rand(rng, H),
                            "bu": rand(rng, H)} for k in GATES[cell]}}
    if cell == "lstm":
        spec["c0"] = rand(rng, H)
    if cell == "rnn":
        spec["activation"] = act
    if cell == "gru":
        spec["reset_after"] = reset_after
    if Y:
        spec["output"] = {"W": rand(rng, Y, H), "b": rand(rng, Y)}
    spec["targets"] = rand(rng, T, Y or H)
    spec["loss"] = "half_sse"
    return spec


CASES = [(seed, cell, T, D, H, Y) for seed, (cell, T, D, H, Y) in enumerate(
    [(c, T, D, H, Y) for c in ("rnn", "lstm", "gru") for T, D, H, Y in
     [(1, 1, 1, 0), (2, 1, 1, 1), (3, 2, 3, 0), (4, 3, 2, 2), (2, 3, 3, 1), (4, 1, 2, 0),
      (3, 2, 1, 3), (1, 3, 3, 2)]])]


def tt(v, grad=False):
    return torch.tensor(v, dtype=torch.float64, requires_grad=grad)


def torch_cells(spec):
    """The spec run in torch ops, step by step: gates, states, loss, autograd gradients."""
    cell, G = spec["cell"], spec["weights"]
    P = {(k, p): tt(G[k][p], True) for k in GATES[cell] for p in PARTS}
    h0 = tt(spec["h0"], True)
    h, c = h0, tt(spec["c0"], True) if cell == "lstm" else None
    c0 = c
    out = {"h": [], "c": [], "y": [], **{k: [] for k in GATES[cell]}}

    def aff(k, x, h):
        return P[k, "W"] @ x + P[k, "b"] + P[k, "U"] @ h + P[k, "bu"]

    for x in spec["inputs"]:
        x = tt(x)
        if cell == "rnn":
            a = aff("rnn", x, h)
            h = torch.tanh(a) if spec.get("activation", "tanh") == "tanh" else torch.relu(a)
        elif cell == "lstm":
            i, f, o = (torch.sigmoid(aff(k, x, h)) for k in "ifo")
            g = torch.tanh(aff("g", x, h))
            c = f * c + i * g
            h = o * torch.tanh(c)
            for k, v in zip("ifgo", (i, f, g, o)):
                out[k].append(v)
            out["c"].append(c)
        else:
            r, z = (torch.sigmoid(aff(k, x, h)) for k in "rz")
            if spec.get("reset_after", True):
                n = torch.tanh(P["n", "W"] @ x + P["n", "b"] + r * (P["n", "U"] @ h + P["n", "bu"]))
            else:
                n = torch.tanh(P["n", "W"] @ x + P["n", "b"] + P["n", "U"] @ (r * h) + P["n", "bu"])
            h = (1 - z) * n + z * h
            for k, v in zip("rzn", (r, z, n)):
                out[k].append(v)
        h.retain_grad()
        out["h"].append(h)
    loss, Wy, by = 0, None, None
    if "output" in spec:
        Wy, by = tt(spec["output"]["W"], True), tt(spec["output"]["b"], True)
        out["y"] = [Wy @ h + by for h in out["h"]]
    for o, t in zip(out["y"] or out["h"], spec["targets"]):
        loss = loss + 0.5 * ((o - tt(t)) ** 2).sum()
    loss.backward()
    grads = {f"grad_{k}_{p}": P[k, p].grad for k, p in P}
    if Wy is not None:
        grads.update(grad_output_W=Wy.grad, grad_output_b=by.grad)
    grads["grad_h"] = [h.grad for h in out["h"]]
    grads["grad_h0"] = h0.grad
    if c0 is not None:
        grads["grad_c0"] = c0.grad
    return out, float(loss.detach()), grads


def close(got, want):
    want = want.detach().numpy() if hasattr(want, "detach") else np.array(
        [w.detach().numpy() for w in want])
    np.testing.assert_allclose(np.array(got), want, atol=TOL, rtol=0)


@pytest.mark.parametrize("seed,cell,T,D,H,Y", CASES)
def test_gates_states_and_gradients_match_torch_step_by_step(seed, cell, T, D, H, Y):
    spec = problem(seed, cell, T, D, H, Y)
    res = dlsolve.solve(spec).results
    out, loss, grads = torch_cells(spec)
    for key in ("h", "c", "y") + GATES[cell]:
        if out.get(key) and key != "rnn":
            close(res[key], out[key])
    assert res["loss"] == pytest.approx(loss, abs=TOL)
    for key, want in grads.items():
        close(res[key], want)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_plain_cell_both_activations(seed, act):
    spec = problem(100 + seed, "rnn", 3, 2, 2, 1, act=act)
    res = dlsolve.solve(spec).results
    out, loss, grads = torch_cells(spec)
    close(res["h"], out["h"])
    for key, want in grads.items():
        close(res[key], want)


@pytest.mark.parametrize("seed,T,D,H,Y", [(200, 1, 1, 1, 0), (201, 3, 2, 2, 1), (202, 4, 3, 3, 2),
                                          (203, 2, 1, 3, 0)])
def test_gru_without_reset_after(seed, T, D, H, Y):
    spec = problem(seed, "gru", T, D, H, Y, reset_after=False)
    res = dlsolve.solve(spec).results
    out, loss, grads = torch_cells(spec)
    for key in ("h", "r", "z", "n"):
        close(res[key], out[key])
    for key, want in grads.items():
        close(res[key], want)


def torch_module(spec):
    """nn.RNN / nn.LSTM / nn.GRU with the gate blocks stacked in PyTorch's order."""
    cell, G = spec["cell"], spec["weights"]
    D, H = len(spec["inputs"][0]), len(spec["h0"])
    cls = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell]
    kw = {"nonlinearity": spec["activation"]} if cell == "rnn" else {}
    mod = cls(D, H, **kw).double()
    names = {"W": "weight_ih_l0", "U": "weight_hh_l0", "b": "bias_ih_l0", "bu": "bias_hh_l0"}
    with torch.no_grad():
        for p, attr in names.items():
            getattr(mod, attr).copy_(torch.cat([tt(G[k][p]) for k in GATES[cell]]))
    x = tt(spec["inputs"]).unsqueeze(1)
    h0 = tt(spec["h0"]).reshape(1, 1, H)
    state = (h0, tt(spec["c0"]).reshape(1, 1, H)) if cell == "lstm" else h0
    hs, _ = mod(x, state)
    hs = hs.squeeze(1)
    ys = hs @ tt(spec["output"]["W"]).T + tt(spec["output"]["b"]) if "output" in spec else hs
    loss = 0.5 * ((ys - tt(spec["targets"])) ** 2).sum()
    loss.backward()
    return mod, names, hs.detach(), float(loss.detach())


@pytest.mark.parametrize("seed,cell,T,D,H,Y", CASES)
def test_against_the_torch_modules(seed, cell, T, D, H, Y):
    spec = problem(seed, cell, T, D, H, Y)
    res = dlsolve.solve(spec).results
    mod, names, hs, loss = torch_module(spec)
    close(res["h"], hs)
    assert res["loss"] == pytest.approx(loss, abs=TOL)
    for p, attr in names.items():
        blocks = getattr(mod, attr).grad.split(H)
        for k, block in zip(GATES[cell], blocks):
            close(res[f"grad_{k}_{p}"], block)


def test_relu_kink_at_zero_as_torch():
    spec = {"kind": "rnn", "cell": "rnn", "activation": "relu", "inputs": [[0.0], [1.0]],
            "h0": [0.0], "weights": {"rnn": {"W": [[1.0]], "U": [[1.0]], "b": [0.0],
                                             "bu": [0.0]}},
            "targets": [[1.0], [0.0]], "loss": "half_sse"}
    sol = dlsolve.solve(spec)
    out, loss, grads = torch_cells(spec)
    for key, want in grads.items():
        close(sol.results[key], want)
    assert any("relu'(0) = 0" in n for n in sol.notes)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_pytorch_stacked_weights_read_as_the_gates(cell):
    spec = problem(300, cell, 3, 2, 2, 1)
    G = spec["weights"]
    stacked = {"weight_ih": [r for k in GATES[cell] for r in G[k]["W"]],
               "weight_hh": [r for k in GATES[cell] for r in G[k]["U"]],
               "bias_ih": [v for k in GATES[cell] for v in G[k]["b"]],
               "bias_hh": [v for k in GATES[cell] for v in G[k]["bu"]]}
    per_gate = dlsolve.solve(spec).results
    assert dlsolve.solve({**spec, "weights": stacked}).results == per_gate
    mod, names, hs, loss = torch_module(spec)
    close(per_gate["h"], hs)
