"""The ``dlsolve`` command: a click group, the error funnel, and the commands.

A command body does load -> solve -> render -> exit status; no math, no formatting here.
Every DlsolveError becomes a one-line-per-problem message on stderr and exit code 2 (no
traceback unless ``--traceback``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, MutableMapping
from importlib import import_module
from typing import Any

import click

from dlsolve import __version__
from dlsolve.clitools import CONTEXT
from dlsolve.errors import DlsolveError, ExitStatus

# Each command: the module in dlsolve.commands that defines it (under the command's name) and
# the first sentence of its docstring, which ``dlsolve --help`` lists. A command's module is
# imported only when the command runs or its own --help is asked for; tests check that these
# summaries match the docstrings.
COMMANDS: dict[str, tuple[str, str]] = {
    "convshape": ("basic", "Output shape and parameters of a conv, transposed-conv or pooling "
                           "layer."),
    "softmax": ("basic", "Softmax of logits, step by step: e^z, the sum, each probability."),
    "activation": ("basic", "Value and derivative of an activation function at given points."),
    "forward": ("network", "The forward pass of a network, neuron by neuron (and the loss, "
                           "given targets)."),
    "loss": ("network", "A loss, term by term, in the convention named (MSE, SSE, BCE, CCE, "
                        "hinge, ...)."),
    "backprop": ("network", "Backpropagation: chain rule for every parameter, deltas, updates, "
                            "finite-difference check."),
    "pinn": ("lossy", "Physics-informed loss of a trial solution: derivatives, residuals, "
                      "boundary errors."),
    "ensemble": ("lossy", "Combine several models' predictions: mean, weighted mean, median or "
                          "majority vote."),
    "conv": ("cnn", "A 2-D convolution worked cell by cell; with --backward, dL/dX, dL/dW and "
                    "dL/db."),
    "pool": ("cnn", "Max, average or global pooling window by window; --backward routes dL/dY "
                    "back."),
    "params": ("cnn", "Parameters and output shapes layer by layer (like Keras' "
                      "model.summary())."),
    "rnn": ("sequence", "A recurrent network step by step: RNN, LSTM or GRU gates, states, "
                        "backprop through time."),
    "perceptron": ("learning", "Threshold neurons: check weights against a gate, evaluate a "
                               "gate network, or train."),
    "gd": ("learning", "Gradient descent on a function: the gradient by SymPy, then every "
                       "iteration."),
    "optimize": ("learning", "An optimizer step by step (SGD, momentum, Nesterov, AdaGrad, "
                             "RMSprop, AdaDelta, Adam, AdamW)."),
    "prove": ("calculus", "Prove an identity step by step with SymPy, or refute it with a "
                          "counterexample."),
    "derivative": ("calculus", "A derivative worked by the rules (chain: outer × inner; "
                               "product: u′v + uv′), then at a point; partial derivatives for "
                               "several variables."),
    "solve": ("keys", "Solve every spec in PATHS (files or folders) into one document."),
    "generate": ("keys", "Randomised variants of a problem type, each a spec plus its answer "
                         "key."),
    "check": ("grading", "Check a student's answers (SPEC ANSWERS), a class's (SPEC FOLDER or "
                         "SPEC TABLE.csv), or specs/folders with X.answers.yaml beside X.yaml."),
    "graph": ("graph", "Backprop through any expression, gate by gate, with the circuit drawn."),
    "attention": ("transformer", "Scaled dot-product attention: scores, scaling, mask, "
                                 "softmax, weighted sums, heads."),
    "norm": ("transformer", "Batch or layer normalisation: statistics, x̂, γx̂ + β, running "
                            "stats, backward."),
    "init": ("transformer", "Weight-initialisation variance, std and uniform bound (Xavier, "
                            "He, LeCun)."),
}


class LazyCommands(MutableMapping):
    """The group's commands by name, each imported from its module on first use.

    Every name is known (listing, "did you mean", ``--help``) without an import: a command's
    module loads only when the command itself is looked up.
    """

    def __init__(self, table: dict[str, tuple[str, str]]):
        self.table = dict(table)
        self.loaded: dict[str, click.Command] = {}

    def __getitem__(self, name: str) -> click.Command:
        if name not in self.loaded:
            if name not in self.table:
                raise KeyError(name)
            module = import_module(f"dlsolve.commands.{self.table[name][0]}")
            self.loaded[name] = getattr(module, name)
        return self.loaded[name]

    def __setitem__(self, name: str, command: click.Command) -> None:
        self.loaded[name] = command

    def __delitem__(self, name: str) -> None:
        if name not in self:
            raise KeyError(name)
        self.loaded.pop(name, None)
        self.table.pop(name, None)

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*self.table, *self.loaded]))

    def __len__(self) -> int:
        return len(set(self.table) | set(self.loaded))

    def listed(self, name: str) -> click.Command:
        """The command as ``--help`` lists it: itself if loaded, else a stand-in with its
        summary (cheap to make, and shortened by click exactly as the real one)."""
        if name in self.loaded:
            return self.loaded[name]
        return click.Command(name, help=self.table[name][1])


class Reported(click.ClickException):
    """A DlsolveError on its way out: printed as is, with its exit status."""

    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


class Funnel(click.Group):
    """A group that turns domain errors into exit statuses, and lists its commands without
    importing them."""

    commands: LazyCommands

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's own listing, with each command's summary taken from the table."""
        rows = [(name, self.commands.listed(name)) for name in self.list_commands(ctx)]
        rows = [(name, cmd) for name, cmd in rows if not cmd.hidden]
        if rows:
            limit = formatter.width - 6 - max(len(name) for name, _ in rows)
            with formatter.section("Commands"):
                formatter.write_dl([(name, cmd.get_short_help_str(limit)) for name, cmd in rows])

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
                           "--traceback and report it", int(ExitStatus.INTERNAL)) from None


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


@click.group(cls=Funnel, context_settings=CONTEXT, commands=LazyCommands(COMMANDS))
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


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    from dlsolve.guard import guarded

    try:
        with guarded():
            cli.main(args=argv, prog_name="dlsolve")
    except KeyboardInterrupt:  # pragma: no cover
        sys.exit(130)


