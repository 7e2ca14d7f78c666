"""Gradescope's autograder results (``results.json``) for one submission's check.

The fields are those of Gradescope's autograder specification: a top-level ``score``,
``output`` (text about the whole submission) and ``tests``, each test with ``name``,
``score``, ``max_score``, ``status`` (``passed`` or ``failed``) and ``output``. Each
answer the question asks, given or left out, is one test worth one point (an intermediate
value the student also wrote is a test worth none, for its feedback): full marks when check
calls it right (to the digits written, rounded as by hand, or
with an earlier error carried forward), none otherwise. A test's output is the verdict and
check's hints on that answer. Several problems (a homework folder) are one submission: their
tests are named after their problems.
"""

from __future__ import annotations

import json
from typing import Any

from dlsolve.render.base import Renderer
from dlsolve.render.formula import TextPrinter
from dlsolve.render.json import finite
from dlsolve.steps import Solution


class GradescopeRenderer(Renderer):
    """One results.json object for one submission (one or several checks)."""

    printer_class = TextPrinter

    def document(self, solutions: list[Solution]) -> str:
        from dlsolve.errors import spec_error

        other = next((s.kind if s.kind != "check" else "names listing" for s in solutions
                      if s.kind != "check" or "items" not in s.results), None)
        if other is not None:
            raise spec_error("--format", "", f"gradescope writes the results of checking one "
                             f"student's answers (dlsolve check SPEC ANSWERS), not of a {other} "
                             "solution; use --format json or csv")
        several = len(solutions) > 1
        tests, lines = [], []
        for sol in solutions:
            prefix = _problem(sol) + ": " if several else ""
            tests += [_test(prefix + _label(i), i["ok"], _output(i), i["asked"]) for i in
                      sol.results["items"]]
            tests += [_test(prefix + name, False, "not answered")
                      for name in sol.results["not_answered"]]
            lines.append(prefix + self._summary(sol))
        doc = {"score": float(sum(t["score"] for t in tests)), "output": "\n".join(lines),
               "tests": tests}
        return json.dumps(finite(doc), indent=2, ensure_ascii=False) + "\n"

    def _summary(self, sol: Solution) -> str:
        r = sol.results
        total = len(r["items"]) + len(r["not_answered"])
        scored = [i for i in r["items"] if i["asked"]]
        asked = len(scored) + len(r["not_answered"])
        text = (f"{sum(1 for i in scored if i['ok'])} of the {asked} answers asked correct"
                + (f" ({r['correct']} of {total} with the values also given)."
                   if total != asked else "."))
        if r["not_answered"]:
            text += " Not answered: " + ", ".join(r["not_answered"]) + "."
        if r["first_wrong"]:
            text += f" Your numbers first leave the derivation at: {r['first_wrong']}."
        return text


def _problem(sol: Solution) -> str:
    title = sol.title
    return title[len("Check: "):] if title.startswith("Check: ") else title


def _label(item: dict[str, Any]) -> str:
    written = item.get("written")
    return f"{written} ({item['name']})" if written else item["name"]


def _output(item: dict[str, Any]) -> str:
    """The verdict, then check's hints on this answer (without the answer's name before each:
    the test is named after it)."""
    mark = item.get("written", item["name"]) + ": "
    hints = [h[len(mark):] if h.startswith(mark) else h for h in item.get("hints", [])]
    return "\n".join([item["verdict"]] + hints)


def _test(name: str, ok: bool, output: str, asked: bool = True) -> dict[str, Any]:
    """One answer as a test: a point when the question asks for it, feedback only (0 of 0)
    for the intermediate values a student also wrote (they must not add to the score)."""
    point = 1.0 if asked else 0.0
    return {"name": name if asked else f"{name} (not scored)", "score": point if ok else 0.0,
            "max_score": point, "status": "passed" if ok else "failed", "output": output}
