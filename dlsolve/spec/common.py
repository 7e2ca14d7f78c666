"""Converters shared by several spec kinds: activations, shapes, paddings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dlsolve.kernels.activations import NAMES, REGISTRY, Activation, lookup
from dlsolve.spec.reader import Bad, choice, either, expects, nonneg_int, number, pair, suggest

KINK = choice("pytorch", "left", "right")
PADDING = either(choice("same", "valid"), pair(nonneg_int),
                 what="a non-negative integer, a pair [h, w], same or valid")


@dataclass(frozen=True)
class ActivationSpec:
    """An activation with its parameters and kink convention."""

    fn: Activation
    params: dict[str, float] = field(default_factory=dict)
    kink: str = "pytorch"
    softmax: bool = False

    @property
    def name(self) -> str:
        return "softmax" if self.softmax else self.fn.name

    @property
    def title(self) -> str:
        return "softmax" if self.softmax else self.fn.title


def activation_names() -> str:
    return ", ".join(NAMES)


def make_activation(name: Any, extra: dict[str, Any],
                    allow_softmax: bool = False) -> ActivationSpec:
    """Build an ActivationSpec from a name and parameter mapping; raises Bad."""
    if not isinstance(name, str):
        raise Bad("an activation name (" + activation_names() + ")", got=name)
    if allow_softmax and name.strip().lower() == "softmax":
        return ActivationSpec(REGISTRY["linear"], {}, "pytorch", True)
    fn = lookup(name)
    if fn is None:
        known = activation_names() + (", softmax" if allow_softmax else "")
        raise Bad(f"an activation name ({known})", got=name,
                  hint=suggest(name, list(NAMES) + (["softmax"] if allow_softmax else [])))
    params = dict(fn.params)
    kink = "pytorch"
    for key, value in extra.items():
        if key == "kink":
            try:
                kink = KINK(value)
            except Bad:
                raise Bad("pytorch, left or right", (key,), value) from None
        elif key in params:
            try:
                params[key] = float(number(value))
            except Bad:
                raise Bad("a number", (key,), value) from None
        else:
            allowed = ", ".join(sorted(params)) or "none"
            raise Bad(f"a parameter of {fn.title} (parameters: {allowed}; or kink)", (key,),
                      key)
    if fn.name == "hardtanh" and params["min"] >= params["max"]:
        raise Bad("min < max", ("min",), params["min"])
    if fn.name in ("elu", "celu") and params.get("alpha") == 0 and fn.name == "celu":
        raise Bad("a non-zero alpha", ("alpha",), 0)
    if fn.name in ("softshrink", "hardshrink") and params["lambda"] < 0:
        raise Bad("lambda >= 0", ("lambda",), params["lambda"])
    if fn.name == "softplus" and params["beta"] <= 0:
        raise Bad("beta > 0", ("beta",), params["beta"])
    return ActivationSpec(fn, params, kink)


def activation_conv(allow_softmax: bool = True) -> Any:
    """Converter for ``activation: name`` or ``activation: {name: ..., alpha: ...}``."""

    @expects("an activation name or a mapping {name: ..., <parameter>: ...}")
    def conv(v: Any) -> ActivationSpec:
        if isinstance(v, dict):
            if "name" not in v:
                raise Bad("a mapping with name: (the activation)", got=v)
            extra = {k: val for k, val in v.items() if k != "name"}
            try:
                return make_activation(v["name"], extra, allow_softmax)
            except Bad as e:
                sub = e.sub if e.sub else ("name",)
                raise Bad(e.expected, sub, e.got, e.hint) from None
        return make_activation(v, {}, allow_softmax)

    return conv
