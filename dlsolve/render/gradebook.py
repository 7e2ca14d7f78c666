"""CSV: a class's gradebook (one row per student and answer), or any solution's results.

A gradebook Solution carries its rows as the table keyed ``gradebook``; this writes them
with a header row, a ``problem`` column first when several problems are written together.
Other solutions are written as ``result,value`` rows. Numbers are shown to ``--digits``
places as everywhere else (the student's given values are their own text, as written);
lists are written as ``[0.1, 0.2]``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from dlsolve.render.base import Renderer
from dlsolve.render.formula import TextPrinter
from dlsolve.steps import Solution, TableStep


def gradebook_table(solution: Solution) -> TableStep | None:
    """The gradebook rows of a solution, if it has them."""
    return next((s for s in solution.steps if isinstance(s, TableStep)
                 and s.key == "gradebook"), None)


class CsvRenderer(Renderer):
    """Comma-separated values, one header row."""

    printer_class = TextPrinter

    def document(self, solutions: list[Solution]) -> str:
        buffer = io.StringIO()
        out = csv.writer(buffer, lineterminator="\n")
        several = len(solutions) > 1
        tables = [gradebook_table(s) for s in solutions]
        if all(tables):
            out.writerow((("problem",) if several else ()) + tuple(tables[0].columns))
            for sol, table in zip(solutions, tables):
                for row in table.rows:
                    out.writerow(self._lead(sol, several) + tuple(self.cell(c) for c in row))
        else:
            out.writerow((("problem",) if several else ()) + ("result", "value"))
            for sol in solutions:
                for name, value in sol.results.items():
                    out.writerow(self._lead(sol, several) + (name, self.cell(value)))
        return buffer.getvalue()

    def _lead(self, sol: Solution, several: bool) -> tuple[str, ...]:
        return (sol.source or sol.title,) if several else ()

    def cell(self, value: Any) -> str:
        """A value as one cell: numbers to --digits, lists bracketed, nothing as blank."""
        if value is None:
            return ""
        if isinstance(value, str):
            return value
        if isinstance(value, (bool, int, float)):
            return self.number(value)
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(self.cell(v) if v is not None else "null"
                                   for v in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{k}: {self.cell(v)}" for k, v in value.items()) + "}"
        return str(value)
