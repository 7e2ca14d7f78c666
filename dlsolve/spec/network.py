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

from dlsolve.kernels.losses import LossSpec
from dlsolve.kernels.network import Network, Unit
from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec import network_named
from dlsolve.spec.common import activation_conv, make_activation
from dlsolve.spec.loss import LOSS_NAME, LOSS_OPTIONS, loss_spec
from dlsolve.spec.reader import (
    BAD,
    REQUIRED,
    Bad,
    Reader,
    Said,
    at_most,
    boolean,
    choice,
    either,
    matrix,
    nonneg_int,
    number,
    string,
    vector,
)

NETWORK_FIELDS = ("inputs", "input_names", "layers", "weights_layout", "units", "values",
                  "outputs", "targets", "loss", "matrix") + LOSS_OPTIONS
BACKPROP_FIELDS = ("learning_rate", "update", "epochs", "steps", "round", "show_all", "derive")
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


def parse(r: Reader, backprop: bool = False) -> NetworkProblem | None:
    r.allow(COMMON_FIELDS + NETWORK_FIELDS + BACKPROP_FIELDS)
    if r.has("layers") and r.has("units"):
        r.fail("units", "give either layers: (matrix form) or units: (named form), not both")
        return None
    if r.has("units"):
        net = network_named.parse_named(r)
    elif r.has("layers"):
        net = parse_matrix(r)
    else:
        r.expected("layers", "layers: (matrix form) or units: (named form)", Said("neither"))
        net = None
    targets = read_network_targets(r, net)
    name = r.get("loss", LOSS_NAME, None)
    loss, defaulted = None, False
    if targets is not None and name is None and net is not None:
        softmax_out = net.units[net.outputs[0]].act.softmax
        name, defaulted = ("cce" if softmax_out else "half_sse"), True
    if name is not None:
        loss = loss_spec(r, name)
    extra = _backprop_fields(r, backprop)
    if backprop and targets is None and net is not None and r.ok:
        r.expected("targets", "the targets (backprop needs a loss to differentiate)", Said(
            "nothing"))
    if net is None or not r.ok:
        return None
    _check_loss_fits(r, net, loss, targets)
    if not r.ok:
        return None
    if loss is not None and loss.name == "hinge" and targets is not None:
        targets = [-1.0 if v == 0 else v for v in targets]  # labels ±1, as the loss says
    return NetworkProblem(net, targets, loss, defaulted, r.get("matrix", boolean, False), **extra)


def parse_backprop(r: Reader) -> NetworkProblem | None:
    """A network spec that must also give targets, a loss and a learning rate."""
    return parse(r, backprop=True)


def _backprop_fields(r: Reader, backprop: bool) -> dict[str, Any]:
    lr = r.get("learning_rate", number, REQUIRED if backprop else None)
    update = r.get("update", either(vector(choice("weights", "biases")),
                                    choice("weights", "biases", "both"),
                                    what="a list of weights/biases"), ["weights", "biases"])
    if update == "both":
        update = ["weights", "biases"]
    elif isinstance(update, str):
        update = [update]
    epochs = r.get("epochs", at_most(10_000), None)
    steps = r.get("steps", at_most(10_000), None)
    if epochs is not None and steps is not None and epochs is not BAD and epochs != steps:
        r.fail("steps", "give epochs: or steps: (the same thing), not both")
    rnd = r.get("round", nonneg_int, None)
    show_all = r.get("show_all", boolean, False)
    return {"learning_rate": lr if lr is not BAD else None,
            "update": tuple(update) if update is not BAD else ("weights", "biases"),
            "epochs": (epochs or steps or 1) if BAD not in (epochs, steps) else 1,
            "round": rnd if rnd is not BAD else None, "show_all": bool(show_all)}


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


def parse_matrix(r: Reader) -> Network | None:
    x, in_names = _matrix_inputs(r)
    layout = r.get("weights_layout", choice("out_in", "in_out", aliases={
        "w[j][i]": "out_in", "w[i][j]": "in_out", "units_by_inputs": "out_in",
        "inputs_by_units": "in_out"}), "out_in")
    layers = r.children("layers")
    if x is None or not layers:
        if r.has("layers") and not layers and isinstance(r.raw("layers"), list):
            r.expected("layers", "at least one layer", Said("an empty list"))
        for lr_ in layers:
            _layer_fields(lr_, None, layout)
        return None
    n_in, sizes, raw = len(x), [], []
    for lr_ in layers:
        got = _layer_fields(lr_, n_in, layout)
        if got is None:
            return None
        raw.append(got)
        n_in = len(got[0])
        sizes.append(n_in)
    defaults = default_names(sizes)
    names = []
    for li, (lr_, (*_, given)) in enumerate(zip(layers, raw)):
        if given is not None and len(given) != sizes[li]:
            lr_.expected("names", f"{sizes[li]} unit names", Said(f"{len(given)}"))
        names.append(given or defaults[li])
    if not r.ok:
        return None
    return _build_matrix(in_names, x, raw, names)


def _matrix_inputs(r: Reader) -> tuple[list[float] | None, list[str]]:
    raw = r.raw("inputs")
    if isinstance(raw, dict):
        vals = {}
        for k in raw:
            vals[str(k)] = r.child("inputs").get(k, number)
        return (None if BAD in vals.values() else list(vals.values())), list(vals)
    x = r.get("inputs", vector(number))
    names = r.get("input_names", vector(string), None)
    if x is BAD:
        return None, []
    if names not in (None, BAD) and len(names) != len(x):
        r.expected("input_names", f"{len(x)} names (one per input)", Said(f"{len(names)}"))
    return x, names if names not in (None, BAD) else [f"x{i + 1}" for i in range(len(x))]


def _layer_fields(lr_: Reader, n_in: int | None, layout: str) -> tuple | None:
    lr_.allow(("weights", "bias", "activation", "names"))
    w = lr_.get("weights", matrix())
    act = lr_.get("activation", activation_conv(True), LINEAR)
    names = lr_.get("names", vector(string), None)
    if w is BAD or n_in is None:
        lr_.get("bias", either(vector(number), number, what="a number or a list"), 0)
        return None
    if layout == "in_out":
        w = [list(col) for col in zip(*w)]
    units, cols = len(w), len(w[0])
    if cols != n_in:
        shape = (f"{units}×{n_in} (one row per unit, one column per input: W[j][i])"
                 if layout == "out_in" else f"{n_in}×{units} (W[i][j]: one row per input)")
        got = f"{units}×{cols}" if layout == "out_in" else f"{cols}×{units}"
        lr_.expected("weights", f"a {shape} matrix for this layer's {n_in} input(s)", Said(got))
        return None
    b = lr_.get("bias", either(vector(number), number, what="a number or a list (one per unit)"),
                0)
    if isinstance(b, list) and len(b) != units:
        lr_.expected("bias", f"{units} biases (one per unit) or one number", Said(f"{len(b)}"))
        return None
    if b is BAD or act is BAD or names is BAD:
        return None
    bias = b if isinstance(b, list) else [b] * units
    return w, bias, act, names


def _build_matrix(in_names: list[str], x: list[float], raw: list[tuple],
                  names: list[list[str]]) -> Network:
    units: dict[str, Unit] = {}
    params: dict[str, float] = {}
    wnames, bnames, sources = [], [], in_names
    for li, ((w, b, act, _), layer_names) in enumerate(zip(raw, names)):
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


def read_network_targets(r: Reader, net: Network | None) -> list[float] | None:
    if not r.has("targets"):
        return None
    raw = r.raw("targets")
    if net is None:
        return None
    n = len(net.outputs)
    if isinstance(raw, dict):
        vals = r.get("targets", lambda v: v)
        out = []
        for o in net.outputs:
            if o not in vals:
                r.expected("targets", f"a target for every output ({', '.join(net.outputs)})",
                           Said(f"none for {o}"))
                return None
            out.append(r.child("targets").get(o, number))
        extra = [k for k in vals if k not in net.outputs]
        if extra:
            r.fail(("targets", extra[0]), f"not an output unit (outputs: {', '.join(net.outputs)})")
        return out if r.ok else None
    t = r.get("targets", vector(either(number, _symbol_value(net), what="a number")))
    if t is BAD:
        return None
    loss_name = r.raw("loss")
    if len(t) != n and not (loss_name in ("sparse_cce",) and len(t) == 1):
        r.expected("targets", f"{n} target(s), one per output ({', '.join(net.outputs)})",
                   Said(f"{len(t)}"))
        return None
    return [float(v) for v in t]


def _symbol_value(net: Network) -> Any:
    def conv(v: Any) -> float:
        if isinstance(v, str) and v in net.params:
            return net.params[v]
        raise Bad("a number")

    return conv


def _check_loss_fits(r: Reader, net: Network, loss: LossSpec | None,
                     targets: list[float] | None) -> None:
    if loss is None or targets is None:
        return
    n = len(net.outputs)
    if loss.name == "sparse_cce":
        if len(targets) != 1 or not (float(targets[0]).is_integer() and 0 <= targets[0] < n):
            r.expected("targets", f"[class index 0..{n - 1}] for sparse_cce", targets)
    elif loss.name in ("bce", "cce"):
        bad = [v for v in targets if not 0 <= v <= 1]
        if bad:
            r.expected("targets", f"targets in [0, 1] for {loss.name}", bad[0])
    if loss.name == "hinge" and any(v not in (-1, 0, 1) for v in targets):
        r.expected("targets", "labels -1, 1 (or 0) for hinge", targets)

