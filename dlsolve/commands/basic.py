"""Commands for the small problem types: convshape, softmax, activation."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dlsolve.clitools import (
    CONTEXT,
    Dims,
    Numbers,
    Pair,
    emit,
    flags_doc,
    out_settings,
    output_options,
    solve_and_emit,
)


def _is_spec(arg: str) -> bool:
    try:
        return arg.lower().endswith((".yaml", ".yml")) or Path(arg).is_file()
    except OSError:  # a long argument is a value, not a file name
        return False


@click.command(context_settings=CONTEXT)
@click.argument("spec", required=False, type=click.Path(dir_okay=False))
@click.option("--input", "input_", type=Dims(), help="Input shape HxWxC (or HxW, or one side).")
@click.option("--filters", type=int, help="Number of filters (output channels).")
@click.option("--kernel", type=Pair(), help="Kernel size k or khxkw.")
@click.option("--stride", type=Pair(), help="Stride s or shxsw [default: 1; pooling: kernel].")
@click.option("--padding", type=Pair(("same", "valid")), help="Padding p, phxpw, same or valid.")
@click.option("--dilation", type=Pair(), help="Dilation [default: 1].")
@click.option("--pool", type=click.Choice(["max", "avg"]), help="A pooling layer, not a conv.")
@click.option("--transposed", is_flag=True, help="A transposed convolution.")
@click.option("--local", is_flag=True, help="A locally connected layer (no weight sharing).")
@click.option("--output-padding", type=Pair(), help="Extra size on one side (transposed).")
@click.option("--no-bias", is_flag=True, help="The layer has no bias terms.")
@click.option("--ceil-mode", is_flag=True, help="Pooling rounds up (PyTorch ceil_mode=True).")
@click.option("--solve-for", type=click.Choice(["padding", "kernel", "stride", "filters",
                                                 "input", "output_padding"]),
              help="Find this unknown.")
@click.option("--output-shape", type=Dims(), help="Target output HxWxC (with --solve-for).")
@output_options
def convshape(spec: str | None, input_: Any, pool: str | None, transposed: bool, local: bool,
              no_bias: bool,
              ceil_mode: bool, fmt: str | None, output: str | None, digits: int,
              width: int | None, **flags: Any) -> None:
    """Output shape and parameters of a conv, transposed-conv or pooling layer.

    \b
      dlsolve convshape --input 32x32x32 --filters 8 --kernel 6 --stride 2 --padding 1
      dlsolve convshape --input 32x32x3 --filters 8 --kernel 5 \\
          --solve-for padding --output-shape 32x32x8
      dlsolve convshape problems/seed000-q3-convshape.yaml
    """
    values = dict(flags, input=input_, ceil_mode=ceil_mode or None)
    labels = {"input": "--input"}
    if pool:
        values["layer"] = pool + "pool"
        labels["layer"] = "--pool"
    if transposed:
        values["layer"] = "transposed"
        labels["layer"] = "--transposed"
    if local:
        values["layer"] = "local"
        labels["layer"] = "--local"
    if no_bias:
        values["bias"] = False
        labels["bias"] = "--no-bias"
    doc = flags_doc("convshape", spec, values, labels)
    solve_and_emit("convshape", doc, out_settings(fmt, output, digits, width))


@click.command(context_settings={**CONTEXT, "ignore_unknown_options": True})
@click.argument("logits", nargs=-1)
@click.option("--labels", help="Class names, comma-separated (seal,panda,duck).")
@click.option("--temperature", "-t", type=float, help="Divide the logits by T first.")
@click.option("--target", help="Target class (index from 0, or label): adds cross-entropy.")
@click.option("--stable", is_flag=True, help="Always subtract max(z) (automatic for large z).")
@output_options
def softmax(logits: tuple[str, ...], labels: str | None, temperature: float | None,
            target: str | None, stable: bool, fmt: str | None, output: str | None, digits: int,
            width: int | None) -> None:
    """Softmax of logits, step by step: e^z, the sum, each probability.

    \b
      dlsolve softmax 8 5 0
      dlsolve softmax 0.25 1.23 -0.8 --labels seal,panda,duck --target panda
      dlsolve softmax problems/seed001-softmax-8-5-0.yaml
    """
    spec = logits[0] if len(logits) == 1 and _is_spec(logits[0]) else None
    values: dict[str, Any] = {"temperature": temperature, "stable": "always" if stable else None}
    if not spec and logits:
        values["logits"] = Numbers().convert(" ".join(logits), None, None)
    if labels:
        values["labels"] = [s.strip() for s in labels.split(",")]
    if target is not None:
        values["target"] = int(target) if target.lstrip("-").isdigit() else target
    if not spec and not logits:
        raise click.UsageError("give the logits (dlsolve softmax 8 5 0) or a spec file")
    doc = flags_doc("softmax", spec, values, {"logits": "LOGITS"})
    solve_and_emit("softmax", doc, out_settings(fmt, output, digits, width))


@click.command(context_settings=CONTEXT)
@click.argument("name", required=False)
@click.option("--at", "at", multiple=True, type=Numbers(), help="Point(s): --at 0 --at 1,2.")
@click.option("--symbolic", is_flag=True, help="Derive the derivative with SymPy.")
@click.option("--list", "list_", is_flag=True, help="Table of every activation.")
@click.option("--alpha", type=float, help="alpha (leaky_relu, prelu, elu, celu).")
@click.option("--beta", type=float, help="beta (silu/swish, softplus).")
@click.option("--lambda", "lambda_", type=float, help="lambda (softshrink, hardshrink).")
@click.option("--min", "min_", type=float, help="Lower bound (hardtanh).")
@click.option("--max", "max_", type=float, help="Upper bound (hardtanh).")
@click.option("--kink", type=click.Choice(["pytorch", "left", "right"]),
              help="Derivative at a kink [default: pytorch's value].")
@output_options
def activation(name: str | None, at: tuple[list[float], ...], symbolic: bool, list_: bool,
               fmt: str | None, output: str | None, digits: int, width: int | None,
               **params: Any) -> None:
    """Value and derivative of an activation function at given points.

    \b
      dlsolve activation sigmoid --at 0 --at 0.415 --symbolic
      dlsolve activation leaky_relu --alpha 0.1 --at -2,0,3
      dlsolve activation --list
    """
    out = out_settings(fmt, output, digits, width)
    if list_:
        from dlsolve.solvers.activation import table

        emit([table()], **out)
        return
    if not name:
        raise click.UsageError("give an activation name (see dlsolve activation --list) "
                               "or a spec file")
    spec = name if _is_spec(name) else None
    values: dict[str, Any] = {k.rstrip("_"): v for k, v in params.items()}
    values.update(symbolic=symbolic or None, name=None if spec else name,
                  at=[x for group in at for x in group] or None)
    labels = {"name": "NAME", "at": "--at", "lambda": "--lambda"}
    solve_and_emit("activation", flags_doc("activation", spec, values, labels), out)


COMMANDS = [convshape, softmax, activation]
