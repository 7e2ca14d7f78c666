"""Loss functions: per-output terms, the sample loss, and dE/d(output) for backprop.

Conventions, named in every derivation (t target, o output, n outputs of one sample):
  mse      (1/n) Σ (t - o)²        Keras' / PyTorch's MSELoss
  half_mse (1/n) Σ ½(t - o)²       seed 000
  sse      Σ (t - o)²
  half_sse Σ ½(t - o)²             Mazur, seed 002 (E = ½ Σ (T - a)²)
  mae      (1/n) Σ |t - o|
  bce      (1/n) Σ -[t ln p + (1 - t) ln(1 - p)]   mean over elements, as Keras and PyTorch
  cce      -Σ t_k ln p_k           one sample's class distribution (one-hot or soft)
  sparse_cce  -ln p_t              t a class index (0-based)
  hinge    (1/n) Σ max(0, 1 - t·o) labels ±1 (0/1 converted)
and the margin, robust and focal losses of ``losses_more`` (multiclass_svm, squared_hinge,
categorical_hinge, kl_divergence, huber, smooth_l1, focal).
Probabilities are clipped to [ε, 1 - ε] (ε = 1e-12 by default) before any logarithm; with
``from_logits`` the logarithms come from a stable log-sigmoid / log-softmax instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dlsolve.kernels import losses_more as M
from dlsolve.kernels.activations import sigmoid
from dlsolve.names import LOSSES

TITLES = {
    "mse": "mean squared error, (1/n) Σ (t - o)² (Keras/PyTorch MSE)",
    "half_mse": "mean of half squared errors, (1/n) Σ ½(t - o)²",
    "sse": "sum of squared errors, Σ (t - o)²",
    "half_sse": "half sum of squared errors, E = Σ ½(t - o)²",
    "mae": "mean absolute error, (1/n) Σ |t - o|",
    "bce": "binary cross-entropy, mean over outputs of -[t ln p + (1 - t) ln(1 - p)]",
    "cce": "categorical cross-entropy, -Σ t_k ln p_k",
    "sparse_cce": "sparse categorical cross-entropy, -ln p_t (t a class index)",
    "hinge": "hinge loss, (1/n) Σ max(0, 1 - t·o), labels ±1",
    "multiclass_svm": "multiclass SVM loss (Weston–Watkins, CS231n), Σ_{j≠y} max(0, s_j - s_y + Δ)",
    "squared_hinge": "squared hinge loss (Keras), (1/n) Σ max(0, 1 - t·o)², labels ±1",
    "categorical_hinge": "categorical hinge loss (Keras), max(0, 1 + neg - pos) with "
                         "pos = Σ t·p, neg = max_{t_j = 0} p_j",
    "kl_divergence": "Kullback–Leibler divergence (Keras), Σ t ln(t / p), 0·ln 0 = 0",
    "huber": "Huber loss (PyTorch's HuberLoss), mean of ½d² for |d| ≤ δ, δ(|d| - ½δ) beyond, "
             "d = o - t",
    "smooth_l1": "smooth L1 loss (PyTorch's SmoothL1Loss), mean of ½d²/β for |d| < β, "
                 "|d| - ½β beyond, d = o - t",
    "focal": "binary focal loss (torchvision's sigmoid_focal_loss), mean of "
             "α_t (1 - p_t)^γ · CE(p, t), p_t = p·t + (1 - p)(1 - t)",
}
NAMES = LOSSES
assert tuple(TITLES) == NAMES
ALIASES = {"mean_squared_error": "mse", "l2": "mse", "sum_squared_error": "sse",
           "binary_crossentropy": "bce", "binary_cross_entropy": "bce", "log_loss": "bce",
           "categorical_crossentropy": "cce", "cross_entropy": "cce", "ce": "cce",
           "sparse_categorical_crossentropy": "sparse_cce", "l1": "mae",
           "mean_absolute_error": "mae", "half_mean_squared_error": "half_mse",
           "svm": "multiclass_svm", "multi_margin": "multiclass_svm", "weston_watkins":
           "multiclass_svm", "kl": "kl_divergence", "kld": "kl_divergence", "kl_div":
           "kl_divergence", "kullback_leibler_divergence": "kl_divergence", "huber_loss": "huber",
           "smoothl1": "smooth_l1", "sigmoid_focal": "focal", "focal_loss": "focal",
           "binary_focal_crossentropy": "focal"}
# averaged over the outputs of a sample
MEAN = {"mse", "half_mse", "mae", "bce", "hinge", "squared_hinge", "huber", "smooth_l1", "focal"}
ELEMENTWISE = {"mse", "half_mse", "sse", "half_sse", "mae", "bce", "hinge"}  # with loss_<i> terms
NEW = {"multiclass_svm", "squared_hinge", "categorical_hinge", "kl_divergence", "huber",
       "smooth_l1", "focal"}
PER_OUTPUT = ELEMENTWISE | {"squared_hinge", "huber", "smooth_l1", "focal"}  # a term per output
CLASS_INDEX = ("sparse_cce", "multiclass_svm")       # targets: [class index] per sample
PROBABILITIES = ("bce", "cce", "sparse_cce", "kl_divergence", "focal")  # in [0, 1] unless logits
LABELS_PM1 = ("hinge", "squared_hinge")                # labels ±1, 0 read as -1


@dataclass(frozen=True)
class LossSpec:
    """A loss and its options."""

    name: str
    epsilon: float = 1e-12
    from_logits: bool = False
    reduction: str = "mean"          # over the samples of a batch: mean | sum
    log_base: float | None = None    # None: natural log
    margin: float = 1.0              # multiclass_svm's Δ
    delta: float = 1.0               # huber
    beta: float = 1.0                # smooth_l1
    gamma: float = 2.0               # focal
    alpha: float | None = 0.25       # focal (None: no α weighting)

    @property
    def title(self) -> str:
        return TITLES[self.name]


@dataclass
class SampleLoss:
    """One sample: its per-output terms, its loss, and what was clipped."""

    terms: list[float]
    loss: float
    clipped: list[int]


def convention(spec: LossSpec) -> str:
    """The sentence naming the loss and how its logarithms are guarded."""
    text = f"Convention: {spec.title}."
    if spec.name in ("bce", "cce", "sparse_cce"):
        text += (" The predictions are raw scores (from_logits): stable log-sigmoid / "
                 "log-softmax, nothing clipped." if spec.from_logits else
                 f" Probabilities are clipped to [ε, 1 - ε] with ε = {spec.epsilon:g} before "
                 f"any logarithm.")
    text += OPTION_TEXT.get(spec.name, lambda s: "")(spec)
    if spec.log_base:
        text += f" Logarithms in base {spec.log_base:g}."
    return text


OPTION_TEXT = {
    "multiclass_svm": lambda s: f" Margin Δ = {s.margin:g}; targets are class indices (0-based); "
                                "a margin exactly 0 adds nothing to the gradient.",
    "categorical_hinge": lambda s: " A margin exactly 0 adds nothing to the gradient; ties of the "
                                   "max share its gradient evenly.",
    "kl_divergence": lambda s: f" Predictions are clipped to [ε, 1] as Keras clips them, with "
                               f"ε = {s.epsilon:g} (Keras's own ε is 1e-7); targets are not "
                               "clipped.",
    "huber": lambda s: f" δ = {s.delta:g}.",
    "smooth_l1": lambda s: f" β = {s.beta:g}" + (" (β = 0 is the L1 loss)." if s.beta == 0
                                                 else "."),
    "focal": lambda s: f" γ = {s.gamma:g}, " + (
        "no α weighting (α_t = 1)." if s.alpha is None else
        f"α = {s.alpha:g} (α_t = α for t = 1, 1 - α for t = 0).") + (
        " The predictions are logits: p = σ(z), CE by a stable log-sigmoid." if s.from_logits
        else f" Probabilities are clipped to [ε, 1 - ε] with ε = {s.epsilon:g}, and the clipped "
             "p is used in p_t."),
}


def log(spec: LossSpec, x: float) -> float:
    """ln x (or log_base x)."""
    v = math.log(x)
    return v / math.log(spec.log_base) if spec.log_base else v


def clip(spec: LossSpec, p: float) -> float:
    return min(max(p, spec.epsilon), 1 - spec.epsilon)


def _log_sigmoid(z: float) -> float:
    return min(z, 0.0) - math.log1p(math.exp(-abs(z)))


def log_softmax(z: list[float]) -> list[float]:
    m = max(z)
    lse = m + math.log(math.fsum(math.exp(v - m) for v in z))
    return [v - lse for v in z]


def sample(spec: LossSpec, t: list[float], o: list[float]) -> SampleLoss:
    """The loss of one sample (t: targets, one-hot rows or [index] for sparse_cce)."""
    name, clipped = spec.name, []
    if name in NEW:
        ts, value = M.terms(spec, t, o)
        eps_hit = [k for k, v in enumerate(o) if name in PROBABILITIES and not spec.from_logits
                   and clip(spec, v) != v and (name == "focal" or v < spec.epsilon and t[k] != 0)]
        return SampleLoss(ts, value, eps_hit)
    scale = 1 / math.log(spec.log_base) if spec.log_base else 1.0
    if name in ("mse", "sse"):
        terms = [(ti - oi) * (ti - oi) for ti, oi in zip(t, o)]  # inf, not OverflowError
    elif name in ("half_mse", "half_sse"):
        terms = [0.5 * (ti - oi) * (ti - oi) for ti, oi in zip(t, o)]
    elif name == "mae":
        terms = [abs(ti - oi) for ti, oi in zip(t, o)]
    elif name == "hinge":
        terms = [max(0.0, 1 - ti * oi) for ti, oi in zip(t, o)]
    elif name == "bce":
        terms, clipped = _bce_terms(spec, t, o, scale)
    else:  # cce, sparse_cce
        terms, clipped = _cce_terms(spec, t, o, scale)
    total = math.fsum(terms)
    loss = total / len(terms) if name in MEAN else total
    return SampleLoss(terms, loss, clipped)


def _onehot(spec: LossSpec, t: list[float], n: int) -> list[float]:
    """cce's target row as given; sparse_cce's [index] as a one-hot row of n."""
    return t if spec.name == "cce" else [1.0 if k == int(t[0]) else 0.0 for k in range(n)]


def _bce_terms(spec: LossSpec, t: list[float], o: list[float],
               scale: float) -> tuple[list[float], list[int]]:
    """-(t ln p + (1 - t) ln(1 - p)) per output (log-sigmoid of logits), and the clipped."""
    if spec.from_logits:
        return [-(ti * _log_sigmoid(oi) + (1 - ti) * _log_sigmoid(-oi)) * scale
                for ti, oi in zip(t, o)], []
    ps = [clip(spec, oi) for oi in o]
    return ([-(ti * log(spec, p) + (1 - ti) * log(spec, 1 - p)) for ti, p in zip(t, ps)],
            [k for k, (p, oi) in enumerate(zip(ps, o)) if p != oi])


def _cce_terms(spec: LossSpec, t: list[float], o: list[float],
               scale: float) -> tuple[list[float], list[int]]:
    """-t_k ln p_k per class (log-softmax of logits), and the clipped classes with t_k ≠ 0."""
    onehot, clipped = _onehot(spec, t, len(o)), []
    if spec.from_logits:
        lp = [v * scale for v in log_softmax(o)]
    else:
        ps = [clip(spec, p) for p in o]
        clipped = [k for k, (p, q) in enumerate(zip(ps, o)) if p != q and onehot[k] != 0]
        lp = [log(spec, p) for p in ps]
    return [-tk * lk if tk != 0 else 0.0 for tk, lk in zip(onehot, lp)], clipped


def _bce_grad(spec: LossSpec, t: list[float], o: list[float], k: float) -> list[float]:
    if spec.from_logits:
        return [(sigmoid(oi) - ti) * k for ti, oi in zip(t, o)]
    ps = [clip(spec, oi) for oi in o]
    return [0.0 if p != oi else (-(ti / p) + (1 - ti) / (1 - p)) * k
            for ti, oi, p in zip(t, o, ps)]


def _cce_grad(spec: LossSpec, t: list[float], o: list[float], k: float) -> list[float]:
    onehot = _onehot(spec, t, len(o))
    if spec.from_logits:
        return [(math.exp(v) - tk) * k for v, tk in zip(log_softmax(o), onehot)]
    return [0.0 if tk == 0 or clip(spec, p) != p else -tk / p * k for tk, p in zip(onehot, o)]


def gradient(spec: LossSpec, t: list[float], o: list[float]) -> list[float]:
    """dE/do for one sample's outputs o (for from_logits: dE/dz of the logits).

    mse: -2(t - o)/n; half_sse: -(t - o); bce: (p - t)/(p(1 - p)·n); cce: -t/p;
    with logits, bce gives (σ(z) - t)/n and cce gives softmax(z) - t.
    """
    n, name = len(o), spec.name
    if name in NEW:
        return M.gradient(spec, t, o)
    k = 1 / math.log(spec.log_base) if spec.log_base else 1.0
    if name in ("mse", "sse"):
        g = [-2 * (ti - oi) for ti, oi in zip(t, o)]
    elif name in ("half_mse", "half_sse"):
        g = [-(ti - oi) for ti, oi in zip(t, o)]
    elif name == "mae":
        g = [0.0 if ti == oi else (1.0 if oi > ti else -1.0) for ti, oi in zip(t, o)]
    elif name == "hinge":
        g = [-ti if 1 - ti * oi > 0 else 0.0 for ti, oi in zip(t, o)]
    elif name == "bce":
        g = _bce_grad(spec, t, o, k)
    else:  # cce, sparse_cce: a sum over the classes, no 1/n
        return _cce_grad(spec, t, o, k)
    return [v / n for v in g] if name in MEAN else g


def batch_gradient(spec: LossSpec, targets: list[list[float]],
                   rows: list[list[float]]) -> list[list[float]]:
    """dL/d(predictions) of the batch loss: each sample's gradient, divided by N for a mean."""
    n = len(rows) if spec.reduction == "mean" else 1
    return [[g / n for g in gradient(spec, t, o)] for t, o in zip(targets, rows)]


def clip_sensitivity(spec: LossSpec) -> float:
    """How much one clipped term changes when ε shrinks tenfold: ln 10 (in the chosen base)."""
    return math.log(10) / (math.log(spec.log_base) if spec.log_base else 1.0)
