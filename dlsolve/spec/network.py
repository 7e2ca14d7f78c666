"""Network specs in two forms, one result: a ``Network`` (see dlsolve.kernels.network).

Matrix form: ``inputs: [..]`` and ``layers:`` with ``weights`` (W[j][i]: from input i to unit
j; ``weights_layout: in_out`` for W[i][j]), ``bias`` (per unit, or one number for every unit),
``activation`` and optional ``names``. Named form (exam style): ``inputs: {i1: 2.0}``,
``values:`` (the exam's table of symbols), and ``units:`` each with ``inputs: {source: weight
symbol or number}``, ``bias`` and ``activation``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlsolve.kernels import losses as L
from dlsolve.kernels.losses import LossSpec
from dlsolve.kernels.network import Network, Unit
from dlsolve.kernels.regularization import NONE, Regularization
from dlsolve.kernels.training import Batch
from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec import network_named
from dlsolve.spec import network_training as T
from dlsolve.spec.common import activation_conv, make_activation
from dlsolve.spec.loss import LOSS_NAME, LOSS_OPTIONS, loss_spec
from dlsolve.spec.network_targets import check_loss_fits, read_network_targets
from dlsolve.spec.reader import (
    BAD,
    Reader,
    Said,
    boolean,
    choice,
    either,
    matrix,
    number,
    string,
    vector,
)

NETWORK_FIELDS = ("inputs", "input_names", "layers", "weights_layout", "units", "values",
                  "outputs", "targets", "loss", "matrix") + LOSS_OPTIONS
BACKPROP_FIELDS = ("learning_rate", "update", "epochs", "steps", "round", "show_all",
                   "derive") + T.TRAINING_FIELDS
LINEAR = make_activation("linear", {})


@dataclass(frozen=True)
class NetworkProblem:
    net: Network
    targets: list[float] | None = None
    loss: LossSpec | None = None
    loss_defaulted: bool = False
    matrix_view: bool = False
    learning_rate: float | None = None
    update: tuple[str, ...] = ("weights", "biases")
    epochs: int = 1
    round: int | None = None
    show_all: bool = False
    batch: Batch | None = None        # every sample (one sample too); targets is the first row
    batched: bool = False             # the spec gave a matrix of inputs
    reg: Regularization = NONE
    optimizer: T.OptimizerSpec | None = None

    @property
    def plain_step(self) -> bool:
        """One sample, no dropout, no penalty, plain gradient descent: the problems that
        check's error-carried-forward and slip catalogues model."""
        return not (self.batched or any(d.masks for d in self.net.dropout.values()) or
                    self.reg or self.optimizer)

    @property
    def samples(self) -> Batch:
        """The batch (a single sample is a batch of one)."""
        if self.batch is not None:
            return self.batch
        return Batch((tuple(self.net.input_values),), (tuple(self.targets or ()),))


def parse(r: Reader, backprop: bool = False) -> NetworkProblem | None:
    r.allow(COMMON_FIELDS + NETWORK_FIELDS + BACKPROP_FIELDS)
    rows = T.batch_rows(r)
    net = _network(r, rows)
    rows_t, targets = _targets(r, net, rows)
    loss, defaulted = _loss(r, net, targets)
    extra = T.backprop_fields(r, backprop)
    if backprop and targets is None and net is not None and r.ok:
        r.fail("targets", "missing: backprop needs targets to differentiate a loss; add a "
               "line such as `targets: [0.01, 0.99]` (one per output)")
    opt = extra.pop("optimizer")
    if net is not None and opt not in (None, BAD):
        opt = T.optimizer_state(r, net, opt)
    if net is None or not r.ok:
        return None
    for row in rows_t or [targets]:
        check_loss_fits(r, net, loss, row)
    if not r.ok:
        return None
    if loss is not None and loss.name in L.LABELS_PM1 and targets is not None:
        targets = _hinge(targets)  # labels ±1, as the loss says
        rows_t = [_hinge(t) for t in rows_t] if rows_t else None
    return NetworkProblem(net, targets, loss, defaulted, r.get("matrix", boolean, False),
                          batch=_batch(rows, rows_t, loss), batched=rows is not None,
                          optimizer=opt, **extra)


def _network(r: Reader, rows: list[list[float]] | None) -> Network | None:
    if r.has("layers") and r.has("units"):
        r.fail("units", "give either layers: (matrix form) or units: (named form), not both")
        return None
    if r.has("units"):
        if rows is not None:
            r.fail("inputs", "a batch of inputs needs the matrix form (layers:)")
        return network_named.parse_named(r)
    if r.has("layers"):
        return parse_matrix(r, rows)
    r.expected("layers", "layers: (matrix form) or units: (named form)", Said("neither"))
    return None


def _targets(r: Reader, net: Network | None, rows: list[list[float]] | None) -> tuple:
    """(one target row per sample or None, the first sample's targets)."""
    if rows is not None and net is not None and r.has("targets"):
        rows_t = T.batch_targets(r, net.outputs, len(rows), r.raw("loss"))
        return rows_t, rows_t[0] if rows_t else None
    return None, read_network_targets(r, net)


def _loss(r: Reader, net: Network | None, targets: Any) -> tuple[LossSpec | None, bool]:
    """The loss (cross-entropy for softmax outputs, ½Σ(t - o)² otherwise when not given)."""
    name = r.get("loss", LOSS_NAME, None)
    defaulted = False
    if targets is not None and name is None and net is not None:
        softmax_out = net.units[net.outputs[0]].act.softmax
        name, defaulted = ("cce" if softmax_out else "half_sse"), True
    return (loss_spec(r, name) if name is not None else None), defaulted


def _batch(rows: Any, rows_t: Any, loss: LossSpec | None) -> Batch | None:
    if rows is None:
        return None
    ts = tuple(map(tuple, rows_t)) if rows_t else tuple(() for _ in rows)
    return Batch(tuple(map(tuple, rows)), ts, loss.reduction if loss else "mean")


def _hinge(t: list[float]) -> list[float]:
    return [-1.0 if v == 0 else v for v in t]


def parse_backprop(r: Reader) -> NetworkProblem | None:
    """A network spec that must also give targets, a loss and a learning rate."""
    return parse(r, backprop=True)


def default_names(sizes: list[int]) -> list[list[str]]:
    """o1..on for the last layer; h1.. for one hidden layer; h1_1.., h2_1.. for several."""
    names = []
    hidden = len(sizes) - 1
    for li, n in enumerate(sizes):
        if li == len(sizes) - 1:
            names.append([f"o{j + 1}" for j in range(n)])
        elif hidden == 1:
            names.append([f"h{j + 1}" for j in range(n)])
        else:
            names.append([f"h{li + 1}_{j + 1}" for j in range(n)])
    return names


def _param_names(layer: int, units: int, inputs: int) -> tuple[list[list[str]], list[str]]:
    """Names of a layer's weights (w2_13: layer 2, unit 1, input 3) and biases (b2_1).

    Indices are 1-based; they are separated (w2_1_13) when any exceeds 9.
    """
    sep = "_" if max(units, inputs) > 9 else ""
    weights = [[f"w{layer}_{j}{sep}{i}" for i in range(1, inputs + 1)]
               for j in range(1, units + 1)]
    return weights, [f"b{layer}_{j}" for j in range(1, units + 1)]


def parse_matrix(r: Reader, rows: list[list[float]] | None = None) -> Network | None:
    """The matrix form; every layer is checked even after an error in an earlier one."""
    x, in_names = _matrix_inputs(r, rows)
    layout = r.get("weights_layout", choice("out_in", "in_out", aliases={
        "w[j][i]": "out_in", "w[i][j]": "in_out", "units_by_inputs": "out_in",
        "inputs_by_units": "in_out"}), "out_in")
    layers = r.children("layers")
    if r.has("layers") and not layers and isinstance(r.raw("layers"), list):
        r.expected("layers", "at least one layer", Said("an empty list"))
    n_in: int | None = len(x) if x is not None else None
    sizes, raw = [], []
    for lr_ in layers:
        got = _layer_fields(lr_, n_in, layout, len(rows) if rows else 1)
        raw.append(got)
        n_in = len(got[0]) if got is not None else _units_given(lr_)
        sizes.append(n_in)
    if x is None or not layers or None in raw:
        return None
    defaults = default_names(sizes)  # type: ignore[arg-type]
    names = []
    for li, (lr_, got) in enumerate(zip(layers, raw)):
        given = got[3]  # type: ignore[index]
        if given is not None and len(given) != sizes[li]:
            lr_.expected("names", f"{sizes[li]} unit names", Said(f"{len(given)}"))
        names.append(given or defaults[li])
    net = _build_matrix(in_names, x, raw, names)  # type: ignore[arg-type]
    net.dropout.update({li: got[4] for li, got in enumerate(raw)  # type: ignore[index]
                        if got[4] is not None})
    if len(layers) - 1 in net.dropout:
        layers[-1].fail("dropout", "dropout on the output layer is not supported (it drops "
                        "hidden units)")
    return net


def _units_given(lr_: Reader) -> int | None:
    """The number of units a layer's weights give, when its other fields were wrong."""
    w = lr_.raw("weights")
    return len(w) if isinstance(w, list) and w else None


def _matrix_inputs(r: Reader, rows: list[list[float]] | None) -> tuple[list[float] | None,
                                                                       list[str]]:
    raw = r.raw("inputs")
    if rows is None and isinstance(raw, list) and raw and all(isinstance(v, list) for v in raw):
        return None, []  # a batch whose rows were already reported
    if rows is not None:
        x: Any = rows[0]
        if any(len(row) != len(x) for row in rows):
            r.expected("inputs", f"rows of {len(x)} inputs each (one row per sample)",
                       Said("rows of different lengths"))
    elif isinstance(raw, dict):
        vals = {}
        for k in raw:
            vals[str(k)] = r.child("inputs").get(k, number)
        return (None if BAD in vals.values() else list(vals.values())), list(vals)
    else:
        x = r.get("inputs", vector(number))
    names = r.get("input_names", vector(string), None)
    if x is BAD:
        return None, []
    if names not in (None, BAD) and len(names) != len(x):
        r.expected("input_names", f"{len(x)} names (one per input)", Said(f"{len(names)}"))
    return x, names if names not in (None, BAD) else [f"x{i + 1}" for i in range(len(x))]


def _layer_fields(lr_: Reader, n_in: int | None, layout: str, samples: int) -> tuple | None:
    lr_.allow(("weights", "bias", "activation", "names", "dropout"))
    w = lr_.get("weights", matrix())
    act = lr_.get("activation", activation_conv(True), LINEAR)
    names = lr_.get("names", vector(string), None)
    if w is not BAD and layout == "in_out":
        w = [list(col) for col in zip(*w)]
    units = len(w) if w is not BAD else None
    drop = T.dropout(lr_, units, samples) if units is not None else None
    b = lr_.get("bias", either(vector(number), number, what="a number or a list (one per unit)"),
                0)
    if units is not None and isinstance(b, list) and len(b) != units:
        lr_.expected("bias", f"{units} biases (one per unit) or one number", Said(f"{len(b)}"))
        b = BAD
    if w is BAD or n_in is None:
        return None
    cols = len(w[0])
    if cols != n_in:
        shape = (f"{units}×{n_in} (one row per unit, one column per input: W[j][i])"
                 if layout == "out_in" else f"{n_in}×{units} (W[i][j]: one row per input)")
        got = f"{units}×{cols}" if layout == "out_in" else f"{cols}×{units}"
        lr_.expected("weights", f"a {shape} matrix for this layer's {n_in} input(s)", Said(got))
        return None
    # fields already reported as wrong get stand-ins, so later fields are checked in this run
    bias = b if isinstance(b, list) else [0 if b is BAD else b] * units  # type: ignore[operator]
    return (w, bias, LINEAR if act is BAD else act, None if names is BAD else names,
            None if drop is BAD else drop)


def _build_matrix(in_names: list[str], x: list[float], raw: list[tuple],
                  names: list[list[str]]) -> Network:
    units: dict[str, Unit] = {}
    params: dict[str, float] = {}
    wnames, bnames, sources = [], [], in_names
    for li, ((w, b, act, *_), layer_names) in enumerate(zip(raw, names)):
        wl, bl = _param_names(li + 1, len(layer_names), len(sources))
        for j, uname in enumerate(layer_names):
            params.update(zip(wl[j], map(float, w[j])))
            params[bl[j]] = float(b[j])
            units[uname] = Unit(uname, list(sources), wl[j], bl[j], act, li + 1)
        wnames.append(wl)
        bnames.append(bl)
        sources = layer_names
    return Network(in_names, [float(v) for v in x], units, names, params, names[-1], "matrix",
                   wnames, bnames)
