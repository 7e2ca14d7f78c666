"""Page counts of the exam keys (pdflatex, the default page), against the targets:

    python benchmarks/pages.py

seed 002's 1-1-1 chain <= 2 pages, Mazur's one backprop step <= 4, the key of the 41 problems
problems/ held when the target was set <= 40 at ``--detail exam``; problems/ as it is now;
also brief and full, and a key and sheet of generated variants of every
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
#: The 41 problems bundled when the 40-page target was set (problems/ has grown since).
FIRST_41 = (
    "mazur-2-2-2.yaml", "mazur-backprop.yaml", "seed000-q3-convshape.yaml",
    "seed000-q4a-relu-network.yaml", "seed000-q4b-loss.yaml", "seed000-q5-and-candidates.yaml",
    "seed001-2-2-1-network.yaml", "seed001-activation-table.yaml", "seed001-q2-params.yaml",
    "seed001-sigmoid-neuron.yaml", "seed001-softmax-1.2-0.9-0.75.yaml",
    "seed001-softmax-8-5-0.yaml", "seed001-softmax-seal-panda-duck.yaml",
    "seed002-and-or-not.yaml", "seed002-avgpool-stride2.yaml", "seed002-backprop-chain.yaml",
    "seed002-convshape-5x5-2x2.yaml", "seed002-maxpool-stride2.yaml", "seed002-not.yaml",
    "seed002-or.yaml", "seed002-params-224.yaml", "seed002-xnor-network.yaml",
    "seed003-adam.yaml", "seed003-and-theta.yaml", "seed003-backprop-chain-lr1.yaml",
    "seed003-bce-table.yaml", "seed003-cce.yaml", "seed003-gd-saddle.yaml",
    "seed003-momentum.yaml", "seed003-rmsprop-adagrad-adadelta.yaml",
    "seed003-sigmoid-derivative.yaml", "seed003-sparse-cce.yaml", "seed003-tanh-sigmoid.yaml",
    "seed003-threshold-1d.yaml", "seed003-train-and.yaml", "seed003-train-xor.yaml",
    "seed003-xor-two-layers.yaml", "seed004-q1-logit-inverse.yaml",
    "seed004-q1-sigmoid-derivative.yaml", "seed004-q1-sigmoid-symmetry.yaml",
    "seed004-q4-convolution.yaml",
)
TARGETS = {"seed002-backprop-chain.yaml": 2, "mazur-backprop.yaml": 4, "first 41 problems": 40,
           "problems/": None}


def solutions(name: str) -> list:
    if name == "first 41 problems":
        files = [PROBLEMS / n for n in FIRST_41]
    else:
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
            goal = f"<= {target}" if target else f"({len(sols)} problems, for reference)"
            print(f"{name:34} {row}  {goal}" + (f"  overfull: {bad}" if bad else ""))


if __name__ == "__main__":
    main()
