"""Is a student's value right? Numbers agree to the digits the student wrote (0.6023 accepts
0.60226…), or within --rtol/--atol; lists and matrices element by element; shapes written
as 15x15x8; true/false; text.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Tolerance:
    """Optional absolute/relative tolerances; digit agreement applies whatever they are."""

    rtol: float = 0.0
    atol: float = 0.0
    digits: bool = True


FLOAT32 = 1e-6  # values from single-precision tools (torch's default) differ about this much


def decimals(text: str | None, value: float) -> int | None:
    """Decimal places written: '0.6023' -> 4, '1.5e-3' -> 4, '15' -> 0; None if unknown."""
    if text is None:
        return None
    t = text.strip().lower().lstrip("+-")
    if "e" in t:
        mant, _, ex = t.partition("e")
        d = len(mant.partition(".")[2])
        try:
            return max(d - int(ex), 0)
        except ValueError:
            return None
    return len(t.partition(".")[2])


def number_ok(expected: float, given: float, text: str | None, tol: Tolerance) -> bool:
    if not (math.isfinite(expected) and math.isfinite(given)):
        return expected == given
    err = abs(given - expected)
    if err <= tol.atol + tol.rtol * abs(expected) or err <= FLOAT32 * max(1.0, abs(expected)):
        return True
    if not tol.digits:
        return False
    d = decimals(text, given)
    if d is None:
        return False
    if d == 0 and given == 0:  # a bare "0" claims exactly zero
        return False
    return err <= 0.5 * 10.0 ** -d * (1 + 1e-9) + 1e-12


def _off(expected: float, given: float, text: str | None) -> str:
    """Why a number is wrong: how far off, against the places the student wrote."""
    d = decimals(text, given)
    if not (math.isfinite(expected) and math.isfinite(given)):
        return "wrong value"
    places = f"; to the {d} decimal place(s) written it is {expected:.{min(d, 12)}f}" \
        if d is not None and 0 < d <= 12 else ""
    return f"wrong value (off by {abs(given - expected):.3g}{places})"


def parse_shape(value: Any) -> Any:
    """'15x15x8' -> [15, 15, 8] (other values unchanged)."""
    if isinstance(value, str) and "x" in value.lower().replace("×", "x"):
        parts = value.lower().replace("×", "x").split("x")
        if all(p.strip().isdigit() for p in parts):
            return [int(p) for p in parts]
    return value


def equal(expected: Any, given: Any, texts: dict, path: tuple, tol: Tolerance) -> tuple[bool, str]:
    """(agrees, why not)."""
    given = parse_shape(given)
    if expected is None or given is None:  # an entry the problem leaves empty (null)
        return (expected is given, "" if expected is given else "expected "
                + ("nothing (null) here" if expected is None else describe(expected)))
    if isinstance(expected, bool) or isinstance(given, bool):
        return (expected == given, "" if expected == given else "wrong truth value")
    if isinstance(expected, (int, float)) and isinstance(given, (int, float)):
        if any(isinstance(v, int) and abs(v) > 1e308 for v in (expected, given)):
            return False, "an integer too large for a floating-point number; not compared"
        ok = number_ok(float(expected), float(given), texts.get(path), tol)
        return ok, "" if ok else _off(float(expected), float(given), texts.get(path))
    if isinstance(expected, str) and isinstance(given, str) and _formula(expected):
        same = formula_equal(expected, given)
        if same is not None:
            return same, "" if same else "not the same function (SymPy finds a difference)"
    if isinstance(expected, str) or isinstance(given, str):
        same = str(expected).strip().lower() == str(given).strip().lower()
        return same, "" if same else "wrong text"
    if isinstance(expected, dict) and isinstance(given, dict):
        for k in given:
            if k not in expected:
                return False, f"no entry {k!r} in the answer"
            ok, why = equal(expected[k], given[k], texts, path + (k,), tol)
            if not ok:
                return False, f"{k}: {why}"
        return True, ""
    if isinstance(expected, list) and isinstance(given, list):
        if len(expected) != len(given):
            return False, f"expected {shape(expected)} values, got {shape(given)}"
        for i, (e, g) in enumerate(zip(expected, given)):
            ok, why = equal(e, g, texts, path + (i,), tol)
            if not ok:
                return False, f"[{i}] {why}" if why.startswith("[") else f"entry [{i}]: {why}"
        return True, ""
    if isinstance(expected, list) and isinstance(given, (int, float)) and len(expected) == 1:
        return equal(expected[0], given, texts, path, tol)
    return False, f"expected {describe(expected)}, got {describe(given)}"


def _formula(text: str) -> bool:
    return any(c in text for c in "*/+-^()") and len(text) <= 300


def formula_equal(expected: str, given: str) -> bool | None:
    """Two formulas that are the same function (SymPy), as a derivative answer may be written
    in any order or form (6(2x + 1)^2 = 6*(2*x+1)**2); None when either is no formula."""
    if len(given) > 300:
        return None
    from dlsolve.spec.derivative import implicit_products
    from dlsolve.symbolic.parse import ParseError, parse

    try:
        a, _ = parse(implicit_products(expected))
        b, _ = parse(implicit_products(given))
    except (ParseError, TypeError, ValueError):
        return None
    import sympy as sp

    return sp.simplify(a - b) == 0


def shape(value: Any) -> str:
    dims = []
    while isinstance(value, list):
        dims.append(len(value))
        value = value[0] if value else None
    return "×".join(map(str, dims)) or "1"


def describe(value: Any) -> str:
    if isinstance(value, list):
        return f"a {shape(value)} list"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, (int, float)):
        return "a number"
    return type(value).__name__
