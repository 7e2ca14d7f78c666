"""Whole-process wall time of attention, norm and init (median of N runs; budgets 400 ms).

    python benchmarks/transformer.py [--runs 15]

Self-attention of 8 tokens with d = 16 and two heads (projections, W_o, causal mask), and a
64×32 batchnorm forward+backward, each in every output format's slowest path (json and text).
This script measures and reports; it asserts nothing (speed is not a test).
"""

from __future__ import annotations

import argparse
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DL = [sys.executable, "-m", "dlsolve"]


def timed(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + sys) of the child, in ms.

    CPU time says what the command costs on an idle machine when the wall time is
    inflated by other load on the two cores.
    """
    subprocess.run(cmd, capture_output=True)  # warm-up
    wall, cpu = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True)
        wall.append((time.perf_counter() - t0) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append((after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000)
        if proc.returncode != 0:
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[:300]}")
    return statistics.median(wall), statistics.median(cpu)


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
    print(f"{'command':58} {'wall ms':>8} {'cpu ms':>7} {'budget':>7}")
    for name, (cmd, budget) in cases.items():
        ms, cpu = timed(cmd, args.runs)
        flag = "" if budget is None else ("ok" if ms <= budget else "OVER")
        print(f"{name:58} {ms:8.0f} {cpu:7.0f} {budget or '':>7} {flag}")


if __name__ == "__main__":
    main()
