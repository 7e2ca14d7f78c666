"""Commands for networks: forward, loss (and backprop)."""

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
from dlsolve.names import LOSSES as NAMES


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
@click.option("--margin", type=float, help="multiclass_svm's margin Δ [default: 1].")
@click.option("--delta", type=float, help="huber's δ [default: 1].")
@click.option("--beta", type=float, help="smooth_l1's β [default: 1].")
@click.option("--gamma", type=float, help="focal's γ [default: 2].")
@click.option("--alpha", type=float, help="focal's α [default: 0.25].")
@output_options
def loss(spec: str | None, loss: str | None, pred: tuple[list[float], ...],
         target: tuple[list[float], ...], from_logits: bool, epsilon: float | None,
         log_base: str | None, reduction: str | None, fmt: str | None, output: str | None,
         digits: int, width: int | None, **options: float | None) -> None:
    """A loss, term by term, in the convention named (MSE, SSE, BCE, CCE, hinge, ...).

    \b
      dlsolve loss --kind bce --pred 0.9,0.1,0.8,0.2 --target 1,0,1,0
      dlsolve loss --kind sparse_cce --pred 0.4,0.5,0.1 --target 1
      dlsolve loss --kind multiclass_svm --pred 13,-7,11 --target 0 --margin 10
      dlsolve loss problems/seed000-q4b-loss.yaml
    """
    values: dict[str, Any] = {"loss": loss, "from_logits": from_logits or None,
                              "epsilon": epsilon, "reduction": reduction, **options}
    if log_base:
        values["log_base"] = "e" if log_base == "e" else float(log_base)
    if pred:
        values["predictions"] = list(pred) if len(pred) > 1 else pred[0]
    if target:
        flat = [v for row in target for v in row]
        values["targets"] = flat if loss in ("sparse_cce", "multiclass_svm") else (
            list(target) if len(target) > 1 else target[0])
    labels = {"loss": "--kind", "predictions": "--pred", "targets": "--target"}
    solve_and_emit("loss", flags_doc("loss", spec, values, labels),
                   out_settings(fmt, output, digits, width))



@click.command(context_settings=CONTEXT)
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--lr", "--learning-rate", "learning_rate", type=float, help="Learning rate η.")
@click.option("--epochs", "--steps", "epochs", type=int, help="Forward-backward-update rounds.")
@click.option("--update", "update", type=click.Choice(["weights", "biases", "both"]),
              help="Which parameters are updated [default: both].")
@click.option("--round", "round_", type=int, help="Also carry values rounded to N decimals.")
@click.option("--show-all", is_flag=True, help="Write out every epoch, not only the first.")
@click.option("--matrix", is_flag=True, help="Also show each layer as z = W·x + b.")
@click.option("--derive", is_flag=True, help="Derive the generalised delta rule with SymPy.")
@click.option("--activation", help="With --derive: the activation (default sigmoid).")
@click.option("--loss", "loss_name", help="With --derive: the loss (default half_sse).")
@output_options
def backprop(spec: str | None, learning_rate: float | None, epochs: int | None,
             update: str | None, round_: int | None, show_all: bool, matrix: bool,
             derive: bool, activation: str | None, loss_name: str | None, fmt: str | None,
             output: str | None, digits: int, width: int | None) -> None:
    """Backpropagation: chain rule for every parameter, deltas, updates, finite-difference check.

    \b
      dlsolve backprop problems/seed002-backprop-chain.yaml
      dlsolve backprop problems/seed002-backprop-chain.yaml --round 4
      dlsolve backprop problems/mazur-backprop.yaml --epochs 3 --format latex -o bp.tex
      dlsolve backprop --derive --activation sigmoid --loss half_sse
    """
    out = out_settings(fmt, output, digits, width)
    if derive:
        from dlsolve.clitools import emit
        from dlsolve.symbolic.delta import derive_delta_rule

        emit([derive_delta_rule(activation or "sigmoid", loss_name or "half_sse")], **out)
        return
    if not spec:
        raise click.UsageError("give a spec file (or --derive)")
    values: dict[str, Any] = {"learning_rate": learning_rate, "epochs": epochs,
                              "update": update, "round": round_, "show_all": show_all or None,
                              "matrix": matrix or None}
    labels = {"learning_rate": "--lr", "round": "--round"}
    solve_and_emit("backprop", flags_doc("backprop", spec, values, labels), out)


COMMANDS = [forward, loss, backprop]
