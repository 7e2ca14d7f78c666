"""Whole-process wall time of `dlsolve graph`: a 20-gate scalar circuit, a 64×64 matrix program.

    python benchmarks/graph.py [--runs 15]

Budgets (2-core machine): the scalar circuit <= 250 ms (no SymPy import on that path),
the 64×64 matrix expression <= 1 s. This script measures and reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from startup import DL, report


def scalar_circuit(path: Path) -> Path:
    """20 gates: a neuron, its sigmoid, a max, a reused value, powers and a log."""
    nodes = ["s = w0 * x0 + w1 * x1 + w2 * x2 + b", "a = sigmoid(s)", "m = max(a, x0, x1)",
             "r = relu(m - x2) + abs(x1)", "p = (r + 1) ** 2 + a * x0",
             "f = log(p + 1) + exp(-a) * m"]
    values = {"w0": 0.5, "x0": -1, "w1": -1.5, "x1": 2, "w2": 1, "x2": 0.5, "b": -0.5}
    lines = ["kind: graph", "nodes:"] + [f"  - {n}" for n in nodes] + [f"values: {values}"]
    path.write_text("\n".join(lines).replace("'", "") + "\n")
    return path


def matrix_program(path: Path, n: int = 64) -> Path:
    rng = random.Random(0)

    def mat() -> str:
        return "[" + ", ".join("[" + ", ".join(f"{rng.uniform(-1, 1):.3f}" for _ in range(n))
                               + "]" for _ in range(n)) + "]"

    path.write_text("kind: graph\nnodes:\n  - H = relu(W @ X + b)\n  - f = sum(H * H) / 2\n"
                    f"values:\n  W: {mat()}\n  X: {mat()}\n  b: {mat()}\n")
    return path


def gates(path: Path) -> int:
    code = ("from dlsolve.spec.load import load_file; from dlsolve.api import parse_document; "
            f"print(len(parse_document(load_file({str(path)!r}))[1].graph.gates))")
    return int(subprocess.run([sys.executable, "-c", code], capture_output=True,
                              text=True).stdout or 0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    scalar = scalar_circuit(tmp / "circuit.yaml")
    matrix = matrix_program(tmp / "matrix-64.yaml")
    cases = {
        "python -c pass": ([sys.executable, "-c", "pass"], None),
        f"graph, scalar circuit ({gates(scalar)} gates) --format json":
            (DL + ["graph", str(scalar), "--format", "json"], 250),
        f"graph, scalar circuit ({gates(scalar)} gates) --format text":
            (DL + ["graph", str(scalar), "--format", "text"], 250),
        'graph "f = (x + y) * z" --at x=-2,y=5,z=-4 (inline)':
            (DL + ["graph", "f = (x + y) * z", "--at", "x=-2,y=5,z=-4", "--format", "text"],
             250),
        "graph, 64x64 matrices (W @ X + b, relu, sum) --format json":
            (DL + ["graph", str(matrix), "--format", "json"], 1000),
        "graph, 64x64 matrices --format text":
            (DL + ["graph", str(matrix), "--format", "text"], 1000),
    }
    report(cases, args.runs)


if __name__ == "__main__":
    main()
