"""The rendering facade: ``render(solution, fmt, **settings)``.

Settings are checked against a defaults table; an unknown setting or format is an error.
Renderer modules are imported on use, so JSON output never loads Rich.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

FORMATS = ("rich", "text", "markdown", "latex", "json", "html", "moodle", "qti", "csv",
           "gradescope")
_RENDERERS = {
    "rich": ("dlsolve.render.terminal", "RichRenderer"),
    "text": ("dlsolve.render.text", "TextRenderer"),
    "markdown": ("dlsolve.render.markdown", "MarkdownRenderer"),
    "latex": ("dlsolve.render.latex", "LatexRenderer"),
    "json": ("dlsolve.render.json", "JsonRenderer"),
    "html": ("dlsolve.render.html", "HtmlRenderer"),
    "moodle": ("dlsolve.render.moodle", "MoodleRenderer"),
    "csv": ("dlsolve.render.gradebook", "CsvRenderer"),
    "gradescope": ("dlsolve.render.gradescope", "GradescopeRenderer"),
}
DEFAULT_SETTINGS: dict[str, Any] = {
    "digits": 4, "width": None, "color": False, "standalone": True,
    "answers_only": False, "statements_only": False, "batch": False, "detail": "exam",
}


def renderer(fmt: str, **settings: Any) -> Any:
    """A renderer object for ``fmt`` with checked settings."""
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    unknown = set(settings) - set(DEFAULT_SETTINGS)
    if unknown:
        raise TypeError(f"unknown render setting(s): {', '.join(sorted(unknown))}")
    merged = {**DEFAULT_SETTINGS, **settings}
    module, name = _RENDERERS[fmt]
    return getattr(import_module(module), name)(**merged)


def render(solutions: Any, fmt: str = "text", **settings: Any) -> str:
    """Render one Solution or a list of them as a string in ``fmt``."""
    docs = solutions if isinstance(solutions, (list, tuple)) else [solutions]
    return renderer(fmt, **settings).document(list(docs))
