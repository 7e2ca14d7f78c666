"""Line breaking for plain text and the terminal: formulas break before an operator, with a
hanging indent, never mid-number; prose breaks between words.

Break points, best first: before ``=``/``≈`` (a new form of the equation), then before a
top-level ``+``/``-`` or after a ``,``, then before ``·``. A piece longer than the line is
left whole (a number is never split).
"""

from __future__ import annotations

import re
import textwrap

# a break before " = ", " ≈ ", " + ", " - ", " · ", after ", " (outside nothing: text-level)
_BREAK = re.compile(r"(?<=, )|(?= [=≈<>≤≥←] )|(?= [+\-−] )|(?=·)")


def pieces(text: str) -> list[str]:
    """The text cut at every allowed break (joined, the pieces give the text back).

    >>> pieces("z = a·b + c")
    ['z', ' = a', '·b', ' + c']
    """
    cuts = [m.start() for m in _BREAK.finditer(text) if 0 < m.start() < len(text)]
    out, last = [], 0
    for c in cuts:
        if c > last:
            out.append(text[last:c])
            last = c
    out.append(text[last:])
    return out


_FORM = re.compile(r"(?= [=≈<>≤≥←] )")


def wrap_formula(text: str, width: int, indent: str = "  ", hang: str = "      ") -> list[str]:
    """``indent + text`` broken into lines of at most ``width`` (where it can be): between
    the forms of an equation first (before ``=``), inside a form only when it is too long.

    >>> wrap_formula("E = 0.5 + 0.25 + 0.125", 12, "", "  ")
    ['E = 0.5', '  + 0.25', '  + 0.125']
    >>> wrap_formula("y = a·b = 2·3 = 6", 12, "", "  ")
    ['y = a·b', '  = 2·3 = 6']
    """
    if len(indent) + len(text) <= width:
        return [indent + text]
    forms = [f for f in _FORM.split(text) if f]
    if len(forms) > 1:  # the left-hand side stays with its first form
        forms = [forms[0] + forms[1]] + forms[2:]
    lines: list[str] = []
    line = indent
    for form in forms:
        if line.strip() and len(line) + len(form) > width:
            lines.append(line.rstrip())
            line = hang + form.lstrip()
        else:
            line += form if line.strip() else form.lstrip()
        if len(line) > width:
            prefix = line[:len(line) - len(line.lstrip())]
            sub = _greedy(pieces(line.strip()), width, prefix, hang)
            lines += sub[:-1]
            line = sub[-1]
    lines.append(line.rstrip())
    return lines


def _greedy(parts: list[str], width: int, indent: str, hang: str) -> list[str]:
    lines: list[str] = []
    line = indent
    for part in parts:
        if line.strip() and len(line) + len(part.rstrip()) > width:
            lines.append(line.rstrip())
            line = hang + part.lstrip()
        else:
            line += part
    lines.append(line)
    return lines


def wrap_prose(text: str, width: int, indent: str = "", hang: str | None = None) -> list[str]:
    """Words wrapped to ``width`` (long words stay whole)."""
    return textwrap.wrap(text, width, initial_indent=indent,
                         subsequent_indent=indent if hang is None else hang,
                         break_long_words=False, break_on_hyphens=False) or [indent.rstrip()]


def pack_items(items: list[str], width: int, indent: str, hang: str) -> list[str]:
    """Items joined by ", " into lines of at most ``width``, broken only between items.

    >>> pack_items(["w1 = 0.15", "w2 = 0.2", "w3 = 0.25"], 24, "w: ", "   ")
    ['w: w1 = 0.15, w2 = 0.2,', '   w3 = 0.25']
    """
    lines = [indent]
    for k, item in enumerate(items):
        piece = item + ("," if k < len(items) - 1 else "")
        if lines[-1] != indent and len(lines[-1]) + 1 + len(piece) > width:
            lines.append(hang + piece)
        else:
            lines[-1] += ("" if lines[-1] == indent else " ") + piece
    out: list[str] = []
    for line in lines:  # an item longer than a line (words, not a formula) breaks at spaces
        if len(line) > width and ", " in line.strip():
            first = line.startswith(indent) and line is lines[0]
            out += wrap_prose(line[len(indent if first else hang):], width,
                              indent if first else hang, hang)
        else:
            out.append(line)
    return out
