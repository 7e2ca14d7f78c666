"""YAML in, plain data plus the line and column of every value out.

Safe loading only. Two fixes to PyYAML's YAML 1.1 defaults: ``1e-3`` is a number (YAML 1.2),
and only ``true``/``false`` are booleans (``no`` stays the string it looks like). Duplicate
keys are errors. Parsing uses the C loader when present and re-parses with the pure-Python
one only to word an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dlsolve.errors import Issue, SpecError

Path_ = tuple[Any, ...]

_FLOAT = re.compile(r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+]?[0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""", re.X)
_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")


def _loader_class(base: type) -> type:
    resolvers = {k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:bool"]
                 for k, v in base.yaml_implicit_resolvers.items()}
    cls = type("DlsolveLoader", (base,), {"yaml_implicit_resolvers": resolvers})
    cls.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT, list("-+0123456789."))
    cls.add_implicit_resolver("tag:yaml.org,2002:bool", _BOOL, list("tTfF"))
    return cls


_SafeLoader = _loader_class(yaml.SafeLoader)
_FastLoader = _loader_class(getattr(yaml, "CSafeLoader", yaml.SafeLoader))


@dataclass
class Document:
    """A loaded spec: the data, where each value came from, and the source's name.

    ``marks`` maps a path such as ``("layers", 0, "weights")`` to (line, column), 1-based.
    ``labels`` maps a top-level key given on the command line to its flag (``--stride``).
    """

    data: Any
    source: str
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    is_file: bool = False
    key_marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def where(self, path: Path_) -> tuple[int | None, int | None]:
        """The line and column of the deepest part of ``path`` that has a mark."""
        for n in range(len(path), -1, -1):
            if path[:n] in self.marks:
                return self.marks[path[:n]]
        return None, None

    def override(self, values: dict[str, Any], labels: dict[str, str]) -> None:
        """Set top-level keys from command line flags (they win over the file)."""
        if not isinstance(self.data, dict):
            return
        for key, value in values.items():
            self.data[key] = value
            self.labels[key] = labels.get(key, "--" + key.replace("_", "-"))
            for path in [p for p in self.marks if p and p[0] == key]:
                del self.marks[path]


def from_flags(values: dict[str, Any], labels: dict[str, str], source: str) -> Document:
    """A Document made from command line flags (no file, no marks)."""
    doc = Document({}, source)
    doc.override(values, labels)
    return doc


def load_file(path: str | Path) -> Document:
    """Read and parse a YAML spec file; every failure is a SpecError naming the file."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SpecError([Issue(str(path), "", "no such file")]) from None
    except IsADirectoryError:
        raise SpecError([Issue(str(path), "", "is a directory, expected a YAML file")]) from None
    except (OSError, UnicodeDecodeError) as e:
        raise SpecError([Issue(str(path), "", f"cannot read: {e}")]) from None
    doc = load_text(text, str(path))
    doc.is_file = True
    return doc


def load_text(text: str, source: str = "<spec>") -> Document:
    """Parse YAML text into a Document."""
    try:
        node = yaml.compose(text, Loader=_FastLoader)
    except yaml.YAMLError:
        node = _compose_for_error(text, source)
    if node is None:
        raise SpecError([Issue(source, "", "the file is empty; expected a mapping with kind:")])
    doc = Document(None, source)
    constructor = _SafeLoader("")
    issues: list[Issue] = []
    doc.data = _build(node, (), doc, constructor, issues)
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


def _build(node: yaml.Node, path: Path_, doc: Document, ctor: Any, issues: list[Issue]) -> Any:
    doc.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = ctor.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)):
                issues.append(Issue(doc.source, _dotted(path), "mapping keys must be plain words",
                                    key_node.start_mark.line + 1))
                continue
            if key in out:
                first = doc.marks.get(path + (key,), (None, None))[0]
                issues.append(Issue(doc.source, _dotted(path + (key,)),
                                    f"duplicate key (first given on line {first})",
                                    key_node.start_mark.line + 1, key_node.start_mark.column + 1))
                continue
            doc.key_marks[path + (key,)] = (key_node.start_mark.line + 1,
                                            key_node.start_mark.column + 1)
            out[key] = _build(value_node, path + (key,), doc, ctor, issues)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_build(v, path + (i,), doc, ctor, issues) for i, v in enumerate(node.value)]
    try:
        return ctor.construct_object(node, deep=True)
    except yaml.YAMLError as e:
        issues.append(Issue(doc.source, _dotted(path), f"unreadable value: {e}",
                            node.start_mark.line + 1, node.start_mark.column + 1))
        return None


def _dotted(path: Path_) -> str:
    """``("layers", 1, "weights")`` -> ``layers[1].weights``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out


dotted = _dotted
