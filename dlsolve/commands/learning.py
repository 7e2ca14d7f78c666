"""Commands for learning rules: perceptron, gd, optimize."""

from __future__ import annotations

from typing import Any

import click

from dlsolve.clitools import (
    CONTEXT,
    Numbers,
    flags_doc,
    out_settings,
    output_options,
    solve_and_emit,
)
from dlsolve.names import OPTIMIZERS


@click.command(context_settings=CONTEXT)
@click.argument("spec", type=click.Path(dir_okay=False))
@output_options
def perceptron(spec: str, fmt: str | None, output: str | None, digits: int,
               width: int | None) -> None:
    """Threshold neurons: check weights against a gate, evaluate a gate network, or train.

    \b
      dlsolve perceptron problems/seed000-q5-and-candidates.yaml
      dlsolve perceptron problems/seed002-xnor-network.yaml
      dlsolve perceptron problems/seed003-train-xor.yaml
    """
    solve_and_emit("perceptron", flags_doc("perceptron", spec, {}),
                   out_settings(fmt, output, digits, width))


@click.command(context_settings=CONTEXT)
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--function", "function", help='The function, e.g. "x**2 - y**2".')
@click.option("--variables", help="Variable order, comma-separated [default: alphabetical].")
@click.option("--start", type=Numbers(), help="Start point, e.g. 2,3.")
@click.option("--lr", "--learning-rate", "learning_rate", type=float, help="Step size α.")
@click.option("--steps", type=int, help="Number of iterations [default: 10].")
@click.option("--round", "round_", type=int,
              help="Round every carried value to N decimals, as by hand (full precision beside).")
@output_options
def gd(spec: str | None, function: str | None, variables: str | None, start: Any,
       learning_rate: float | None, steps: int | None, round_: int | None, fmt: str | None,
       output: str | None, digits: int, width: int | None) -> None:
    """Gradient descent on a function: the gradient by SymPy, then every iteration.

    \b
      dlsolve gd --function "x**2 - y**2" --start 2,3 --lr 0.1 --steps 100
      dlsolve gd problems/seed003-gd-saddle.yaml
      dlsolve gd --function "x**2" --start 1.5 --lr 0.1 --steps 3 --round 2
    """
    values = {"function": function, "start": start, "learning_rate": learning_rate,
              "steps": steps, "variables": variables.split(",") if variables else None,
              "round": round_}
    labels = {"learning_rate": "--lr", "round": "--round"}
    solve_and_emit("gd", flags_doc("gd", spec, values, labels),
                   out_settings(fmt, output, digits, width))


@click.command(context_settings=CONTEXT)
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--optimizer", type=click.Choice(OPTIMIZERS), help="The optimizer.")
@click.option("--compare", help="Several optimizers side by side: adam,sgd,momentum.")
@click.option("--function", help='Optimise this function (gradients by SymPy).')
@click.option("--params", "--start", "params", type=Numbers(), help="Starting parameters.")
@click.option("--steps", type=int, help="Number of steps with --function [default: 10].")
@click.option("--lr", type=float, help="Learning rate (sets hyper.lr).")
@click.option("--round", "round_", type=int,
              help="Round every carried value to N decimals, as by hand (full precision beside).")
@output_options
def optimize(spec: str | None, optimizer: str | None, compare: str | None,
             function: str | None, params: Any, steps: int | None, lr: float | None,
             round_: int | None, fmt: str | None, output: str | None, digits: int,
             width: int | None) -> None:
    """An optimizer step by step (SGD, momentum, Nesterov, AdaGrad, RMSprop, AdaDelta, Adam, AdamW).

    \b
      dlsolve optimize problems/seed003-adam.yaml
      dlsolve optimize --compare sgd,momentum,adam --function "x**2 + 10*y**2" \\
          --params 1,1 --steps 20 --lr 0.05
    """
    values: dict[str, Any] = {"optimizer": optimizer, "function": function, "params": params,
                              "steps": steps, "round": round_}
    if compare:
        values["compare"] = [c.strip() for c in compare.split(",")]
    doc = flags_doc("optimize", spec, values)
    if lr is not None and isinstance(doc.data, dict):
        hyper = dict(doc.data.get("hyper") or {}, lr=lr)
        doc.override({"hyper": hyper}, {"hyper": "--lr"})
    solve_and_emit("optimize", doc, out_settings(fmt, output, digits, width))


COMMANDS = [perceptron, gd, optimize]
