"""Whole-process wall time of grading a class: 1 000 students against one problem.

    python benchmarks/grading.py [--students 1000] [--runs 3]

The spec is seed 002 (backprop through a sigmoid chain, nine answers asked), solved once;
the students are a deterministic mix of right answers, known slips (gradient ascent, the ½
of the loss, the activation left out), errors carried forward and answers left out, each
written to its own YAML file, and the same class as one CSV. Target: <= 10 s for 1 000
answer files. This script measures and reports; it asserts nothing.
"""

from __future__ import annotations

import argparse
import csv
import math
import random
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from startup import DL, PROBLEMS

SPEC = PROBLEMS / "seed002-backprop-chain.yaml"
TARGET_S = 10.0


def key() -> dict[str, float]:
    """Seed 002 worked by hand (see tests/test_classroom.py)."""
    x, w1, b1, w2, b2, t, lr = 0.1, 0.15, 0.40, 0.45, 0.65, 0.25, 0.4
    a1 = 1 / (1 + math.exp(-(w1 * x + b1)))
    z2 = w2 * a1 + b2
    a2 = 1 / (1 + math.exp(-z2))
    d2 = (a2 - t) * a2 * (1 - a2)
    d1 = d2 * w2 * a1 * (1 - a1)
    v = {"loss": 0.5 * (t - a2) ** 2, "grad_w2": d2 * a1, "grad_b2": d2, "grad_w1": d1 * x,
         "grad_b1": d1}
    v.update(new_w2=w2 - lr * v["grad_w2"], new_b2=b2 - lr * v["grad_b2"],
             new_w1=w1 - lr * v["grad_w1"], new_b1=b1 - lr * v["grad_b1"], z2=z2, a2=a2,
             a1=a1)
    return v


def student(rng: random.Random, v: dict[str, float]) -> dict[str, str]:
    """One student's answers as text: right, or one planted slip, or gaps."""
    places = rng.choice((4, 5, 6))
    out = {n: f"{v[n]:.{places}f}" for n in ("loss", "grad_w2", "grad_b2", "grad_w1",
                                              "grad_b1", "new_w2", "new_b2", "new_w1",
                                              "new_b1")}
    kind = rng.random()
    if kind < 0.15:
        out["new_w2"] = f"{0.45 + 0.4 * v['grad_w2']:.6f}"               # gradient ascent
    elif kind < 0.30:
        out["loss"] = f"{(0.25 - v['a2']) ** 2:.6f}"                      # the ½ left out
    elif kind < 0.40:
        out["a2"] = f"{v['z2']:.6f}"                                       # no activation
        out["loss"] = f"{0.5 * (0.25 - float(out['a2'])) ** 2:.6f}"       # carried forward
    elif kind < 0.50:
        g = f"{(v['a2'] - 0.25) * v['a1']:.6f}"                            # σ′ left out
        out["grad_w2"], out["new_w2"] = g, f"{0.45 - 0.4 * float(g):.6f}"
    elif kind < 0.60:
        for n in ("grad_w1", "grad_b1", "new_w1", "new_b1"):
            del out[n]                                                     # not answered
    return out


def write_class(folder: Path, n: int) -> tuple[Path, Path]:
    rng, v = random.Random(0), key()
    answers = folder / "answers"
    answers.mkdir()
    students = {f"s{i:04d}": student(rng, v) for i in range(n)}
    for name, given in students.items():
        (answers / f"{name}.yaml").write_text("".join(f"{k}: {t}\n" for k, t in given.items()))
    columns = ["a2", "loss", "grad_w2", "grad_b2", "grad_w1", "grad_b1", "new_w2", "new_b2",
               "new_w1", "new_b1"]
    table = folder / "class.csv"
    with table.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["student", *columns])
        for name, given in students.items():
            w.writerow([name, *(given.get(c, "") for c in columns)])
    return answers, table


def timed(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall and CPU seconds (exit 1, a wrong answer somewhere, is expected)."""
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True)
        walls.append(time.perf_counter() - t0)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[:300]}")
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        answers, table = write_class(Path(tmp), args.students)
        out = Path(tmp) / "grades"
        cases = {
            f"{args.students} files -> gradebook CSV": [str(answers), "-o", f"{out}.csv"],
            f"{args.students} files -> JSON": [str(answers), "--format", "json"],
            f"{args.students} files -> text summary": [str(answers), "--format", "text"],
            f"CSV of {args.students} -> gradebook CSV": [str(table), "--format", "csv"],
        }
        width = max(map(len, cases)) + 2
        print(f"{'grading':{width}} {'wall s':>7} {'cpu s':>6} {'per student':>12}  target")
        target = TARGET_S * args.students / 1000  # the target scales with the class
        for name, extra in cases.items():
            wall, cpu = timed(DL + ["check", str(SPEC), *extra], args.runs)
            flag = "ok" if wall <= target else "OVER"
            print(f"{name:{width}} {wall:7.2f} {cpu:6.2f} "
                  f"{wall / args.students * 1000:9.2f} ms  <= {target:g} s {flag}")


if __name__ == "__main__":
    main()
