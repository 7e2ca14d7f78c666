"""Whole-process wall time of attention, norm and init (median of N runs; budgets 400 ms).

    python benchmarks/transformer.py [--runs 15]

Self-attention of 8 tokens with d = 16 and two heads (projections, W_o, causal mask), and a
64×32 batchnorm forward+backward, each in every output format's slowest path (json and text).
This script measures and reports; it asserts nothing (speed is not a test).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from pathlib import Path

from startup import DL, report


def matrix(rng: random.Random, rows: int, cols: int) -> str:
    return "[" + ", ".join("[" + ", ".join(f"{rng.uniform(-1, 1):.3f}" for _ in range(cols))
                           + "]" for _ in range(rows)) + "]"


def specs(tmp: Path) -> dict[str, Path]:
    rng = random.Random(0)
    att = tmp / "attention-8x16-2heads.yaml"
    att.write_text("kind: attention\n" + f"x: {matrix(rng, 8, 16)}\n" +
                   "".join(f"{w}: {matrix(rng, 16, 16)}\n" for w in ("W_q", "W_k", "W_v", "W_o"))
                   + "heads: 2\nmask: causal\n")
    bn = tmp / "batchnorm-64x32.yaml"
    bn.write_text(f"kind: norm\ntype: batchnorm\ninput: {matrix(rng, 64, 32)}\n"
                  f"grad_output: {matrix(rng, 64, 32)}\n")
    return {"attention": att, "norm": bn}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    args = ap.parse_args()
    paths = specs(Path(tempfile.mkdtemp()))
    cases = {
        "python -c pass": ([sys.executable, "-c", "pass"], None),
        "dlsolve softmax 8 5 0 --format json (reference)":
            (DL + ["softmax", "8", "5", "0", "--format", "json"], 250),
        "dlsolve attention 8 tokens, d 16, 2 heads --format json":
            (DL + ["attention", str(paths["attention"]), "--format", "json"], 400),
        "dlsolve attention 8 tokens, d 16, 2 heads --format text":
            (DL + ["attention", str(paths["attention"]), "--format", "text"], 400),
        "dlsolve norm batchnorm 64x32 fwd+bwd --format json":
            (DL + ["norm", str(paths["norm"]), "--format", "json"], 400),
        "dlsolve norm batchnorm 64x32 fwd+bwd --format text":
            (DL + ["norm", str(paths["norm"]), "--format", "text"], 400),
        "dlsolve init --scheme he_normal --fan-in 256 --format json":
            (DL + ["init", "--scheme", "he_normal", "--fan-in", "256", "--format", "json"], 250),
    }
    report(cases, args.runs)


if __name__ == "__main__":
    main()
