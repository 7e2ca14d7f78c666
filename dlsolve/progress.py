"""Progress on long runs: a bar on stderr when it is a terminal, nothing when piped.

``track`` wraps an iterable (solving a folder, generating variants, grading a class);
``status`` is a spinner around one long step (compiling a PDF). Both leave no trace once done
(``transient``), so a key on stdout and a bar on stderr never mix, and both are silent when
stderr is not a terminal or the run is short. Rich is imported only when a bar is shown.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")

#: Runs shorter than this many items show no bar (they end before a bar would help).
MIN_ITEMS = 20


def interactive() -> bool:
    """Whether stderr is a terminal a bar may be drawn on."""
    stream = sys.stderr
    return bool(getattr(stream, "isatty", None) and stream.isatty())


def _console() -> Any:
    from rich.console import Console

    return Console(stderr=True, force_terminal=True)


def track(items: Iterable[T], description: str, total: int | None = None,
          min_items: int = MIN_ITEMS) -> Iterable[T]:
    """``items`` as they are, with a progress bar on stderr when interactive and long enough."""
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    if not interactive() or (total is not None and total < min_items):
        return items
    return _tracked(items, description, total)


def _tracked(items: Iterable[T], description: str, total: int | None) -> Iterator[T]:
    from rich.progress import track as rich_track

    yield from rich_track(items, description=description, total=total, console=_console(),
                          transient=True)


@contextmanager
def status(message: str) -> Iterator[None]:
    """A spinner with ``message`` on stderr while the block runs, when interactive."""
    if not interactive():
        yield
        return
    with _console().status(message):
        yield
