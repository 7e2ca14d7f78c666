"""Spec of an ``init`` problem: a scheme (or a list of them), the fans or a weight's shape."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from dlsolve.kernels.init import NONLINEARITIES, SCHEMES, fans
from dlsolve.registry import COMMON_FIELDS
from dlsolve.spec.reader import BAD, Bad, Reader, Said, expects, nonneg, positive_int, vector

# Other names of the same schemes: a hint, not an alias (design.md names them as PyTorch does)
OTHER_NAMES = {"glorot": "xavier", "kaiming": "he"}


@dataclass(frozen=True)
class InitProblem:
    schemes: list[str]
    table: bool                 # the spec listed several schemes
    fan_in: int
    fan_out: int | None
    shape: list[int] | None
    nonlinearity: str | None    # None: each scheme's default
    negative_slope: float


def _named(options: tuple[str, ...], what: str) -> Any:
    """A name from ``options``; otherwise a did-you-mean hint in the message."""

    @expects(f"one of {', '.join(options)}")
    def conv(v: Any) -> str:
        key = v.strip().lower().replace("-", "_") if isinstance(v, str) else None
        if key in options:
            return key
        hint = ""
        if key:
            head, _, tail = key.partition("_")
            close = [OTHER_NAMES[head] + "_" + tail] if head in OTHER_NAMES else \
                difflib.get_close_matches(key, options, n=1)
            if close and close[0] in options:
                hint = f" (did you mean {close[0]!r}?)"
        raise Bad(f"{what}: one of {', '.join(options)}{hint}")

    return conv


MAX_SLOPE = 1e100


def parse(r: Reader) -> InitProblem | None:
    r.allow(COMMON_FIELDS + ("scheme", "fan_in", "fan_out", "shape", "nonlinearity",
                             "negative_slope"))
    scheme = _named(SCHEMES, "a scheme")
    raw = r.raw("scheme")
    table = isinstance(raw, list)
    schemes = r.get("scheme", vector(scheme, what="a list of schemes") if table else scheme)
    nonlin = r.get("nonlinearity", _named(NONLINEARITIES, "a nonlinearity"), None)
    slope = r.get("negative_slope", nonneg, 0.01)
    if slope is not BAD and slope > MAX_SLOPE:
        r.expected("negative_slope", f"a slope of at most {MAX_SLOPE:g} (1 + slope² must stay "
                                     "finite)", Said(f"{slope:g}"))
    if r.has("negative_slope") and nonlin not in ("leaky_relu", BAD):
        r.fail("negative_slope", "only leaky_relu has a negative slope (nonlinearity: "
                                 "leaky_relu)")
    fan_in, fan_out, shape = _fans(r)
    if schemes is BAD or fan_in is BAD:
        return None
    names = schemes if table else [schemes]
    if fan_out is None and any(s.startswith("xavier") for s in names):
        r.expected("fan_out", "fan_out (xavier averages fan_in and fan_out), or shape:",
                   Said("nothing"))
    if not r.ok:
        return None
    return InitProblem(names, table, fan_in, fan_out, shape, nonlin, float(slope))


def _fans(r: Reader) -> tuple[Any, Any, list[int] | None]:
    if r.has("shape"):
        for key in ("fan_in", "fan_out"):
            if r.has(key):
                r.fail(key, "give shape: or the fans, not both")
        shape = r.get("shape", vector(positive_int, min_len=2,
                                      what="a weight shape [out, in] or [C_out, C_in, kh, kw]"))
        if shape is BAD:
            return BAD, BAD, None
        fan_in, fan_out = fans(shape)
        return fan_in, fan_out, shape
    return r.get("fan_in", positive_int), r.get("fan_out", positive_int, None), None
