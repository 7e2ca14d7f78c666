"""Targets and loss of an ``rnn`` spec: one target per step (``null`` skips a step) or one
``target:`` for the last step; each compared with y_t (or h_t without an output layer)."""

from __future__ import annotations

from typing import Any

from dlsolve.kernels.losses import LossSpec
from dlsolve.spec.loss import LOSS_NAME, loss_spec
from dlsolve.spec.reader import BAD, MISSING, Bad, Reader, Said, number

Targets = list[list[float] | None]


def read_targets(r: Reader, T: int, n: int, softmax: bool
                 ) -> tuple[Targets | None, LossSpec | None, bool]:
    """(targets per step, loss, whether the loss was defaulted)."""
    name = r.get("loss", LOSS_NAME, None)
    if r.has("targets") and r.has("target"):
        r.fail("target", "give targets: (one per step) or target: (the last step), not both")
        return None, None, False
    if not (r.has("targets") or r.has("target")):
        if r.has("loss"):
            r.fail("loss", "a loss needs targets: (one per step) or target: (the last step)")
        return None, None, False
    one = _target_conv(n, name == "sparse_cce")
    if r.has("target"):
        t = r.get("target", one)
        targets = None if t is BAD else [None] * (T - 1) + [t]
    else:
        targets = r.get("targets", _targets_conv(T, one))
        targets = None if targets is BAD else targets
    defaulted = name is None
    if defaulted:
        name = "cce" if softmax else "half_sse"
    loss = loss_spec(r, name) if name is not BAD else None
    if targets is None or loss is None:
        return None, None, False
    _check_range(r, loss, targets)
    if loss.name == "hinge":
        targets = [None if t is None else [-1.0 if v == 0 else v for v in t] for t in targets]
    return targets, loss, defaulted


def _target_conv(n: int, sparse: bool) -> Any:
    what = (f"a class index 0..{n - 1}" if sparse else
            f"{n} number{'s' * (n > 1)} (one per output)" + (" or one number" if n == 1 else ""))

    def conv(v: Any) -> list[float]:
        items = v if isinstance(v, list) else [v]
        if sparse:
            if len(items) != 1 or not _index(items[0], n):
                raise Bad(what)
            return [float(items[0])]
        if len(items) != n:
            raise Bad(what, got=Said(f"{len(items)} value{'s' * (len(items) != 1)}"))
        for k, x in enumerate(items):
            try:
                number(x)
            except Bad:
                raise Bad("a number", (k,) if isinstance(v, list) else (), x) from None
        return [float(x) for x in items]

    conv.expected = what  # type: ignore[attr-defined]
    return conv


def _index(v: Any, n: int) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and float(v).is_integer() \
        and 0 <= v < n


def _targets_conv(T: int, one: Any) -> Any:
    what = f"a list of {T} targets (one per step; null for a step without one)"

    def conv(v: Any) -> Targets:
        if not isinstance(v, list) or len(v) != T:
            raise Bad(what, got=Said(f"{len(v)} targets") if isinstance(v, list) else v)
        out: Targets = []
        for t, item in enumerate(v):
            try:
                out.append(None if item is None else one(item))
            except Bad as e:
                raise Bad(e.expected, (t,) + e.sub, item if e.got is MISSING else e.got) \
                    from None
        if all(t is None for t in out):
            raise Bad(what + ", at least one given", got=Said("only nulls"))
        return out

    conv.expected = what  # type: ignore[attr-defined]
    return conv


def _check_range(r: Reader, loss: LossSpec, targets: Targets) -> None:
    key = "targets" if r.has("targets") else "target"
    for t in targets:
        if t is None:
            continue
        if loss.name in ("bce", "cce") and any(not 0 <= v <= 1 for v in t):
            r.expected(key, f"targets in [0, 1] for {loss.name}", t)
            return
        if loss.name == "hinge" and any(v not in (-1, 0, 1) for v in t):
            r.expected(key, "labels -1, 1 (or 0) for hinge", t)
            return
