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


COMMANDS = [prove]
