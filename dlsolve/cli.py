"""The ``dlsolve`` command: a click group, the error funnel, and the commands.

A command body does load -> solve -> render -> exit status; no math, no formatting here.
Every DlsolveError becomes a one-line-per-problem message on stderr and exit code 2 (no
traceback unless ``--traceback``).
"""

from __future__ import annotations

import sys
from typing import Any

import click

from dlsolve import __version__
from dlsolve.clitools import CONTEXT
from dlsolve.commands import (
    basic,
    calculus,
    cnn,
    grading,
    graph,
    keys,
    learning,
    lossy,
    network,
    sequence,
    transformer,
)
from dlsolve.errors import DlsolveError


class Reported(click.ClickException):
    """A DlsolveError on its way out: printed as is, with its exit status."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


class Funnel(click.Group):
    """A group that turns domain errors into exit statuses."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except DlsolveError as e:
            if ctx.meta.get("dlsolve.traceback"):
                raise
            raise Reported(str(e), int(e.exit_status)) from None
        except (MemoryError, RecursionError, OverflowError, OSError) as e:  # hostile input
            if ctx.meta.get("dlsolve.traceback"):
                raise
            raise Reported(_too_much(e), 2) from None
        except Exception as e:  # a bug: say so plainly, keep the traceback for --traceback
            if ctx.meta.get("dlsolve.traceback"):
                raise
            raise Reported(f"dlsolve: internal error ({type(e).__name__}: {e}); run again with "
                           "--traceback and report it", 70) from None


def _too_much(e: BaseException) -> str:
    """The message for a problem too large for the machine or for float arithmetic."""
    if isinstance(e, MemoryError):
        from dlsolve.guard import memory_limit_mb

        return (f"dlsolve: out of memory: the problem needs more than the {memory_limit_mb():g} "
                "MB ceiling of one run (DLSOLVE_MEMORY_LIMIT); exam problems are far smaller")
    if isinstance(e, RecursionError):
        return "dlsolve: the input is nested too deeply to work through"
    if isinstance(e, OSError):
        name = str(e.filename or "")
        name = name if len(name) <= 60 else name[:50] + f"... ({len(name)} characters)"
        return f"dlsolve: {name + ': ' if name else ''}{(e.strerror or str(e)).lower()}"
    return (f"dlsolve: numbers beyond float range ({e}); scale the values down")


@click.group(cls=Funnel, context_settings=CONTEXT)
@click.version_option(__version__, "-V", "--version", prog_name="dlsolve")
@click.option("--traceback", is_flag=True, help="Show Python tracebacks for errors (debugging).")
@click.pass_context
def cli(ctx: click.Context, traceback: bool) -> None:
    """Worked solutions to deep-learning exam problems: every step, every number.

    Give a YAML spec (see problems/) or, for the small problem types, flags:

    \b
      dlsolve convshape --input 32x32x32 --filters 8 --kernel 6 --stride 2 --padding 1
      dlsolve softmax 8 5 0
      dlsolve activation sigmoid --at 0 --at 0.415 --symbolic
      dlsolve solve problems/ --format markdown -o key.md

    Exit codes: 0 solved, 1 a checked answer is wrong or a proved identity is false,
    2 bad input (also a problem too large: over 10 s of CPU time or the memory ceiling).
    """
    ctx.meta["dlsolve.traceback"] = traceback


COMMAND_MODULES = (basic, network, lossy, cnn, sequence, learning, calculus, keys, grading, graph,
                   transformer)
for module in COMMAND_MODULES:
    for command in module.COMMANDS:
        cli.add_command(command)


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    from dlsolve.guard import guarded

    try:
        with guarded():
            cli.main(args=argv, prog_name="dlsolve")
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


