"""Central finite differences against backprop's gradients (the solver's self-check).

The objective is evaluated stably (sigmoid + BCE from the logit, so 1 - σ(z) never loses its
digits) and the tolerance scales with the values: the rounding error of a difference
quotient is about ε_machine·|E|/h, added to a relative 1e-5. A true mismatch raises.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from dlsolve.errors import SolverBug

Params = dict[str, float]
MAX_CHECKED = 60   # networks with more parameters are checked on a sample ...
SAMPLED = 20       # ... of this many, plus DIRECTIONS random directions over all of them
DIRECTIONS = 3


@dataclass
class Check:
    """The finite-difference check of the gradients (all, or a fixed sample of 60)."""

    worst: float
    checked: int
    skipped: list[str]
    total: int = 0


def _tolerance(g: float, fd: float, e: float, h: float) -> float:
    return 1e-5 * max(1.0, abs(g), abs(fd)) + 1e3 * 2.2e-16 * max(1.0, abs(e)) / h


def _unresolved(g: float, h: float, fu: float, fdn: float) -> bool:
    """The change the gradient predicts, g·2h, is below the loss's rounding step there: a
    difference quotient cannot see it (say, a huge loss dominated by another term)."""
    return abs(g * 2 * h) < 4 * max(math.ulp(fu), math.ulp(fdn))


def check_gradients(f: Callable[[Params], float], params: Params, grads: Params,
                    kink: Callable[[Params, Params], bool]) -> Check:
    """Compare each gradient with a central difference of ``f``; raise SolverBug on a mismatch.

    Parameters whose difference quotient straddles a kink (``kink(up, down)``: ReLU at 0, a
    clipped probability, |t - o| at 0, |w| at 0) are skipped: the derivative there is a
    convention, not a limit.
    """
    worst, checked, skipped = 0.0, 0, []
    names = list(grads)
    e0 = f(params)
    if len(names) > MAX_CHECKED:  # big networks: a fixed sample, and whole-gradient directions
        names = sorted(random.Random(0).sample(names, SAMPLED), key=names.index)
        worst = _directional(f, params, grads, kink, e0)
    for name in names:
        g, v = grads[name], params[name]
        h = 1e-6 * max(1.0, abs(v))
        up = dict(params, **{name: v + h})
        dn = dict(params, **{name: v - h})
        fu, fdn = f(up), f(dn)
        fd = (fu - fdn) / (2 * h)
        if not math.isfinite(fd) or _unresolved(g, h, fu, fdn):
            skipped.append(name)
            continue
        err = abs(fd - g)
        if err > _tolerance(g, fd, e0, h):
            if kink(up, dn):
                skipped.append(name)
                continue
            raise SolverBug(f"gradient of {name}: backprop gives {g!r}, a central finite "
                            f"difference gives {fd!r}")
        worst = max(worst, err)
        checked += 1
    return Check(worst, checked, skipped, len(grads))


def _directional(f: Callable[[Params], float], params: Params, grads: Params,
                 kink: Callable[[Params, Params], bool], e0: float) -> float:
    """Check ∇E·v against (E(θ + hv) - E(θ - hv))/2h for random directions v of unit length."""
    rng, worst, keys = random.Random(1), 0.0, list(grads)
    for _ in range(DIRECTIONS):
        r = rng.random
        v = [2 * r() - 1 for _ in keys]  # any direction checks the gradient
        norm = math.sqrt(math.fsum(x * x for x in v))
        v = [x / norm for x in v]
        h = 1e-5
        up, dn = dict(params), dict(params)
        for k, x in zip(keys, v):
            up[k] = params[k] + h * x
            dn[k] = params[k] - h * x
        fd = (f(up) - f(dn)) / (2 * h)
        dot = math.fsum(grads[k] * x for k, x in zip(keys, v))
        err = abs(fd - dot)
        if err > _tolerance(dot, fd, e0, h):
            if kink(up, dn):
                continue
            raise SolverBug(f"directional derivative: backprop gives {dot!r}, a central "
                            f"finite difference gives {fd!r}")
        worst = max(worst, err)
    return worst
