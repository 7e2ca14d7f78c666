"""Perceptron, gradient descent, optimizers and proofs: seeds, closed forms, torch.optim."""

import json
import math
import random

import pytest
from conftest import PROBLEMS, results, run, write

import dlsolve


def test_seed000_q5_only_the_first_candidate_implements_and():
    r = results(["perceptron", PROBLEMS / "seed000-q5-and-candidates.yaml"])
    assert r["implements"] == [True, False, False]
    assert r["outputs"] == [[0, 0, 0, 1], [1, 1, 1, 1], [1, 1, 1, 1]]


def test_seed003_threshold_form():
    r = results(["perceptron", PROBLEMS / "seed003-and-theta.yaml"])
    assert r["implements"] == [False, True]


def test_seed002_gates_and_xnor_network():
    for name in ("seed002-and-or-not", "seed002-or", "seed002-not"):
        assert results(["perceptron", PROBLEMS / f"{name}.yaml"])["implements"] == [True]
    r = results(["perceptron", PROBLEMS / "seed002-xnor-network.yaml"])
    assert r["implements"] == [True]
    assert r["outputs"] == [[1, 0, 0, 1]]
    assert results(["perceptron", PROBLEMS / "seed003-xor-two-layers.yaml"])["outputs"] == \
        [[0, 1, 1, 0]]


def test_step_at_zero_changes_the_verdict():
    spec = {"kind": "perceptron", "gate": "AND", "candidates": [{"weights": [1, 1],
                                                                 "bias": -2}]}
    assert dlsolve.solve(spec).results["implements"] == [True]
    assert dlsolve.solve({**spec, "step_at_zero": 0}).results["implements"] == [False]


def test_training_known_trace():
    r = results(["perceptron", PROBLEMS / "seed003-train-and.yaml"])
    assert r["converged"] is True
    # hand trace (rows 00, 01, 10, 11; w, b from 0; f(0) = 1):
    # epoch 1: 00 fires (b -1); 01: z=-1 ok; 10 ok; 11: z=-1, miss -> w=(1,1), b=0
    assert r["history"][0] == {"weights": [1.0, 1.0], "bias": 0.0}
    assert r["errors"][-1] == 0
    assert r["weights"] == [2.0, 1.0] and r["bias"] == -3.0
    assert r["epochs"] == len(r["errors"])


def test_xor_does_not_converge_and_says_why():
    r = results(["perceptron", PROBLEMS / "seed003-train-xor.yaml"])
    assert r["converged"] is False
    out = run(["perceptron", PROBLEMS / "seed003-train-xor.yaml", "--format", "text"]).stdout
    assert "not linearly separable" in out
    assert out.count("-- Epoch ") <= 6


def test_shuffle_is_reproducible():
    spec = {"kind": "perceptron", "gate": "OR", "train": {"shuffle": 3}}
    a, b = dlsolve.solve(spec).results, dlsolve.solve(spec).results
    assert a["history"] == b["history"] and a["converged"] is True


def test_1d_classifier():
    r = results(["perceptron", PROBLEMS / "seed003-threshold-1d.yaml"])
    assert r["converged"] is True
    w, b = r["weights"][0], r["bias"]
    assert 4 < -b / w < 5  # between the largest N (4) and the smallest P (5)


def test_gd_seed003_right_iterations():
    r = results(["gd", PROBLEMS / "seed003-gd-saddle.yaml"])
    assert r["trajectory"][1] == pytest.approx([1.6, 3.6])
    assert r["trajectory"][2] == pytest.approx([1.28, 4.32])  # the seed has (1.24, 3.72)
    assert r["final"] == pytest.approx([4.074071952668995e-10, 248453923.56604272], rel=1e-9)
    assert r["diverged"] is True
    assert r["gradient"] == ["2*x", "-2*y"]


@pytest.mark.parametrize("lr,steps", [(0.1, 7), (0.3, 12), (0.05, 25)])
def test_gd_closed_form(lr, steps):
    r = results(["gd", "--function", "x**2 - y**2", "--start", "2,3", "--lr", str(lr),
                 "--steps", str(steps)])
    for t, (x, y) in enumerate(r["trajectory"]):
        assert x == pytest.approx(2 * (1 - 2 * lr) ** t, rel=1e-12, abs=1e-300)
        assert y == pytest.approx(3 * (1 + 2 * lr) ** t, rel=1e-12)


def test_gd_converges_on_a_bowl():
    r = results(["gd", "--function", "(x - 1)^2 + 2*(y + 3)^2", "--start", "0,0", "--lr", "0.2",
                 "--steps", "200"])
    assert r["final"] == pytest.approx([1, -3], abs=1e-9)
    assert r["diverged"] is False
    out = run(["gd", "--function", "(x - 1)^2 + 2*(y + 3)^2", "--start", "0,0", "--lr", "0.2",
               "--steps", "200", "--format", "text"]).stdout
    assert "Converged" in out


def test_gd_overflow_is_a_stable_stop():
    r = results(["gd", "--function", "-exp(x)", "--start", "0", "--lr", "1", "--steps", "50"])
    assert r["diverged"] is True
    assert all(math.isfinite(v) for v in r["final"])


def test_unsafe_functions_are_rejected(tmp_path):
    for bad in ("__import__('os').system('echo pwned')", "x.__class__", "[x for x in y]",
                "open('f')", "x if x else y", "lambda: 1"):
        p = write(tmp_path, json.dumps({"kind": "gd", "function": bad, "start": [1],
                                        "learning_rate": 0.1, "steps": 1}))
        res = run(["gd", p])
        assert res.exit_code == 2, bad
        assert "function:" in res.stderr and "Traceback" not in res.output
    res = run(["gd", "--function", "x + z", "--variables", "x", "--start", "1", "--lr", "0.1"])
    assert "unknown name 'z': the variables are x" in res.stderr


def opt(name, hyper, grads=None, params=(1.0, 2.0)):
    spec = {"kind": "optimize", "optimizer": name, "params": list(params),
            "gradients": grads or [[0.5, -1.0], [-0.2, 0.3], [0.1, 0.1]], "hyper": hyper}
    return dlsolve.solve(spec).results


def test_adam_and_sgd_reference_values():
    assert opt("adam", {"lr": 0.1})["final"] == pytest.approx(
        [0.8275002408356956, 2.169610075211488], abs=1e-12)
    assert opt("sgd", {"lr": 0.1})["final"] == pytest.approx([0.96, 2.06], abs=1e-12)


def test_momentum_conventions_are_named_and_differ():
    pytorch = opt("momentum", {"lr": 0.1})
    ema = opt("momentum", {"lr": 0.1, "momentum_form": "ema"})
    inside = opt("momentum", {"lr": 0.1, "momentum_form": "lr_inside"})
    # first step: PyTorch v = g; ema v = (1 - μ)g; lr_inside v = lr·g
    assert pytorch["history"][1][0] == pytest.approx(1 - 0.1 * 0.5)
    assert ema["history"][1][0] == pytest.approx(1 - 0.1 * 0.1 * 0.5)
    assert inside["history"][1][0] == pytest.approx(1 - 0.1 * 0.5)
    # with a constant lr the two forms take the same steps; the velocity differs by lr
    assert inside["final"] == pytest.approx(pytorch["final"])
    assert inside["velocity"] == pytest.approx([0.1 * v for v in pytorch["velocity"]])
    assert ema["final"] != pytest.approx(pytorch["final"])
    out = run(["optimize", PROBLEMS / "seed003-momentum.yaml", "--format", "text"]).stdout
    assert "Momentum with the learning rate inside: v = μv + η·g, p ← p - v." in out


TORCH_CASES = [
    ("sgd", {"lr": 0.1}, "SGD", {"lr": 0.1}),
    ("sgd", {"lr": 0.1, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}, "SGD",
     {"lr": 0.1, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}),
    ("momentum", {"lr": 0.05}, "SGD", {"lr": 0.05, "momentum": 0.9}),
    ("nesterov", {"lr": 0.05}, "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("adagrad", {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.2}, "Adagrad",
     {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.2}),
    ("rmsprop", {"lr": 0.01}, "RMSprop", {"lr": 0.01}),
    ("rmsprop", {"lr": 0.01, "centered": True, "momentum": 0.5}, "RMSprop",
     {"lr": 0.01, "centered": True, "momentum": 0.5}),
    ("adadelta", {}, "Adadelta", {}),
    ("adam", {"lr": 0.05, "weight_decay": 0.1}, "Adam", {"lr": 0.05, "weight_decay": 0.1}),
    ("adamw", {"lr": 0.05}, "AdamW", {"lr": 0.05}),
]


@pytest.mark.parametrize("name,hyper,tname,thyper", TORCH_CASES)
def test_optimizers_match_torch(name, hyper, tname, thyper):
    torch = pytest.importorskip("torch")
    rng = random.Random(len(name) + len(hyper))
    grads = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(8)]
    start = [0.5, -1.0, 2.0]
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    o = getattr(torch.optim, tname)([p], **thyper)
    for g in grads:
        o.zero_grad()
        p.grad = torch.tensor(g, dtype=torch.float64)
        o.step()
    r = opt(name, hyper, grads, start)
    assert r["final"] == pytest.approx(p.detach().tolist(), rel=1e-12, abs=1e-14)


def test_optimizer_state_results():
    r = opt("adam", {"lr": 0.1})
    assert set(r) >= {"final", "history", "m", "v"}
    assert len(r["history"]) == 4
    assert set(opt("adadelta", {})) >= {"square_avg", "acc_delta"}
    assert "velocity" in opt("momentum", {})
    assert "accumulator" in opt("adagrad", {})


def test_optimize_on_a_function_and_compare():
    r = results(["optimize", "--optimizer", "sgd", "--function", "x**2", "--params", "1",
                 "--steps", "3", "--lr", "0.25"])
    assert [h[0] for h in r["history"]] == pytest.approx([1, 0.5, 0.25, 0.125])
    r = results(["optimize", PROBLEMS / "seed003-rmsprop-adagrad-adadelta.yaml"])
    assert set(r["final"]) == {"adagrad", "rmsprop", "adadelta", "adam"}


def test_optimizer_errors(tmp_path):
    p = write(tmp_path, "kind: optimize\noptimizer: adamax2\nparams: [1.0]\ngradients: [[0.1]]\n")
    res = run(["optimize", p])
    assert res.exit_code == 2 and "optimizer: expected one of sgd, momentum" in res.stderr
    p = write(tmp_path, "kind: optimize\noptimizer: adam\nparams: [1.0]\ngradients: [[0.1]]\n"
                        "hyper: {momentum: 0.9}\n", "b.yaml")
    assert "momentum: not a hyper-parameter of adam" in run(["optimize", p]).stderr


@pytest.mark.parametrize("name", ["sigmoid-derivative", "sigmoid-symmetry", "logit-inverse",
                                  "tanh-sigmoid", "tanh-derivative", "softmax-jacobian",
                                  "softmax-ce-gradient", "sigmoid-bce-gradient"])
def test_named_proofs_hold(name):
    r = results(["prove", name])
    assert r["holds"] is True and r["identity"] == name


def test_user_identity_matching_a_named_proof():
    out = run(["prove", "sigmoid(-z) = 1 - sigmoid(z)", "--format", "text"]).stdout
    assert "Multiply top and bottom by e^(-z)" in out
    assert "✓" in out


def test_user_identities_true_and_false():
    r = results(["prove", "exp(2*x) = exp(x)**2"])
    assert r["holds"] is True
    res = run(["prove", "sigmoid(z) = 1/(1 + exp(z))", "--format", "json"])  # seed 004's slip
    assert res.exit_code == 1  # a false identity exits 1, its counterexample printed
    r = json.loads(res.stdout)["results"]
    assert r["holds"] is False
    z = r["counterexample"]["z"]
    assert 1 / (1 + math.exp(-z)) != pytest.approx(1 / (1 + math.exp(z)))


def test_prove_errors():
    res = run(["prove", "x.__class__ = 1"])
    assert res.exit_code == 2 and "attribute access" in res.stderr
    res = run(["prove", "no equals sign"])
    assert res.exit_code == 2


def test_hostile_learning_rate_stops_cleanly():
    res = run(["optimize", PROBLEMS / "seed003-rmsprop-adagrad-adadelta.yaml", "--lr", "1e300",
               "--format", "json"])
    assert res.exit_code == 0
    doc = json.loads(res.stdout)
    assert "nan" not in json.dumps(doc["results"])
    assert any("left double precision" in n for n in doc["notes"])


def test_named_identities_hold_numerically():
    """Independent of SymPy: each named identity at random points, in plain math."""
    rng = random.Random(5)
    s = lambda z: 1 / (1 + math.exp(-z))  # noqa: E731
    for _ in range(50):
        z = rng.uniform(-5, 5)
        p = rng.uniform(0.01, 0.99)
        h = 1e-6
        assert (s(z + h) - s(z - h)) / (2 * h) == pytest.approx(s(z) * (1 - s(z)), rel=1e-6)
        assert s(-z) == pytest.approx(1 - s(z))
        assert s(math.log(p / (1 - p))) == pytest.approx(p)
        assert math.tanh(z) == pytest.approx(2 * s(2 * z) - 1)
        assert (math.tanh(z + h) - math.tanh(z - h)) / (2 * h) == pytest.approx(
            1 - math.tanh(z) ** 2, rel=1e-5, abs=1e-9)
        zs = [rng.uniform(-3, 3) for _ in range(3)]
        y = [0.0, 1.0, 0.0]

        def ce(v, y=y):
            m = max(v)
            lse = m + math.log(sum(math.exp(a - m) for a in v))
            return -sum(t * (a - lse) for t, a in zip(y, v))

        e = [math.exp(a) for a in zs]
        probs = [a / sum(e) for a in e]
        for j in range(3):
            up = list(zs)
            up[j] += h
            dn = list(zs)
            dn[j] -= h
            assert (ce(up) - ce(dn)) / (2 * h) == pytest.approx(probs[j] - y[j], abs=1e-6)
        t = rng.choice([0.0, 1.0])

        def bce(v, t=t):
            return -(t * math.log(s(v)) + (1 - t) * math.log(1 - s(v)))

        assert (bce(z + h) - bce(z - h)) / (2 * h) == pytest.approx(s(z) - t, abs=1e-6)
