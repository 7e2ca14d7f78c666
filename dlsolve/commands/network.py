"""Commands for networks: forward, loss (and backprop)."""

from __future__ import annotations

from typing import Any

import click

from dlsolve.clitools import CONTEXT, Numbers, flags_doc, out_settings, output_options, \
    solve_and_emit
from dlsolve.losses import NAMES


@click.command(context_settings=CONTEXT)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--matrix", is_flag=True, help="Also show each layer as z = W·x + b.")
@output_options
def forward(spec: str, matrix: bool, fmt: str | None, output: str | None, digits: int,
            width: int | None) -> None:
    """The forward pass of a network, neuron by neuron (and the loss, given targets).

    \b
      dlsolve forward problems/seed000-q4a-relu-network.yaml
      dlsolve forward problems/mazur-2-2-2.yaml --matrix --format latex -o fwd.tex
    """
    doc = flags_doc("forward", spec, {"matrix": matrix or None})
    solve_and_emit("forward", doc, out_settings(fmt, output, digits, width))


@click.command(context_settings=CONTEXT)
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--kind", "--loss", "loss", type=click.Choice(NAMES), help="The loss function.")
@click.option("--pred", multiple=True, type=Numbers(),
              help="Predictions, comma-separated; repeat for a batch (one sample each).")
@click.option("--target", multiple=True, type=Numbers(),
              help="Targets (class indices for sparse_cce); repeat like --pred.")
@click.option("--from-logits", is_flag=True, help="bce/cce: the predictions are raw scores.")
@click.option("--epsilon", type=float, help="Clip probabilities to [ε, 1 - ε] (1e-12).")
@click.option("--log-base", help="Base of the logarithm (e, 2, 10) [default: e].")
@click.option("--reduction", type=click.Choice(["mean", "sum"]), help="Over samples.")
@output_options
def loss(spec: str | None, loss: str | None, pred: tuple[list[float], ...],
         target: tuple[list[float], ...], from_logits: bool, epsilon: float | None,
         log_base: str | None, reduction: str | None, fmt: str | None, output: str | None,
         digits: int, width: int | None) -> None:
    """A loss, term by term, in the convention named (MSE, SSE, BCE, CCE, hinge, ...).

    \b
      dlsolve loss --kind bce --pred 0.9,0.1,0.8,0.2 --target 1,0,1,0
      dlsolve loss --kind sparse_cce --pred 0.4,0.5,0.1 --target 1
      dlsolve loss problems/seed000-q4b-loss.yaml
    """
    values: dict[str, Any] = {"loss": loss, "from_logits": from_logits or None,
                              "epsilon": epsilon, "reduction": reduction}
    if log_base:
        values["log_base"] = "e" if log_base == "e" else float(log_base)
    if pred:
        values["predictions"] = list(pred) if len(pred) > 1 else pred[0]
    if target:
        flat = [v for row in target for v in row]
        values["targets"] = flat if loss == "sparse_cce" else (
            list(target) if len(target) > 1 else target[0])
    labels = {"loss": "--kind", "predictions": "--pred", "targets": "--target"}
    solve_and_emit("loss", flags_doc("loss", spec, values, labels),
                   out_settings(fmt, output, digits, width))


COMMANDS = [forward, loss]
