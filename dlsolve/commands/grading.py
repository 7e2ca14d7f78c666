"""``dlsolve check``: grade a student's answers against the derivation (one spec or many)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dlsolve.clitools import CONTEXT, emit, out_settings, output_options
from dlsolve.errors import DlsolveError, ExitStatus, Issue, SpecError

ANSWERS_SUFFIX = ".answers.yaml"


@click.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--names", "names_only", is_flag=True,
              help="List the names an answer may use (results and the derivation's symbols).")
@click.option("--rtol", type=float, default=0.0, show_default=True,
              help="Also accept answers within this relative error.")
@click.option("--atol", type=float, default=0.0, show_default=True,
              help="Also accept answers within this absolute error.")
@click.option("--exact", is_flag=True,
              help="Do not accept answers just because they agree to the digits written.")
@output_options
@click.pass_context
def check(ctx: click.Context, paths: tuple[str, ...], names_only: bool, rtol: float,
          atol: float, exact: bool, fmt: str | None, output: str | None, digits: int,
          width: int | None) -> None:
    """Check a student's answers: SPEC ANSWERS, or specs/folders with X.answers.yaml beside X.yaml.

    ANSWERS is a YAML mapping of names to values. A name is a result (as in --format json)
    or a symbol the derivation prints for it (z1, E, w2_new, dE_dw5, delta_o1, ...):
    `check --names SPEC` lists them. An answer agrees when it matches to the digits written
    (0.6023 accepts 0.60226...), when it follows the hand calculation that carries rounded
    values, or when it is computed correctly from an earlier wrong answer (error carried
    forward). Lists of steps (a trajectory, a history, the losses per epoch) grade as far as
    given. Exit 0 when every answer is right, 1 when any is wrong, 2 on bad input (the worst
    of all specs when several are checked).

    \b
      dlsolve check problems/seed000-q4a-relu-network.yaml answers.yaml
      dlsolve check --names problems/seed002-backprop-chain.yaml
      dlsolve check problems/seed002-backprop-chain.yaml key.yaml --format json
      dlsolve check homework/        # each X.yaml with its X.answers.yaml
    """
    from dlsolve.check.compare import Tolerance

    if names_only:
        emit([_names(p) for p in _files(paths)], **out_settings(fmt, output, digits, width))
        return
    pairs = _pairs(paths)
    tol = Tolerance(rtol, atol, not exact)
    reports, failures = [], []
    for spec, answers in pairs:
        try:
            reports.append(_grade(spec, answers, tol))
        except DlsolveError as e:
            failures.append(str(e))
    if reports:
        emit(reports, **out_settings(fmt, output, digits, width), batch=len(pairs) > 1)
    for failure in failures:
        click.echo(failure, err=True)
    if failures:
        ctx.exit(int(ExitStatus.BAD_INPUT))
    if any(r.results["wrong"] for r in reports):
        ctx.exit(int(ExitStatus.WRONG_ANSWER))


def _solved(spec: str | Path) -> tuple[str, Any, Any]:
    from dlsolve.api import parse_document, solve_parsed
    from dlsolve.spec.load import load_file

    doc = load_file(spec)
    kind, parsed = parse_document(doc, "check")
    return kind, parsed, solve_parsed(doc, kind, parsed)


def _grade(spec: str | Path, answers: str | Path, tol: Any) -> Any:
    from dlsolve.check import check as run_check
    from dlsolve.spec.load import load_file

    kind, parsed, solution = _solved(spec)
    return run_check(kind, parsed, solution, load_file(answers, keep_text=True), tol)


def _names(spec: str | Path) -> Any:
    from dlsolve.check.names import names_solution

    return names_solution(_solved(spec)[2])


def _files(paths: tuple[str, ...]) -> list[Path]:
    from dlsolve.commands.keys import spec_files

    files = spec_files(paths)
    if not files:
        raise SpecError([Issue(", ".join(paths), "", "no YAML specs found")])
    return files


def _pairs(paths: tuple[str, ...]) -> list[tuple[Path, Path]]:
    """(spec, answers) pairs: SPEC ANSWERS, or each spec with its X.answers.yaml."""
    if len(paths) == 2 and not any(Path(p).is_dir() for p in paths):
        return [(Path(paths[0]), Path(paths[1]))]
    pairs, missing = [], []
    for spec in _files(paths):
        answers = spec.with_name(spec.name.rsplit(".", 1)[0] + ANSWERS_SUFFIX)
        if not spec.is_file():
            missing.append(Issue(str(spec), "", "no such file"))
        elif answers.is_file():
            pairs.append((spec, answers))
        elif str(spec) in paths:
            missing.append(Issue(str(spec), "", f"no answers file {answers.name} beside it "
                                 "(or give SPEC ANSWERS)"))
    if missing:
        raise SpecError(missing)
    if not pairs:
        raise SpecError([Issue(", ".join(paths), "", "no X.answers.yaml beside any spec "
                               "(check SPEC ANSWERS grades one pair)")])
    return pairs


COMMANDS = [check]
