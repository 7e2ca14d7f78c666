"""Checked reading of spec fields: every error collected, each naming file, line and field.

A ``Reader`` walks one mapping of a Document. ``get(key, conv)`` returns the converted
value, or records an issue (``expected …, got …``) and returns ``BAD`` so that parsing can
go on and report every problem of the file in one run. The converters (dlsolve.spec.convert)
are re-exported here for the spec modules.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import Any

from dlsolve.errors import Issue, SpecError
from dlsolve.spec.convert import (
    BAD,
    REQUIRED,
    Bad,
    Conv,
    at_most,
    boolean,
    choice,
    either,
    example,
    expectation,
    expects,
    integer,
    matrix,
    nonneg,
    nonneg_int,
    number,
    pair,
    positive,
    positive_int,
    string,
    vector,
)
from dlsolve.spec.load import Document, dotted
from dlsolve.spec.phrases import MISSING, Said, describe, suggest

__all__ = ["BAD", "MISSING", "REQUIRED", "Bad", "Conv", "Reader", "Said", "at_most", "boolean",
           "choice", "describe", "either", "example", "expectation", "expects", "integer",
           "matrix", "nonneg", "nonneg_int", "number", "pair", "positive", "positive_int",
           "string", "suggest", "vector"]

FIELD_ALIASES = {"lr": "learning_rate", "eta": "learning_rate", "learningrate": "learning_rate",
                 "alpha_lr": "learning_rate", "n_epochs": "epochs", "num_epochs": "epochs",
                 "num_steps": "steps", "n_steps": "steps", "iterations": "steps"}
"""Field names a user might type for a field of another name (hyphens and case aside)."""


def canonical(key: Any) -> str:
    """``Learning-Rate`` -> ``learning_rate``; ``lr`` -> ``learning_rate``."""
    k = str(key).strip().lower().replace("-", "_").replace(" ", "_")
    return FIELD_ALIASES.get(k, k)


class Reader:
    """Read fields of the mapping at ``path`` in ``doc``, collecting issues."""

    def __init__(self, doc: Document, path: tuple[Any, ...] = (),
                 issues: list[Issue] | None = None):
        self.doc = doc
        self.path = path
        self.issues: list[Issue] = [] if issues is None else issues
        data: Any = doc.data
        for part in path:
            data = data[part]
        self.data: dict[Any, Any] = data if isinstance(data, dict) else {}

    def label(self, path: tuple[Any, ...]) -> str:
        if path and path[0] in self.doc.labels:
            rest = dotted(path[1:])
            return self.doc.labels[path[0]] + (rest if rest.startswith("[") or not rest
                                                else "." + rest)
        return dotted(path)

    def fail(self, sub: tuple[Any, ...] | Any, message: str, at_key: bool = False) -> None:
        """Record an issue at ``self.path + sub`` (a key or a tuple of keys)."""
        sub = sub if isinstance(sub, tuple) else (sub,)
        full = self.path + sub
        line, col = self.doc.where(full, key=at_key)
        self.issues.append(Issue(self.doc.source, self.label(full), message, line, col))

    def expected(self, sub: tuple[Any, ...] | Any, expected: str, got: Any,
                 hint: str | None = None) -> None:
        self.fail(sub, f"expected {expected}, got {describe(got)}" + (f"; {hint}" if hint
                                                                      else ""))

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def raw(self, key: str, default: Any = None) -> Any:
        return self.data.get(key, default)

    def get(self, key: str, conv: Conv, default: Any = REQUIRED, what: str | None = None) -> Any:
        """The converted value of ``key``; ``default`` when absent; ``BAD`` after an issue."""
        if key not in self.data or self.data[key] is None:
            if default is REQUIRED:
                line = example(conv) if what is None else None
                self.expected(key, what or expectation(conv), MISSING,
                              f"add a line such as '{key}: {line}'" if line else None)
                return BAD
            return default
        return self.convert(key, self.data[key], conv)

    def convert(self, key: Any, value: Any, conv: Conv) -> Any:
        """Convert ``value`` found at ``key`` (a key, or a tuple path for list items)."""
        path = key if isinstance(key, tuple) else (key,)
        try:
            return conv(value)
        except Bad as e:
            got = value if e.got is MISSING else e.got
            self.expected(path + e.sub, e.expected, got, e.hint)
            return BAD

    def child(self, key: Any) -> Reader:
        return Reader(self.doc, self.path + (key,), self.issues)

    def children(self, key: str) -> list[Reader]:
        """Readers for a list of mappings under ``key`` (issues for items that are not)."""
        items = self.data.get(key)
        if not isinstance(items, list):
            if key in self.data:
                self.expected(key, "a list of mappings", items)
            return []
        out = []
        for i, item in enumerate(items):
            if isinstance(item, dict):
                out.append(self.child(key).child(i))
            else:
                self.expected((key, i), "a mapping", item)
        return out

    def allow(self, keys: Iterable[str]) -> None:
        """Record an issue for every key not in ``keys`` (with a close match if any).

        A key written another way (``learning-rate``, ``Learning_Rate``, ``lr``) is read as
        the field it names; keys starting with ``x-`` are the user's own (anchors for
        ``<<:`` merges, notes) and are ignored.
        """
        known = list(keys)
        self.rename(known)
        for key in self.data:
            if key not in known and not str(key).startswith("x-"):
                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f"did you mean {close[0]!r}?" if close else \
                    "known fields: " + ", ".join(known)
                self.fail(key, f"unknown field; {hint}", at_key=True)

    def rename(self, known: list[str]) -> None:
        """Give keys written another way their field's name (in place, order kept)."""
        wanted = {canonical(k): k for k in known}
        moves = {key: wanted[canonical(key)] for key in self.data
                 if isinstance(key, str) and key not in known and canonical(key) in wanted}
        if not moves:
            return
        items = list(self.data.items())
        self.data.clear()
        for key, value in items:
            field = moves.get(key, key)
            if field != key and (field in self.data or any(k == field for k, _ in items)):
                self.fail(key, f"the same field as {field!r}; give it once", at_key=True)
                continue
            self.data[field] = value
            if field != key:
                self.doc.renamed[self.path + (field,)] = key

    def done(self) -> None:
        """Raise the collected issues, if any."""
        if self.issues:
            raise SpecError(self.issues)

    @property
    def ok(self) -> bool:
        return not self.issues
