"""Spec of an ``attention`` problem: Q, K, V (or X and projections), scale, mask, heads.

Rows are tokens. Either ``queries``/``keys``/``values`` directly, or ``x`` with ``W_q``,
``W_k``, ``W_v`` (d_model × d; Q = X W_q), ``context`` rows giving K and V (cross-attention).
``positional:`` adds sinusoidal encodings to X (``sinusoidal``), or alone
(``{positions: [...], d_model: D}``) asks for the encoding table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.reader import (
    BAD,
    Bad,
    Reader,
    Said,
    boolean,
    choice,
    either,
    expects,
    matrix,
    nonneg,
    number,
    positive,
    positive_int,
    vector,
)

FIELDS = ("queries", "keys", "values", "x", "W_q", "W_k", "W_v", "context", "scale", "mask",
          "heads", "W_o", "positional")
ROWS = either(matrix(), lambda v: [vector()(v)], what="a matrix (one row per token)")


@dataclass(frozen=True)
class Positional:
    positions: list[float]
    d_model: int
    base: float
    add: bool                    # added to x (and context) before the projections


@dataclass(frozen=True)
class AttentionProblem:
    q: list[list[float]] | None            # given directly (None: projected)
    k: list[list[float]] | None
    v: list[list[float]] | None
    x: list[list[float]] | None
    context: list[list[float]] | None
    w: dict[str, list[list[float]]]        # W_q, W_k, W_v (projected form)
    scale: bool | float                    # True: 1/sqrt(d_k); False: 1; a number
    mask: str | list[list[int]] | None     # causal | 0/1 matrix
    heads: int
    w_o: list[list[float]] | None
    positional: Positional | None

    @property
    def projected(self) -> bool:
        return self.x is not None


def parse(r: Reader) -> AttentionProblem | None:
    r.allow(COMMON_FIELDS + FIELDS)
    pos = _positional(r)
    direct = [k for k in ("queries", "keys", "values") if r.has(k)]
    if not direct and not r.has("x"):
        if pos is None or pos is BAD:
            if pos is None:
                r.expected("queries", "queries, keys and values, or x with W_q, W_k, W_v",
                           Said("nothing"))
            return None
        return AttentionProblem(None, None, None, None, None, {}, True, None, 1, None, pos)
    if isinstance(pos, Positional) and not pos.add:
        r.fail("positional", "{positions, d_model} asks for the encoding table alone; "
                             "positional: sinusoidal adds the encodings to x")
        return None
    if direct and r.has("x"):
        r.fail("x", "give queries/keys/values or x with W_q/W_k/W_v, not both")
        return None
    m = _direct(r) if direct else _projected(r, pos)
    if m is None:
        return None
    opts = _options(r, *m["shape"][1:])
    if not r.ok:
        return None
    return AttentionProblem(m.get("q"), m.get("k"), m.get("v"), m.get("x"), m.get("context"),
                            m.get("w", {}), *opts, pos if pos is not BAD else None)


def _options(r: Reader, tq: int, tk: int, dk: int, dv: int) -> tuple[Any, ...]:
    """scale, mask, heads, W_o, checked against the shapes."""
    heads = r.get("heads", positive_int, 1)
    scale = r.get("scale", either(boolean, positive, what="true, false or a positive number"),
                  True)
    if not isinstance(scale, bool) and scale is not BAD and scale > LIMIT:
        r.expected("scale", f"a scale of at most {LIMIT:g} (a larger one overflows the scores "
                            "to inf)", Said(f"{scale:g}"))
    mask = _mask(r, tq, tk)
    w_o = r.get("W_o", matrix(), None)
    too_big(r, "W_o", w_o)
    if heads is not BAD:
        for what, d in (("queries and keys", dk), ("values", dv)):
            if d % heads:
                r.fail("heads", f"expected a number of heads dividing the width of the "
                                f"{what} ({d}), got {heads}")
    if w_o not in (None, BAD) and len(w_o) != dv:
        r.expected("W_o", f"{dv} rows (the width of the concatenated heads)",
                   Said(row_count(len(w_o))))
    return scale, mask, heads, w_o


LIMIT = 1e50  # larger entries overflow Q Kᵀ (products of three matrices)


def row_count(n: int) -> str:
    """``1 row``, ``3 rows``."""
    return f"{n} row{'s' * (n != 1)}"


def too_big(r: Reader, key: str, rows: Any) -> None:
    """Refuse entries whose products would overflow a float."""
    biggest = 0.0 if rows in (None, BAD) else max(abs(v) for row in rows for v in row)
    if biggest > LIMIT:
        r.expected(key, f"numbers of size at most {LIMIT:g} (larger ones overflow the products "
                        "to inf)", Said(f"{biggest:g}"))


def _width(r: Reader, key: str, rows: Any, width: int, what: str) -> None:
    if rows is not BAD and len(rows[0]) != width:
        r.expected(key, f"rows of width {width} ({what})", Said(f"rows of {len(rows[0])}"))


def _count(r: Reader, key: str, rows: Any, n: int, what: str) -> None:
    if rows is not BAD and len(rows) != n:
        r.expected(key, f"{row_count(n)} ({what})", Said(row_count(len(rows))))


def _direct(r: Reader) -> dict[str, Any] | None:
    q, k, v = (r.get(key, ROWS) for key in ("queries", "keys", "values"))
    for key, m in (("queries", q), ("keys", k), ("values", v)):
        too_big(r, key, m)
    if q is not BAD:
        _width(r, "keys", k, len(q[0]), "as the queries: q·k needs equal widths")
    if k is not BAD:
        _count(r, "values", v, len(k), "one value per key")
    for key in ("W_q", "W_k", "W_v", "context"):
        if r.has(key):
            r.fail(key, "projections and context go with x:, not with queries/keys/values")
    if BAD in (q, k, v) or not r.ok:
        return None
    return {"q": q, "k": k, "v": v, "shape": (len(q[0]), len(q), len(k), len(q[0]), len(v[0]))}


def _projected(r: Reader, pos: Any) -> dict[str, Any] | None:
    x = r.get("x", ROWS)
    ctx = r.get("context", ROWS, None)
    w = {key: r.get(key, matrix()) for key in ("W_q", "W_k", "W_v")}
    if x is BAD or ctx is BAD or BAD in w.values():
        return None
    for key, m in (("x", x), ("context", ctx), *w.items()):
        too_big(r, key, m)
    src = ctx if ctx is not None else x
    _count(r, "W_q", w["W_q"], len(x[0]), "one per column of x: Q = X W_q")
    for key in ("W_k", "W_v"):
        _count(r, key, w[key], len(src[0]), "one per column of the " +
               ("context" if ctx is not None else "x") + f": {key[-1].upper()} = "
               + ("C" if ctx is not None else "X") + f" {key}")
    _width(r, "W_k", w["W_k"], len(w["W_q"][0]), "as W_q: q·k needs equal widths")
    if isinstance(pos, Positional) and pos.add and pos.d_model != len(x[0]):
        r.fail("positional", f"expected the width of x ({len(x[0])}) as d_model")
    if not r.ok:
        return None
    shape = (len(x[0]), len(x), len(src), len(w["W_q"][0]), len(w["W_v"][0]))
    return {"x": x, "context": ctx, "w": w, "shape": shape}


def _mask(r: Reader, tq: int, tk: int) -> Any:
    if not r.has("mask"):
        return None
    raw = r.raw("mask")
    if isinstance(raw, str):
        return r.get("mask", choice("causal"))
    m = r.get("mask", matrix(_bit, what="causal, or a 0/1 matrix (1 = may attend)"))
    if m is BAD:
        return BAD
    if len(m) != tq or len(m[0]) != tk:
        r.expected("mask", f"a {tq}×{tk} matrix (queries × keys)",
                   Said(f"{len(m)}×{len(m[0])}"))
        return BAD
    for i, row in enumerate(m):
        if not any(row):
            r.fail(("mask", i), f"query {i + 1} may attend to no key: softmax over a row of "
                                "all -inf is 0/0 (NaN, what torch.softmax gives); let each "
                                "query see at least one key")
    return m


@expects("0 or 1")
def _bit(v: Any) -> int:
    if isinstance(v, bool) or v not in (0, 1):
        raise Bad("0 or 1 (1 = may attend)")
    return int(v)


MAX_TABLE = 10000  # entries of a positional-encoding table


def _positional(r: Reader) -> Any:
    if not r.has("positional"):
        return None
    raw = r.raw("positional")
    if raw in ("sinusoidal", True):
        x = r.raw("x")
        if not isinstance(x, list) or not x:
            r.fail("positional", "positional: sinusoidal adds the encodings to x; give x "
                                 "(or {positions: [...], d_model: D} for the table alone)")
            return BAD
        width = len(x[0]) if isinstance(x[0], list) else len(x)
        rows = len(x) if isinstance(x[0], list) else 1
        return Positional([float(p) for p in range(rows)], width, 10000.0, True)
    if not isinstance(raw, dict):
        r.expected("positional", "sinusoidal, or {positions: [...], d_model: D}", raw)
        return BAD
    c = r.child("positional")
    c.allow(("positions", "d_model", "base"))
    positions = c.get("positions", either(vector(nonneg), nonneg, what="positions (numbers "
                                                                          ">= 0)"))
    d = c.get("d_model", positive_int)
    base = c.get("base", positive, 10000.0)
    if BAD in (positions, d, base):
        return BAD
    positions = positions if isinstance(positions, list) else [positions]
    if len(positions) * d > MAX_TABLE:
        c.fail("d_model", f"expected a table of at most {MAX_TABLE} entries (positions × "
                          f"d_model), got {len(positions)} × {d}")
        return BAD
    return Positional([float(number(p)) for p in positions], d, float(base), False)
