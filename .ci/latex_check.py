"""CI: compile the exam key of problems/ and a key and a question sheet of generated variants of
every kind with pdflatex; fail on any overfull hbox wider than 1 pt (or a failed compile).

    .venv/bin/python .ci/latex_check.py
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dlsolve  # noqa: E402
from dlsolve.generate import GENERATORS, variants  # noqa: E402
from dlsolve.pdf import compile_report  # noqa: E402
from dlsolve.render import render  # noqa: E402

SLACK = 1.0  # pt


def documents() -> dict[str, str]:
    problems = [dlsolve.solve(f) for f in sorted((ROOT / "problems").glob("*.yaml"))]
    generated = [dlsolve.solve(spec) for _, spec in variants("all", 1, 3 * len(GENERATORS))]
    return {"problems-key": render(problems, "latex"),
            "variants-key": render(generated, "latex"),
            "variants-sheet": render(generated, "latex", statements_only=True),
            "problems-brief": render(problems, "latex", detail="brief")}


def main() -> int:
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name, tex in documents().items():
            pages, overfull = compile_report(tex, tmp, name)
            bad = [w for w in overfull if w > SLACK]
            print(f"{name}: {pages} pages" + (f", overfull hboxes (pt): {bad}" if bad else ""))
            failed |= bool(bad)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
