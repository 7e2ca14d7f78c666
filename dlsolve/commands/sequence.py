"""Commands for sequence models: rnn (RNN, LSTM and GRU cells, backprop through time)."""

from __future__ import annotations

import click

from dlsolve.clitools import CONTEXT, flags_doc, out_settings, output_options, solve_and_emit


@click.command(context_settings=CONTEXT)
@click.argument("spec", type=click.Path(dir_okay=False))
@click.option("--show-all", is_flag=True, help="Work every step in full, however long.")
@output_options
def rnn(spec: str, show_all: bool, fmt: str | None, output: str | None,
        digits: int, width: int | None) -> None:
    """A recurrent network step by step: RNN, LSTM or GRU gates, states, backprop through time.

    \b
      dlsolve rnn problems/rnn-forward-tanh.yaml
      dlsolve rnn problems/lstm-one-step.yaml --format latex -o lstm.tex
      dlsolve rnn problems/rnn-bptt-three-steps.yaml --format json
    """
    doc = flags_doc("rnn", spec, {"show_all": show_all or None}, {"show_all": "--show-all"})
    solve_and_emit("rnn", doc, out_settings(fmt, output, digits, width))


COMMANDS = [rnn]
