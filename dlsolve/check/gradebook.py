"""A class graded against one problem: the gradebook and what the class got wrong.

Built from each student's own check (``dlsolve.check.check_against``), nothing graded
twice: per student, correct of total (the answers given plus the question's answers left
out); per answer, how many got it right, wrong, right by carrying an earlier error forward,
and left it out; the step where the students' numbers first leave the derivation, counted;
the known slips recognised, counted. The gradebook itself, one row per student and answer,
is a table of the Solution (detail ``full``), which the CSV renderer writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from dlsolve.steps import Note, Solution, TableStep

GRADEBOOK_COLUMNS = ("student", "result", "given", "expected", "verdict", "ecf", "score",
                     "slip")
NOT_ANSWERED = "not answered"


@dataclass
class Graded:
    """One student's check: who, where the answers came from, what they wrote, the report."""

    student: str
    source: str
    answers: Any  # the Document of the student's answers (texts as written)
    report: Solution


def gradebook(problem: Solution, graded: list[Graded], unreadable: list[str]) -> Solution:
    """The class's Solution (kind ``gradebook``): tables for people, results for programs."""
    out = Solution("gradebook", f"Gradebook: {problem.title}",
                   answer=("graded", "all_correct", "with_wrong"), source=problem.source)
    students = {g.student: _student(g) for g in graded}
    order = _result_order(problem, graded)
    per_result = {name: _per_result(name, graded) for name in order}
    first = Counter(g.report.results["first_wrong"] for g in graded
                    if g.report.results["first_wrong"])
    slips = Counter((i["name"], i["slip"]) for g in graded for i in g.report.results["items"]
                    if i.get("slip"))
    with_wrong = sum(1 for s in students.values() if s["wrong"])
    all_correct = sum(1 for s in students.values() if s["correct"] == s["total"] > 0)
    out.add(Note(_overview(len(graded), all_correct, with_wrong, unreadable)))
    out.add(TableStep("Students", ("student", "score", "of", "first wrong step",
                                   "not answered"),
                      tuple((n, s["score"], s["max_score"], s["first_wrong"] or "",
                             ", ".join(s["not_answered"])) for n, s in students.items())))
    out.add(TableStep("Answers", ("answer", "right", "wrong", "carried forward", "not answered"),
                      tuple((n, r["right"], r["wrong"], r["carried_forward"], r["not_answered"])
                            for n, r in per_result.items())))
    if first:
        out.add(TableStep("Where the numbers first leave the derivation", ("step", "students"),
                          tuple(first.most_common())))
    if slips:
        out.add(TableStep("Known slips recognised", ("answer", "slip", "students"),
                          tuple((n, s, c) for (n, s), c in slips.most_common())))
    out.add(TableStep("Gradebook", GRADEBOOK_COLUMNS, tuple(_rows(problem, graded)),
                      key="gradebook", detail="full"))
    out.add(Note(_conclusion(len(graded), all_correct, with_wrong), "conclusion"))
    out.set("graded", len(graded))
    out.set("all_correct", all_correct)
    out.set("with_wrong", with_wrong)
    out.set("students", students)
    out.set("per_result", per_result)
    out.set("first_wrong", dict(first.most_common()))
    out.set("slips", [{"result": n, "slip": s, "students": c}
                      for (n, s), c in slips.most_common()])
    out.set("not_answered", {n: r["not_answered"] for n, r in per_result.items()
                             if r["not_answered"]})
    out.set("unreadable", list(unreadable))
    return out


def _student(g: Graded) -> dict[str, Any]:
    r = g.report.results
    scored = [i for i in r["items"] if i["asked"]]
    return {"source": g.source, "correct": r["correct"], "wrong": r["wrong"],
            "total": len(r["items"]) + len(r["not_answered"]),
            "score": sum(1 for i in scored if i["ok"]),
            "max_score": len(scored) + len(r["not_answered"]), "first_wrong": r["first_wrong"],
            "not_answered": list(r["not_answered"]), "items": r["items"]}


def _result_order(problem: Solution, graded: list[Graded]) -> list[str]:
    """The question's answers first, then every other name answered, as first met."""
    names = dict.fromkeys(problem.answer)
    for g in graded:
        names.update(dict.fromkeys(i["name"] for i in g.report.results["items"]))
    return list(names)


def _per_result(name: str, graded: list[Graded]) -> dict[str, int]:
    counts = {"right": 0, "wrong": 0, "carried_forward": 0, "not_answered": 0}
    for g in graded:
        item = next((i for i in g.report.results["items"] if i["name"] == name), None)
        if item is None:
            counts["not_answered"] += name in g.report.results["not_answered"]
            continue
        counts["right" if item["ok"] else "wrong"] += 1
        counts["carried_forward"] += bool(item.get("carried_forward"))
    return counts


def _rows(problem: Solution, graded: list[Graded]) -> list[tuple[Any, ...]]:
    """One row per student and answer: the value as the student wrote it, the verdict."""
    rows = []
    for g in graded:
        for i in g.report.results["items"]:
            written = i.get("written", i["name"])
            given = as_written(g.answers.data.get(written), g.answers.texts, (written,))
            rows.append((g.student, i["name"], given, i["expected"], i["verdict"],
                         "yes" if i.get("carried_forward") else "no",
                         int(bool(i["ok"])) if i["asked"] else "",
                         i.get("slip", "")))
        for name in g.report.results["not_answered"]:
            rows.append((g.student, name, "", problem.results.get(name), NOT_ANSWERED, "no",
                         0, ""))
    return rows


def as_written(value: Any, texts: dict[tuple, str], path: tuple) -> str:
    """A value in the student's own digits (0.4270 stays 0.4270).

    >>> as_written([0, 0.50], {("a", 0): "0", ("a", 1): "0.50"}, ("a",))
    '[0, 0.50]'
    """
    if path in texts:
        return texts[path]
    if isinstance(value, list):
        return "[" + ", ".join(as_written(v, texts, path + (k,))
                               for k, v in enumerate(value)) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {as_written(v, texts, path + (k,))}"
                               for k, v in value.items()) + "}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _overview(graded: int, all_correct: int, with_wrong: int, unreadable: list[str]) -> str:
    text = (f"{graded} student(s) graded: {all_correct} with every answer right, "
            f"{with_wrong} with at least one wrong.")
    if unreadable:
        text += f" {len(unreadable)} submission(s) could not be read (listed on stderr)."
    return text


def _conclusion(graded: int, all_correct: int, with_wrong: int) -> str:
    if not graded:
        return "No student graded."
    if not with_wrong:
        return f"No wrong answers among {graded} student(s)."
    return f"{with_wrong} of {graded} student(s) have a wrong answer."
