"""Whole-process wall time of the web pages and quizzes of problems/: the HTML key (target
<= 5 s), the Moodle XML and the QTI package.

    python benchmarks/html_key.py [--runs 3]

This script measures and reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from startup import DL, PROBLEMS, report

TARGET_MS = 5000.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    count = len(list(PROBLEMS.glob("*.yaml")))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        report({
            f"HTML key of problems/ ({count} specs)":
                (DL + ["solve", str(PROBLEMS), "-o", str(out / "key.html")], TARGET_MS),
            "Moodle XML of problems/":
                (DL + ["solve", str(PROBLEMS), "--format", "moodle", "-o",
                       str(out / "quiz.xml")], None),
            "QTI package of problems/":
                (DL + ["solve", str(PROBLEMS), "-o", str(out / "quiz.zip")], None),
        }, args.runs)


if __name__ == "__main__":
    main()
