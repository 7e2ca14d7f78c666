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


def wrap_formula(text: str, width: int, indent: str = "  ", hang: str = "      ") -> list[str]:
    """``indent + text`` broken into lines of at most ``width`` (where it can be).

    >>> wrap_formula("E = 0.5 + 0.25 + 0.125", 12, "", "  ")
    ['E = 0.5', '  + 0.25', '  + 0.125']
    """
    if len(indent) + len(text) <= width:
        return [indent + text]
    lines: list[str] = []
    line = indent
    for piece in pieces(text):
        if line.strip() and len(line) + len(piece.rstrip()) > width:
            lines.append(line.rstrip())
            line = hang + piece.lstrip()
        else:
            line += piece
    lines.append(line.rstrip())
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
        if lines[-1].strip() and len(lines[-1]) + 1 + len(piece) > width:
            lines.append(hang + piece)
        else:
            lines[-1] += ("" if lines[-1] == indent else " ") + piece
    return lines
