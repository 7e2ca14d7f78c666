"""Spec of a ``softmax`` problem: logits (a vector, or a matrix of rows), options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.reader import (
    BAD,
    Bad,
    Reader,
    Said,
    choice,
    either,
    matrix,
    nonneg_int,
    positive,
    string,
    vector,
)


@dataclass(frozen=True)
class SoftmaxProblem:
    rows: list[list[float]]          # always a list of rows
    batch: bool                      # the spec gave a matrix
    labels: list[str] | None
    temperature: float
    targets: list[int] | None        # one class index per row
    stable: str                      # auto | always | never


def parse(r: Reader) -> SoftmaxProblem | None:
    r.allow(COMMON_FIELDS + ("logits", "labels", "temperature", "target", "stable"))
    logits = r.get("logits", either(matrix(), vector(), what="a list of numbers or a matrix"))
    labels = r.get("labels", vector(string, what="a list of class names"), None)
    temperature = r.get("temperature", positive, 1.0)
    stable = r.get("stable", either(choice("auto", "always", "never"),
                                    lambda v: {True: "always", False: "never"}[v]
                                    if isinstance(v, bool) else _no(),
                                    what="auto, true or false"), "auto")
    if logits is BAD:
        return None
    batch = bool(logits) and isinstance(logits[0], list)
    rows = logits if batch else [logits]
    n = len(rows[0])
    if labels not in (None, BAD) and len(labels) != n:
        r.expected("labels", f"{n} labels (one per logit)", Said(f"{len(labels)}"))
    targets = None
    if r.has("target"):
        targets = r.convert("target", r.raw("target"), _target_conv(n, labels, len(rows), batch))
    if not r.ok:
        return None
    return SoftmaxProblem(rows, batch, labels, float(temperature), targets, stable)


def _no() -> Any:
    raise Bad("auto, true or false")


def _target_conv(n: int, labels: list[str] | None, nrows: int, batch: bool) -> Any:
    def one(v: Any) -> int:
        if isinstance(v, str) and labels and v in labels:
            return labels.index(v)
        idx = nonneg_int(v) if not isinstance(v, str) else -1
        if not 0 <= idx < n:
            names = f" or a label ({', '.join(labels)})" if labels else ""
            raise Bad(f"a class index 0..{n - 1}{names}")
        return idx

    def conv(v: Any) -> list[int]:
        if batch:
            if not isinstance(v, list) or len(v) != nrows:
                raise Bad(f"a list of {nrows} class indices (one per row)")
            out = []
            for i, item in enumerate(v):
                try:
                    out.append(one(item))
                except Bad as e:
                    raise Bad(e.expected, (i,), item) from None
            return out
        try:
            return [one(v)]
        except Bad as e:
            raise Bad(e.expected, (), v) from None

    return conv
