"""Symbolic commands: prove an identity, differentiate a function at a point."""

from __future__ import annotations

from pathlib import Path

import click

from dlsolve.clitools import CONTEXT, emit, flags_doc, out_settings, output_options
from dlsolve.errors import ExitStatus


def _is_spec(arg: str) -> bool:
    return arg.lower().endswith((".yaml", ".yml")) and Path(arg).is_file()


@click.command(context_settings=CONTEXT)
@click.argument("identity")
@output_options
@click.pass_context
def prove(ctx: click.Context, identity: str, fmt: str | None, output: str | None, digits: int,
          width: int | None) -> None:
    """Prove an identity step by step with SymPy, or refute it with a counterexample.

    IDENTITY is "lhs = rhs", a spec file, or a name: sigmoid-derivative, sigmoid-symmetry,
    logit-inverse, tanh-sigmoid, tanh-derivative, softmax-jacobian, softmax-ce-gradient,
    sigmoid-bce-gradient. Exit 0 when the identity holds, 1 when it is false (the
    counterexample is shown), 2 on bad input.

    \b
      dlsolve prove "sigmoid(-z) = 1 - sigmoid(z)"
      dlsolve prove problems/seed004-q1-sigmoid-symmetry.yaml
      dlsolve prove softmax-ce-gradient --format latex
    """
    from dlsolve.api import solve_document

    is_file = _is_spec(identity)
    doc = flags_doc("prove", identity if is_file else None,
                    {} if is_file else {"identity": identity}, {"identity": "IDENTITY"})
    solution = solve_document(doc, "prove")
    emit([solution], **out_settings(fmt, output, digits, width))
    if not solution.results.get("holds"):
        ctx.exit(int(ExitStatus.WRONG_ANSWER))  # 1: the identity is false


def _point(text: str | None) -> object:
    """``x=1,y=2`` -> {x: 1, y: 2}; ``1`` or ``1,2`` -> a number or a list (the spec checks)."""
    if text is None:
        return None
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if parts and all("=" in p for p in parts):
        return {k.strip(): _num(v) for k, v in (p.split("=", 1) for p in parts)}
    values = [_num(p) for p in parts]
    return values[0] if len(values) == 1 else values


def _num(text: str) -> object:
    try:
        return float(text)
    except ValueError:
        return text.strip()


@click.command(context_settings=CONTEXT)
@click.argument("function")
@click.option("--at", "at", help="The point: x=1, or x=1,y=2 (or 1 for one variable).")
@click.option("--variables", help="The variables in order: x,y [default: alphabetical].")
@output_options
def derivative(function: str, at: str | None, variables: str | None, fmt: str | None,
               output: str | None, digits: int, width: int | None) -> None:
    """A derivative worked by the rules (chain: outer × inner; product: u′v + uv′), then at a
    point; partial derivatives for several variables. FUNCTION is a formula or a spec file.

    \b
      dlsolve derivative "x**2*sin(3x)" --at x=1
      dlsolve derivative "x**2*y + sin(x*y)" --at x=1,y=2
      dlsolve derivative problems/derivative-chain-rule.yaml
    """
    from dlsolve.api import solve_document

    is_file = _is_spec(function)
    values = {"at": _point(at),
              "variables": [v.strip() for v in variables.split(",")] if variables else None}
    if not is_file:
        values["function"] = function
    doc = flags_doc("derivative", function if is_file else None, values,
                    {"function": "FUNCTION", "at": "--at", "variables": "--variables"})
    emit([solve_document(doc, "derivative")], **out_settings(fmt, output, digits, width))


COMMANDS = [prove, derivative]
