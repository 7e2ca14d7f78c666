"""What the commands share: output options, flag types, spec loading and output writing.

Imports only click at module level; everything else is imported inside the functions that
run a command, so ``--help`` and ``--version`` stay fast.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from dlsolve.render import FORMATS

EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".tex": "latex", ".json": "json",
              ".txt": "text", ".html": "html", ".htm": "html", ".xml": "moodle", ".pdf": "latex",
              ".zip": "qti", ".csv": "csv"}
DETAIL_KEY = "dlsolve.detail"
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def _keep_detail(ctx: click.Context, param: Any, value: str | None) -> None:
    if value is not None:
        ctx.meta[DETAIL_KEY] = value


def output_options(f: Callable) -> Callable:
    """``--format``, ``-o/--output``, ``--digits``, ``--width`` and ``--detail`` for a solving
    command (``--detail`` is kept in the click context, read by ``emit``)."""
    f = click.option("--detail", type=click.Choice(["brief", "exam", "full"]), default=None,
                     expose_value=False, callback=_keep_detail, is_eager=True,
                     help="How much working: brief (givens, key equations, answers), exam "
                          "(what a good exam answer writes) or full (self-checks, dumps) "
                          "[default: exam].")(f)
    f = click.option("--width", type=click.IntRange(40, 400), default=None,
                     help="Line width: rich wraps at the terminal's by default, text only when "
                          "this is given (formulas break at operators).")(f)
    f = click.option("--digits", type=click.IntRange(0, 15), default=4, show_default=True,
                     help="Decimal places shown (results in JSON keep full precision).")(f)
    f = click.option("-o", "--output", type=click.Path(dir_okay=False), default=None,
                     help="Write to FILE (atomically) instead of standard output; a .pdf is "
                          "the LaTeX compiled with pdflatex.")(f)
    f = click.option("--format", "-f", "fmt", type=click.Choice(FORMATS), default=None,
                     help="Output format [default: rich on a terminal, text when piped; "
                          "from the extension of -o].")(f)
    return f


def _number(text: str) -> int | float:
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        return float(text)


class Dims(click.ParamType):
    """``32x32x3``, ``32x32``, ``32`` (also with commas) -> a list of integers."""

    name = "HxWxC"

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, list):
            return value
        parts = str(value).lower().replace("×", "x").replace(",", "x").split("x")
        try:
            nums = [_number(p) for p in parts]
        except ValueError:
            self.fail(f"{value!r} is not of the form HxWxC, HxW or N (e.g. 32x32x3)", param, ctx)
        return nums if len(nums) > 1 else nums[0]


class Pair(Dims):
    """``3`` or ``3x5`` -> 3 or [3, 5]; ``same``/``valid`` where allowed."""

    name = "N|HxW"

    def __init__(self, words: tuple[str, ...] = ()):
        self.words = words
        if words:
            self.name = "N|HxW|" + "|".join(words)

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in self.words:
            return value.strip().lower()
        return super().convert(value, param, ctx)


class Numbers(click.ParamType):
    """``2,3`` or ``2 3`` -> [2, 3]."""

    name = "X,Y,..."

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, list):
            return value
        try:
            return [_number(p) for p in str(value).replace(",", " ").split()]
        except ValueError:
            self.fail(f"{value!r} is not a comma-separated list of numbers", param, ctx)


def flags_doc(command: str, spec: str | None, values: dict[str, Any],
              labels: dict[str, str] | None = None) -> Any:
    """The Document to solve: the spec file with flags laid over it, or the flags alone."""
    from dlsolve.spec.load import from_flags, load_file

    values = {k: v for k, v in values.items() if v is not None and v != ()}
    labels = labels or {}
    if spec:
        doc = load_file(spec)
        doc.override(values, labels)
        return doc
    doc = from_flags(values, labels, f"dlsolve {command}")
    doc.data["kind"] = command
    return doc


def solve_and_emit(command: str, doc: Any, out: dict[str, Any]) -> None:
    """Solve a Document and write the solution in the requested format."""
    from dlsolve.api import solve_document

    emit([solve_document(doc, command)], **out)


def pick_format(fmt: str | None, output: str | None) -> str:
    if fmt:
        return fmt
    if output:
        return EXTENSIONS.get(Path(output).suffix.lower(), "text")
    return "rich" if sys.stdout.isatty() else "text"


def current_detail() -> str:
    """The ``--detail`` of the running command (exam when not given or outside a command)."""
    ctx = click.get_current_context(silent=True)
    return ctx.meta.get(DETAIL_KEY, "exam") if ctx is not None else "exam"


def emit(solutions: list[Any], fmt: str | None = None, output: str | None = None,
         digits: int = 4, width: int | None = None, **settings: Any) -> None:
    """Render solutions and write them to stdout or, atomically, to ``output`` (a ``.pdf``
    output is compiled from the LaTeX)."""
    fmt = pick_format(fmt, output)
    settings.setdefault("detail", current_detail())
    if fmt == "rich" and not output:
        from rich.console import Console

        from dlsolve.render import renderer

        console = Console(width=width)
        for item in renderer("rich", digits=digits, width=width, **settings).renderables(
                solutions):
            console.print(item)
        return
    if fmt == "qti":
        _write_qti(solutions, output, digits)
        return
    from dlsolve.render import render

    text = render(solutions, fmt, digits=digits, width=width, **settings)
    if output and Path(output).suffix.lower() == ".pdf":
        from dlsolve.pdf import compile_pdf

        compile_pdf(text, output, fmt)
    elif output:
        write_atomic(output, text)
    else:
        click.echo(text, nl=False)


def _write_qti(solutions: list[Any], output: str | None, digits: int) -> None:
    """A QTI 2.1 content package is a zip: it goes to a file, never to the terminal."""
    from dlsolve.errors import spec_error
    from dlsolve.render.qti import package

    if not output:
        raise spec_error("--format", "", "qti writes a zip package: give -o FILE.zip")
    write_atomic(output, package(solutions, digits))


def write_atomic(path: str, text: str | bytes) -> None:
    """Write ``text`` to ``path`` via a temporary file and rename: no partial file on failure.

    The file gets the mode a plain ``open`` would give it (0666 less the umask); a folder
    that is missing or not writable is bad input (exit 2), named with the reason.
    """
    import tempfile  # with shutil and random, only worth loading for a file written

    target = Path(path)
    directory = target.parent if str(target.parent) else Path(".")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=directory)
    except OSError as e:
        raise _unwritable(path, directory, e) from None
    try:
        os.fchmod(fd, 0o666 & ~_umask())
        if isinstance(text, bytes):
            with os.fdopen(fd, "wb") as f:
                f.write(text)
        else:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
        os.replace(tmp, target)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise _unwritable(path, directory, e) from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _unwritable(path: str, directory: Path, e: OSError) -> Exception:
    from dlsolve.errors import spec_error

    if not directory.exists():
        reason = f"the folder {str(directory)!r} does not exist"
    elif not directory.is_dir():
        reason = f"{str(directory)!r} is not a folder"
    elif Path(path).is_dir():
        reason = "it is a folder"
    else:
        reason = e.strerror or str(e)
    return spec_error(str(path), "", f"cannot write the output: {reason.lower()}")


def out_settings(fmt: str | None, output: str | None, digits: int, width: int | None) -> dict:
    return {"fmt": fmt, "output": output, "digits": digits, "width": width}
