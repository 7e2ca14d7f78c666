"""``dlsolve check``: grade a student's answers against the derivation (one spec or many)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from dlsolve.clitools import CONTEXT, emit, out_settings, output_options, pick_format
from dlsolve.errors import DlsolveError, ExitStatus, Issue, SpecError, spec_error

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
    """Check a student's answers (SPEC ANSWERS), a class's (SPEC FOLDER or SPEC TABLE.csv), or
    specs/folders with X.answers.yaml beside X.yaml.

    ANSWERS is a YAML mapping of names to values. A name is a result (as in --format json)
    or a symbol the derivation prints for it (z1, E, w2_new, dE_dw5, delta_o1, ...):
    `check --names SPEC` lists them. An answer agrees when it matches to the digits written
    (0.6023 accepts 0.60226...), when it follows the hand calculation that carries rounded
    values, or when it is computed correctly from an earlier wrong answer (error carried
    forward). Lists of steps (a trajectory, a history, the losses per epoch) grade as far as
    given. Exit 0 when every answer is right, 1 when any is wrong, 2 on bad input (the worst
    of all specs when several are checked).

    A class: SPEC is solved once and every student graded against it, from a FOLDER of
    answer files (alice.yaml, bob.answers.yaml: the student is the file's name) or one CSV
    (a student column, then one column per answer; a blank cell is not answered). The
    output summarises the class (per student, per answer, the most common first wrong step,
    the known slips); `-o grades.csv` (or --format csv) writes the gradebook, one row per
    student and answer. A file or row that cannot be read is reported and the others graded
    (exit 2 at the end). --format gradescope writes one submission's Gradescope results.json.

    \b
      dlsolve check problems/seed000-q4a-relu-network.yaml answers.yaml
      dlsolve check --names problems/seed002-backprop-chain.yaml
      dlsolve check problems/seed002-backprop-chain.yaml key.yaml --format json
      dlsolve check problems/seed002-backprop-chain.yaml answers/ -o grades.csv
      dlsolve check problems/seed002-backprop-chain.yaml problems/classes/seed002-backprop-chain.csv
      dlsolve check problems/seed002-backprop-chain.yaml answers.yaml --format gradescope
      dlsolve check homework/        # each X.yaml with its X.answers.yaml
    """
    from dlsolve.check.classroom import is_class
    from dlsolve.check.compare import Tolerance

    out = out_settings(fmt, output, digits, width)
    if names_only:
        emit([_names(p) for p in _files(paths)], **out)
        return
    tol = Tolerance(rtol, atol, not exact)
    if is_class(paths):
        ctx.exit(_grade_class(ctx, Path(paths[0]), Path(paths[1]), tol, out))
    pairs = _pairs(paths)
    reports, failures = [], []
    for spec, answers in pairs:
        try:
            reports.append(_grade(spec, answers, tol))
        except DlsolveError as e:
            failures.append(str(e))
    if reports:
        emit(_as_format(reports, pick_format(fmt, output), len(pairs) == 1), **out,
             batch=len(pairs) > 1)
    for failure in failures:
        click.echo(failure, err=True)
    if failures:
        ctx.exit(int(ExitStatus.BAD_INPUT))
    if any(r[0].results["wrong"] for r in reports):
        ctx.exit(int(ExitStatus.WRONG_ANSWER))


def _as_format(reports: list[tuple[Any, ...]], fmt: str, one: bool) -> list[Any]:
    """The check reports; for CSV each as a gradebook (one student: the answers file's)."""
    if fmt != "csv":
        return [r[0] for r in reports]
    from dlsolve.check.classroom import student_of
    from dlsolve.check.gradebook import Graded, gradebook

    return [gradebook(problem, [Graded(student_of(path) if one else "", str(path), doc,
                                       report)], [])
            for report, problem, doc, path in reports]


def _grade_class(ctx: click.Context, spec: Path, answers: Path, tol: Any,
                 out: dict[str, Any]) -> int:
    """Grade every student's answers against one solve of SPEC; the exit status."""
    from dlsolve.check import answer_key
    from dlsolve.check.classroom import from_csv, from_folder
    from dlsolve.check.gradebook import gradebook

    if pick_format(out["fmt"], out["output"]) == "gradescope":
        raise spec_error("--format", "", "gradescope's results.json holds one submission: "
                         "grade one student (dlsolve check SPEC ANSWERS --format gradescope); "
                         "for a class use --format csv or json")
    kind, parsed, solution = _solved(spec)
    key = answer_key(kind, parsed, solution)
    subs, failures = from_csv(answers, key) if answers.suffix.lower() == ".csv" \
        else from_folder(answers)
    graded, worst = _grade_each(ctx, key, subs, tol, failures)
    book = gradebook(solution, graded, failures)
    emit([book], **out)
    for failure in failures:
        click.echo(failure, err=True)
    if failures:
        return max(worst, int(ExitStatus.BAD_INPUT))
    return int(ExitStatus.WRONG_ANSWER) if book.results["with_wrong"] else 0


def _grade_each(ctx: click.Context, key: Any, subs: list[Any], tol: Any,
                failures: list[str]) -> tuple[list[Any], int]:
    """Each student graded (a progress bar on a terminal); unreadable ones to ``failures``."""
    from dlsolve.check import check_against
    from dlsolve.check.gradebook import Graded
    from dlsolve.guard import fresh_budget
    from dlsolve.progress import track

    graded, worst = [], 0
    for sub in track(subs, "grading"):
        fresh_budget()  # each student's answers bounded by themselves, as each spec is
        try:
            doc = sub.load()
            report = check_against(key, doc, tol, empty_ok=sub.doc is not None)
            graded.append(Graded(sub.student, sub.source, doc, report))
        except DlsolveError as e:
            failures.append(str(e))
        except (RecursionError, OverflowError, OSError) as e:  # hostile input, as the CLI says
            failures.append(f"{sub.source}: cannot be graded ({type(e).__name__}: {e})")
        except Exception as e:  # a bug on one student's answers must not lose the others
            if ctx.find_root().meta.get("dlsolve.traceback"):
                raise
            failures.append(f"{sub.source}: internal error ({type(e).__name__}: {e}); check "
                            "it alone with --traceback and report it")
            worst = int(ExitStatus.INTERNAL)
    return graded, worst


def _solved(spec: str | Path) -> tuple[str, Any, Any]:
    from dlsolve.api import parse_document, solve_parsed
    from dlsolve.spec.load import load_file

    doc = load_file(spec)
    kind, parsed = parse_document(doc, "check")
    return kind, parsed, solve_parsed(doc, kind, parsed)


def _grade(spec: str | Path, answers: str | Path, tol: Any) -> tuple[Any, Any, Any, Path]:
    """(the check's report, the problem's solution, the answers Document, the answers path)."""
    from dlsolve.check import check as run_check
    from dlsolve.spec.load import load_file

    kind, parsed, solution = _solved(spec)
    doc = load_file(answers, keep_text=True)
    return run_check(kind, parsed, solution, doc, tol), solution, doc, Path(answers)


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
