"""The slip catalogue of the newer losses, norm, attention, rnn, pool and convshape: each slip
planted in an answers file (its value worked here from the problem's numbers) gets its hint
from check; the right answers get no slip hint."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from conftest import run, write

from dlsolve import solve

SLIP = "looks like a known slip — "


def yaml(v) -> str:
    """A value as the answers file writes it: ten decimals, so that rounding decides nothing."""
    if isinstance(v, list):
        return "[" + ", ".join(yaml(x) for x in v) + "]"
    return f"{v:.10f}" if isinstance(v, float) else json.dumps(v)


def graded(tmp_path, spec: str, answers: dict):
    p = write(tmp_path, spec, "spec.yaml")
    a = write(tmp_path, "".join(f"{k}: {yaml(v)}\n" for k, v in answers.items()), "answers.yaml")
    res = run(["check", p, a, "--format", "json"])
    assert "Traceback" not in res.output and res.exit_code in (0, 1), res.output
    doc = json.loads(res.stdout)
    return res.exit_code, " ".join(s.get("text", "") for s in doc["steps"] if s["type"] == "note")


def assert_slip(tmp_path, spec: str, answers: dict, hint: str):
    code, notes = graded(tmp_path, spec, answers)
    assert code == 1 and SLIP + hint in notes, notes


def assert_right(tmp_path, spec: str, keys: tuple[str, ...]):
    results = solve(write(tmp_path, spec, "right.yaml")).results
    code, notes = graded(tmp_path, spec, {k: results[k] for k in keys})
    assert code == 0 and SLIP not in notes, notes


def mean(xs):
    return math.fsum(xs) / len(xs)


# ---- huber and smooth L1 ----------------------------------------------------------------

PRED, T = [0.9, -0.1, -0.5], [0.3, -1.2, 2.0]   # d = o - t = 0.6, 1.1, -2.5
D = [o - t for o, t in zip(PRED, T)]


def huber_spec(delta):
    return f"kind: loss\nloss: huber\ndelta: {delta}\npredictions: {PRED}\ntargets: {T}\n"


def huber(d, delta, q=lambda d: 0.5 * d * d, lin=None):
    lin = lin or (lambda d: delta * (abs(d) - 0.5 * delta))
    return q(d) if abs(d) <= delta else lin(d)


@pytest.mark.parametrize("delta,value,hint", [
    (1, mean([0.5 * d * d for d in D]), "the quadratic branch ½d² was used where |d| > δ"),
    (1, mean([abs(d) - 0.5 for d in D]), "the linear branch δ(|d| - ½δ) was used where |d| ≤ δ"),
    (1, mean([huber(d, 1, q=lambda d: d * d) for d in D]), "the ½ of ½d² was left out"),
    (1, mean([huber(d, 1, lin=lambda d: abs(d) - 1) for d in D]), "the ½ of δ(|d| - ½δ) was "
                                                                  "left out"),
    (2, mean([huber(d, 2, lin=lambda d: abs(d) - 1) for d in D]), "the δ factor of "
                                                                  "δ(|d| - ½δ) was left out"),
    (1, math.fsum(huber(d, 1) for d in D), "the terms were summed"),
])
def test_huber_slips(tmp_path, delta, value, hint):
    assert_slip(tmp_path, huber_spec(delta), {"loss": value}, hint)


def test_huber_gradient_slips_and_right_answers(tmp_path):
    assert_slip(tmp_path, huber_spec(1), {"gradient": [d / 3 for d in D]},
                "the quadratic branch ½d² was used where |d| > δ")
    assert_slip(tmp_path, huber_spec(1), {"gradient": [math.copysign(1, d) / 3 for d in D]},
                "the linear branch")
    for delta in (1, 2, 0.5):
        assert_right(tmp_path, huber_spec(delta), ("loss", "per_sample", "gradient"))


def smooth_spec(beta):
    return f"kind: loss\nloss: smooth_l1\nbeta: {beta}\npredictions: [0.5, 3]\ntargets: [0, 0]\n"


@pytest.mark.parametrize("beta,terms,hint", [
    (2, [0.25 / 4, 9 / 4], "the quadratic branch ½d²/β was used where |d| ≥ β"),
    (2, [0.5 - 1, 3 - 1], "the linear branch |d| - ½β was used where |d| < β"),
    (0.8, [0.25 / 0.8, 3 - 0.4], "the ½ of ½d²/β was left out"),
    (0.8, [0.25 / 1.6, 3 - 0.8], "the ½ of |d| - ½β was left out"),
    (0.8, [0.125, 3 - 0.4], "the /β of ½d²/β was left out"),
    (2, [2 * 0.25 / 4, 2 * (3 - 1)], "that is the Huber loss with δ = β"),
])
def test_smooth_l1_slips(tmp_path, beta, terms, hint):
    assert_slip(tmp_path, smooth_spec(beta), {"loss": mean(terms)}, hint)
    assert_right(tmp_path, smooth_spec(beta), ("loss", "gradient"))


# ---- KL, focal, multiclass SVM, squared hinge -------------------------------------------

KL = "kind: loss\nloss: kl_divergence\npredictions: [0.5, 0.5]\ntargets: [0.2, 0.8]\n"


def test_kl_slips(tmp_path):
    swapped = 0.5 * math.log(0.5 / 0.2) + 0.5 * math.log(0.5 / 0.8)
    assert_slip(tmp_path, KL, {"loss": swapped}, "the arguments were swapped: that is "
                                                 "Σ p ln(p/t)")
    assert_slip(tmp_path, KL, {"gradient": [math.log(0.5 / 0.2) + 1, math.log(0.5 / 0.8) + 1]},
                "the arguments were swapped")
    assert_slip(tmp_path, KL, {"loss": math.log(2)}, "that is the cross-entropy -Σ t ln p")
    assert_right(tmp_path, KL, ("loss", "gradient"))


def test_kl_swapped_is_not_offered_for_a_zero_target(tmp_path):
    spec = "kind: loss\nloss: kl_divergence\npredictions: [0.6, 0.4]\ntargets: [0, 1]\n"
    code, notes = graded(tmp_path, spec, {"loss": 0.6 * math.log(0.6 / 1e-12)})
    assert code == 1 and SLIP not in notes


FOCAL = ("kind: loss\nloss: focal\ngamma: 2\nalpha: 0.25\npredictions: [0.9, 0.2, 0.6]\n"
         "targets: [1, 0, 0]\n")
P_T, ALPHA_T, P = [0.9, 0.8, 0.4], [0.25, 0.75, 0.75], [0.9, 0.2, 0.6]


def focal(alpha_t=ALPHA_T, factor=None):
    factor = factor or [(1 - pt) ** 2 for pt in P_T]
    return mean([a * f * -math.log(pt) for a, f, pt in zip(alpha_t, factor, P_T)])


@pytest.mark.parametrize("value,hint", [
    (focal(alpha_t=[1, 1, 1]), "the α weighting was left out"),
    (focal(alpha_t=[0.75, 0.25, 0.25]), "α and 1 - α were swapped"),
    (focal(factor=[(1 - p) ** 2 for p in P]), "(1 - p)^γ was used for t = 0 too"),
    (focal(factor=[1, 1, 1]), "the modulating factor (1 - p_t)^γ was left out"),
    (3 * focal(), "the terms were summed"),
])
def test_focal_slips(tmp_path, value, hint):
    assert_slip(tmp_path, FOCAL, {"loss": value}, hint)


def test_focal_right_answers(tmp_path):
    assert_right(tmp_path, FOCAL, ("loss", "per_sample", "gradient"))


SVM = "kind: loss\nloss: multiclass_svm\npredictions: [3.2, 5.1, -1.7]\ntargets: [0]\n"


def test_multiclass_svm_slips(tmp_path):
    # CS231n: margins 5.1 - 3.2 + 1 = 2.9 and -1.7 - 3.2 + 1 = -3.9; the loss is 2.9
    assert_slip(tmp_path, SVM, {"loss": 2.9 + 1}, "the j = y term was counted")
    assert_slip(tmp_path, SVM, {"loss": 2.9 - 3.9}, "max(0, ·) was left out")
    assert_slip(tmp_path, SVM, {"gradient": [-2, 1, 1]}, "max(0, ·) was left out")
    assert_right(tmp_path, SVM, ("loss", "gradient"))


SQH = ("kind: loss\nloss: squared_hinge\npredictions: [0.3, 0.4, 1.7, -2.2]\n"
       "targets: [1, -1, 1, -1]\n")
MARGINS = [0.7, 1.4, -0.7, -1.2]  # 1 - t·o


def test_squared_hinge_slips(tmp_path):
    assert_slip(tmp_path, SQH, {"loss": mean([max(0, m) for m in MARGINS])},
                "the square was left out: that is the hinge loss")
    assert_slip(tmp_path, SQH, {"loss": mean([m * m for m in MARGINS])},
                "max(0, ·) was left out before squaring")
    assert_slip(tmp_path, SQH, {"gradient": [-0.25, 0.25, 0, 0]}, "the square was left out")
    assert_right(tmp_path, SQH, ("loss", "gradient"))


def test_batch_of_samples_reduces_the_slip_as_the_loss(tmp_path):
    spec = ("kind: loss\nloss: huber\npredictions: [[0.9, -0.1], [-0.5, 0.0]]\n"
            "targets: [[0.3, -1.2], [2.0, 0.0]]\n")
    quad = mean([mean([0.5 * 0.36, 0.5 * 1.21]), mean([0.5 * 6.25, 0])])
    assert_slip(tmp_path, spec, {"loss": quad}, "the quadratic branch")
    assert_right(tmp_path, spec, ("loss", "per_sample", "gradient"))


# ---- a network with a newer loss ----------------------------------------------------------

NET = """kind: backprop
inputs: [0.5, -1.0]
layers:
  - weights: [[0.3, -0.2], [0.1, 0.4]]
    bias: [0.1, -0.1]
    activation: linear
targets: [2.0, 0.1]
loss: huber
delta: 0.4
learning_rate: 0.1
"""


def test_network_loss_and_dE_do_slips(tmp_path):
    o = [0.3 * 0.5 + 0.2 + 0.1, 0.1 * 0.5 - 0.4 - 0.1]   # 0.45, -0.45
    d = [o[0] - 2.0, o[1] - 0.1]                         # both beyond δ = 0.4
    assert_slip(tmp_path, NET, {"loss": mean([0.5 * v * v for v in d])}, "the quadratic branch")
    assert_slip(tmp_path, NET, {"dE_do1": d[0] / 2}, "the quadratic branch")
    assert_slip(tmp_path, NET, {"loss": math.fsum(0.4 * (abs(v) - 0.2) for v in d)},
                "the terms were summed")
    assert_right(tmp_path, NET, ("loss", "dE_do1", "dE_do2", "outputs"))


# ---- normalisation ----------------------------------------------------------------------

X = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0]])


def bn_spec(kind="batchnorm", eps=1e-5, x=X):
    return (f"kind: norm\ntype: {kind}\ninput: {x.tolist()}\nepsilon: {eps}\ngamma: [2, 1]\n"
            "beta: [0.5, 0]\nrunning_var: [1, 2]\n")


def normalised(var, axis, eps=1e-5, x=X):
    mu = x.mean(axis=axis, keepdims=True)
    v = np.expand_dims(var, axis)
    x_hat = (x - mu) / np.sqrt(v + eps)
    return x_hat, x_hat * np.array([2.0, 1.0]) + np.array([0.5, 0.0])


def test_batchnorm_unbiased_variance(tmp_path):
    var_u = X.var(axis=0, ddof=1)
    x_hat, y = normalised(var_u, 0)
    hint = "the unbiased variance (divided by N - 1) was used"
    assert_slip(tmp_path, bn_spec(), {"var": var_u.tolist()}, hint)
    assert_slip(tmp_path, bn_spec(), {"x_hat": x_hat.tolist()}, hint)
    assert_slip(tmp_path, bn_spec(), {"output": y.tolist()}, hint)


def test_batchnorm_over_the_wrong_axis(tmp_path):
    x_hat, y = normalised(X.var(axis=1), 1)
    hint = "each row (one sample over its features) was normalised: that is layer normalisation"
    assert_slip(tmp_path, bn_spec(), {"mean": X.mean(axis=1).tolist()}, hint)
    assert_slip(tmp_path, bn_spec(), {"x_hat": x_hat.tolist()}, hint)
    assert_slip(tmp_path, bn_spec(), {"output": y.tolist()}, hint)


def test_batchnorm_epsilon_forgotten(tmp_path):
    x_hat, y = normalised(X.var(axis=0), 0, eps=0.0)
    hint = "ε = 0.1 was left out of √(σ² + ε)"
    assert_slip(tmp_path, bn_spec(eps=0.1), {"x_hat": x_hat.tolist()}, hint)
    assert_slip(tmp_path, bn_spec(eps=0.1), {"output": y.tolist()}, hint)


def test_batchnorm_running_variance_takes_the_unbiased_one(tmp_path):
    biased = 0.9 * np.array([1.0, 2.0]) + 0.1 * X.var(axis=0)
    assert_slip(tmp_path, bn_spec(), {"running_var": biased.tolist()},
                "the biased batch variance went into the running update")
    assert_right(tmp_path, bn_spec(), ("mean", "var", "x_hat", "output", "running_mean",
                                       "running_var"))


def test_layernorm_slips(tmp_path):
    x = np.array([[0.0, 1.0, 2.0], [2.0, 2.0, 5.0]])
    spec = f"kind: norm\ntype: layernorm\ninput: {x.tolist()}\n"
    var_u = x.var(axis=1, ddof=1)
    x_hat = (x - x.mean(axis=1, keepdims=True)) / np.sqrt(var_u[:, None] + 1e-5)
    assert_slip(tmp_path, spec, {"x_hat": x_hat.tolist()}, "the unbiased variance (divided by "
                                                           "D - 1) was used")
    cols = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + 1e-5)
    assert_slip(tmp_path, spec, {"output": cols.tolist()}, "each column (one feature over the "
                                                           "batch) was normalised")
    assert_right(tmp_path, spec, ("mean", "var", "x_hat", "output"))


# ---- attention ----------------------------------------------------------------------------

Q = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
V = np.array([[1.0, 0.0], [0.0, 2.0], [3.0, 1.0]])
ATT = f"kind: attention\nqueries: {Q.tolist()}\nkeys: {Q.tolist()}\nvalues: {V.tolist()}\n"


def softmax_rows(s):
    e = np.exp(s - s.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_attention_without_scaling_and_with_the_softmax_down_the_columns(tmp_path):
    s = Q @ Q.T
    w = softmax_rows(s)
    assert_slip(tmp_path, ATT, {"weights": w.tolist()}, "the scores were not scaled by "
                                                        "1/√d_k = 1/√2")
    assert_slip(tmp_path, ATT, {"output": (w @ V).tolist()}, "the scores were not scaled")
    cols = softmax_rows((s / math.sqrt(2)).T).T
    hint = "the softmax ran down the columns (over the queries)"
    assert_slip(tmp_path, ATT, {"weights": cols.tolist()}, hint)
    assert_slip(tmp_path, ATT, {"output": (cols @ V).tolist()}, hint)
    assert_right(tmp_path, ATT, ("scores", "weights", "output"))


def test_attention_causal_mask_missing(tmp_path):
    spec = ATT + "mask: causal\n"
    w = softmax_rows(Q @ Q.T / math.sqrt(2))
    hint = "the causal mask was not applied"
    assert_slip(tmp_path, spec, {"weights": w.tolist()}, hint)
    assert_slip(tmp_path, spec, {"output": (w @ V).tolist()}, hint)
    assert_right(tmp_path, spec, ("weights", "output"))


def test_no_scaling_slip_when_d_k_is_one(tmp_path):
    spec = "kind: attention\nqueries: [[1], [2]]\nkeys: [[1], [0]]\nvalues: [[1], [3]]\n"
    w = softmax_rows(np.array([[1.0, 0.0], [2.0, 0.0]]))
    code, notes = graded(tmp_path, spec, {"weights": (w + 0.1).tolist()})
    assert code == 1 and "not scaled" not in notes


# ---- recurrent cells ----------------------------------------------------------------------

RNN = ("kind: rnn\ncell: rnn\ninputs: [1, 0.5]\nweights:\n  rnn: {W: [[0.5]], U: [[0.8]], "
       "b: [0.1]}\noutput: {W: [[2.0]], b: [-0.5]}\n")


def test_rnn_tanh_left_off(tmp_path):
    h1 = 0.5 + 0.1
    h2 = 0.25 + 0.1 + 0.8 * h1
    hint = "the activation (tanh) was not applied"
    assert_slip(tmp_path, RNN, {"h": [[h1], [h2]]}, hint)
    assert_slip(tmp_path, RNN, {"y": [[2 * h1 - 0.5], [2 * h2 - 0.5]]}, hint)


def test_rnn_previous_state_left_out(tmp_path):
    h = [math.tanh(0.6), math.tanh(0.35)]
    hint = "the previous hidden state was left out"
    assert_slip(tmp_path, RNN, {"h": [[h[0]], [h[1]]]}, hint)
    assert_slip(tmp_path, RNN + "targets: [[0.5], [0.2]]\nloss: half_sse\n",
                {"loss": 0.5 * (2 * h[0] - 1) ** 2 + 0.5 * (2 * h[1] - 0.7) ** 2}, hint)
    assert_right(tmp_path, RNN, ("h", "y"))


LSTM = """kind: rnn
cell: lstm
inputs: [[1]]
h0: [0.5]
c0: [1]
weights:
  i: {W: [[0.5]], U: [[1.0]], b: [0.0]}
  f: {W: [[0.25]], U: [[0.5]], b: [1.0]}
  g: {W: [[1.0]], U: [[0.5]], b: [0.0]}
  o: {W: [[-0.5]], U: [[1.0]], b: [0.5]}
"""


def sig(z):
    return 1 / (1 + math.exp(-z))


def test_lstm_slips(tmp_path):
    i, f, g, o = sig(0.5 + 0.5), sig(0.25 + 0.25 + 1), math.tanh(1 + 0.25), sig(-0.5 + 0.5 + 0.5)
    c = f * 1 + i * g
    assert_slip(tmp_path, LSTM, {"h": [[o * c]]}, "tanh was left off the cell state")
    i0, f0, g0, o0 = sig(0.5), sig(1.25), math.tanh(1), sig(0.0)
    hint = "the previous hidden state was left out"
    assert_slip(tmp_path, LSTM, {"h": [[o0 * math.tanh(f0 + i0 * g0)]]}, hint)
    assert_slip(tmp_path, LSTM, {"f": [[f0]]}, hint)
    assert_right(tmp_path, LSTM, ("i", "f", "g", "o", "c", "h"))


# ---- pooling and output size --------------------------------------------------------------

POOL = ("kind: pool\npool: avg\ninput: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\nkernel: 2\n"
        "stride: 2\npadding: 1\n")
# windows of the padded 5×5: {1}, {2, 3}, {4, 7}, {5, 6, 8, 9}
SUMS, REAL = [[1, 5], [11, 28]], [[1, 2], [2, 4]]


def test_avg_pool_divisor(tmp_path):
    real = [[s / n for s, n in zip(r, c)] for r, c in zip(SUMS, REAL)]
    assert_slip(tmp_path, POOL, {"output": real}, "the window was divided by its real cells")
    assert_right(tmp_path, POOL, ("output",))
    spec = POOL + "count_include_pad: false\n"
    assert_slip(tmp_path, spec, {"output": [[s / 4 for s in r] for r in SUMS]},
                "the padded zeros were counted in the divisor")
    assert_right(tmp_path, spec, ("output",))


def test_avg_pool_without_padding_has_no_divisor_slip(tmp_path):
    spec = "kind: pool\npool: avg\ninput: [[1, 2], [3, 4]]\nkernel: 2\n"
    code, notes = graded(tmp_path, spec, {"output": [[10]]})
    assert code == 1 and SLIP not in notes


def test_conv_flipped_kernel_and_cross_correlation(tmp_path):
    x = np.array([[1.0, 2.0, 0.0], [0.0, 1.0, 3.0], [2.0, 1.0, 1.0]])
    k = np.array([[1.0, 2.0], [0.0, -1.0]])

    def correlate(kernel):
        return [[float((x[i:i + 2, j:j + 2] * kernel).sum()) for j in range(2)] for i in range(2)]
    base = f"kind: conv\ninput: {x.tolist()}\nkernel: {k.tolist()}\n"
    assert_slip(tmp_path, base, {"output": correlate(k[::-1, ::-1])},
                "that is the convolution (kernel rotated 180°) answer")
    spec = base + "operation: convolution\n"
    assert_slip(tmp_path, spec, {"output": correlate(k)}, "that is the cross-correlation answer")
    assert_right(tmp_path, spec, ("output",))


CONV = "kind: convshape\ninput: [28, 28, 3]\nfilters: 6\nkernel: 5\nstride: 1\npadding: 2\n"


@pytest.mark.parametrize("size,hint", [
    ((28 - 5) // 1 + 1, "the padding was left out"),            # 24
    ((28 - 5 + 2) // 1 + 1, "the padding was counted once"),    # 26
    ((28 - 5 + 4) // 1, "the + 1 was left out"),                # 27
])
def test_output_size_slips(tmp_path, size, hint):
    assert_slip(tmp_path, CONV, {"output_shape": [size, size, 6]}, hint)
    assert_slip(tmp_path, CONV, {"output_height": size}, hint)
    assert_right(tmp_path, CONV, ("output_shape", "output_height", "output_width"))


# ---- every bundled problem ----------------------------------------------------------------

KINDS = ("loss", "forward", "backprop", "norm", "attention", "rnn", "pool", "convshape", "conv")


def bundled():
    from conftest import PROBLEMS

    from dlsolve.api import parse_document
    from dlsolve.spec.load import load_file

    for p in sorted(PROBLEMS.glob("*.yaml")):
        kind, spec = parse_document(load_file(p))
        if kind in KINDS:
            yield pytest.param(kind, spec, id=p.stem)


@pytest.mark.parametrize("kind,spec", list(bundled()))
def test_slips_of_bundled_problems_are_finite_and_wrong(kind, spec):
    from dlsolve import registry
    from dlsolve.check.compare import Tolerance, equal
    from dlsolve.check.grade import alternatives

    results = registry.solver(kind)(spec).results
    for name, slips in alternatives(kind, spec, type("S", (), {"results": results})).items():
        assert name in results
        for value, hint in slips:
            assert hint and not equal(results[name], value, {}, (name,), Tolerance())[0], \
                (name, hint)
