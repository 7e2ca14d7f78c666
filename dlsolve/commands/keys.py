"""``dlsolve solve``: many specs into one document (an exam key or a question sheet)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dlsolve.clitools import CONTEXT, emit, out_settings, output_options
from dlsolve.errors import DlsolveError, ExitStatus, Issue, SpecError
from dlsolve.names import GENERATED


def spec_files(paths: tuple[str, ...]) -> list[Path]:
    """The YAML files named, and those inside named folders (sorted), in order."""
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files += sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml")
                            and not f.name.endswith(".answers.yaml"))
        else:
            files.append(p)
    return files


@click.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--answers-only", is_flag=True, help="A short key: the answers, no derivations.")
@click.option("--statements-only", is_flag=True,
              help="The question sheet: each statement and its givens, no working.")
@click.option("--sheet", type=click.Path(dir_okay=False), default=None,
              help="Also write the matching question sheet to FILE (format from its "
                   "extension; .pdf compiles the LaTeX).")
@output_options
@click.pass_context
def solve(ctx: click.Context, paths: tuple[str, ...], answers_only: bool, statements_only: bool,
          sheet: str | None, fmt: str | None, output: str | None, digits: int,
          width: int | None) -> None:
    """Solve every spec in PATHS (files or folders) into one document.

    \b
      dlsolve solve problems/ --format markdown -o exam-key.md
      dlsolve solve problems/ --format latex -o key.tex
      dlsolve solve problems/ --statements-only --format markdown
      dlsolve solve problems/ -o key.pdf --sheet sheet.pdf

    Each bad spec is reported (its error lines, on standard error) while the others are
    solved; the exit status is the worst that happened: 2 when any spec was bad, 70 when
    one hit an internal error.
    """
    files = spec_files(paths)
    if not files:
        raise SpecError([Issue(", ".join(paths), "", "no YAML specs found")])
    solutions, failures, worst = _solve_all(ctx, files)
    if solutions:
        emit(solutions, **out_settings(fmt, output, digits, width), answers_only=answers_only,
             statements_only=statements_only, batch=True)
        if sheet:
            emit(solutions, **out_settings(None, sheet, digits, width), statements_only=True,
                 batch=True)
    for failure in failures:
        click.echo(failure, err=True)
    if worst:
        ctx.exit(worst)


def _solve_all(ctx: click.Context, files: list[Path]) -> tuple[list[Any], list[str], int]:
    """(solutions, failure messages, the worst exit status) over ``files``."""
    solutions, failures, worst = [], [], 0
    from dlsolve.progress import track

    for path in track(files, "solving"):
        try:
            solutions.append(_solve_one(path))
        except DlsolveError as e:
            failures.append(str(e))
            worst = max(worst, int(getattr(e, "exit_status", ExitStatus.BAD_INPUT)))
        except Exception as e:  # a bug in one spec's solver must not lose the others
            if ctx.find_root().meta.get("dlsolve.traceback"):
                raise
            failures.append(f"{path}: internal error ({type(e).__name__}: {e}); run it alone "
                            "with --traceback and report it")
            worst = max(worst, int(ExitStatus.INTERNAL))
    return solutions, failures, worst


def _solve_one(path: Path) -> Any:
    from dlsolve.api import solve_document
    from dlsolve.spec.load import load_file

    return solve_document(load_file(path), "solve")



@click.command(context_settings=CONTEXT)
@click.argument("kind", type=click.Choice(GENERATED + ("all",)))
@click.option("--seed", type=int, default=0, show_default=True, help="Random seed.")
@click.option("--count", type=click.IntRange(1, 100000), default=10, show_default=True)
@click.option("-o", "--output", "out_dir", type=click.Path(file_okay=False), required=True,
              help="Folder for the specs and their keys (created if needed).")
@click.option("--key-format", type=click.Choice(["markdown", "latex", "json", "text"]),
              default="markdown", show_default=True)
def generate(kind: str, seed: int, count: int, out_dir: str, key_format: str) -> None:
    """Randomised variants of a problem type, each a spec plus its answer key.

    \b
      dlsolve generate forward --seed 7 --count 20 -o variants/
      dlsolve generate all --seed 1 --count 24 -o quiz/
    """
    import yaml

    from dlsolve.api import solve as solve_spec
    from dlsolve.clitools import write_atomic
    from dlsolve.generate import variants
    from dlsolve.render import render

    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    ext = {"markdown": "md", "latex": "tex", "json": "json", "text": "txt"}[key_format]
    from dlsolve.progress import track

    n = 0
    for stem, spec in track(variants(kind, seed, count), "generating", total=count):
        text = yaml.safe_dump(spec, sort_keys=False, default_flow_style=None, width=100)
        write_atomic(str(folder / f"{stem}.yaml"), text)
        write_atomic(str(folder / f"{stem}.key.{ext}"), render(solve_spec(dict(spec)), key_format))
        n += 1
    click.echo(f"{n} variant(s) of {kind} (seed {seed}) written to {folder}/", err=True)


COMMANDS = [solve, generate]
