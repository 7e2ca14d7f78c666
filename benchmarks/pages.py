"""Page counts of the exam keys (pdflatex, the default page), against the targets:

    python benchmarks/pages.py

seed 002's 1-1-1 chain <= 2 pages, Mazur's one backprop step <= 4, the key of problems/ <= 40
at ``--detail exam``; also brief and full, and a key and sheet of generated variants of every
kind. Overfull boxes wider than 1 pt are listed (CI fails on them: .ci/latex_check.py). This
script measures and reports; it asserts nothing.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import dlsolve  # noqa: E402
from dlsolve.pdf import compile_report  # noqa: E402
from dlsolve.render import render  # noqa: E402

PROBLEMS = ROOT / "problems"
TARGETS = {"seed002-backprop-chain.yaml": 2, "mazur-backprop.yaml": 4, "problems/": 40}


def solutions(name: str) -> list:
    files = sorted(PROBLEMS.glob("*.yaml")) if name == "problems/" else [PROBLEMS / name]
    return [dlsolve.solve(f) for f in files]


def measure(sols: list, detail: str, tmp: str, **settings) -> tuple[int, list[float]]:
    return compile_report(render(sols, "latex", detail=detail, **settings), tmp)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        print(f"{'key':34} {'brief':>6} {'exam':>6} {'full':>6}  target (exam)")
        for name, target in TARGETS.items():
            sols = solutions(name)
            counts = {d: measure(sols, d, tmp) for d in ("brief", "exam", "full")}
            bad = [w for _, over in counts.values() for w in over if w > 1]
            row = " ".join(f"{counts[d][0]:6d}" for d in ("brief", "exam", "full"))
            print(f"{name:34} {row}  <= {target}" + (f"  overfull: {bad}" if bad else ""))


if __name__ == "__main__":
    main()
