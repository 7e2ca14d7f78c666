"""A class's answers to one problem: a folder of answer files, or one CSV table.

A folder holds one YAML (or JSON) file per student, named after the student: ``alice.yaml``,
``bob.answers.yaml`` (the student is ``bob``). A CSV has a student column (``student``,
``name``, ``id``, ... — the first such header) and one column per answer, headed by the
answer's name as in an answers file (``loss``, ``E``, ``new_w2``); a blank cell is not
answered. Other columns naming the student (``email`` beside ``name``, ``section``) are
left out. Each cell is read exactly as the same text after ``name:`` in a YAML file
(``0.6023``, ``[0.1, 0.2]``, ``0, -1.5``), its digits as written kept, so a CSV grades
exactly as the same answers in files do. A cell that is no YAML at all is the student's
text, graded (and explained) as such.

Problems with the table itself (no student column, a header that names no result, an
empty header) stop the run; problems with one student (a malformed file, a ragged row, a
student given twice) are reported for that student while the others are graded.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from dlsolve.check.answers import NUMBER, plain_number
from dlsolve.errors import Issue, SpecError
from dlsolve.spec.load import Document, load_file, load_text

ANSWER_SUFFIXES = (".answers.yaml", ".answers.yml", ".answers.json", ".yaml", ".yml", ".json")
STUDENT_HEADERS = ("student", "students", "name", "studentname", "fullname", "id",
                   "studentid", "sid", "username", "user", "login", "netid", "email",
                   "studentnumber", "matriculation", "matrikelnummer")
IDENTITY_HEADERS = STUDENT_HEADERS + ("firstname", "lastname", "surname", "givenname",
                                      "section", "group")
CSV_BYTES = 64_000_000
_KIND = re.compile(r"^kind\s*:", re.M)


@dataclass
class Submission:
    """One student's answers: where they come from, and (for a CSV row) already read."""

    student: str
    source: str
    doc: Document | None = None

    def load(self) -> Document:
        """The answers as a Document (a file is read now; a SpecError names it)."""
        return self.doc if self.doc is not None else load_file(self.source, keep_text=True)


def is_class(paths: tuple[str, ...]) -> bool:
    """SPEC then a folder of answer files or a CSV: a class to grade against one problem.

    A folder laid out as homework (specs with their X.answers.yaml beside them) is not a
    class: ``check SPEC homework/`` keeps grading each spec with its own answers.
    """
    if len(paths) != 2 or not Path(paths[0]).is_file():
        return False
    answers = Path(paths[1])
    if answers.suffix.lower() == ".csv":
        return True
    return answers.is_dir() and not _homework(answers)


def _homework(folder: Path) -> bool:
    """Does the folder hold a spec (kind: ...) with its X.answers.yaml beside it?"""
    for f in folder.rglob("*.answers.yaml"):
        spec = f.with_name(f.name[: -len(".answers.yaml")] + ".yaml")
        try:
            if spec.is_file() and _KIND.search(spec.read_text(encoding="utf-8")[:100_000]):
                return True
        except (OSError, UnicodeDecodeError):
            continue
    return False


def student_of(path: Path) -> str:
    """The student a file belongs to: its name without ``.answers.yaml`` / ``.yaml``."""
    name = path.name
    for suffix in ANSWER_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def from_folder(folder: Path) -> tuple[list[Submission], list[str]]:
    """The folder's answer files, one per student (sorted); a student named twice: reported."""
    files = sorted(f for f in folder.iterdir() if f.is_file() and not f.name.startswith(".")
                   and f.name.lower().endswith(ANSWER_SUFFIXES))
    if not files:
        raise SpecError([Issue(str(folder), "", "no answer files in this folder; expected one "
                               "YAML file per student (alice.yaml, bob.answers.yaml)")])
    subs, twice = _unique([Submission(student_of(f), str(f)) for f in files], "answers files")
    skipped = [f"{f}: not graded (one answers file per student, directly in {folder}/)"
               for f in sorted(folder.iterdir()) if f.is_dir() and not f.name.startswith(".")
               and any(g.name.lower().endswith(ANSWER_SUFFIXES) for g in f.rglob("*"))]
    return subs, twice + skipped


def _unique(subs: list[Submission], what: str) -> tuple[list[Submission], list[str]]:
    """Submissions of students given once; a student given more than once is reported (one
    line naming every source) and not graded: which one counts is not ours to guess."""
    sources: dict[str, list[str]] = {}
    for s in subs:
        sources.setdefault(s.student, []).append(s.source)
    failures = [f"{where[-1]}: the student {student!r} has {len(where)} {what} ("
                + ", ".join(where) + "); keep one, and grade again"
                for student, where in sources.items() if len(where) > 1]
    return [s for s in subs if len(sources[s.student]) == 1], failures


def _squeeze(header: str) -> str:
    return re.sub(r"[\s_.\-]+", "", header.lower())


def from_csv(path: Path, key: Any) -> tuple[list[Submission], list[str]]:
    """One Submission per row of a CSV (the header checked once against the problem's names).

    Raises SpecError for problems with the table as a whole; returns the rows it could not
    read (ragged, no student name, a student given twice) as messages naming their lines.
    """
    rows = _rows(path)
    if not rows:
        raise SpecError([Issue(str(path), "", "the file is empty; expected a header row "
                               "(student, then one column per answer) and a row per student")])
    (_, header), body = rows[0], rows[1:]
    who, columns = _columns(path, header, key)
    subs, failures = [], []
    for line, row in body:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            hint = ("quote a cell that holds commas: \"[0.1, 0.2]\"" if len(row) > len(header)
                    else "leave an unanswered cell empty between its commas: bob,,0.1")
            failures.append(f"{path}:{line}: expected {len(header)} fields as in the header, "
                            f"got {len(row)}; {hint}")
            continue
        student = row[who].strip()
        if not student:
            failures.append(f"{path}:{line}: {header[who].strip()}: no student named in this row")
            continue
        subs.append(Submission(student, f"{path}:{line}", _row_document(path, line, row,
                                                                          columns)))
    if not subs and not failures:
        raise SpecError([Issue(str(path), "", "no student rows under the header; expected a "
                               "row per student (alice,0.6023,...)")])
    subs, twice = _unique(subs, "rows")
    return subs, failures + twice


def _rows(path: Path) -> list[tuple[int, list[str]]]:
    """(line, fields) of every row; the delimiter is the header's (, or ; or tab)."""
    try:
        if path.stat().st_size > CSV_BYTES:
            raise SpecError([Issue(str(path), "", f"larger than {CSV_BYTES:,} bytes")])
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SpecError([Issue(str(path), "", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError([Issue(str(path), "", f"cannot read: {e}")]) from None
    head = text.split("\n", 1)[0]
    delimiter = next((d for d in (",", ";", "\t") if d in head), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    out, line = [], 1
    try:
        for row in reader:
            out.append((line, row))
            line = reader.line_num + 1
    except csv.Error as e:
        raise SpecError([Issue(str(path), "", f"not a readable CSV table: {e}", line)]) from None
    return out


def _columns(path: Path, header: list[str], key: Any) -> tuple[int, list[tuple[int, str]]]:
    """The student column, and (index, name) of each answer column, checked once."""
    from dlsolve.check.answers import read_answers

    names = [h.strip() for h in header]
    who = next((i for i, h in enumerate(names) if _squeeze(h) in STUDENT_HEADERS), None)
    if who is None:
        raise SpecError([Issue(str(path), "", "no student column: expected a header such as "
                               "'student' (or name, id, email) naming each row's student, "
                               f"got {', '.join(map(repr, names))}", 1)])
    issues, columns, seen = [], [], {}
    for i, h in enumerate(names):
        if i == who or _squeeze(h) in IDENTITY_HEADERS:
            continue
        if not h:
            issues.append(Issue(str(path), f"column {i + 1}", "no header; name the answer "
                                "this column holds (loss, new_w2, ...)", 1))
        elif h in seen:
            issues.append(Issue(str(path), h, f"two columns with this header (columns "
                                f"{seen[h] + 1} and {i + 1})", 1))
        else:
            seen[h] = i
            columns.append((i, h))
    try:
        read_answers(Document({h: None for _, h in columns}, str(path)), key.solution,
                     key.names, empty_ok=True)
    except SpecError as e:
        issues += [replace(issue, line=1) for issue in e.issues]
    if issues:
        raise SpecError(issues)
    return who, columns


def _row_document(path: Path, line: int, row: list[str],
                  columns: list[tuple[int, str]]) -> Document:
    """A student's row as the Document an answers file with those lines would give."""
    doc = Document({}, f"{path}:{line}")
    for i, name in columns:
        text = row[i].strip()
        if text:
            value, texts = cell(text)
            doc.data[name] = value
            doc.texts.update({(name,) + p: t for p, t in texts.items()})
    return doc


def cell(text: str) -> tuple[Any, dict[tuple, str]]:
    """A cell's value and the numbers' texts, as YAML reads ``name: <text>``.

    >>> cell("0.4270")
    (0.427, {(): '0.4270'})
    >>> cell("[0, -1.5]")
    ([0, -1.5], {(0,): '0', (1,): '-1.5'})
    """
    if NUMBER.fullmatch(text) and not re.fullmatch(r"[-+]?0\d+", text):
        return plain_number(text), {(): text}
    try:
        doc = load_text(text, "<cell>", keep_text=True)
    except SpecError:
        return text, {}
    return doc.data, dict(doc.texts)
