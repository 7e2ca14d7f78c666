"""Check a student's answers against the derivation: verdicts, carried errors, known slips,
and the first step where the student's numbers leave the derivation.

Answers are named by result (``loss``) or by the symbol the derivation prints (``E``);
``dlsolve.check.names`` derives those names from the Solution, ``answers`` reads the file,
``grade`` gives each verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dlsolve.check.answers import Answer, read_answers
from dlsolve.check.compare import Tolerance, equal
from dlsolve.check.grade import Grader, Verdict, alternatives, short
from dlsolve.check.names import Names, collect, same
from dlsolve.spec.load import Document
from dlsolve.steps import Heading, MatrixStep, Note, Solution, Step, TableStep

AGGREGATE_PREFIX = {"new_weights": "new_", "new_biases": "new_", "grad_weights": "grad_",
                    "grad_biases": "grad_", "layer_z": "z_", "deltas": "delta_",
                    "per_sample": "loss"}


@dataclass
class AnswerKey:
    """A solved problem made ready to grade many students against: the names an answer may
    use, the known slips' values and the hand calculations (by places) computed once."""

    kind: str
    spec: Any
    solution: Solution
    names: Names
    known: dict[str, list[tuple[Any, str]]]
    hand: dict[int, dict[str, Any]] = field(default_factory=dict)


def answer_key(kind: str, spec: Any, solution: Solution) -> AnswerKey:
    """The AnswerKey of a solved problem."""
    return AnswerKey(kind, spec, solution, collect(solution), alternatives(kind, spec, solution))


def check(kind: str, spec: Any, solution: Solution, doc: Document,
          tol: Tolerance) -> Solution:
    """Grade the answers in ``doc`` against ``solution``; a Solution of kind ``check``."""
    return check_against(answer_key(kind, spec, solution), doc, tol)


def check_against(key: AnswerKey, doc: Document, tol: Tolerance,
                  empty_ok: bool = False) -> Solution:
    """Grade the answers in ``doc`` (a file, or one row of a class's table) against ``key``.

    ``empty_ok``: a mapping with no answers grades as nothing answered instead of bad input.
    """
    kind, spec, solution = key.kind, key.spec, key.solution
    answers = read_answers(doc, solution, key.names, empty_ok)
    grader = Grader(kind, spec, solution, answers, tol, key.known, key.hand)
    verdicts = [grader.first(a) for a in answers]
    wrong_first = {a.written for a, v in zip(answers, verdicts) if not v.ok}
    for a, v in zip(answers, verdicts):
        if not v.ok:
            grader.second(a, v, others_wrong=bool(wrong_first - {a.written}))
    return report(solution, answers, verdicts, grader,
                  _unit_keys(kind, spec, answers, verdicts, grader))


def _unit_keys(kind: str, spec: Any, answers: list[Answer], verdicts: list[Verdict],
               grader: Grader) -> list[str]:
    """Wrong elements of a network's ``outputs`` answer, as the output units' step keys."""
    if kind not in ("forward", "backprop"):
        return []
    keys = []
    for a, v in zip(answers, verdicts):
        if a.name == "outputs" and not v.ok and isinstance(a.given, list) and not a.problem:
            texts = {(a.written,) + p: t for p, t in a.texts.items()}
            for i, (e, g) in enumerate(zip(grader.full(a), a.given)):
                if not equal(e, g, texts, (a.written, i), grader.tol)[0]:
                    keys.append(spec.net.outputs[i])
    return keys


def leave_step(solution: Solution, answers: list[Answer], verdicts: list[Verdict],
               grader: Grader, unit_keys: list[str]) -> Step | None:
    """The first step of the derivation that a wrong answer contradicts."""
    steps = [s for s in solution.steps if isinstance(s, (Step, MatrixStep))]
    found: list[int] = []
    for a, v in zip(answers, verdicts):
        if v.ok:
            continue
        if a.target.step is not None:
            found += [i for i, s in enumerate(steps) if s is a.target.step]
            continue
        found += _steps_of(steps, a.name, grader.full(a), v.first_wrong, v.inner)
    for key in unit_keys:
        found += [i for i, s in enumerate(steps) if s.key == key][:1]
    hits = [steps[i] for i in sorted(found) if isinstance(steps[i], Step)]
    return hits[0] if hits else None


def _steps_of(steps: list[Any], name: str, full: Any, first_wrong: int | None,
              inner: tuple[int, ...]) -> list[int]:
    """Steps of a result: the one showing its first wrong entry, else the first with its key."""
    prefix = AGGREGATE_PREFIX.get(name, name)
    mine = [i for i, s in enumerate(steps) if s.key and (s.key == name or
                                                         s.key.startswith(prefix))]
    if name not in AGGREGATE_PREFIX and any(steps[i].key == name for i in mine):
        mine = [i for i in mine if steps[i].key == name]  # loss: the Loss, not a term of it
    if first_wrong is not None and isinstance(full, list) and first_wrong < len(full):
        entry = part = full[first_wrong]
        for j in inner:
            part = part[j] if isinstance(part, list) and j < len(part) else part
        for wanted in (entry, part):
            showing = [i for i in mine if steps[i].key == name and same(_value(steps[i]), wanted)]
            if showing:
                return showing[:1]
    return mine[:1]


def _value(step: Any) -> Any:
    return step.matrix if isinstance(step, MatrixStep) else step.value


def report(solution: Solution, answers: list[Answer], verdicts: list[Verdict], grader: Grader,
           unit_keys: list[str]) -> Solution:
    """The check's own Solution: the answers table, the hints, where the numbers leave."""
    out = Solution("check", f"Check: {solution.title}", answer=("correct", "wrong"))
    items, rows = _items(answers, verdicts, grader)
    out.add(TableStep("Your answers", ("answer", "expected", "given", "verdict"), rows))
    out.add(*(Note(text, kind) for v in verdicts for text, kind in v.hints))
    named = {a.name for a in answers}
    missing = [n for n in solution.answer if n not in named]
    if missing:
        out.add(Note("Not answered: " + ", ".join(missing) + "."))
    step = leave_step(solution, answers, verdicts, grader, unit_keys)
    if step is not None:
        out.add(Heading("Where your numbers leave the derivation"), step)
    wrong = sum(1 for v in verdicts if not v.ok)
    out.add(Note(f"{len(items) - wrong} of {len(items)} correct." if wrong else
                 f"All {len(items)} answer(s) correct." if items else "Nothing answered.",
                 "conclusion"))
    out.set("correct", len(items) - wrong)
    out.set("wrong", wrong)
    out.set("items", items)
    out.set("first_wrong", (step.title or step.key) if step is not None else None)
    out.set("not_answered", missing)
    return out


def _items(answers: list[Answer], verdicts: list[Verdict],
           grader: Grader) -> tuple[list[dict], tuple[tuple, ...]]:
    """The JSON items ({name, expected, given, ok, verdict, ...}) and the table's rows."""
    items, rows = [], []
    for a, v in zip(answers, verdicts):
        item = {"name": a.name, "expected": grader.full(a), "given": _safe(a.given),
                "ok": v.ok, "verdict": v.shown, "asked": asked(grader.solution, a.name)}
        if a.written != a.name:
            item["written"] = a.written
        if v.carried:
            item["carried_forward"] = True
        if v.graded is not None:
            item["graded_entries"] = v.graded
        if v.slip:
            item["slip"] = v.slip
        if v.hints:
            item["hints"] = [text for text, _ in v.hints]
        items.append(item)
        label = a.written if a.written == a.name else f"{a.written} ({a.name})"
        rows.append((label, _cell(grader.expected(a)), _cell(a.given), v.shown))
    return items, tuple(rows)


def asked(solution: Solution, name: str) -> bool:
    """Whether the question asks for ``name`` (every result does when none is singled out);
    the other names a student may answer (z1, a1, ...) are checked but not scored."""
    return not solution.answer or name in solution.answer


def _cell(value: Any) -> Any:
    """A table cell: numbers and short lists as they are (rendered with --digits), else text."""
    text = short(value)
    if isinstance(value, dict):
        return text
    if isinstance(value, (int, float)) and not isinstance(value, bool) and \
            "digits" not in text and text not in ("inf", "-inf", "nan"):
        return value
    if isinstance(value, list) and _leaves(value) <= 8 and "inf" not in str(value) \
            and "nan" not in str(value) and "digits" not in text:
        return value
    return text


def _leaves(value: Any, limit: int = 9) -> int:
    """How many numbers a (short) list holds, counting up to ``limit``."""
    if not isinstance(value, list):
        return 1
    total = 0
    for v in value:
        total += _leaves(v, limit)
        if total >= limit:
            return limit
    return total


def _safe(value: Any, level: int = 0) -> Any:
    """A value for JSON: deep nesting and integers beyond float range as a description."""
    from dlsolve.check.answers import depth

    if isinstance(value, list):
        if level > 8 or depth(value) > 8:
            return f"a list nested {min(depth(value), 99)} deep"
        return [_safe(v, level + 1) for v in value]
    if isinstance(value, dict):
        return {k: _safe(v, level + 1) for k, v in value.items()} if level <= 8 else "{...}"
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > 1e308:
        return short(value)
    return value
