"""optimize from a given state (velocity, m, v, step) and gd/optimize rounded as by hand."""

import random

import pytest
from conftest import run, write

import dlsolve


def optimize(**spec):
    return dlsolve.solve({"kind": "optimize", **spec}).results


def test_momentum_from_a_given_velocity():
    # v = 0.9 * 2 + 0.5 = 2.3 (a given buffer is not replaced by the first gradient)
    r = optimize(optimizer="momentum", params=[1.0], gradients=[[0.5]],
                 hyper={"lr": 0.1, "momentum": 0.9}, state={"velocity": [2.0]})
    assert r["velocity"] == pytest.approx([2.3], abs=1e-12)
    assert r["final"] == pytest.approx([0.77], abs=1e-12)


def test_adam_goes_on_from_the_step_taken():
    # t = 2: m = 0.2, v = 0.04, m_hat / sqrt(v_hat) = 1/sqrt(0.75)
    r = optimize(optimizer="adam", params=[1.0], gradients=[[0.2]],
                 hyper={"lr": 0.1, "beta1": 0.5, "beta2": 0.5},
                 state={"m": [0.2], "v": [0.04], "step": 1})
    assert r["final"] == pytest.approx([1 - 0.1 / 0.75 ** 0.5], abs=1e-8)  # ε = 1e-8 aside
    assert r["m"] == pytest.approx([0.2]) and r["v"] == pytest.approx([0.04])


def test_worked_step_substitutes_the_start_state():
    sol = dlsolve.solve({"kind": "optimize", "optimizer": "momentum", "params": [1.0],
                         "gradients": [[0.5]], "hyper": {"lr": 0.1, "momentum": 0.9},
                         "state": {"velocity": [2.0]}})
    text = sol.render("text")
    assert "v = μ·v + (1 - τ)·g = 0.9·2 + (1 - 0)·0.5 = 2.3" in text
    assert "velocity" in sol.answer
    names = [g.meaning for g in sol.givens]
    assert "start velocity (momentum buffer)" in names and "learning rate" in names


TORCH = {  # our state name -> torch's, per optimizer
    "momentum": ("SGD", {"lr": 0.05, "momentum": 0.9}, {"velocity": "momentum_buffer"}),
    "nesterov": ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True},
                 {"velocity": "momentum_buffer"}),
    "adagrad": ("Adagrad", {"lr": 0.1, "lr_decay": 0.01}, {"accumulator": "sum"}),
    "rmsprop": ("RMSprop", {"lr": 0.01, "centered": True, "momentum": 0.5},
                {"square_avg": "square_avg", "grad_avg": "grad_avg",
                 "velocity": "momentum_buffer"}),
    "adadelta": ("Adadelta", {"lr": 1.0}, {"square_avg": "square_avg",
                                            "acc_delta": "acc_delta"}),
    "adam": ("Adam", {"lr": 0.05}, {"m": "exp_avg", "v": "exp_avg_sq"}),
    "adamw": ("AdamW", {"lr": 0.05}, {"m": "exp_avg", "v": "exp_avg_sq"}),
}


@pytest.mark.parametrize("name", sorted(TORCH))
def test_start_state_matches_torch(name):
    torch = pytest.importorskip("torch")
    tname, hyper, names = TORCH[name]
    rng = random.Random(name)
    start = [rng.uniform(-1, 1) for _ in range(3)]
    grads = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(4)]
    state = {k: [rng.uniform(0.01, 1) for _ in range(3)] for k in names}
    if "grad_avg" in state:  # centered RMSprop: grad_avg² <= square_avg
        state["grad_avg"] = [0.5 * s ** 0.5 for s in state["square_avg"]]
    step = rng.randint(1, 5)
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    o = getattr(torch.optim, tname)([p], **hyper)
    ours = {"nesterov": {"nesterov": True, "momentum": 0.9}}.get(name, {})
    o.state[p] = {"step": torch.tensor(float(step), dtype=torch.float64)}
    for k, tk in names.items():
        o.state[p][tk] = torch.tensor(state[k], dtype=torch.float64)
    for g in grads:
        p.grad = torch.tensor(g, dtype=torch.float64)
        o.step()
    hyp = {k: v for k, v in hyper.items() if k not in ("nesterov",)} | ours
    if name in ("momentum", "nesterov"):
        hyp.pop("momentum", None)
        hyp.pop("nesterov", None)
    r = optimize(optimizer=name, params=start, gradients=grads, hyper=hyp,
                 state={**state, "step": step})
    assert r["final"] == pytest.approx(p.detach().tolist(), rel=1e-12, abs=1e-14)
    for k, tk in names.items():
        assert r[k] == pytest.approx(o.state[p][tk].tolist(), rel=1e-12, abs=1e-14)


def test_gd_rounded_table_and_full_precision_beside_it():
    r = dlsolve.solve({"kind": "gd", "function": "x**2", "start": [1.5], "learning_rate": 0.1,
                       "steps": 3, "round": 2}).results
    assert r["trajectory"] == [[1.5], [1.2], [0.96], [0.77]]
    assert r["trajectory_full"][-1] == pytest.approx([0.768])
    assert r["final"] == [0.77] and r["final_full"] == pytest.approx([0.768])


def test_gd_rounding_carries_into_later_rows():
    # f = x^2 - y^2 from (2, 3), α = 0.3, 1 decimal: y 3 -> 4.8 -> 7.7 (4.8 * 1.6 = 7.68)
    r = dlsolve.solve({"kind": "gd", "function": "x**2 - y**2", "start": [2, 3],
                       "learning_rate": 0.3, "steps": 2, "round": 1}).results
    assert r["trajectory"] == [[2, 3], [0.8, 4.8], [0.3, 7.7]]
    assert r["trajectory_full"][2] == pytest.approx([0.32, 7.68])


def test_optimize_rounded_table():
    r = optimize(optimizer="sgd", params=[1.0], gradients=[[0.37], [0.37]], hyper={"lr": 0.1},
                 round=2)
    assert r["history"] == [[1.0], [0.96], [0.92]]
    assert r["history_full"][-1] == pytest.approx([0.926])


def test_optimize_rounds_state_and_gradients():
    # Adam t=1: m = 0.1*0.333 -> 0.03 (3 decimals: 0.033), v = 0.001*0.110889 -> 0.0 (3 dec.)
    r = optimize(optimizer="momentum", params=[0.0], gradients=[[0.3333], [0.3333]],
                 hyper={"lr": 1.0, "momentum": 0.5}, round=2)
    # g -> 0.33; v1 = 0.33, p1 = -0.33; v2 = 0.5*0.33 + 0.33 = 0.495 -> 0.5 (half up), p2 = -0.83
    assert r["velocity"] == [0.5]
    assert r["history"] == [[0.0], [-0.33], [-0.83]]


def test_gd_table_shows_the_step_and_the_function_value():
    out = run(["gd", "--function", "x**2", "--start", "1.5", "--lr", "0.1", "--steps", "2",
               "--format", "text"]).stdout
    assert "| t | (x)" in out and "f(x)" in out and "α·∇f(x)" in out
    assert "| 0 | [1.5]  | 2.2500 | [3]   | [0.3]   |" in out   # one column, one decimals


@pytest.mark.parametrize("state,message", [
    ("{velocity: [1.0, 2.0]}", "state.velocity: expected 1 number(s), one per parameter, got 2"),
    ("{m: [1.0]}", "state.m: not a state of momentum (it has velocity; and step)"),
    ("{step: -1}", "state.step: expected"),
    ("[1, 2]", "state: expected a mapping of state names"),
    ("{velocity: [-1.0]}", None),
])
def test_bad_state(tmp_path, state, message):
    p = write(tmp_path, "kind: optimize\noptimizer: momentum\nparams: [1.0]\n"
                        f"gradients: [[0.5]]\nhyper: {{lr: 0.1}}\nstate: {state}\n")
    res = run(["optimize", p])
    if message is None:  # a negative velocity is a fine start
        assert res.exit_code == 0
        return
    assert res.exit_code == 2 and message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr


def test_negative_squares_are_refused(tmp_path):
    p = write(tmp_path, "kind: optimize\noptimizer: rmsprop\nparams: [1.0]\n"
                        "gradients: [[0.5]]\nhyper: {centered: true}\n"
                        "state: {square_avg: [0.01], grad_avg: [0.5]}\n")
    res = run(["optimize", p])
    assert res.exit_code == 2 and "grad_avg² must not exceed square_avg" in res.stderr
    p = write(tmp_path, "kind: optimize\noptimizer: adam\nparams: [1.0]\n"
                        "gradients: [[0.5]]\nstate: {v: [-0.01]}\n")
    assert "state.v: expected values >= 0" in run(["optimize", p]).stderr


def test_state_with_compare_is_refused(tmp_path):
    p = write(tmp_path, "kind: optimize\ncompare: [sgd, adam]\nparams: [1.0]\n"
                        "gradients: [[0.5]]\nstate: {m: [0.1]}\n")
    res = run(["optimize", p])
    assert res.exit_code == 2 and "belongs to one optimizer" in res.stderr


def test_round_must_be_a_small_whole_number(tmp_path):
    p = write(tmp_path, "kind: gd\nfunction: x**2\nstart: [1]\nlearning_rate: 0.1\nround: 99\n")
    res = run(["gd", p])
    assert res.exit_code == 2 and "round: expected" in res.stderr
