"""A composed YAML node tree -> plain data, refusing every shape a spec is not made of.

Only the core schema: strings, integers, floats, booleans, null, lists and mappings. Any
other tag (``!!python/...``, ``!!set``, ``!custom``) is refused by name; a core tag on a value
it does not fit (``!!bool maybe``) is an error at that value. Merge keys (``<<: *base``) are
supported as YAML defines them: the merged mapping's keys fill in what the mapping does not
set itself. Nesting deeper than ``limits.DEPTH``, more than ``limits.NODES`` values, more than
``limits.ALIAS_NODES`` values reached through aliases, and an alias used inside its own
anchor are refused before any data is built from them. Duplicate keys are errors.
"""

from __future__ import annotations

import math
from typing import Any

import yaml

from dlsolve.errors import Issue, SpecError
from dlsolve.spec import limits

Y = "tag:yaml.org,2002:"
FLOAT, INT, BOOL, NULL, STR = Y + "float", Y + "int", Y + "bool", Y + "null", Y + "str"
SEQ, MAP, MERGE = Y + "seq", Y + "map", Y + "merge"
_AS_TEXT = (Y + "timestamp", Y + "value")  # implicit in YAML 1.1, plain text in the core schema
_NULLS = ("", "~", "null", "Null", "NULL")
_BOOLS = {"true": True, "True": True, "TRUE": True, "false": False, "False": False,
          "FALSE": False}
CORE = "!!str, !!int, !!float, !!bool, !!null, !!seq, !!map"


def short_tag(tag: str) -> str:
    return "!!" + tag[len(Y):] if tag.startswith(Y) else tag


class Builder:
    """Node tree -> plain data; every problem becomes an Issue (``where`` locates paths)."""

    def __init__(self, doc: Any, issues: list[Issue], keep_text: bool = False,
                 resolve: Any = None):
        self.doc, self.issues, self.keep_text = doc, issues, keep_text
        self.resolve = resolve  # the loader's implicit resolver: was a tag written or implied?
        self.seen: set[int] = set()
        self.open: set[int] = set()  # nodes being built: meeting one again is a recursive alias
        self.again = 0

    def stop(self, node: yaml.Node, path: tuple, message: str) -> SpecError:
        mark = node.start_mark
        return SpecError(self.issues + [Issue(self.doc.source, dotted(path), message,
                                              mark.line + 1, mark.column + 1)])

    def note(self, node: yaml.Node, path: tuple, message: str) -> None:
        mark = node.start_mark
        self.issues.append(Issue(self.doc.source, dotted(path), message, mark.line + 1,
                                 mark.column + 1))

    def count(self, node: yaml.Node, path: tuple) -> None:
        if id(node) in self.seen:
            self.again += 1
            if self.again > limits.ALIAS_NODES:
                raise self.stop(node, path, "aliases expand to more than "
                                f"{limits.ALIAS_NODES:,} values; write the values out or "
                                "use fewer *references")
            return
        self.seen.add(id(node))
        if len(self.seen) > limits.NODES:
            raise self.stop(node, path, f"more than {limits.NODES:,} values in one file")

    def build(self, node: yaml.Node, path: tuple = ()) -> Any:
        self.count(node, path)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if len(path) >= limits.DEPTH:
            raise self.stop(node, path, f"nested deeper than {limits.DEPTH} levels; a spec "
                            "needs far fewer")
        if id(node) in self.open:
            raise self.stop(node, path, "a recursive alias: the anchor is used inside itself")
        if node.tag not in (SEQ, MAP):
            self.note(node, path, f"the YAML tag {short_tag(node.tag)} is not supported; a "
                      f"spec uses plain lists and mappings (the core schema: {CORE})")
            return None
        self.open.add(id(node))
        try:
            if isinstance(node, yaml.SequenceNode):
                return [self.build(v, path + (i,)) for i, v in enumerate(node.value)]
            return self.mapping(node, path)
        finally:
            self.open.discard(id(node))

    def scalar(self, node: yaml.ScalarNode, path: tuple) -> Any:
        tag, text = node.tag, node.value
        if self.keep_text and tag in (FLOAT, INT):
            self.doc.texts[path] = text
        if tag == STR or tag in _AS_TEXT:
            return text
        if tag == FLOAT or tag == INT:
            value = number(text, tag == INT)
            if value is not None:
                return value
        elif tag == BOOL and text in _BOOLS:
            return _BOOLS[text]
        elif tag == NULL and text in _NULLS:
            return None
        elif tag not in (FLOAT, INT, BOOL, NULL):
            self.note(node, path, f"the YAML tag {short_tag(tag)} is not supported; a spec uses "
                      f"plain values (the core schema: {CORE})")
            return None
        if not node.style and self.resolve and \
                self.resolve(yaml.ScalarNode, text, (True, False)) == tag:
            return text  # a YAML 1.1 form (1:30) the core schema reads as text
        self.note(node, path, f"{text!r} is not a valid {short_tag(tag)} value")
        return None

    def mapping(self, node: yaml.MappingNode, path: tuple) -> dict[Any, Any]:
        out: dict[Any, Any] = {}
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == MERGE:
                merged += self.merge_pairs(value_node, path)
                continue
            key = self.key(key_node, path)
            if key is None:
                continue
            if key in out:
                first = self.doc.where(path + (key,), key=True)[0]
                self.note(key_node, path + (key,), f"duplicate key (first given on line {first})")
                continue
            out[key] = self.build(value_node, path + (key,))
        for key_node, value_node in merged:  # explicit keys win over merged ones
            key = self.key(key_node, path)
            if key is not None and key not in out:
                out[key] = self.build(value_node, path + (key,))
        return out

    def key(self, node: yaml.Node, path: tuple) -> Any:
        plain = isinstance(node, yaml.ScalarNode) and node.tag in (STR, INT, FLOAT, BOOL, NULL)
        key = self.scalar(node, path) if plain else None
        if not isinstance(key, (str, int, float, bool)) or isinstance(key, float) and \
                not math.isfinite(key):
            self.note(node, path, "mapping keys must be plain words")
            return None
        return key

    def merge_pairs(self, node: yaml.Node, path: tuple) -> list[tuple[yaml.Node, yaml.Node]]:
        """The pairs a ``<<:`` brings in: from a mapping, or a list of mappings (first wins)."""
        sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
        pairs: list[tuple[yaml.Node, yaml.Node]] = []
        for source in sources:
            self.count(source, path)
            if id(source) in self.open:
                raise self.stop(source, path, "a recursive alias: the anchor is used inside "
                                "itself")
            if not isinstance(source, yaml.MappingNode):
                self.note(source, path + ("<<",), "a merge key (<<:) takes a mapping or a list "
                          "of mappings (<<: *base)")
                continue
            for key_node, value_node in source.value:
                if key_node.tag == MERGE:
                    self.open.add(id(source))
                    try:
                        pairs += self.merge_pairs(value_node, path)
                    finally:
                        self.open.discard(id(source))
                else:
                    pairs.append((key_node, value_node))
        return pairs


def number(text: str, integer: bool) -> int | float | None:
    """A YAML int or float as written, or None when it is not one (or beyond float range)."""
    clean = text.replace("_", "")
    try:
        if integer:
            if clean.lstrip("+-")[:2].lower() in ("0x", "0o", "0b"):
                return int(clean, 0)
            return int(clean)
        low = clean.lower()
        if low.lstrip("+-") in (".inf",):
            return -math.inf if low.startswith("-") else math.inf
        if low in (".nan",):
            return math.nan
        return float(clean)
    except ValueError:
        return None


def dotted(path: tuple) -> str:
    """``("layers", 1, "weights")`` -> ``layers[1].weights``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out
