"""JSON for autograders: the contract of the design notes, results at full precision."""

from __future__ import annotations

import json
import math
from typing import Any

from dlsolve import __version__
from dlsolve.expr import Expr
from dlsolve.render.base import Renderer
from dlsolve.render.formula import TextPrinter
from dlsolve.steps import Equations, Figure, Heading, MatrixStep, Note, Solution, Step, TableStep


class JsonRenderer(Renderer):
    """One object per solution; ``{"problems": [...]}`` for several."""

    printer_class = TextPrinter

    def document(self, solutions: list[Solution]) -> str:
        if len(solutions) == 1 and not self.settings.get("batch"):
            doc: dict[str, Any] = self.solution(solutions[0])
        else:
            doc = {"dlsolve": __version__, "problems": [self.solution(s) for s in solutions]}
        return json.dumps(finite(doc), indent=2, allow_nan=True) + "\n"

    def solution(self, sol: Solution) -> dict[str, Any]:
        out: dict[str, Any] = {"dlsolve": __version__, "kind": sol.kind, "title": sol.title}
        if sol.source:
            out["source"] = sol.source
        if sol.statement:
            out["statement"] = sol.statement
        out["givens"] = [{"name": self.p(g.name), "value": self.p(g.value) if isinstance(
            g.value, Expr) else g.value, "meaning": g.meaning} for g in sol.givens]
        if sol.mistakes:
            out["mistakes"] = [{"answer": m.answer, "why": m.why} for m in sol.mistakes]
        out["results"] = sol.results
        out["answer"] = list(sol.answer)
        out["steps"] = self.steps(sol, "full")  # autograders get the whole derivation
        out["notes"] = list(sol.notes)
        return out

    def text(self, node: Expr | None) -> str | None:
        return None if node is None else self.p(node)

    def render_Heading(self, step: Heading) -> dict[str, Any]:
        return {"type": "heading", "title": step.title}

    def render_Note(self, step: Note) -> dict[str, Any]:
        return {"type": "note", "text": step.text, "kind": step.kind}

    def render_Step(self, step: Step) -> dict[str, Any]:
        value = step.value.tolist() if hasattr(step.value, "tolist") else step.value
        if isinstance(value, Expr):
            value = self.p(value)
        return {"type": "step", "title": step.title, "key": step.key, "lhs": self.text(step.lhs),
                "formula": self.text(step.formula), "substituted": self.text(step.substituted),
                "more": [self.p(m) for m in step.more], "value": value, "note": step.note}

    def render_TableStep(self, step: TableStep) -> dict[str, Any]:
        rows = [[self.p(c) if isinstance(c, Expr) else c for c in row] for row in step.rows]
        return {"type": "table", "title": step.title, "key": step.key,
                "columns": [self.p(c) if isinstance(c, Expr) else c for c in step.columns],
                "rows": rows, "note": step.note}

    def render_Equations(self, step: Equations) -> dict[str, Any]:
        return {"type": "equations", "title": step.title,
                "rows": [{"lhs": self.p(a), "rhs": self.p(b)} for a, b in step.rows]}

    def render_given_groups(self, groups: list[tuple[str, list[str]]],
                            first: bool = True) -> None:
        return None

    def render_Figure(self, step: Figure) -> dict[str, Any]:
        return {"type": "figure", "title": step.title,
                "nodes": [{"name": n, "layer": k} for n, k in step.nodes],
                "edges": [{"from": a, "to": b, "label": lab} for a, b, lab in step.edges],
                "biases": [{"unit": u, "label": lab} for u, lab in step.biases]}

    def render_MatrixStep(self, step: MatrixStep) -> dict[str, Any]:
        return {"type": "matrix", "title": step.title, "key": step.key,
                "name": self.text(step.name), "matrix": step.matrix, "note": step.note}


def finite(value: Any) -> Any:
    """NaN becomes the string "nan"; ±inf stay numbers, written Infinity and -Infinity (the
    design's JSON for masked attention scores; Python's and JavaScript's parsers read them)."""
    if isinstance(value, float) and math.isnan(value):
        return "nan"
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    if hasattr(value, "tolist"):
        return finite(value.tolist())
    return value
