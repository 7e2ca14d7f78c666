"""Check a student's answers against the derivation: verdicts, carried errors, known slips,
and the first step where the student's numbers leave the derivation."""

from __future__ import annotations

from typing import Any

from dlsolve.check import ecf, slips
from dlsolve.check.compare import Tolerance, equal
from dlsolve.errors import Issue, SpecError
from dlsolve.spec.load import Document
from dlsolve.steps import Heading, Note, Solution, Step, TableStep

AGGREGATE_PREFIX = {"new_weights": "new_", "new_biases": "new_", "grad_weights": "grad_",
                    "grad_biases": "grad_", "layer_z": "z_", "deltas": "delta_",
                    "per_sample": "loss"}


def answers_of(doc: Document, solution: Solution) -> dict[str, Any]:
    """The answers mapping; a name the problem does not have is bad input (exit 2)."""
    data = doc.data
    if not isinstance(data, dict) or not data:
        raise SpecError([Issue(doc.source, "", "expected a mapping of result names to your "
                               "answers (loss: 0.31)", *doc.where(()))])
    known = sorted(solution.results)
    issues = []
    for name in data:
        if name not in solution.results:
            line, col = doc.where((name,), key=True)
            issues.append(Issue(doc.source, str(name), "not a result of this problem; known "
                                "results: " + ", ".join(known), line, col))
    if issues:
        raise SpecError(issues)
    return data


def world_of(kind: str, spec: Any, answers: dict[str, Any]) -> dict[str, Any]:
    if kind in ("forward", "backprop"):
        return ecf.network_world(spec, answers)
    if kind == "gd":
        return ecf.gd_world(spec, answers)
    return {}


def check(kind: str, spec: Any, solution: Solution, doc: Document,
          tol: Tolerance) -> Solution:
    answers = answers_of(doc, solution)
    modelled = getattr(spec, "plain_step", True)  # batches, dropout, optimizers: not (yet)
    world = world_of(kind, spec, answers) if modelled else {}
    alternatives = slips.CATALOGUE.get(kind, lambda s, r: {})(spec, solution.results) \
        if modelled else {}
    items, hints, rows = [], [], []
    for name, given in answers.items():
        expected = solution.results[name]
        ok, why = equal(expected, given, doc.texts, (name,), tol)
        verdict = "✓" if ok else "✗"
        carried = False
        if not ok and name in world and equal(world[name], given, doc.texts, (name,), tol)[0]:
            ok, carried, verdict = True, True, "✓ (error carried forward)"
            hints.append(f"{name}: consistent with your earlier answers (error carried forward); "
                         f"from the right values it is {_short(expected)}.")
        if not ok and kind in ("forward", "backprop"):
            places = _places(doc, name)
            hand = ecf.rounded_world(kind, spec, places) if places and modelled else {}
            if name in hand and equal(hand[name], given, doc.texts, (name,), tol)[0]:
                ok, verdict = True, f"✓ (values carried rounded to {places} places)"
                hints.append(f"{name}: agrees with the calculation carrying values rounded to "
                             f"{places} decimal places; full precision gives {_short(expected)}.")
        if not ok:
            hint = _slip(alternatives.get(name, []), given, doc, name, tol) or \
                _partly_carried(name, expected, given, world, doc, tol)
            hints.append(f"{name}: {hint or why}.")
        items.append({"name": name, "expected": expected, "given": given, "ok": ok,
                      **({"carried_forward": True} if carried else {})})
        rows.append((name, _short(expected), _short(given), verdict))
    return report(solution, items, rows, hints, answers, _unit_keys(kind, spec, items, doc, tol))


def _unit_keys(kind: str, spec: Any, items: list[dict], doc: Document,
               tol: Tolerance) -> list[str]:
    """Wrong elements of a network's ``outputs`` answer, as the output units' step keys."""
    if kind not in ("forward", "backprop"):
        return []
    keys = []
    for item in items:
        if item["name"] == "outputs" and not item["ok"] and isinstance(item["given"], list):
            for i, (e, g) in enumerate(zip(item["expected"], item["given"])):
                if not equal(e, g, doc.texts, ("outputs", i), tol)[0]:
                    keys.append(spec.net.outputs[i])
    return keys


def _places(doc: Document, name: str) -> int | None:
    """The most decimal places the student wrote in an answer (None if no numbers)."""
    from dlsolve.check.compare import decimals

    found = [decimals(t, 0.0) for path, t in doc.texts.items() if path[:1] == (name,)]
    found = [d for d in found if d is not None]
    return max(found) if found else None


def _slip(alts: list[tuple[Any, str]], given: Any, doc: Document, name: str,
          tol: Tolerance) -> str | None:
    for value, hint in alts:
        if equal(value, given, doc.texts, (name,), tol)[0]:
            return "looks like a known slip — " + hint
    return None


def _partly_carried(name: str, expected: Any, given: Any, world: dict[str, Any],
                    doc: Document, tol: Tolerance) -> str | None:
    """For a list of steps: the first wrong entry, and whether the rest follow from it."""
    if name not in world or not isinstance(given, list) or len(given) != len(expected):
        return None
    wrong = [i for i, (e, g) in enumerate(zip(expected, given))
             if not equal(e, g, doc.texts, (name, i), tol)[0]]
    if not wrong:
        return None
    first = wrong[0]
    rest = all(equal(world[name][j], given[j], doc.texts, (name, j), tol)[0]
               for j in range(first + 1, len(given)))
    text = f"entry {first} is wrong (expected {_short(expected[first])})"
    if first + 1 < len(given) and rest:
        text += "; the entries after it follow correctly from it (error carried forward)"
    return text


def _short(value: Any) -> Any:
    text = str(value)
    return value if len(text) <= 60 else text[:57] + "..."


def first_wrong_step(solution: Solution, wrong: list[str]) -> Step | None:
    prefixes = [AGGREGATE_PREFIX.get(n, n) for n in wrong]
    for step in solution.steps:
        key = getattr(step, "key", None)
        if key and any(key == n or key.startswith(p) for n, p in zip(wrong, prefixes)):
            return step if isinstance(step, Step) else None
    return None


def report(solution: Solution, items: list[dict], rows: list[tuple], hints: list[str],
           answers: dict[str, Any], unit_keys: list[str]) -> Solution:
    wrong = [i["name"] for i in items if not i["ok"]]
    out = Solution("check", f"Check: {solution.title}", answer=("correct", "wrong"))
    out.add(TableStep("Your answers", ("result", "expected", "given", "verdict"), tuple(rows)))
    for h in hints:
        out.add(Note(h, "warning" if "carried forward" not in h else "info"))
    missing = [n for n in solution.answer if n not in answers]
    if missing:
        out.add(Note("Not answered: " + ", ".join(missing) + "."))
    step = first_wrong_step(solution, unit_keys + wrong)
    if step is not None:
        out.add(Heading("Where your numbers leave the derivation"), step)
    out.add(Note(f"{len(items) - len(wrong)} of {len(items)} correct." if wrong else
                 f"All {len(items)} answer(s) correct.", "conclusion"))
    out.set("correct", len(items) - len(wrong))
    out.set("wrong", len(wrong))
    out.set("items", items)
    out.set("first_wrong", step.title if step is not None else None)
    out.set("not_answered", missing)
    return out
