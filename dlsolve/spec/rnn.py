"""Spec of an ``rnn`` problem: a recurrent cell (rnn, lstm, gru) run over a sequence.

``inputs`` gives x_1..x_T (a number per step for size 1); ``weights`` one mapping per gate
(PyTorch's order: i, f, g, o for the LSTM, r, z, n for the GRU, ``rnn`` for the plain cell)
with W (H×D), U (H×H), b and bu (default zeros; a 1×1 matrix or one bias may be a number);
an optional ``output:`` layer; ``targets:`` (one per step, ``null`` skips a step) or
``target:`` (the last step) with a ``loss`` give backprop through time. Every shape is checked
against the hidden size H and the input size D, naming the gate and the matrix. PyTorch's
stacked ``weight_ih``/``weight_hh``/``bias_ih``/``bias_hh`` are read too (spec.rnn_fields).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from dlsolve.kernels.losses import LossSpec
from dlsolve.kernels.recurrent import GATES
from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.common import ActivationSpec, activation_conv, make_activation
from dlsolve.spec.loss import LOSS_OPTIONS
from dlsolve.spec.reader import BAD, Bad, Reader, Said, boolean, choice, number
from dlsolve.spec.rnn_fields import (
    GateSpec,
    as_matrix,
    as_vector,
    fill,
    is_stacked,
    shape_text,
    stacked_gates,
)
from dlsolve.spec.rnn_targets import read_targets

FIELDS = ("cell", "inputs", "h0", "c0", "activation", "reset_after", "weights", "output",
          "targets", "target", "loss", "show_all", "gradient_flow") + LOSS_OPTIONS
CELLS = tuple(GATES)
CELL_ALIASES = {"simplernn": "rnn", "simple_rnn": "rnn", "vanilla": "rnn", "elman": "rnn"}
GATE_NAMES = {"i": "input gate", "f": "forget gate", "g": "cell candidate", "o": "output gate",
              "r": "reset gate", "z": "update gate", "n": "new gate", "rnn": "cell"}
MAX_STEPS, MAX_SIZE = 500, 256  # a derivation of 500 steps already takes seconds
MAX_WORK = 250_000  # multiply-adds of one forward pass: a derivation, not a training run
LINEAR = make_activation("linear", {})


@dataclass(frozen=True)
class OutputSpec:
    W: list[list[float]]
    b: list[float]
    act: ActivationSpec


@dataclass(frozen=True)
class RnnProblem:
    cell: str
    inputs: list[list[float]]
    h0: list[float]
    c0: list[float] | None
    gates: dict[str, GateSpec]
    activation: str = "tanh"
    reset_after: bool = True
    output: OutputSpec | None = None
    targets: list[list[float] | None] | None = None
    loss: LossSpec | None = None
    loss_defaulted: bool = False
    given_h0: bool = False
    show_all: bool = False
    gradient_flow: bool | None = None    # None: shown when there are targets

    @property
    def hidden(self) -> int:
        return len(self.h0)


def parse(r: Reader) -> RnnProblem | None:
    r.allow(COMMON_FIELDS + FIELDS)
    cell = r.get("cell", _cell_conv, "rnn")
    xs = r.get("inputs", _inputs_conv)
    options = _cell_options(r, cell)
    gates = _gates(r, cell, xs) if cell is not BAD else None
    if gates is None or xs is BAD:
        return None
    H = len(next(iter(gates.values())).U)
    work = len(xs) * len(gates) * H * (H + len(xs[0]))
    if work > MAX_WORK:
        r.expected("weights", f"a problem worked by hand: at most {MAX_WORK:,} multiply-adds "
                   f"per forward pass (T·gates·H·(H + D))", Said(
                       f"{len(xs)}·{len(gates)}·{H}·({H} + {len(xs[0])}) = {work:,}"))
        return None
    h0 = _state(r, "h0", H)
    c0 = _state(r, "c0", H) if cell == "lstm" else None
    out = _output(r, H)
    n_out = len(out.W) if out is not None else H
    softmax = out is not None and out.act.softmax
    targets, loss, defaulted = read_targets(r, len(xs), n_out, softmax)
    if not r.ok:
        return None
    return RnnProblem(cell, xs, h0, c0, gates, output=out, targets=targets, loss=loss,
                      loss_defaulted=defaulted, given_h0=r.has("h0"),
                      show_all=r.get("show_all", boolean, False),
                      gradient_flow=r.get("gradient_flow", boolean, None), **options)



def _cell_conv(v: Any) -> str:
    if isinstance(v, str):
        key = v.strip().lower().replace("-", "_")
        key = CELL_ALIASES.get(key, key)
        if key in CELLS:
            return key
        close = difflib.get_close_matches(key, CELLS + tuple(CELL_ALIASES), n=1, cutoff=0.5)
        if close:
            raise Bad(f"one of {', '.join(CELLS)} (did you mean "
                      f"{CELL_ALIASES.get(close[0], close[0])!r}?)")
    raise Bad(f"one of {', '.join(CELLS)}")


_cell_conv.expected = "one of " + ", ".join(CELLS)  # type: ignore[attr-defined]
INPUTS_WHAT = "a list of input vectors x_1..x_T (a number per step for size 1)"


def _inputs_conv(v: Any) -> list[list[float]]:
    if not isinstance(v, list) or not v:
        raise Bad(INPUTS_WHAT)
    if len(v) > MAX_STEPS:
        raise Bad(f"at most {MAX_STEPS} steps", got=Said(f"{len(v)} steps"))
    rows = []
    for t, item in enumerate(v):
        if not isinstance(item, list):
            item = [item]
        if not item or len(item) > MAX_SIZE:
            raise Bad(f"x_{t + 1}: 1 to {MAX_SIZE} numbers", (t,), item)
        for k, x in enumerate(item):
            try:
                number(x)
            except Bad as e:
                raise Bad(e.expected, (t, k) if isinstance(v[t], list) else (t,), x) from None
        rows.append([float(x) for x in item])
    for t, row in enumerate(rows):
        if len(row) != len(rows[0]):
            raise Bad(f"x_{t + 1} of size {len(rows[0])}, as x_1 (every step's input has the "
                      f"same size)", (t,), Said(f"{len(row)} value{'s' * (len(row) != 1)}"))
    return rows


_inputs_conv.expected = INPUTS_WHAT  # type: ignore[attr-defined]


def _cell_options(r: Reader, cell: Any) -> dict[str, Any]:
    only = {"activation": ("rnn", "only the plain cell (cell: rnn) takes an activation: the "
                                  "gates of an lstm or gru are fixed (σ and tanh)"),
            "reset_after": ("gru", "only a gru takes reset_after"),
            "c0": ("lstm", "only an lstm has a cell state c")}
    for key, (kind, text) in only.items():
        if r.has(key) and cell not in (kind, BAD):
            r.fail(key, text)
    act = r.get("activation", choice("tanh", "relu"), "tanh") if cell == "rnn" else "tanh"
    after = r.get("reset_after", boolean, True) if cell == "gru" else True
    return {"activation": act if act is not BAD else "tanh",
            "reset_after": after if after is not BAD else True}


def _gates(r: Reader, cell: str, xs: Any) -> dict[str, GateSpec] | None:
    names, raw = GATES[cell], r.raw("weights")
    if not isinstance(raw, dict):
        r.expected("weights", f"a mapping of gates ({', '.join(names)}), each {{W, U, b, bu}}",
                   raw if r.has("weights") else Said("nothing"))
        return None
    wr = r.child("weights")
    if is_stacked(raw):
        return stacked_gates(wr, cell, len(xs[0])) if xs is not BAD else None
    if cell == "rnn" and "rnn" not in raw and set(raw) & {"W", "U", "b", "bu"}:
        readers = {"rnn": wr}  # the plain cell's matrices straight under weights:
    else:
        readers = _gate_readers(r, wr, raw, cell)
    fields = {g: _gate_fields(gr) for g, gr in readers.items()}
    if xs is BAD or len(fields) < len(names) or None in fields.values():
        return None
    H = _hidden(fields)
    if H > MAX_SIZE:
        r.fail("weights", f"expected a hidden size up to {MAX_SIZE}, got {H} (the rows of U)")
        return None
    flat = all(not isinstance(x, list) for x in r.raw("inputs"))
    out = {g: _check_gate(readers[g], g, *fields[g], H, len(xs[0]), flat) for g in names}
    return out if None not in out.values() else None


def _gate_readers(r: Reader, wr: Reader, raw: dict, cell: str) -> dict[str, Reader]:
    names = GATES[cell]
    for key in raw:
        if key not in names:
            close = difflib.get_close_matches(str(key), names, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            wr.fail(key, f"expected a gate of the {cell} cell ({', '.join(names)}, PyTorch's "
                         f"order), {hint}got {key!r}", at_key=True)
    missing = [g for g in names if g not in raw]
    if missing:
        r.fail("weights", f"expected every gate of the {cell} cell ({', '.join(names)}), got no "
                          + " and no ".join(f"{g} ({GATE_NAMES[g]})" for g in missing))
    readers = {}
    for g in names:
        if g in raw and not isinstance(raw[g], dict):
            wr.expected(g, f"a mapping {{W, U, b, bu}} for gate {g}", raw[g])
        elif g in raw:
            readers[g] = wr.child(g)
    return readers


def _gate_fields(gr: Reader) -> tuple | None:
    gr.allow(("W", "U", "b", "bu"))
    got = (gr.get("W", as_matrix), gr.get("U", as_matrix), gr.get("b", as_vector, None),
           gr.get("bu", as_vector, None))
    return None if BAD in got else got


def _hidden(fields: dict[str, tuple]) -> int:
    """H from the first square U (else the first W's rows)."""
    for _W, U, *_ in fields.values():
        if len(U) == len(U[0]):
            return len(U)
    return len(next(iter(fields.values()))[0])


def _check_gate(gr: Reader, g: str, W: Any, U: Any, b: Any, bu: Any, H: int,
                D: int, flat: bool = False) -> GateSpec | None:
    what = f"gate {g} ({GATE_NAMES[g]})"
    n = len(gr.issues)
    if (len(W), len(W[0])) != (H, D):
        hint = (" (inputs: a flat list is one number per step; write [[...]] for one step of "
                "several numbers)" if flat and D == 1 else "")
        gr.expected("W", f"a {H}×{D} matrix for {what}: W is H×D (hidden size {H}, input size "
                         f"{D}){hint}", Said(shape_text(W)))
    if (len(U), len(U[0])) != (H, H):
        gr.expected("U", f"a {H}×{H} matrix for {what}: U is H×H (hidden size {H})",
                    Said(shape_text(U)))
    for key, v in (("b", b), ("bu", bu)):
        if isinstance(v, list) and len(v) != H:
            gr.expected(key, f"{H} number{'s' * (H > 1)} for {what} (one per hidden unit) or "
                             f"one number", Said(f"{len(v)} values"))
    if len(gr.issues) > n:
        return None
    given = tuple(k for k, v in zip(("W", "U", "b", "bu"), (W, U, b, bu)) if v is not None)
    return GateSpec(W, U, fill(b, H), fill(bu, H), given)


def _state(r: Reader, key: str, H: int) -> list[float]:
    v = r.get(key, as_vector, None)
    if v is None or v is BAD:
        return [0.0] * H
    v = v if isinstance(v, list) else [v]
    if len(v) != H:
        r.expected(key, f"{H} number{'s' * (H > 1)} (hidden size H = {H}, the rows of U)",
                   Said(f"{len(v)}"))
    return v


def _output(r: Reader, H: int) -> OutputSpec | None:
    if not r.has("output"):
        return None
    if not isinstance(r.raw("output"), dict):
        r.expected("output", "a mapping {W, b, activation}", r.raw("output"))
        return None
    orr = r.child("output")
    orr.allow(("W", "b", "activation"))
    W, b = orr.get("W", as_matrix), orr.get("b", as_vector, None)
    act = orr.get("activation", activation_conv(True), LINEAR)
    if W is BAD or b is BAD or act is BAD:
        return None
    if len(W[0]) != H:
        orr.expected("W", f"a matrix with {H} column{'s' * (H > 1)} (W_y is O×H: one row per "
                          f"output, one column per hidden unit)", Said(shape_text(W)))
        return None
    if isinstance(b, list) and len(b) != len(W):
        orr.expected("b", f"{len(W)} numbers (one per output) or one number",
                     Said(f"{len(b)} values"))
        return None
    return OutputSpec(W, fill(b, len(W)), act)
