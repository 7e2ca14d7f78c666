"""Commands for loss-like problems beyond one network: pinn, ensemble."""

from __future__ import annotations

import click

from dlsolve.clitools import CONTEXT, flags_doc, out_settings, output_options, solve_and_emit


@click.command(context_settings=CONTEXT)
@click.argument("spec", type=click.Path(dir_okay=False))
@output_options
def pinn(spec: str, fmt: str | None, output: str | None, digits: int,
         width: int | None) -> None:
    """Physics-informed loss of a trial solution: derivatives, residuals, boundary errors.

    \b
      dlsolve pinn problems/seed004-q5vi-pinn-exact.yaml
      dlsolve pinn problems/seed004-q5vi-pinn-perturbed.yaml --format markdown
    """
    solve_and_emit("pinn", flags_doc("pinn", spec, {}), out_settings(fmt, output, digits, width))


@click.command(context_settings=CONTEXT)
@click.argument("spec", type=click.Path(dir_okay=False))
@output_options
def ensemble(spec: str, fmt: str | None, output: str | None, digits: int,
             width: int | None) -> None:
    """Combine several models' predictions: mean, weighted mean, median or majority vote.

    \b
      dlsolve ensemble problems/ensemble-soft-vote.yaml
      dlsolve ensemble problems/ensemble-majority-vote.yaml
    """
    solve_and_emit("ensemble", flags_doc("ensemble", spec, {}),
                   out_settings(fmt, output, digits, width))


COMMANDS = [pinn, ensemble]
