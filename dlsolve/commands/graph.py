"""The ``graph`` command: backprop through an expression, from a spec or inline."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from dlsolve.clitools import CONTEXT, flags_doc, out_settings, output_options, solve_and_emit


class Values(click.ParamType):
    """``x=-2,y=5`` (also ``W=[[1,2],[3,4]]``) -> {name: value}."""

    name = "NAME=VALUE,..."

    def convert(self, value: Any, param: Any, ctx: Any) -> Any:
        if isinstance(value, dict):
            return value
        out = {}
        for part in _split(str(value)):
            name, eq, text = part.partition("=")
            if not eq or not name.strip():
                self.fail(f"{part!r} is not NAME=VALUE (e.g. x=-2,y=5)", param, ctx)
            try:
                out[name.strip()] = json.loads(text.strip())
            except ValueError:
                self.fail(f"{text.strip()!r} is not a number, [list] or [[matrix]]", param, ctx)
        return out


def _split(text: str) -> list[str]:
    """Split at commas outside brackets."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        depth += (ch == "[") - (ch == "]")
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    return [p for p in parts + [cur] if p.strip()]


def _is_file(source: str) -> bool:
    if source.lower().endswith((".yaml", ".yml")):
        return True
    try:
        return "=" not in source and Path(source).is_file()
    except OSError:  # a long expression is not a file name
        return False


@click.command(context_settings=CONTEXT)
@click.argument("source", required=False)
@click.option("--at", "at", multiple=True, type=Values(),
              help="Input values: x=-2,y=5,z=-4 (a vector x=[1,2], a matrix W=[[1,2],[3,4]]).")
@click.option("--upstream", type=float, help="dL/d(output) fed in at the end [default: 1].")
@click.option("--node", help="The output node [default: the last assignment].")
@click.option("--expand", is_flag=True, help="sigmoid as CS231n's *-1, exp, +1, 1/x gates.")
@output_options
def graph(source: str | None, at: tuple[dict[str, Any], ...], upstream: float | None,
          node: str | None, expand: bool, fmt: str | None, output: str | None, digits: int,
          width: int | None) -> None:
    """Backprop through any expression, gate by gate, with the circuit drawn.

    \b
      dlsolve graph "f = (x + y) * z" --at x=-2,y=5,z=-4
      dlsolve graph "q = x + y; f = q * z" --at x=-2,y=5,z=-4 --format json
      dlsolve graph problems/cs231n-sigmoid-neuron.yaml --expand
    """
    if not source:
        raise click.UsageError('give an expression ("f = (x + y) * z") or a spec file')
    spec = source if _is_file(source) else None
    values: dict[str, Any] = {"upstream": upstream, "output": node, "expand": expand or None}
    if at:
        values["values"] = {k: v for group in at for k, v in group.items()}
    if spec is None:
        values["expression"] = source
    labels = {"expression": "EXPRESSION", "values": "--at", "output": "--node"}
    solve_and_emit("graph", flags_doc("graph", spec, values, labels),
                   out_settings(fmt, output, digits, width))


COMMANDS = [graph]
