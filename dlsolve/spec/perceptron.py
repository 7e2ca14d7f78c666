"""Spec of a ``perceptron`` problem: a truth table (or a named gate) with candidate weights,
a small network of threshold units, or a training run of the perceptron rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.reader import (
    BAD,
    Bad,
    Reader,
    Said,
    at_most,
    boolean,
    choice,
    expects,
    matrix,
    nonneg_int,
    number,
    positive,
    string,
    vector,
)

GATES = ("AND", "OR", "NAND", "NOR", "XOR", "XNOR", "NOT")


def gate_table(gate: str, n: int) -> list[list[float]]:
    """Rows [x1..xn, target] in binary counting order (00, 01, 10, 11)."""
    if gate == "NOT":
        return [[0.0, 1.0], [1.0, 0.0]]
    rows = []
    for k in range(2 ** n):
        x = [float((k >> (n - 1 - i)) & 1) for i in range(n)]
        ones = sum(x)
        t = {"AND": ones == n, "OR": ones > 0, "NAND": ones < n, "NOR": ones == 0,
             "XOR": ones % 2 == 1, "XNOR": ones % 2 == 0}[gate]
        rows.append(x + [float(t)])
    return rows


@dataclass(frozen=True)
class Candidate:
    weights: list[float]
    bias: float
    threshold_given: bool


@dataclass(frozen=True)
class GateUnit:
    name: str
    inputs: list[str]
    weights: list[float]
    bias: float
    threshold_given: bool


@dataclass(frozen=True)
class Training:
    learning_rate: float = 1.0
    epochs: int = 100
    weights: list[float] | None = None
    bias: float = 0.0
    rule: str = "perceptron"
    learn_bias: bool = True
    shuffle: int | None = None


@dataclass(frozen=True)
class PerceptronProblem:
    table: list[list[float]]
    n: int
    gate: str | None
    step_at_zero: int
    candidates: list[Candidate]
    network: list[GateUnit]
    train: Training | None


def parse(r: Reader) -> PerceptronProblem | None:
    r.allow(COMMON_FIELDS + ("gate", "inputs", "truth_table", "step_at_zero", "candidates",
                             "network", "train"))
    gate = r.get("gate", choice(*GATES, aliases={g.lower(): g for g in GATES}), None)
    gate = gate.upper() if isinstance(gate, str) else gate
    table = None
    if gate is not None and r.has("truth_table"):
        r.fail("truth_table", "give gate: or truth_table:, not both")
    elif gate not in (None, BAD):
        n = r.get("inputs", at_most(12), 1 if gate == "NOT" else 2)
        table = gate_table(gate, n) if n is not BAD else None
    elif r.has("truth_table"):
        table = _table(r)
    elif gate is None:
        r.expected("gate", "a gate (" + ", ".join(GATES) + ") or a truth_table:", Said("neither"))
    step0 = r.get("step_at_zero", _zero_one, 1)
    modes = [m for m in ("candidates", "network", "train") if r.has(m)]
    if len(modes) != 1:
        r.fail(modes[1] if len(modes) > 1 else "candidates", "give exactly one of candidates: "
               "(check weights), network: (evaluate a gate network) or train: (learn weights)")
    if table is None or not r.ok:
        return None
    n = len(table[0]) - 1
    cands = [_candidate(cr, n) for cr in r.children("candidates")]
    net = _network(r, n)
    train = _training(r.child("train"), n) if r.has("train") else None
    if not r.ok:
        return None
    return PerceptronProblem(table, n, gate, int(step0), cands, net or [], train)


@expects("0 or 1 (the step's value at z = 0)")
def _zero_one(v: Any) -> int:
    if isinstance(v, bool) or v not in (0, 1):
        raise Bad("0 or 1 (the step's value at z = 0)")
    return int(v)


def _table(r: Reader) -> list[list[float]] | None:
    rows = r.get("truth_table", matrix(number, "rows [x1, ..., xn, target] of equal length"))
    if rows is BAD:
        return None
    n = len(rows[0]) - 1
    if n < 1:
        r.expected("truth_table", "rows [x1, ..., xn, target] with at least one input", rows[0])
        return None
    for i, row in enumerate(rows):
        if row[-1] not in (0, 1):
            r.expected(("truth_table", i, n), "a target of 0 or 1", row[-1])
    seen: dict[tuple, float] = {}
    for i, row in enumerate(rows):
        if seen.setdefault(tuple(row[:-1]), row[-1]) != row[-1]:
            r.fail(("truth_table", i), "these inputs appear earlier with the other target")
    return [[float(v) for v in row] for row in rows] if r.ok else None


def _weights_and_bias(r: Reader, n: int, names: str = "inputs") -> tuple[Any, Any, bool]:
    w = r.get("weights", vector(number, n, what=f"{n} weight(s), one per {names[:-1]}"))
    if r.has("bias") and r.has("threshold"):
        r.fail("threshold", "give bias: or threshold: (bias = -threshold), not both")
        return w, BAD, False
    if r.has("threshold"):
        th = r.get("threshold", number)
        return w, (-th if th is not BAD else BAD), True
    return w, r.get("bias", number, 0.0), False


def _candidate(r: Reader, n: int) -> Candidate:
    r.allow(("weights", "bias", "threshold"))
    w, b, th = _weights_and_bias(r, n)
    return Candidate(w if w is not BAD else [], float(b) if b is not BAD else 0.0, th)


def _network(r: Reader, n: int) -> list[GateUnit] | None:
    if not r.has("network"):
        return None
    raw = r.raw("network")
    if not isinstance(raw, dict):
        r.expected("network", "a mapping of unit names to {inputs, weights, bias}", raw)
        return None
    known = [f"x{i + 1}" for i in range(n)]
    units = []
    for name in raw:
        ur = r.child("network").child(name)
        ur.allow(("inputs", "weights", "bias", "threshold"))
        srcs = ur.get("inputs", vector(string), list(known[:n]))
        if srcs is not BAD:
            for s in srcs:
                if s not in known:
                    ur.expected("inputs", f"names of inputs or earlier units ({', '.join(known)})",
                                s)
        w, b, th = _weights_and_bias(ur, len(srcs) if srcs is not BAD else n, "inputs")
        known.append(str(name))
        if r.ok:
            units.append(GateUnit(str(name), srcs, w, float(b), th))
    return units if r.ok else None


def _training(r: Reader, n: int) -> Training | None:
    r.allow(("learning_rate", "epochs", "weights", "bias", "rule", "learn_bias", "shuffle"))
    lr = r.get("learning_rate", positive, 1.0)
    epochs = r.get("epochs", at_most(10_000), 100)
    w = r.get("weights", vector(number, n), None)
    b = r.get("bias", number, 0.0)
    rule = r.get("rule", choice("perceptron", "add_subtract"), "perceptron")
    learn_bias = r.get("learn_bias", boolean, True)
    shuffle = r.get("shuffle", nonneg_int, None)
    if not r.ok:
        return None
    return Training(float(lr), epochs, w, float(b), rule, learn_bias, shuffle)
