"""The guards around one run of the console script: a time limit and a memory ceiling.

The spec layer refuses a problem whose size it can estimate (``dlsolve.spec.limits``); these
catch what an estimate misses, so that no input makes dlsolve run for minutes or eat the
machine's memory. The time limit is per problem (``fresh_budget`` renews it as each one is
solved) and counts CPU time (a busy machine does not trip it; a loop
does): a ``SIGPROF`` timer raising ``TimeLimit`` (a BaseException, so that no
``except Exception`` on the way swallows it); the memory ceiling is
``RLIMIT_AS``, under which an allocation too large fails with ``MemoryError``. Both are set by
``dlsolve.cli.main`` only: the test suite runs commands in-process without them.
"""

from __future__ import annotations

import os
import re
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from dlsolve.spec import limits


class TimeLimit(BaseException):
    """The run took longer than the time limit."""


def _setting(name: str, default: float) -> float:
    text = os.environ.get(name, "")
    try:
        return float(text) if text.strip() else default
    except ValueError:
        return default


def time_limit() -> float:
    return _setting("DLSOLVE_TIME_LIMIT", limits.TIME_SECONDS)


def memory_limit_mb() -> float:
    """The ceiling in MB (0: none); at least 64, below which Python itself cannot start."""
    mb = _setting("DLSOLVE_MEMORY_LIMIT", limits.MEMORY_MB)
    return max(mb, 64.0) if mb > 0 else 0.0


def _alarm(signum: int, frame: object) -> None:
    raise TimeLimit


_BUDGET = {"seconds": 0.0}  # the CPU seconds each problem gets while a timer is running


def fresh_budget() -> None:
    """Give the next problem the full time limit (a folder or a batch of variants is many
    problems, each bounded by itself); nothing when no limit is running (the test suite)."""
    if _BUDGET["seconds"] > 0:
        signal.setitimer(signal.ITIMER_PROF, _BUDGET["seconds"])


def _cap_memory(mb: float) -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - not on POSIX
        return
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    want = int(mb * 1024 * 1024)
    if hard != resource.RLIM_INFINITY:
        want = min(want, hard)
    if soft == resource.RLIM_INFINITY or want < soft:
        try:
            resource.setrlimit(resource.RLIMIT_AS, (want, hard))
        except (ValueError, OSError):  # pragma: no cover - a stricter ceiling is in place
            pass


@contextmanager
def guarded() -> Iterator[None]:
    """Run the body under the time limit and memory ceiling; a time-out exits 2, said plainly."""
    seconds, mb = time_limit(), memory_limit_mb()
    if mb > 0:
        # dlsolve's arrays are small: one BLAS thread, so that the ceiling does not depend on
        # how many cores reserve their buffers.
        for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            os.environ.setdefault(name, "1")
        _cap_memory(mb)
    timer = seconds > 0 and hasattr(signal, "SIGPROF")
    if timer:
        previous = signal.signal(signal.SIGPROF, _alarm)
        signal.setitimer(signal.ITIMER_PROF, seconds)
        _BUDGET["seconds"] = seconds
    try:
        yield
    except TimeLimit:
        sys.stderr.write(f"dlsolve: stopped after {seconds:g} s of CPU time, the limit for one "
                         "problem (DLSOLVE_TIME_LIMIT=0 lifts it); the problem is far larger "
                         "than an exam problem\n")
        sys.exit(2)
    finally:
        if timer:
            signal.setitimer(signal.ITIMER_PROF, 0)
            signal.signal(signal.SIGPROF, previous)
            _BUDGET["seconds"] = 0.0


def _numbers(data: object, path: tuple = ()) -> Iterator[tuple[tuple, float]]:
    """Every number of a spec's data with its path (a bounded walk: specs are small)."""
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _numbers(value, path + (key,))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _numbers(value, path + (i,))
    elif isinstance(data, (int, float)) and not isinstance(data, bool):
        yield path, data


def _first_non_finite(value: object, name: str) -> str | None:
    if isinstance(value, float):
        return None if value - value == 0 else name
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = _first_non_finite(item, f"{name}[{i}]")
            if found:
                return found
    return None


def overflow(doc: object, what: str, tiny: bool = False) -> Exception:
    """The refusal of a derivation that leaves float range, naming the largest value given
    (``tiny``: the smallest non-zero one, for a log of a value that underflowed to 0)."""
    from dlsolve.errors import Issue, SpecError
    from dlsolve.spec.load import dotted

    data = getattr(doc, "data", None)
    source = getattr(doc, "source", "<spec>")
    numbers = [(p, v) for p, v in _numbers(data) if not tiny or v != 0]
    size = (lambda item: -abs(float(item[1]))) if tiny else (lambda item: abs(float(item[1])))
    found = max(numbers, key=size, default=None)
    if found is None:
        return SpecError([Issue(source, "", f"the derivation leaves float range ({what}); "
                                "the values are beyond double precision")])
    path, value = found
    line, col = doc.where(path) if hasattr(doc, "where") else (None, None)
    labels = getattr(doc, "labels", {})
    field = labels[path[0]] + dotted(path[1:]) if path and path[0] in labels else dotted(path)
    advice = f"values as small as {float(value):g}; use larger ones" if tiny else \
        f"values as large as {float(value):g}; scale them down"
    return SpecError([Issue(source, field, f"the derivation leaves float range ({what}) with "
                            + advice, line, col)])


_SAID = re.compile(r"\binf(inity|inite)?\b|∞|overflow|\bnan\b|not a number|float range")


def check_finite(solution: object, doc: object) -> None:
    """Refuse a Solution with a non-finite result unless one of its notes says why."""
    results = getattr(solution, "results", {})
    notes = " ".join(getattr(solution, "notes", [])).lower()
    for name, value in results.items():
        bad = _first_non_finite(value, name)
        if bad and not _SAID.search(notes):
            raise overflow(doc, f"{bad} is not a finite number")
