"""YAML in, plain data plus the line and column of every value out.

Safe loading only. Two fixes to PyYAML's YAML 1.1 defaults: ``1e-3`` is a number (YAML 1.2),
and only ``true``/``false`` are booleans (``no`` stays the string it looks like). Parsing
uses the C loader when present and re-parses with the pure-Python one only to word an error;
``dlsolve.spec.build`` turns the node tree into data (the core schema only, merge keys, bounded
aliases and nesting, duplicate keys as errors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dlsolve.errors import Issue, SpecError
from dlsolve.spec import limits
from dlsolve.spec.build import Builder
from dlsolve.spec.build import dotted as _dotted

Path_ = tuple[Any, ...]

_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


_PLAIN_INT = re.compile(r"[-+]?[0-9]+$")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]+)?$")


def _fast_resolve(self: Any, kind: Any, value: Any, implicit: Any) -> Any:
    """Plain decimal numbers resolve without trying every resolver (big weight matrices)."""
    if kind is yaml.ScalarNode and implicit[0] and value[:1] in _DIGITS_START:
        if _PLAIN_FLOAT.match(value):
            return "tag:yaml.org,2002:float"
        if _PLAIN_INT.match(value) and not (value.lstrip("-+")[:1] == "0" and
                                            len(value.lstrip("-+")) > 1):
            return "tag:yaml.org,2002:int"
    return yaml.resolver.Resolver.resolve(self, kind, value, implicit)


_DIGITS_START = frozenset("-+.0123456789")


def _loader_class(base: type) -> type:
    resolvers = {k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
                 for k, v in base.yaml_implicit_resolvers.items()}
    cls = type("DlsolveLoader", (base,), {"yaml_implicit_resolvers": resolvers,
                                         "resolve": _fast_resolve})
    cls.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
    cls.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
    return cls


_SafeLoader = _loader_class(yaml.SafeLoader)
_FastLoader = _loader_class(getattr(yaml, "CSafeLoader", yaml.SafeLoader))
_RESOLVER = _SafeLoader("")


@dataclass
class Document:
    """A loaded spec: the data, where each value came from, and the source's name.

    ``where(path)`` finds the line and column (1-based) of a path such as
    ``("layers", 0, "weights")`` by walking the YAML node tree, only when an error needs it.
    ``labels`` maps a top-level key given on the command line to its flag (``--stride``).
    """

    data: Any
    source: str
    root: Any = None
    labels: dict[str, str] = field(default_factory=dict)
    is_file: bool = False
    texts: dict[Path_, str] = field(default_factory=dict)  # numbers as written (keep_text)
    renamed: dict[Path_, Any] = field(default_factory=dict)  # field path -> key as written

    def _node(self, path: Path_, key_mark: bool = False) -> Any:
        node, found = self.root, self.root
        for i, part in enumerate(path):
            part = self.renamed.get(path[:i + 1], part)
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in _pairs(node) if _plain(k) == part), None)
                if pair is None:
                    return found
                node = pair[0] if key_mark and i == len(path) - 1 else pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) \
                    and 0 <= part < len(node.value):
                node = node.value[part]
            else:
                return found
            found = node
        return found

    def where(self, path: Path_, key: bool = False) -> tuple[int | None, int | None]:
        """The line and column of the deepest part of ``path`` in the file (key: its key)."""
        if path and path[0] in self.labels:
            return None, None
        node = self._node(path, key) if self.root is not None else None
        if node is None:
            return None, None
        return node.start_mark.line + 1, node.start_mark.column + 1

    def override(self, values: dict[str, Any], labels: dict[str, str]) -> None:
        """Set top-level keys from command line flags (they win over the file)."""
        if not isinstance(self.data, dict):
            return
        for key, value in values.items():
            self.data[key] = value
            self.labels[key] = labels.get(key, "--" + key.replace("_", "-"))


def _pairs(node: yaml.MappingNode) -> Any:
    """A mapping node's own key/value pairs, then those its merge keys (``<<:``) bring in."""
    todo, seen = [node], set()
    while todo:
        current = todo.pop(0)
        if id(current) in seen or not isinstance(current, yaml.MappingNode):
            continue
        seen.add(id(current))
        for k, v in current.value:
            if k.tag == "tag:yaml.org,2002:merge":
                todo += v.value if isinstance(v, yaml.SequenceNode) else [v]
            else:
                yield k, v


def _plain(node: Any) -> Any:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def from_flags(values: dict[str, Any], labels: dict[str, str], source: str) -> Document:
    """A Document made from command line flags (no file, no marks)."""
    doc = Document({}, source)
    doc.override(values, labels)
    return doc


def load_file(path: str | Path, keep_text: bool = False) -> Document:
    """Read and parse a YAML spec file; every failure is a SpecError naming the file.

    ``keep_text`` records how each number was written (for digits-aware answer checking).
    """
    p = Path(path)
    try:
        if p.is_file() and p.stat().st_size > limits.FILE_BYTES:
            raise SpecError([Issue(str(path), "", f"larger than {limits.FILE_BYTES:,} bytes; "
                                   "a spec is a short file")])
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError([Issue(str(path), "", "no such file")]) from None
    except IsADirectoryError:
        raise SpecError([Issue(str(path), "", "is a directory, expected a YAML file")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError([Issue(str(path), "", f"cannot read: {e}")]) from None
    doc = load_text(text, str(path), keep_text)
    doc.is_file = True
    return doc


def load_text(text: str, source: str = "<spec>", keep_text: bool = False) -> Document:
    """Parse YAML text into a Document."""
    rough = text.count(",") + text.count("\n") + text.count("- ")  # values, roughly, before
    if rough > limits.NODES:                                       # parsing them all
        raise SpecError([Issue(source, "", f"more than {limits.NODES:,} values in one file "
                               f"(about {rough:,}); an exam problem has far fewer")])
    try:
        node = yaml.compose(text, Loader=_FastLoader)
    except yaml.YAMLError as e:
        if "nesting depth" in str(e):  # libyaml's own bound; the pure parser would recurse
            mark = getattr(e, "problem_mark", None)
            raise SpecError([Issue(source, "", f"nested deeper than {limits.DEPTH} levels; a "
                                   "spec needs far fewer", *((mark.line + 1, mark.column + 1)
                                                             if mark else ()))]) from None
        node = _compose_for_error(text, source)
    if node is None:
        raise SpecError([Issue(source, "", "the file is empty; expected a mapping with kind:")])
    doc = Document(None, source, node)
    issues: list[Issue] = []
    doc.data = Builder(doc, issues, keep_text, _RESOLVER.resolve).build(node, ())
    if issues:
        raise SpecError(issues)
    return doc


def _compose_for_error(text: str, source: str) -> Any:
    try:
        return yaml.compose(text, Loader=_SafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        problem = e.problem or "invalid YAML"
        if "\t" in problem or "'\\t'" in problem:
            problem = "a tab character; YAML indents with spaces only"
        msg = f"invalid YAML: {problem}" + (f" ({e.context})" if e.context else "")
        raise SpecError([Issue(source, "", msg, line, col)]) from None
    except yaml.YAMLError as e:
        raise SpecError([Issue(source, "", f"invalid YAML: {e}")]) from None
    except RecursionError:
        raise SpecError([Issue(source, "", f"nested deeper than {limits.DEPTH} levels; a spec "
                               "needs far fewer")]) from None


dotted = _dotted
