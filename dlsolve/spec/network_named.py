"""The named (exam-style) network form: units wired by name, weights by the exam's symbols.

```yaml
inputs: {i1: 2.0, i2: -1.0}
values: {w11: 1.0, w21: 0.5, b1: 0.5}        # the exam's table of symbols
units:
  h1: {inputs: {i1: w11, i2: w21}, bias: b1, activation: relu}
  h3: {inputs: [h1], activation: relu}     # a list: weight 1 from each source, no bias
```
A symbol is a parameter (one parameter however often it is used); a number is a fixed weight.
Layers are the units' depths: a unit sits one layer after its deepest source.
"""

from __future__ import annotations

from typing import Any

from dlsolve.kernels.network import Network, Unit, Weight
from dlsolve.spec.common import activation_conv, make_activation
from dlsolve.spec.reader import BAD, Reader, Said, number, string, vector

LINEAR = make_activation("linear", {})
UNIT_FIELDS = ("name", "inputs", "bias", "activation", "z")


def parse_named(r: Reader) -> Network | None:
    inputs = _inputs(r)
    values = _values(r)
    defs = _unit_defs(r)
    if inputs is None or values is None or defs is None:
        return None
    known = set(inputs)
    units: dict[str, Unit] = {}
    for name, ur in defs:
        if name in known:
            ur.fail(("name",) if "name" in ur.data else (), f"the name {name!r} is already used")
            continue
        known.add(name)
        unit = _unit(ur, name, values)
        if unit is not None:
            units[name] = unit
    if not r.ok:
        return None
    for name, ur in defs:
        for src in units[name].sources:
            if src not in known:
                ur.fail(("inputs", src) if isinstance(ur.raw("inputs"), dict) else "inputs",
                        f"{src!r} is neither an input ({', '.join(inputs)}) nor a unit")
    if not r.ok:
        return None
    layers = _layer(r, units, list(inputs))
    if layers is None:
        return None
    outputs = _outputs(r, units, layers)
    if outputs is None:
        return None
    params = {k: float(v) for k, v in values.items()}
    return Network(list(inputs), [float(v) for v in inputs.values()], units, layers, params,
                   outputs, "named")


def _inputs(r: Reader) -> dict[str, float] | None:
    raw = r.raw("inputs")
    if not isinstance(raw, dict):
        r.expected("inputs", "a mapping of input names to values ({i1: 2.0, i2: -1.0})", raw)
        return None
    ir = r.child("inputs")
    vals = {str(k): ir.get(k, number) for k in raw}
    return None if BAD in vals.values() else vals


def _values(r: Reader) -> dict[str, float] | None:
    raw = r.raw("values", {})
    if not isinstance(raw, dict):
        r.expected("values", "a mapping of symbols to numbers ({w11: 1.0, b1: 0.5})", raw)
        return None
    vr = r.child("values") if raw else r
    vals = {str(k): vr.get(k, number) for k in raw}
    return None if BAD in vals.values() else vals


def _unit_defs(r: Reader) -> list[tuple[str, Reader]] | None:
    raw = r.raw("units")
    out = []
    if isinstance(raw, dict):
        for name, body in raw.items():
            if not isinstance(body, dict):
                r.expected(("units", name), "a mapping (inputs:, bias:, activation:)", body)
                continue
            out.append((str(name), r.child("units").child(name)))
    elif isinstance(raw, list):
        for ur in r.children("units"):
            name = ur.get("name", string)
            if name is not BAD:
                out.append((name, ur))
    else:
        r.expected("units", "a mapping of unit names to their definitions", raw)
    return out if r.ok else None


def _unit(ur: Reader, name: str, values: dict[str, float]) -> Unit | None:
    ur.allow(UNIT_FIELDS)
    act = ur.get("activation", activation_conv(True), LINEAR)
    raw = ur.raw("inputs")
    sources: list[str] = []
    weights: list[Weight] = []
    if isinstance(raw, dict):
        for src, w in raw.items():
            sources.append(str(src))
            weights.append(_weight(ur, ("inputs", src), w, values))
    elif isinstance(raw, list):
        got = ur.get("inputs", vector(string, what="a list of source names"))
        if got is not BAD:
            sources, weights = list(got), [1.0] * len(got)
    else:
        ur.expected("inputs", "a mapping {source: weight symbol or number} or a list of sources",
                    raw if "inputs" in ur.data else Said("nothing"))
    bias = _weight(ur, ("bias",), ur.raw("bias"), values) if ur.has("bias") else None
    z = ur.get("z", string, "")
    if act is BAD or BAD in weights or bias is BAD or z is BAD:
        return None
    return Unit(name, sources, weights, bias, act, z=z)


def _weight(ur: Reader, path: tuple, v: Any, values: dict[str, float]) -> Any:
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        ur.expected(path, "a symbol from values: or a number", v)
        return BAD
    if isinstance(v, str):
        if v not in values:
            known = ", ".join(list(values)[:12]) + ("…" if len(values) > 12 else "")
            ur.expected(path, f"a symbol given a value in values: ({known or 'none given'})", v)
            return BAD
        return v
    return float(v)


def _layer(r: Reader, units: dict[str, Unit], inputs: list[str]) -> list[list[str]] | None:
    depth: dict[str, int] = {i: 0 for i in inputs}
    state: dict[str, str] = {}

    def visit(name: str, trail: list[str]) -> int | None:
        if name in depth:
            return depth[name]
        if state.get(name) == "open":
            cycle = trail[trail.index(name):] + [name]
            r.fail("units", "the units " + " → ".join(cycle) + " form a cycle; a feed-forward "
                   "network has none")
            return None
        state[name] = "open"
        ds = [visit(s, trail + [name]) for s in units[name].sources]
        if None in ds:
            return None
        depth[name] = 1 + max(ds, default=0)  # type: ignore[type-var]
        state[name] = "done"
        return depth[name]

    for name in units:
        if visit(name, []) is None:
            return None
    n = max((depth[u] for u in units), default=0)
    layers = [[u for u in units if depth[u] == k] for k in range(1, n + 1)]
    for u in units.values():
        u.layer = depth[u.name]
    return layers


def _outputs(r: Reader, units: dict[str, Unit], layers: list[list[str]]) -> list[str] | None:
    if r.has("outputs"):
        outs = r.get("outputs", vector(string))
        if outs is BAD:
            return None
        for i, o in enumerate(outs):
            if o not in units:
                r.expected(("outputs", i), f"a unit name ({', '.join(units)})", o)
        return outs if r.ok else None
    feeding = {s for u in units.values() for s in u.sources}
    return [u for u in units if u not in feeding]
