"""Commands for transformer-era layers: attention, norm, init."""

from __future__ import annotations

from typing import Any

import click

from dlsolve.clitools import (
    CONTEXT,
    Dims,
    Numbers,
    flags_doc,
    out_settings,
    output_options,
    solve_and_emit,
)


@click.command(context_settings=CONTEXT)
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--positions", type=Numbers(), help="Sinusoidal positional encodings of these "
                                                  "positions (with --d-model), e.g. 0,1,2.")
@click.option("--d-model", "d_model", type=int, help="Width of the positional encoding.")
@output_options
def attention(spec: str | None, positions: Any, d_model: int | None, fmt: str | None,
              output: str | None, digits: int, width: int | None) -> None:
    """Scaled dot-product attention: scores, scaling, mask, softmax, weighted sums, heads.

    Also the sinusoidal positional encodings of given positions (--positions, --d-model,
    or `positional:` in a spec).

    \b
      dlsolve attention problems/attention-3-tokens.yaml
      dlsolve attention problems/attention-two-heads.yaml --format latex -o key.tex
      dlsolve attention --positions 0,1,2 --d-model 4
    """
    values: dict[str, Any] = {}
    if positions is not None or d_model is not None:
        values["positional"] = {k: v for k, v in (("positions", positions),
                                                  ("d_model", d_model)) if v is not None}
    if not spec and not values:
        raise click.UsageError("give a spec file (see problems/attention-*.yaml) or "
                               "--positions and --d-model")
    doc = flags_doc("attention", spec, values, {"positional": "--positions/--d-model"})
    solve_and_emit("attention", doc, out_settings(fmt, output, digits, width))


@click.command(context_settings=CONTEXT)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--mode", type=click.Choice(["train", "eval"]), help="Batchnorm mode.")
@output_options
def norm(spec: str, mode: str | None, fmt: str | None, output: str | None, digits: int,
         width: int | None) -> None:
    """Batch or layer normalisation: statistics, x̂, γx̂ + β, running stats, backward.

    \b
      dlsolve norm problems/batchnorm-forward-backward.yaml
      dlsolve norm problems/layernorm.yaml
      dlsolve norm problems/batchnorm-forward-backward.yaml --mode eval
    """
    doc = flags_doc("norm", spec, {"mode": mode}, {"mode": "--mode"})
    solve_and_emit("norm", doc, out_settings(fmt, output, digits, width))


@click.command(context_settings=CONTEXT)
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--scheme", help="xavier_uniform, xavier_normal, he_uniform, he_normal, "
                               "lecun_uniform or lecun_normal.")
@click.option("--fan-in", "fan_in", type=int, help="Inputs per unit.")
@click.option("--fan-out", "fan_out", type=int, help="Outputs per unit (xavier needs it).")
@click.option("--shape", type=Dims(), help="A weight shape instead of the fans: 128x256 "
                                           "(dense out x in) or 16x3x3x3 (conv).")
@click.option("--nonlinearity", help="The gain's nonlinearity (relu, tanh, leaky_relu, ...).")
@click.option("--negative-slope", "negative_slope", type=float, help="leaky_relu's slope.")
@output_options
def init(spec: str | None, fmt: str | None, output: str | None, digits: int,
         width: int | None, **flags: Any) -> None:
    """Weight-initialisation variance, std and uniform bound (Xavier, He, LeCun).

    \b
      dlsolve init --scheme he_normal --fan-in 256 --fan-out 128 --nonlinearity relu
      dlsolve init --scheme xavier_uniform --shape 16x3x3x3
      dlsolve init problems/init-table.yaml
    """
    if not spec and not flags.get("scheme"):
        raise click.UsageError("give --scheme (and --fan-in) or a spec file")
    labels = {k: "--" + k.replace("_", "-") for k in flags}
    doc = flags_doc("init", spec, flags, labels)
    solve_and_emit("init", doc, out_settings(fmt, output, digits, width))


COMMANDS = [attention, norm, init]
