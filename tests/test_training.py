"""Training steps on networks: batches, dropout, L1/L2, optimizers with a start state.

torch float64 is the oracle (autograd for the gradients, torch.optim for the updates) on
random networks; finite differences for the penalised gradients; the contract's small cases
by hand.
"""

from __future__ import annotations

import json
import math
import random

import pytest
from conftest import run, write

import dlsolve

OPTIMIZERS = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam", "adamw"]
LOSSES = ["mse", "half_sse", "bce", "cce"]
ACTS = ["sigmoid", "tanh", "relu", "linear"]


def _rand(rng: random.Random, lo: float = -1, hi: float = 1) -> float:
    return round(rng.uniform(lo, hi), 3)


def _state(rng: random.Random, name: str, shapes: list[tuple[int, int]]) -> dict:
    """A random start state for ``name`` (non-negative where the state is a square)."""
    keys = {"momentum": ["velocity"], "nesterov": ["velocity"], "adagrad": ["accumulator"],
            "rmsprop": ["square_avg"], "adadelta": ["square_avg", "acc_delta"],
            "adam": ["m", "v"], "adamw": ["m", "v"]}.get(name, [])
    out: dict = {}
    for k in keys:
        lo = 0 if k in ("accumulator", "square_avg", "acc_delta", "v") else -1
        out[k] = {"weights": [[[_rand(rng, lo) for _ in range(i)] for _ in range(o)]
                              for o, i in shapes],
                  "biases": [[_rand(rng, lo) for _ in range(o)] for o, _ in shapes]}
    if name in ("adam", "adamw", "adagrad", "rmsprop", "adadelta") and rng.random() < 0.5:
        out["step"] = rng.randint(1, 5)
    return out


def random_spec(seed: int) -> dict:
    rng = random.Random(seed)
    loss = LOSSES[seed % len(LOSSES)]
    depth = rng.randint(1, 3)
    sizes = [rng.randint(1, 4) for _ in range(depth + 1)]
    if loss == "cce":
        sizes[-1] = max(2, sizes[-1])
    n_samples = rng.randint(1, 4)
    layers = []
    for i in range(depth):
        act = rng.choice(ACTS)
        if i == depth - 1:
            act = {"bce": "sigmoid", "cce": "softmax"}.get(loss, act)
        lay = {"weights": [[_rand(rng) for _ in range(sizes[i])] for _ in range(sizes[i + 1])],
               "bias": [_rand(rng, -0.5, 0.5) for _ in range(sizes[i + 1])], "activation": act}
        if i < depth - 1 and rng.random() < 0.5:
            p = rng.choice([0.2, 0.5])
            mask = [[rng.randint(0, 1) for _ in range(sizes[i + 1])] for _ in range(n_samples)]
            lay["dropout"] = {"p": p, "mask": mask if rng.random() < 0.5 else mask[0]}
        layers.append(lay)
    k = sizes[-1]
    targets = []
    for _ in range(n_samples):
        if loss == "cce":
            hot = rng.randrange(k)
            targets.append([1.0 if j == hot else 0.0 for j in range(k)])
        else:
            targets.append([round(rng.uniform(0.05, 0.95), 2) for _ in range(k)])
    inputs = [[_rand(rng) for _ in range(sizes[0])] for _ in range(n_samples)]
    spec = {"kind": "backprop", "inputs": inputs, "layers": layers, "targets": targets,
            "loss": loss, "epochs": rng.randint(1, 2)}
    reg = rng.choice([None, "l2", "l1", "both"])
    if reg:
        spec["regularization"] = {"l2": 0.05} if reg == "l2" else {"l1": 0.03} if reg == "l1" \
            else {"l2": 0.05, "l1": 0.03}
        if reg != "l1" and rng.random() < 0.3:
            spec["regularization"]["l2_form"] = "keras"
    name = OPTIMIZERS[(seed // len(LOSSES)) % len(OPTIMIZERS)]
    spec["optimizer"] = name
    hyper = {"lr": 0.05}
    if name in ("adam", "adamw", "rmsprop", "sgd") and rng.random() < 0.4:
        hyper["weight_decay"] = 0.01
    spec["hyper"] = hyper
    if rng.random() < 0.7:
        st = _state(rng, name, [(sizes[i + 1], sizes[i]) for i in range(depth)])
        if st:
            spec["state"] = st
    return spec


def _torch_optimizer(torch, name, hyper, params):
    o = torch.optim
    wd = hyper.get("weight_decay", {"adamw": 0.01}.get(name, 0.0))
    lr = hyper["lr"]
    if name == "sgd":
        return o.SGD(params, lr=lr, weight_decay=wd)
    if name in ("momentum", "nesterov"):
        return o.SGD(params, lr=lr, momentum=0.9, nesterov=name == "nesterov", weight_decay=wd)
    return {"adagrad": o.Adagrad, "rmsprop": o.RMSprop, "adadelta": o.Adadelta,
            "adam": o.Adam, "adamw": o.AdamW}[name](params, lr=lr, weight_decay=wd)


TORCH_STATE = {"velocity": "momentum_buffer", "m": "exp_avg", "v": "exp_avg_sq",
               "accumulator": "sum", "square_avg": "square_avg", "acc_delta": "acc_delta"}


def _set_state(torch, opt, spec, ws, bs):
    given = spec.get("state")
    if not given:
        return
    step = float(given.get("step", 0))
    for li, (w, b) in enumerate(zip(ws, bs)):
        for p, part in ((w, "weights"), (b, "biases")):
            st = opt.state[p]
            for key, vals in given.items():
                if key == "step":
                    continue
                st[TORCH_STATE[key]] = torch.tensor(vals[part][li], dtype=torch.float64)
            if spec["optimizer"] not in ("momentum", "nesterov", "sgd"):
                st["step"] = torch.tensor(step)
            for extra in ("exp_avg", "exp_avg_sq", "square_avg", "acc_delta", "sum"):
                needs = {"adam": ("exp_avg", "exp_avg_sq"), "adamw": ("exp_avg", "exp_avg_sq"),
                         "rmsprop": ("square_avg",), "adadelta": ("square_avg", "acc_delta"),
                         "adagrad": ("sum",)}.get(spec["optimizer"], ())
                if extra in needs and extra not in st:
                    st[extra] = torch.zeros_like(p)


def _torch_loss(torch, spec, ws, bs):
    from test_activation import TORCH

    F = torch.nn.functional
    total = 0
    n = len(spec["inputs"])
    for s, (x, t) in enumerate(zip(spec["inputs"], spec["targets"])):
        a = torch.tensor(x, dtype=torch.float64)
        for lay, w, b in zip(spec["layers"], ws, bs):
            z = w @ a + b
            a = torch.softmax(z, 0) if lay["activation"] == "softmax" else \
                TORCH[lay["activation"]](F, z)
            if "dropout" in lay:
                m = lay["dropout"]["mask"]
                row = m[s] if isinstance(m[0], list) else m
                a = a * torch.tensor(row, dtype=torch.float64) / (1 - lay["dropout"]["p"])
        tt = torch.tensor(t, dtype=torch.float64)
        name = spec["loss"]
        if name == "mse":
            e = ((tt - a) ** 2).mean()
        elif name == "half_sse":
            e = (0.5 * (tt - a) ** 2).sum()
        elif name == "bce":
            e = -(tt * a.log() + (1 - tt) * (1 - a).log()).mean()
        else:
            e = -(tt * a.log()).sum()
        total = total + e / n
    reg = spec.get("regularization", {})
    for w in ws:
        if reg.get("l2"):
            c = reg["l2"] if reg.get("l2_form") == "keras" else reg["l2"] / 2
            total = total + c * (w ** 2).sum()
        if reg.get("l1"):
            total = total + reg["l1"] * w.abs().sum()
    return total


def _flat(x):
    return [v for row in x for v in (_flat(row) if isinstance(row, list) else [row])] \
        if isinstance(x, list) else [x]


@pytest.mark.parametrize("seed", range(48))
def test_random_training_steps_match_torch(seed):
    torch = pytest.importorskip("torch")
    spec = random_spec(seed)
    r = dlsolve.solve(spec).results
    ws = [torch.tensor(lay["weights"], dtype=torch.float64, requires_grad=True)
          for lay in spec["layers"]]
    bs = [torch.tensor(lay["bias"], dtype=torch.float64, requires_grad=True)
          for lay in spec["layers"]]
    opt = _torch_optimizer(torch, spec["optimizer"], spec["hyper"], [p for wb in zip(ws, bs)
                                                                      for p in wb])
    _set_state(torch, opt, spec, ws, bs)
    for epoch in range(spec["epochs"]):
        opt.zero_grad()
        value = _torch_loss(torch, spec, ws, bs)
        value.backward()
        if epoch == 0:
            assert r["loss"] == pytest.approx(value.item(), rel=1e-9, abs=1e-12)
            assert _flat(r["grad_weights"]) == pytest.approx(
                _flat([w.grad.tolist() for w in ws]), rel=1e-9, abs=1e-12)
            assert _flat(r["grad_biases"]) == pytest.approx(
                _flat([b.grad.tolist() for b in bs]), rel=1e-9, abs=1e-12)
        opt.step()
    assert _flat(r["new_weights"]) == pytest.approx(_flat([w.tolist() for w in ws]),
                                                    rel=1e-9, abs=1e-12)
    assert _flat(r["new_biases"]) == pytest.approx(_flat([b.tolist() for b in bs]),
                                                   rel=1e-9, abs=1e-12)
    for key, name in TORCH_STATE.items():
        if f"{key}_weights" in r and spec["optimizer"] not in ("sgd",):
            got = [opt.state[w][name].tolist() for w in ws]
            assert _flat(r[f"{key}_weights"]) == pytest.approx(_flat(got), rel=1e-9, abs=1e-12)
    with torch.no_grad():
        assert r["final_loss"] == pytest.approx(_torch_loss(torch, spec, ws, bs).item(),
                                                rel=1e-9, abs=1e-12)


def test_random_specs_cover_every_feature():
    specs = [random_spec(s) for s in range(64)]
    assert {s["optimizer"] for s in specs} == set(OPTIMIZERS)
    assert {len(s["inputs"]) for s in specs} == {1, 2, 3, 4}
    assert sum("state" in s for s in specs) > 20
    assert sum(any("dropout" in lay for lay in s["layers"]) for s in specs) > 10
    assert {tuple(sorted(s.get("regularization", {}))) for s in specs} >= {(), ("l2",), ("l1",),
                                                                          ("l1", "l2")}


@pytest.mark.parametrize("l2_form", ["half", "keras"])
def test_penalised_gradients_against_finite_differences(l2_form):
    base = {"kind": "backprop", "inputs": [[0.5, -1.0], [1.5, 0.25]],
            "layers": [{"weights": [[0.3, -0.7], [0.2, 0.0]], "bias": [0.1, -0.1],
                        "activation": "tanh"},
                       {"weights": [[0.6, -0.4]], "bias": [0.05], "activation": "sigmoid"}],
            "targets": [[0.2], [0.9]], "loss": "bce", "learning_rate": 0.1,
            "regularization": {"l2": 0.1, "l1": 0.02, "l2_form": l2_form}}
    r = dlsolve.solve(base).results
    grads = _flat(r["grad_weights"])
    h = 1e-6
    k = 0
    for li, lay in enumerate(base["layers"]):
        for j, row in enumerate(lay["weights"]):
            for i, w in enumerate(row):
                if w == 0:  # the l1 kink: subgradient 0 there
                    assert grads[k] == pytest.approx(_flat(r["grad_weights"])[k])
                    k += 1
                    continue
                vals = []
                for sign in (1, -1):
                    spec = json.loads(json.dumps(base))
                    spec["layers"][li]["weights"][j][i] = w + sign * h
                    vals.append(dlsolve.solve(spec).results["loss"])
                assert grads[k] == pytest.approx((vals[0] - vals[1]) / (2 * h), rel=1e-6)
                k += 1
    assert r["loss"] == pytest.approx(r["data_loss"] + r["penalty"], rel=1e-15)


@pytest.mark.parametrize("z", [10, 12.5, 15, 20, 25, 27.6, 30, 35, 40])
def test_saturated_sigmoid_bce_solves_with_an_exact_gradient(tmp_path, z):
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 50
    spec = {"kind": "backprop", "inputs": [1.0],
            "layers": [{"weights": [[z]], "bias": [0], "activation": "sigmoid"}],
            "targets": [0], "loss": "bce", "learning_rate": 0.1}
    path = write(tmp_path, json.dumps(spec))
    res = run(["backprop", path, "--format", "json"])
    assert res.exit_code == 0, res.stderr
    r = json.loads(res.stdout)["results"]
    p = 1 / (1 + mp.e ** (-mp.mpf(z)))
    clipped = p > 1 - mp.mpf("1e-12")
    exact = 0.0 if clipped else float(p)     # d/dw of -ln(1 - σ(w)) at x = 1: σ(w)
    assert r["grad_w1_11"] == pytest.approx(exact, rel=1e-12, abs=0 if not clipped else 1e-300)
    assert r["deltas"][0][0] == pytest.approx(exact, rel=1e-12)


def _bad(tmp_path, layers_extra=None, top=None, kind="backprop"):
    spec = {"kind": kind, "inputs": [1, 2],
            "layers": [{"weights": [[1, 0], [0, 1]], "bias": 0, "activation": "linear",
                        **(layers_extra or {})},
                       {"weights": [[1, 1]], "bias": 0}],
            "targets": [1], "loss": "half_sse", "learning_rate": 0.1, **(top or {})}
    res = run([kind, write(tmp_path, json.dumps(spec))])
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    return res.stderr


def test_bad_dropout_and_optimizer_inputs(tmp_path):
    assert "dropout.mask: expected 2 mask entries (one per unit of this layer), got 3" in _bad(
        tmp_path, {"dropout": {"p": 0.5, "mask": [1, 0, 1]}})
    assert "dropout.mask[1]: expected 0 (dropped) or 1 (kept), got 0.5" in _bad(
        tmp_path, {"dropout": {"p": 0.5, "mask": [1, 0.5]}})
    assert "dropout.p: expected a probability in [0, 1), got 1" in _bad(
        tmp_path, {"dropout": {"p": 1, "mask": [1, 0]}})
    assert "dropout.p: expected a probability in [0, 1), got -0.1" in _bad(
        tmp_path, {"dropout": {"p": -0.1, "mask": [1, 0]}})
    assert "dropout.keep: expected a probability in (0, 1], got 0" in _bad(
        tmp_path, {"dropout": {"keep": 0, "mask": [1, 0]}})
    err = _bad(tmp_path, top={"optimizer": "adamm"})
    assert "optimizer: expected one of" in err and "did you mean 'adam'?" in err
    err = _bad(tmp_path, top={"optimizer": "momentum",
                              "state": {"velocity": {"weights": [[[1, 0]], [[1, 1]]]}}})
    assert "state.velocity.weights: expected one matrix per layer shaped like the weights " \
           "(layer 1: 2×2; layer 2: 1×2)" in err
    err = _bad(tmp_path, top={"optimizer": "adam", "state": {"velocity": {}}})
    assert "state.velocity: unknown field; known fields: m, v, step" in err


def test_every_error_of_a_file_in_one_run(tmp_path):
    spec = {"kind": "backprop", "inputs": [1, 2],
            "layers": [{"weights": [[1, 0], [0, 1]], "bias": [0, 0, 0], "activation": "tanhh"},
                       {"weights": [[1, 1]], "bias": [0, 1]}],
            "targets": [1, 2], "loss": "half_sse", "lr": 0.1}
    err = run(["backprop", write(tmp_path, json.dumps(spec))]).stderr
    assert "layers[0].bias: expected 2 biases (one per unit) or one number, got 3" in err
    assert "layers[1].bias: expected 1 biases (one per unit) or one number, got 2" in err
    assert "layers[0].activation" in err
    assert "targets: expected 1 target(s)" in err


def test_lr_alias_and_missing_learning_rate_message(tmp_path):
    spec = {"kind": "forward", "inputs": [1.0], "layers": [{"weights": [[2.0]], "bias": 0}],
            "targets": [1.0]}
    p = write(tmp_path, json.dumps(spec))
    err = run(["backprop", p]).stderr.strip()
    assert err.endswith("learning_rate: missing: backprop needs a step size; add a line such "
                        "as `learning_rate: 0.5` (or give --lr 0.5)")
    assert run(["backprop", p, "--lr", "0.5", "--format", "json"]).exit_code == 0
    spec["lr"] = 0.5
    r = json.loads(run(["backprop", write(tmp_path, json.dumps(spec), "b.yaml"), "--format",
                        "json"]).stdout)["results"]
    assert r["new_weights"] == [[[2.0 - 0.5 * 1.0]]]


def test_the_numpy_path_for_big_networks_matches_the_unit_by_unit_kernel(monkeypatch):
    import dlsolve.kernels.dense as dense

    rng = random.Random(5)
    sizes = [70, 30, 3]
    layers = [{"weights": [[_rand(rng, -0.2, 0.2) for _ in range(sizes[i])]
                           for _ in range(sizes[i + 1])],
               "bias": [_rand(rng, -0.1, 0.1) for _ in range(sizes[i + 1])],
               "activation": "tanh" if i == 0 else "softmax"} for i in range(2)]
    layers[0]["dropout"] = {"p": 0.25, "mask": [[rng.randint(0, 1) for _ in range(30)]
                                                for _ in range(3)]}
    spec = {"kind": "backprop", "inputs": [[_rand(rng) for _ in range(70)] for _ in range(3)],
            "layers": layers, "targets": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "loss": "cce",
            "optimizer": "adam", "hyper": {"lr": 0.01}, "regularization": {"l2": 0.01}}
    fast = dlsolve.solve(spec).results
    monkeypatch.setattr(dense, "MIN_PARAMS", 10 ** 9)
    slow = dlsolve.solve(spec).results
    for key in ("loss", "grad_weights", "grad_biases", "new_weights", "deltas", "layer_dE_da",
                "outputs", "final_loss", "m_weights"):
        assert _flat(fast[key]) == pytest.approx(_flat(slow[key]), rel=1e-12, abs=1e-15), key


def test_bundled_training_problems_by_hand():
    from pathlib import Path

    problems = Path(__file__).parent.parent / "problems"
    r = dlsolve.solve(problems / "batch-linear-neuron.yaml").results
    assert (r["loss"], r["grad_weights"], r["grad_biases"]) == (1.25, [[[-5.0, -7.0]]], [[-2.0]])
    r = dlsolve.solve(problems / "dropout-hidden-layer.yaml").results
    # h = [relu(0.2)·1/0.5, 0] = [0.4, 0]; o = 0.4; δ_o = -0.6; δ_h1 = -0.6·2 = -1.2
    assert r["layer_outputs"][0] == [pytest.approx(0.4), 0.0]
    assert r["grad_weights"][0] == [[pytest.approx(-1.2), pytest.approx(-2.4)], [0.0, 0.0]]
    r = dlsolve.solve(problems / "l2-logistic-neuron.yaml").results
    y = 1 / (1 + math.exp(1.3))
    assert r["penalty"] == pytest.approx(0.05 * (0.25 + 1.0))
    assert r["grad_w1"] == pytest.approx((y - 1) * 1.0 + 0.1 * 0.5, rel=1e-12)
    assert r["grad_b"] == pytest.approx(y - 1, rel=1e-12)
    r = dlsolve.solve(problems / "adam-mazur-network.yaml").results
    # two Adam steps from zero moments move each weight by about 2·lr against its gradient
    assert r["new_weights"][0][0][0] == pytest.approx(0.15 - 0.02, abs=1e-4)


def test_check_grades_a_batch_by_the_results_names(tmp_path):
    from pathlib import Path

    spec = Path(__file__).parent.parent / "problems" / "batch-linear-neuron.yaml"
    answers = write(tmp_path, "loss: 1.25\ngrad_weights: [[[-5, -7]]]\nnew_biases: [[0.6]]\n",
                    "answers.yaml")
    res = run(["check", str(spec), answers, "--format", "json"])
    assert res.exit_code == 1 and "Traceback" not in res.stderr
    items = {i["name"]: i["ok"] for i in json.loads(res.stdout)["results"]["items"]}
    assert items == {"loss": True, "grad_weights": True, "new_biases": False}


def test_generated_training_variants_use_every_feature():
    from dlsolve.generate import variants

    specs = [spec for _, spec in variants("training", 4, 40)]
    assert any(isinstance(s["inputs"][0], list) for s in specs)
    assert any("dropout" in s["layers"][0] for s in specs)
    assert any("regularization" in s for s in specs)
    assert {s.get("optimizer") for s in specs} >= {"momentum", "adam", "rmsprop"}
    for s in specs[:10]:
        assert dlsolve.solve(s).results["loss"] >= 0


def test_forward_batch_results_gain_a_sample_axis():
    spec = {"kind": "forward", "inputs": [[1, 2], [3, 4], [0, 1]],
            "layers": [{"weights": [[1, -1]], "bias": [0.5], "activation": "relu"}],
            "targets": [0, 1, 1], "loss": "half_sse"}
    r = dlsolve.solve(spec).results
    assert r["outputs"] == [[0.0], [0.0], [0.0]]
    assert r["z_o1"] == [-0.5, -0.5, -0.5]
    assert r["per_sample"] == [0.0, 0.5, 0.5]
    assert r["loss"] == pytest.approx(1 / 3)
    assert r["dE_do1"] == [0.0, -1 / 3, -1 / 3]   # the 1/N of the mean inside
    assert r["do1_dz"] == [0.0, 0.0, 0.0]


def test_named_form_optimizer_state_and_history():
    spec = {"kind": "backprop", "inputs": {"x": 1.0}, "values": {"w": 0.5, "b": 0.0},
            "units": {"y": {"inputs": {"x": "w"}, "bias": "b"}}, "targets": [0.0],
            "loss": "half_sse", "optimizer": "momentum", "hyper": {"lr": 0.1, "momentum": 0.5},
            "state": {"velocity": {"w": 1.0}}, "epochs": 2}
    r = dlsolve.solve(spec).results
    # epoch 1: g_w = 0.5, v_w = 0.5·1 + 0.5 = 1, w = 0.4; g_b = 0.5, v_b = g (fresh), b = -0.05
    assert r["history"][0] == {"w": pytest.approx(0.4), "b": pytest.approx(-0.05)}
    # epoch 2: y = 0.35, g = 0.35: v_w = 0.5 + 0.35 = 0.85, v_b = 0.25 + 0.35 = 0.6
    assert r["velocity_w"] == pytest.approx(0.85) and r["velocity_b"] == pytest.approx(0.6)
    assert r["new_w"] == pytest.approx(0.4 - 0.085)
    assert r["dE_dy"] == pytest.approx(0.5) and r["dy_dz"] == 1.0


def _texts(sol, level="full"):
    return " ".join(getattr(s, "text", "") for s in sol.steps if getattr(s, "text", None))


def test_identical_units_and_vanishing_gradients_are_noted():
    spec = {"kind": "backprop", "inputs": [1.0, 2.0],
            "layers": [{"weights": [[0.5, 0.5], [0.5, 0.5]], "bias": 0, "activation": "sigmoid"},
                       {"weights": [[1.0, 1.0]], "bias": 0, "activation": "sigmoid"}],
            "targets": [1.0], "loss": "half_sse", "learning_rate": 0.1}
    text = _texts(dlsolve.solve(spec))
    assert "h1, h2 of layer 1 start with identical weights" in text
    deep = {"kind": "backprop", "inputs": [1.0],
            "layers": [{"weights": [[0.1]], "bias": 0, "activation": "sigmoid"}] * 4 +
                      [{"weights": [[0.1]], "bias": 0, "activation": "sigmoid"}],
            "targets": [1.0], "loss": "half_sse", "learning_rate": 0.1}
    sol = dlsolve.solve(deep)
    assert "(vanishing gradients)" in _texts(sol)
    assert any(getattr(s, "title", "") == "Gradient size per layer (weights)" and
               s.detail == "exam" for s in sol.steps)


def test_rounding_never_collapses_a_sigmoid_output_onto_the_clip():
    spec = {"kind": "backprop", "inputs": [1.0],
            "layers": [{"weights": [[12.0]], "bias": 0, "activation": "sigmoid"}],
            "targets": [0], "loss": "bce", "learning_rate": 0.1, "round": 4}
    sol = dlsolve.solve(spec)
    hand = sol.results["rounded"]
    assert 0.99999 < hand["outputs"][0] < 1.0
    assert hand["grad_w1_11"] == pytest.approx(1 / (1 + math.exp(-12)), rel=1e-5)
    assert "would round to 1" in _texts(sol)


def test_batch_sum_reduction_and_sparse_targets():
    spec = {"kind": "backprop", "inputs": [[1, 2], [3, 4]],
            "layers": [{"weights": [[1, -1]], "bias": [0.5], "activation": "linear"}],
            "targets": [[0], [1]], "loss": "mse", "reduction": "sum", "learning_rate": 0.1}
    r = dlsolve.solve(spec).results
    assert r["loss"] == 2.5 and r["grad_weights"] == [[[-10.0, -14.0]]]
    torch = pytest.importorskip("torch")
    spec = {"kind": "backprop", "inputs": [[1.0, 0.5], [-0.5, 2.0], [0.0, 1.0]],
            "layers": [{"weights": [[0.2, -0.3], [0.5, 0.1], [-0.4, 0.3]], "bias": 0.1,
                        "activation": "softmax"}],
            "targets": [2, 0, 1], "loss": "sparse_cce", "learning_rate": 0.1}
    r = dlsolve.solve(spec).results
    w = torch.tensor(spec["layers"][0]["weights"], dtype=torch.float64, requires_grad=True)
    b = torch.full((3,), 0.1, dtype=torch.float64, requires_grad=True)
    x = torch.tensor(spec["inputs"], dtype=torch.float64)
    loss = torch.nn.functional.cross_entropy(x @ w.T + b, torch.tensor([2, 0, 1]))
    loss.backward()
    assert r["loss"] == pytest.approx(loss.item(), rel=1e-12)
    assert _flat(r["grad_weights"]) == pytest.approx(_flat(w.grad.tolist()), rel=1e-9)


@pytest.mark.parametrize("extra, message", [
    ({"state": {"m": {}}}, "state: needs an optimizer: line"),
    ({"l2_form": "half"}, "l2_form: needs a penalty, e.g. `regularization: {l2: 0.01}`"),
    ({"inputs": [[1, 2], [3]]}, "inputs[1]: expected rows of equal length (2, as row 0), got "
                                "row 1 with 1"),
    ({"inputs": [[1, 2], [3, 4]]}, "targets: expected 2 targets, one row per sample, got 1"),
    ({"regularization": {"l2": -1}}, "regularization.l2: expected a number >= 0, got -1"),
    ({"optimizer": "adam", "state": {"step": -1}}, "state.step: expected a number >= 0, got -1"),
])
def test_bad_training_fields(tmp_path, extra, message):
    err = _bad(tmp_path, top=extra)
    assert message in err and len(err.strip().splitlines()) == 1


def test_overflowing_sums_give_inf_not_a_crash(tmp_path):
    spec = {"kind": "backprop", "inputs": [1e308, 1e308],
            "layers": [{"weights": [[1e308, 1e308]], "bias": 0}], "targets": [1],
            "loss": "half_sse", "learning_rate": 0.1}
    res = run(["backprop", write(tmp_path, json.dumps(spec)), "--format", "json"])
    assert res.exit_code == 0 and "Traceback" not in res.stderr


def test_an_optimizer_without_a_learning_rate_says_it_takes_pytorchs_default():
    spec = {"kind": "backprop", "inputs": [1.0], "layers": [{"weights": [[1.0]], "bias": 0}],
            "targets": [0.0], "loss": "half_sse", "optimizer": "sgd"}
    sol = dlsolve.solve(spec)
    assert sol.results["new_weights"] == [[[1.0 - 0.001 * 1.0]]]
    assert "PyTorch's default lr = 0.001" in _texts(sol)


def test_keep_everything_dropout_changes_nothing():
    spec = random_spec(3)
    spec["layers"][0].pop("dropout", None)
    plain = dlsolve.solve(spec).results
    if len(spec["layers"]) > 1:
        units = len(spec["layers"][0]["weights"])
        spec["layers"][0]["dropout"] = {"p": 0.0, "mask": [1] * units}
    same = dlsolve.solve(spec).results
    assert _flat(same["new_weights"]) == _flat(plain["new_weights"])


hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies


@hypothesis.settings(max_examples=40, deadline=None, derandomize=True)
@hypothesis.given(p=st.one_of(st.floats(-1, 2), st.integers(-1, 2), st.text(max_size=3)),
                  mask=st.lists(st.one_of(st.integers(-1, 2), st.floats(0, 1), st.booleans()),
                                max_size=3),
                  l2=st.one_of(st.none(), st.floats(-1, 1), st.text(max_size=2)),
                  opt=st.sampled_from([None, "adam", "momentum", "adamm", 7]),
                  step=st.one_of(st.integers(-2, 3), st.floats(-1, 2)))
def test_hostile_training_fields_are_refused_or_solved(p, mask, l2, opt, step):
    from dlsolve.errors import SpecError

    spec = {"kind": "backprop", "inputs": [[1.0, 2.0], [0.5, -1.0]],
            "layers": [{"weights": [[0.5, -0.5], [0.2, 0.1]], "bias": 0, "activation": "tanh",
                        "dropout": {"p": p, "mask": mask}},
                       {"weights": [[1.0, -1.0]], "bias": 0}],
            "targets": [[1.0], [0.0]], "loss": "mse", "learning_rate": 0.1}
    if l2 is not None:
        spec["regularization"] = {"l2": l2}
    if opt is not None:
        spec["optimizer"] = opt
        spec["state"] = {"step": step}
    try:
        r = dlsolve.solve(spec).results
    except SpecError:
        return
    assert math.isfinite(r["loss"])


def test_dropout_without_a_mask_is_eval_mode_and_says_so():
    spec = {"kind": "forward", "inputs": [1, 2],
            "layers": [{"weights": [[1, 0], [0, 1]], "bias": 0, "activation": "linear",
                        "dropout": {"p": 0.5}},
                       {"weights": [[1, 1]], "bias": 0, "activation": "linear"}]}
    sol = dlsolve.solve(spec)
    assert sol.results["outputs"] == [3.0]
    assert "no mask: the layer is in eval mode" in _texts(sol)
