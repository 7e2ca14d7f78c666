"""The Python API: spec (path, mapping or Document) -> parsed spec -> Solution."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from dlsolve import registry
from dlsolve.errors import Issue, SpecError
from dlsolve.spec.load import Document, load_file
from dlsolve.spec.reader import Reader, describe, suggest
from dlsolve.steps import Mistake, Solution

# Commands that accept specs of another kind: a backprop spec has a forward pass, etc.
COMPATIBLE = {
    "forward": ("forward", "backprop"),
    "backprop": ("backprop", "forward"),
    "loss": ("loss",),
}


def _mapping_document(spec: dict[str, Any], source: str) -> Document:
    return Document(dict(spec), source)


def kind_of(doc: Document, command: str | None = None) -> str:
    """The problem kind of a document, checked against the command that reads it."""
    data = doc.data
    if not isinstance(data, dict):
        raise SpecError([Issue(doc.source, "", f"expected a mapping of fields (kind: ...), "
                               f"got {describe(data)}", *doc.where(()))])
    kind = data.get("kind", command)
    if kind is None:
        raise SpecError([Issue(doc.source, "kind", "expected the problem kind (one of "
                               + ", ".join(registry.KINDS) + "), got nothing", 1)])
    if not isinstance(kind, str) or kind not in registry.KINDS:
        line, col = doc.where(("kind",))
        hint = suggest(kind, registry.KINDS)
        raise SpecError([Issue(doc.source, "kind", "expected one of " +
                               ", ".join(registry.KINDS) + f", got {describe(kind)}" +
                               (f"; {hint}" if hint else ""), line, col)])
    if command and command not in ("solve", "check") and kind not in COMPATIBLE.get(command,
                                                                                    (command,)):
        line, col = doc.where(("kind",))
        raise SpecError([Issue(doc.source, "kind", f"this is a {kind} problem; run "
                               f"'dlsolve {kind}' (or 'dlsolve solve') on it", line, col)])
    return kind


def parse(doc: Document, kind: str) -> Any:
    """Check a document against the fields of ``kind``; raise every issue found at once."""
    reader = Reader(doc)
    spec = registry.parser(kind)(reader)
    _check_common(reader)
    reader.done()
    return spec


def _check_common(r: Reader) -> None:
    """title and statement are text; mistakes a list of text or {answer, why} mappings."""
    for key in ("title", "statement"):
        if key in r.data and not isinstance(r.data[key], str):
            r.expected(key, "text", r.data[key])
    if "mistakes" not in r.data:
        return
    items = r.data["mistakes"]
    if not isinstance(items, list):
        r.expected("mistakes", "a list of known wrong answers ({answer: ..., why: ...})", items)
        return
    for i, item in enumerate(items):
        if isinstance(item, dict):
            for key in item:
                if key not in ("answer", "why") or not isinstance(item[key], str):
                    r.expected(("mistakes", i, key), "answer: <text> and why: <text>",
                               item[key])
        elif not isinstance(item, str):
            r.expected(("mistakes", i), "a wrong answer as text or {answer, why}", item)


def mistakes(data: dict[str, Any]) -> list[Mistake]:
    """The known wrong answers a spec records (already checked by ``parse``)."""
    out = []
    for item in data.get("mistakes") or []:
        if isinstance(item, str):
            out.append(Mistake(item))
        else:
            out.append(Mistake(str(item.get("answer", "")), str(item.get("why", ""))))
    return out


def parse_document(doc: Document, command: str | None = None) -> tuple[str, Any]:
    """The problem kind and its checked spec object."""
    kind = kind_of(doc, command)
    if command in ("forward", "backprop") and kind != command:
        kind = command
    return kind, parse(doc, kind)


def solve_document(doc: Document, command: str | None = None) -> Solution:
    """Parse and solve a Document (the CLI's path)."""
    kind, spec = parse_document(doc, command)
    return solve_parsed(doc, kind, spec)


def solve_parsed(doc: Document, kind: str, spec: Any) -> Solution:
    """Solve a parsed spec; the title and statement come from the document."""
    from dlsolve.givens import attach

    solution = _solve_within_floats(doc, kind, spec)
    attach(solution, kind, spec)
    data = doc.data
    if isinstance(data.get("title"), str):
        solution.title = data["title"]
    if isinstance(data.get("statement"), str):
        solution.statement = data["statement"]
    solution.mistakes = mistakes(data)
    solution.source = doc.source if doc.is_file else None
    return solution


def _solve_within_floats(doc: Document, kind: str, spec: Any) -> Solution:
    """Solve; numbers leaving float range (inf - inf, an overflow) are refused, not shown."""
    import warnings

    from dlsolve.guard import check_finite, fresh_budget, overflow

    fresh_budget()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # numpy overflow: checked below
        try:
            solution = registry.solver(kind)(spec)
        except OverflowError as e:
            raise overflow(doc, str(e)) from None
        except ValueError as e:
            if str(e) == "math domain error":  # a log or root of a value that underflowed
                raise overflow(doc, "a logarithm or root of 0 or less", tiny=True) from None
            if not re.search(r"\b(inf|nan)\b", str(e), re.I):
                raise
            raise overflow(doc, str(e)) from None
    check_finite(solution, doc)
    return solution


def solve(spec: Any, **options: Any) -> Solution:
    """Solve a spec given as a path or a mapping; ``options`` override its fields."""
    if isinstance(spec, (str, Path)):
        doc = load_file(spec)
    elif isinstance(spec, Document):
        doc = spec
    elif isinstance(spec, dict):
        doc = _mapping_document(spec, "<mapping>")
    else:
        raise TypeError(f"expected a path or a mapping, got {type(spec).__name__}")
    if options:
        doc.override(options, {k: k for k in options})
    return solve_document(doc)
