"""Whole-process wall time of one training step on a batch: 64 samples through a 784-32-10
network, one Adam step (budget 2 s), text (the exam view) and JSON.

    python benchmarks/training.py [--runs 5]

Measures and reports; asserts nothing (speed is not a test). Wall time on a busy machine
exceeds the process's own CPU time, reported beside it.
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


def batch_spec(path: Path, sizes: list[int], samples: int) -> Path:
    rng = random.Random(0)

    def row(n: int, lo: float = -1, hi: float = 1) -> str:
        return "[" + ", ".join(f"{rng.uniform(lo, hi):.3f}" for _ in range(n)) + "]"

    lines = ["kind: backprop", "inputs: [" + ", ".join(row(sizes[0], 0, 1) for _ in
                                                      range(samples)) + "]", "layers:"]
    for n_in, n_out in zip(sizes, sizes[1:]):
        act = "softmax" if n_out == sizes[-1] else "relu"
        rows = ", ".join(row(n_in, -0.1, 0.1) for _ in range(n_out))
        lines.append(f"  - {{weights: [{rows}], bias: 0.01, activation: {act}}}")
    k = sizes[-1]
    lines += ["targets: [" + ", ".join("[" + ", ".join("1" if j == s % k else "0" for j in
                                                       range(k)) + "]" for s in range(samples))
              + "]", "loss: cce", "optimizer: adam", "hyper: {lr: 0.001}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    spec = batch_spec(Path(tempfile.mkdtemp()) / "batch-64-784-32-10.yaml", [784, 32, 10], 64)
    for fmt in ("text", "json"):
        cmd = DL + ["backprop", str(spec), "--format", fmt]
        times, cpu = [], []
        for _ in range(args.runs):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            t0 = time.perf_counter()
            proc = subprocess.run(cmd, capture_output=True)
            times.append(time.perf_counter() - t0)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
            if proc.returncode != 0:
                raise SystemExit(proc.stderr.decode()[:400])
        ms, cms = statistics.median(times) * 1000, statistics.median(cpu) * 1000
        print(f"backprop 64 × 784-32-10, one Adam step, --format {fmt:5} wall {ms:6.0f} ms, "
              f"cpu {cms:6.0f} ms (budget 2000 wall) {'ok' if ms <= 2000 else 'OVER'}")


if __name__ == "__main__":
    main()
