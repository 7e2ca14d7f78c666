"""A fully connected network as a graph of named units, and its forward pass.

Both spec forms (matrix layers, or exam-style named units and symbols) become a Network:
units with named sources, weights and a bias that are parameter names (or fixed numbers),
grouped into layers by depth. Parameters live in one table so a symbol used twice is one
parameter, and a forward pass can be rerun with changed values (updates, finite differences).
"""

from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field

from dlsolve.kernels.activations import apply
from dlsolve.kernels.mathfns import round_hand
from dlsolve.spec.common import ActivationSpec

Weight = str | float  # a parameter name, or a fixed number


@dataclass(frozen=True)
class Dropout:
    """Inverted dropout on a layer: a ← a·m/(1 - p), p the drop probability (PyTorch's).

    ``masks`` holds one 0/1 row per sample, or a single row used for every sample (none:
    eval mode, the layer is left alone); ``keep_given`` says the spec gave CS231n's keep
    probability 1 - p.
    """

    p: float
    masks: tuple[tuple[float, ...], ...]
    keep_given: bool = False

    def factor(self, sample: int, j: int) -> float:
        """m_j/(1 - p) for unit j of ``sample``."""
        row = self.masks[sample if len(self.masks) > 1 else 0]
        return row[j] / (1 - self.p)


@dataclass
class Unit:
    """One neuron: z = Σ w_i·source_i + b, output = f(z)."""

    name: str
    sources: list[str]
    weights: list[Weight]
    bias: Weight | None
    act: ActivationSpec
    layer: int = 0
    z: str = ""  # the name its weighted sum is written with (z1); z_<name> by default

    @property
    def zsym(self) -> str:
        return self.z or f"z_{self.name}"


@dataclass
class Network:
    """Inputs, units in layers, parameters, outputs; ``form`` is matrix or named."""

    inputs: list[str]
    input_values: list[float]
    units: dict[str, Unit]
    layers: list[list[str]]
    params: dict[str, float]
    outputs: list[str]
    form: str = "matrix"
    weight_names: list[list[list[str]]] = field(default_factory=list)  # matrix form [l][j][i]
    bias_names: list[list[str]] = field(default_factory=list)          # matrix form [l][j]
    dropout: dict[int, Dropout] = field(default_factory=dict)          # by layer index (0-based)
    _index: dict = field(default_factory=dict, repr=False, compare=False)

    def uses(self, param: str) -> list[tuple[str, str | None]]:
        """(unit, source) for each use of a parameter; source None for a bias."""
        if "uses" not in self._index:
            idx: dict[str, list[tuple[str, str | None]]] = {}
            for u in self.units.values():
                for s, w in zip(u.sources, u.weights):
                    if isinstance(w, str):
                        idx.setdefault(w, []).append((u.name, s))
                if isinstance(u.bias, str):
                    idx.setdefault(u.bias, []).append((u.name, None))
            self._index["uses"] = idx
        return self._index["uses"].get(param, [])

    def consumers(self, name: str) -> list[tuple[str, Weight]]:
        """(unit, weight) for every unit that reads ``name``."""
        if "consumers" not in self._index:
            idx: dict[str, list[tuple[str, Weight]]] = {}
            for u in self.units.values():
                for s, w in zip(u.sources, u.weights):
                    idx.setdefault(s, []).append((u.name, w))
            self._index["consumers"] = idx
        return self._index["consumers"].get(name, [])

    def value(self, w: Weight | None, params: dict[str, float] | None = None) -> float:
        """The number a weight or bias stands for (0 for no bias)."""
        if w is None:
            return 0.0
        if isinstance(w, str):
            return (params or self.params)[w]
        return float(w)

    def layer_title(self, i: int) -> str:
        kind = "output layer" if i == len(self.layers) - 1 else "hidden layer"
        return f"Layer {i + 1} ({kind})"


@dataclass
class Pass:
    """The values of one forward pass: every input, weighted sum and output by name.

    ``values`` are the outputs after dropout (what the next layer reads); ``pre`` the
    activations before it and ``factor`` the m/(1 - p) each dropped layer's unit was scaled by.
    """

    values: dict[str, float]
    z: dict[str, float]
    pre: dict[str, float] = field(default_factory=dict)
    factor: dict[str, float] = field(default_factory=dict)

    def activation(self, name: str) -> float:
        """f(z) of a unit, before any dropout."""
        return self.pre.get(name, self.values[name])

    def outputs(self, net: Network) -> list[float]:
        return [self.values[o] for o in net.outputs]


def fsum(xs: list[float]) -> float:
    """math.fsum, or inf/nan as plain addition gives when the partial sums overflow.

    >>> fsum([0.1] * 10), fsum([1e308, 1e308])
    (1.0, inf)
    """
    try:
        return math.fsum(xs)
    except OverflowError:
        return sum(xs)


def softmax(zs: list[float]) -> list[float]:
    m = max(zs)
    e = [math.exp(v - m) for v in zs]
    s = math.fsum(e)
    return [v / s for v in e]


def forward(net: Network, params: dict[str, float] | None = None,
            round_to: int | None = None, x: list[float] | None = None,
            sample: int = 0) -> Pass:
    """Run the network on ``x`` (the spec's inputs by default; ``sample`` picks the dropout
    mask row); ``round_to`` rounds each unit's output as it is written down by hand (the
    weighted sum goes straight into the activation, as on a calculator)."""
    values = dict(zip(net.inputs, net.input_values if x is None else x))
    zs: dict[str, float] = {}

    def rnd(x: float) -> float:
        return x if round_to is None else round_kept(x, round_to)

    table = params if params is not None else net.params
    pre: dict[str, float] = {}
    factor: dict[str, float] = {}
    for li, layer in enumerate(net.layers):
        group = []
        for name in layer:
            u = net.units[name]
            ws = [table[w] if w.__class__ is str else w for w in u.weights]
            z = fsum(list(map(operator.mul, ws, [values[s] for s in u.sources])))
            z = z + net.value(u.bias, params)
            zs[name] = z
            if u.act.softmax:
                group.append(name)
            else:
                values[name] = rnd(apply(u.act.fn, z, u.act.params))
        if group:
            for name, p in zip(group, softmax([zs[n] for n in group])):
                values[name] = rnd(p)
        drop = net.dropout.get(li)
        if drop is not None and drop.masks:
            for j, name in enumerate(layer):
                pre[name], factor[name] = values[name], drop.factor(sample, j)
                values[name] = rnd(values[name] * factor[name])
    return Pass(values, zs, pre, factor)


def round_kept(x: float, places: int) -> float:
    """round_hand, except that a value strictly inside (0, 1) is never rounded onto 0 or 1
    (a probability at a clip boundary): its distance to the bound keeps ``places``
    significant figures instead (0.9999954612 -> 0.999995461 at 4 places).

    >>> round_kept(0.9999954612, 4), round_kept(0.7153, 4), round_kept(1.00004, 4)
    (0.999995461, 0.7153, 1.0)
    """
    r = round_hand(x, places)
    if r in (0.0, 1.0) and 0.0 < x < 1.0:
        return 1.0 - round_hand(1.0 - x, places) if r == 1.0 else round_hand(x, places)
    return r


def param_order(net: Network, backward: bool = False) -> list[str]:
    """Parameter names in the order they first appear, layer by layer (last layer first
    when ``backward``, as an answer key derives them)."""
    seen: dict[str, None] = {}
    for layer in (reversed(net.layers) if backward else net.layers):
        for name in layer:
            u = net.units[name]
            for w in [*u.weights, u.bias]:
                if isinstance(w, str):
                    seen.setdefault(w)
    return list(seen)
