"""Spec of a ``pinn`` problem: a trial solution ŷ(x), a differential operator, the points.

The trial and the equation are parsed by ``dlsolve.symbolic.parse`` (no ``eval``); the
equation writes y, y', y'', ... for the trial and its derivatives, which become the names
``y``, ``y_d1``, ``y_d2``, ... before parsing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.reader import BAD, Reader, Said, nonneg, number, string, vector

PRIMES = re.compile(r"\by('*)(?![\w'])")
MAX_ORDER = 6
MAX_POINTS = 500
MAX_TEXT = 400     # characters of the trial or the equation: a formula an exam states
MAX_NODES = 3000   # nodes of a derivative's tree: beyond, SymPy swells into seconds per step


@dataclass(frozen=True)
class PinnProblem:
    trial: Any                        # SymPy expression in x and the constants
    trial_text: str
    x: Any                            # the SymPy symbol x
    values: dict[str, float]          # named constants
    equation: Any                     # SymPy expression in y, y_d1, ..., x, constants
    equation_text: str
    order: int                        # the highest derivative the equation uses
    collocation: list[float]
    boundary: list[tuple[float, float]]
    weights: tuple[float, float]      # physics, boundary
    derivs: tuple[Any, ...] = ()      # ŷ, ŷ', ..., up to the order (constants as symbols)


def prime_name(k: int) -> str:
    """ŷ, ŷ', ŷ'', ... (the k-th derivative's name)."""
    return "ŷ" + "'" * k


def primes_to_names(text: str) -> tuple[str, int]:
    """``y'' + y`` -> (``y_d2 + y``, 2): each y with k primes becomes y_dk."""
    orders: list[int] = []

    def name(m: re.Match) -> str:
        k = len(m.group(1))
        orders.append(k)
        return "y" if k == 0 else f"y_d{k}"

    return PRIMES.sub(name, text), max(orders, default=-1)


SMOOTH = {"exp", "log", "sin", "cos", "tan", "tanh", "sinh", "cosh", "asin", "acos", "atan"}


def _formula(r: Reader, key: str, text: str, variables: list[str]) -> Any:
    """Parse ``text`` (the field ``key``, or its y'-renamed form) with ``variables`` allowed;
    only the smooth functions of new-kinds-details O23."""
    import sympy as sp

    from dlsolve.symbolic.parse import ParseError, parse

    try:
        e = parse(text, variables)[0]
    except ParseError as err:
        hint = "; give named constants in values:" if "unknown name" in str(err) else ""
        said = re.sub(r"\by_d(\d)", lambda m: "y" + "'" * int(m.group(1)), str(err))
        r.fail(key, f"{said}{hint} (got {r.raw(key)!r})")
        return BAD
    bad = sorted({type(f).__name__ for f in e.atoms(sp.Function)} - SMOOTH)
    if bad:
        r.fail(key, f"expected the functions exp log sqrt sin cos tan tanh sinh cosh asin acos "
                    f"atan only (a derivative must exist everywhere), got {bad[0]} in "
                    f"{r.raw(key)!r}")
        return BAD
    return e


def _too_long(r: Reader, key: str, text: str) -> bool:
    if len(text) <= MAX_TEXT:
        return False
    r.expected(key, f"a formula of at most {MAX_TEXT} characters", Said(f"{len(text)} characters"))
    return True


def _values(r: Reader) -> dict[str, float]:
    raw = r.raw("values", {}) or {}
    if not isinstance(raw, dict):
        r.expected("values", "a mapping of constant names to numbers ({a: 0.866})", raw)
        return {}
    out = {}
    for k in raw:
        if not isinstance(k, str) or not k.isidentifier() or k in ("x", "y"):
            r.fail(("values", k), "expected a constant name (not x or y)", at_key=True)
            continue
        got = r.child("values").get(k, number)
        if got is not BAD:
            out[k] = float(got)
    return out


def _target(r: Reader, k: Any, v: Any, values: dict[str, float]) -> float | None:
    """A boundary target: a number, or a formula in the constants (\"exp(-1)*cos(sqrt(3))\")."""
    if not isinstance(v, str):
        got = r.child("boundary").get(k, number)
        return None if got is BAD else float(got)
    from dlsolve.symbolic.parse import ParseError, parse

    try:
        e, syms = parse(v, sorted(values))
        value = complex(e.subs({s: values[s.name] for s in syms}).evalf(30))
    except (ParseError, TypeError) as err:
        consts = ", ".join(sorted(values)) or "none given"
        why = "x is not allowed: a target is a number" if "'x'" in str(err) else str(err)
        r.fail(("boundary", k), f"expected a number or a formula of numbers and the constants "
                                f"of values: ({consts}); {why}, got {v!r}")
        return None
    if value.imag:
        r.fail(("boundary", k), f"expected a real target, got {v!r} = {value}")
        return None
    return value.real


def _boundary(r: Reader, values: dict[str, float]) -> list[tuple[float, float]]:
    raw = r.raw("boundary", {}) or {}
    if not isinstance(raw, dict):
        r.expected("boundary", "a mapping x: target y(x) ({0: 1.0, 1.0: 0.2})", raw)
        return []
    out = []
    for k, v in raw.items():
        if isinstance(k, bool) or not isinstance(k, (int, float)):
            r.fail(("boundary", k), f"expected a boundary point x (a number), got {k!r}",
                   at_key=True)
            continue
        got = _target(r, k, v, values)
        if got is not None:
            out.append((float(k), got))
    return out


def _weights(r: Reader) -> tuple[float, float]:
    if not r.has("weights"):
        return 1.0, 1.0
    if not isinstance(r.raw("weights"), dict):
        r.expected("weights", "a mapping {physics: 1, boundary: 1}", r.raw("weights"))
        return 1.0, 1.0
    w = r.child("weights")
    w.allow(("physics", "boundary"))
    phys, bnd = w.get("physics", nonneg, 1.0), w.get("boundary", nonneg, 1.0)
    return (1.0 if phys is BAD else float(phys)), (1.0 if bnd is BAD else float(bnd))


def numeric(e: Any, x: Any) -> Any:
    """x -> e(x) as a complex number, to 30 digits (mpmath; no exact huge powers)."""
    import mpmath
    import sympy as sp

    f = sp.lambdify(x, e, "mpmath")

    def value(at: float) -> complex:
        with mpmath.workdps(30):
            return complex(f(mpmath.mpf(repr(float(at)))))

    return value


def finite_at(f: Any, at: float) -> bool:
    """True when the numeric function ``f`` has a finite real value at ``at``."""
    try:
        v = f(at)
    except (TypeError, ValueError, ZeroDivisionError, OverflowError):
        return False
    return v.imag == 0 and abs(v.real) < 1e300


def derivatives(trial: Any, x: Any, order: int) -> tuple[Any, ...]:
    """ŷ and its derivatives up to ``order``; stops early (a shorter tuple) once one grows
    beyond MAX_NODES nodes.

    >>> import sympy as sp; x = sp.Symbol("x")
    >>> derivatives(sp.sin(x), x, 2)
    (sin(x), cos(x), -sin(x))
    """
    import sympy as sp

    ds = [trial]
    for _ in range(order):
        ds.append(sp.diff(ds[-1], x))
        if sum(1 for _ in sp.preorder_traversal(ds[-1])) > MAX_NODES:
            break
    return tuple(ds)


def _check_points(r: Reader, derivs: tuple[Any, ...], x: Any, values: dict[str, float],
                  colloc: list[float], boundary: list[tuple[float, float]]) -> None:
    """ŷ and its derivatives must be finite and real at every collocation point (ŷ at the
    boundary points)."""
    subs = {s: values[s.name] for s in derivs[0].free_symbols if s.name in values}
    ds = [numeric(d.subs(subs), x) for d in derivs]
    t = ds[0]
    for i, xi in enumerate(colloc):
        if not all(finite_at(d, xi) for d in ds):
            r.expected(("collocation", i), "a point where ŷ and its derivatives are finite "
                       "and real", xi)
    keys = list(r.raw("boundary") or {})  # all valid here: parse checks only a clean spec
    for key, (xb, _target) in zip(keys, boundary):
        if not finite_at(t, xb):
            r.fail(("boundary", key), f"expected a point where ŷ is finite and real, got {xb:g}",
                   at_key=True)


def _equation(r: Reader, consts: list[str]) -> tuple[Any, str, int]:
    """(the parsed operator or BAD, its text, the highest derivative order)."""
    eq_raw = r.get("equation", string, what="the operator applied to y, e.g. \"y'' + y' + y\"")
    if eq_raw is BAD or _too_long(r, "equation", eq_raw):
        return BAD, "", -1
    named, order = primes_to_names(eq_raw)
    if order < 0:
        r.expected("equation", "an expression in y, y', y'', ... (the equation is ... = 0)",
                   eq_raw)
        return BAD, eq_raw, order
    if order > MAX_ORDER:
        r.expected("equation", f"derivatives up to order {MAX_ORDER}", Said(f"order {order}"))
        return BAD, eq_raw, order
    names = ["x", "y"] + [f"y_d{k}" for k in range(1, order + 1)] + consts
    return _formula(r, "equation", named, names), eq_raw, order


def parse(r: Reader) -> PinnProblem | None:
    r.allow(COMMON_FIELDS + ("trial", "values", "equation", "collocation", "boundary",
                             "weights"))
    values = _values(r)
    consts = sorted(values)
    trial_text = r.get("trial", string, what="a trial solution: a formula in x")
    trial = BAD if trial_text is BAD or _too_long(r, "trial", trial_text) else \
        _formula(r, "trial", trial_text, ["x"] + consts)
    equation, eq_raw, order = _equation(r, consts)
    colloc = r.get("collocation", vector(number, what="collocation points (numbers)"))
    if colloc is not BAD and len(colloc) > MAX_POINTS:
        r.expected("collocation", f"at most {MAX_POINTS} points", Said(f"{len(colloc)}"))
    boundary, weights = _boundary(r, values), _weights(r)
    if trial is not BAD and r.ok and "x" not in {s.name for s in trial.free_symbols}:
        r.expected("trial", "a trial solution in x (the expression has no x)",
                   r.raw("trial"))
    if trial is BAD or equation is BAD or colloc is BAD or not r.ok:
        return None
    x = next(s for s in trial.free_symbols if s.name == "x")
    derivs = derivatives(trial, x, order)
    if len(derivs) <= order:
        r.expected("trial", f"a trial whose derivatives stay exam-sized (at most {MAX_NODES} "
                   f"terms and factors)", Said(f"{prime_name(len(derivs) - 1)} beyond that"))
        return None
    _check_points(r, derivs, x, values, colloc, boundary)
    if not r.ok:
        return None
    return PinnProblem(trial, trial_text, x, values, equation, eq_raw, order,
                       [float(c) for c in colloc], boundary, weights, derivs)
