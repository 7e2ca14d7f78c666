"""Commands for convolutional layers: conv, pool, params."""

from __future__ import annotations

from typing import Any

import click

from dlsolve.clitools import CONTEXT, Dims, flags_doc, out_settings, output_options, solve_and_emit


@click.command(context_settings=CONTEXT)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--backward", "backward_", is_flag=True,
              help="Also the backward pass, with dL/dY all ones unless the spec gives it.")
@click.option("--operation", type=click.Choice(["cross-correlation", "convolution"]),
              help="Slide the kernel as written, or rotated 180° (true convolution).")
@output_options
def conv(spec: str, backward_: bool, operation: str | None, fmt: str | None,
         output: str | None, digits: int, width: int | None) -> None:
    """A 2-D convolution worked cell by cell; with --backward, dL/dX, dL/dW and dL/db.

    \b
      dlsolve conv problems/seed004-q4-convolution.yaml
      dlsolve conv problems/seed004-q4-convolution.yaml --format latex -o conv.tex
    """
    doc = flags_doc("conv", spec, {"operation": operation})
    if backward_ and isinstance(doc.data, dict) and "grad_output" not in doc.data:
        doc.override({"grad_output": "ones"}, {"grad_output": "--backward"})
    solve_and_emit("conv", doc, out_settings(fmt, output, digits, width))


@click.command(context_settings=CONTEXT)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--backward", "backward_", is_flag=True,
              help="Also the backward pass, with dL/dY all ones unless the spec gives it.")
@output_options
def pool(spec: str, backward_: bool, fmt: str | None, output: str | None, digits: int,
         width: int | None) -> None:
    """Max, average or global pooling window by window; --backward routes dL/dY back.

    \b
      dlsolve pool problems/seed002-maxpool-stride2.yaml --backward
    """
    doc = flags_doc("pool", spec, {})
    if backward_ and isinstance(doc.data, dict) and "grad_output" not in doc.data:
        doc.override({"grad_output": "ones"}, {"grad_output": "--backward"})
    solve_and_emit("pool", doc, out_settings(fmt, output, digits, width))


LAYER_FLAGS = ("--dense", "--conv", "--pool", "--maxpool", "--avgpool", "--flatten", "--dropout",
               "--batchnorm", "--gap", "--layernorm", "--simplernn", "--lstm", "--gru",
               "--embedding", "--mha")
BARE = ("--flatten", "--dropout", "--batchnorm", "--gap", "--layernorm")


@click.command(context_settings={**CONTEXT, "ignore_unknown_options": True})
@click.option("--input", "input_", type=Dims(), help="Input shape: 32x32x3, or 1024.")
@click.argument("tokens", nargs=-1, type=click.UNPROCESSED, metavar="[SPEC] [LAYER FLAGS]...")
@output_options
def params(input_: Any, tokens: tuple[str, ...], fmt: str | None, output: str | None,
           digits: int, width: int | None) -> None:
    """Parameters and output shapes layer by layer (like Keras' model.summary()).

    Layers in order after --input: --dense N[,N...] (on the last axis, as Keras), --conv
    F:K[:S[:P]] (filters, kernel, stride, padding), --pool K[:S] (max), --avgpool K[:S],
    --flatten, --dropout, --batchnorm, --gap, --layernorm; on a sequence input TxD:
    --simplernn U, --lstm U, --gru U (U units; U:seq returns every step), --mha H:K (heads,
    key size); --embedding V:D on token ids (input T).

    \b
      dlsolve params --input 32x32 --flatten --dense 5,10,10,1000
      dlsolve params --input 24x44 --simplernn 16 --dense 100
      dlsolve params --input 224x224x3 --conv 64:3:1:same --pool 2 --flatten --dense 10
      dlsolve params problems/seed001-q2-params.yaml
    """
    spec = tokens[0] if tokens and not tokens[0].startswith("-") else None
    layers = list(tokens[1:] if spec else tokens)
    values: dict[str, Any] = {"input": input_}
    if layers:
        values["layers"] = shorthand(layers)
    doc = flags_doc("params", spec, values, {"layers": "layer flags"})
    solve_and_emit("params", doc, out_settings(fmt, output, digits, width))


def shorthand(tokens: list[str]) -> list[dict[str, Any]]:
    """``--conv 64:3:1:same --pool 2 --dense 10`` -> layer mappings, in order."""
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(tokens):
        flag = tokens[i]
        if flag not in LAYER_FLAGS:
            raise click.UsageError(f"unknown layer flag {flag!r} (use {', '.join(LAYER_FLAGS)})")
        takes = flag not in BARE
        arg = tokens[i + 1] if takes and i + 1 < len(tokens) else None
        if takes and arg is None:
            raise click.UsageError(f"{flag} needs a value")
        out += _layers(flag, arg)
        i += 2 if takes else 1
    return out


def _int(text: str, flag: str) -> int | str:
    if text in ("same", "valid"):
        return text
    try:
        return int(text)
    except ValueError:
        raise click.UsageError(f"{flag}: {text!r} is not a whole number") from None


def _layers(flag: str, arg: str | None) -> list[dict[str, Any]]:
    if flag == "--dense":
        assert arg is not None
        return [{"type": "dense", "units": _int(u, flag)} for u in arg.split(",")]
    if flag == "--conv":
        assert arg is not None
        parts = [_int(p, flag) for p in arg.split(":")]
        keys = ("filters", "kernel", "stride", "padding")
        return [{"type": "conv2d", **dict(zip(keys, parts))}]
    if flag in ("--pool", "--maxpool", "--avgpool"):
        assert arg is not None
        parts = [_int(p, flag) for p in arg.split(":")]
        return [{"type": "avgpool" if flag == "--avgpool" else "maxpool",
                 **dict(zip(("kernel", "stride"), parts))}]
    if flag in ("--simplernn", "--lstm", "--gru"):
        assert arg is not None
        units, _, seq = arg.partition(":")
        return [{"type": flag[2:], "units": _int(units, flag), "return_sequences": seq == "seq"}]
    if flag in ("--embedding", "--mha"):
        assert arg is not None
        a, _, b = arg.partition(":")
        keys = ("input_dim", "output_dim") if flag == "--embedding" else ("heads", "key_dim")
        return [{"type": "embedding" if flag == "--embedding" else "multihead_attention",
                 keys[0]: _int(a, flag), keys[1]: _int(b or "0", flag)}]
    return [{"type": {"--flatten": "flatten", "--dropout": "dropout", "--batchnorm": "batchnorm",
                      "--gap": "globalavgpool", "--layernorm": "layernorm"}[flag]}]


COMMANDS = [conv, pool, params]
