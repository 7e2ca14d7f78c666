"""Whole-process wall time of dlsolve commands: median of N runs, and the ratio to `python -c pass`.

    python benchmarks/startup.py [--runs 15] [--only TEXT] [--as-is]

Budgets (2-core machine): --help <= 150 ms, numeric commands <= 250 ms, symbolic <= 900 ms.
This script measures and reports; it asserts nothing (speed is not a test).

The commands run with Python's bytecode cache on, kept in a temporary folder
(PYTHONPYCACHEPREFIX; the first, untimed run of each command fills it), as for an installed
dlsolve, whose .pyc files pip writes. With PYTHONDONTWRITEBYTECODE=1 in the environment and an
editable install, every run would compile each dlsolve module it imports again, 60-90 ms of a
numeric command here, which no installed copy pays. ``--as-is`` keeps the environment as given
(to measure that cost). The other benchmark scripts import this module and time with the same
setting.
"""

from __future__ import annotations

import argparse
import atexit
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBLEMS = ROOT / "problems"
DL = [sys.executable, "-m", "dlsolve"]
COMMANDS = {
    "python -c pass": ([sys.executable, "-c", "pass"], None),
    "dlsolve --help": (DL + ["--help"], 150),
    "dlsolve softmax 8 5 0 --format json": (DL + ["softmax", "8", "5", "0", "--format", "json"],
                                            250),
    "dlsolve convshape seed000 --format json": (DL + ["convshape", str(
        PROBLEMS / "seed000-q3-convshape.yaml"), "--format", "json"], 250),
    "dlsolve activation sigmoid --at 0 --symbolic": (DL + ["activation", "sigmoid", "--at", "0",
                                                          "--symbolic", "--format", "json"], 900),
    "dlsolve forward seed000 --format json": (DL + ["forward", str(
        PROBLEMS / "seed000-q4a-relu-network.yaml"), "--format", "json"], 250),
    "dlsolve backprop seed002 --format json": (DL + ["backprop", str(
        PROBLEMS / "seed002-backprop-chain.yaml"), "--format", "json"], 250),
    "dlsolve loss focal --format json": (DL + ["loss", str(PROBLEMS / "focal-loss.yaml"),
                                               "--format", "json"], 250),
    "dlsolve ensemble soft vote --format json": (DL + ["ensemble", str(
        PROBLEMS / "ensemble-soft-vote.yaml"), "--format", "json"], 250),
    "dlsolve pinn seed004 perturbed (SymPy) --format json": (DL + ["pinn", str(
        PROBLEMS / "seed004-q5vi-pinn-perturbed.yaml"), "--format", "json"], 900),
}
EXTRA: dict[str, tuple[list[str], int | None]] = {}

INHERITED = dict(os.environ)
PYCACHE = tempfile.mkdtemp(prefix="dlsolve-bench-pyc-")
atexit.register(shutil.rmtree, PYCACHE, True)
os.environ.pop("PYTHONDONTWRITEBYTECODE", None)  # every child below inherits this setting
os.environ["PYTHONPYCACHEPREFIX"] = PYCACHE


def as_is() -> None:
    """Time the commands in the environment this script was started with."""
    os.environ.clear()
    os.environ.update(INHERITED)


def bytecode_note() -> str:
    if "PYTHONPYCACHEPREFIX" in os.environ:
        return "bytecode cached (as installed)"
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return "environment as is: PYTHONDONTWRITEBYTECODE set, modules without .pyc compiled " \
               "on every run"
    return "environment as is"


def big_network(path: Path, sizes: list[int], backprop: bool = False) -> Path:
    """A YAML matrix-form network of the given layer sizes (deterministic numbers)."""
    import random

    rng = random.Random(0)
    lines = ["kind: forward", "inputs: [" + ", ".join(f"{rng.random():.3f}" for _ in
                                                      range(sizes[0])) + "]", "layers:"]
    for n_in, n_out in zip(sizes, sizes[1:]):
        rows = ", ".join("[" + ", ".join(f"{rng.uniform(-1, 1):.3f}" for _ in range(n_in)) + "]"
                         for _ in range(n_out))
        lines.append(f"  - {{weights: [{rows}], bias: 0.1, activation: relu}}")
    if backprop:
        lines[0] = "kind: backprop"
        lines += ["targets: [" + ", ".join(["0"] * (sizes[-1] - 1) + ["1"]) + "]",
                  "loss: mse", "learning_rate: 0.1"]
    path.write_text("\n".join(lines) + "\n")
    return path


def timed(cmd: list[str], runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + sys of the child), in ms.

    The CPU time is the steadier figure on a shared machine: the wall time also counts the
    time the process waited for a core.
    """
    subprocess.run(cmd, capture_output=True)  # warm-up
    walls, cpus = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True)
        walls.append((time.perf_counter() - t0) * 1000)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
        if proc.returncode not in (0, 1):  # 1: a checked answer is wrong, a normal outcome
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[:300]}")
    return statistics.median(walls), statistics.median(cpus)


def report(cases: dict[str, tuple[list[str], float | None]], runs: int) -> None:
    """A table of each case's median wall and CPU times against its budget (ms)."""
    width = max(len(name) for name in cases) + 2
    print(f"{runs} runs each, {bytecode_note()}")
    print(f"{'command':{width}} {'wall ms':>8} {'cpu ms':>7} {'budget':>7}")
    for name, (cmd, budget) in cases.items():
        wall, cpu = timed(cmd, runs)
        flag = "" if budget is None else ("ok" if wall <= budget else "OVER")
        print(f"{name:{width}} {wall:8.0f} {cpu:7.0f} {budget or '':>7} {flag}")


def median_ms(cmd: list[str], runs: int) -> float:
    subprocess.run(cmd, capture_output=True)  # warm-up
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, capture_output=True)
        times.append((time.perf_counter() - t0) * 1000)
        if proc.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(cmd)} failed: {proc.stderr.decode()[:300]}")
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--only", default="", help="Measure only commands containing this text.")
    ap.add_argument("--as-is", action="store_true",
                    help="Keep the environment's bytecode settings (see the module docstring).")
    args = ap.parse_args()
    if args.as_is:
        as_is()
    tmp = Path(tempfile.mkdtemp())
    big = big_network(tmp / "mlp-784-128-10.yaml", [784, 128, 10])
    EXTRA["dlsolve forward 784-128-10 (matrices) --format json"] = (
        DL + ["forward", str(big), "--format", "json"], 1000)
    conv = tmp / "conv-28.yaml"
    conv.write_text("kind: conv\ninput: " + str([[(i * 7 + j * 3) % 10 for j in range(28)]
                                                for i in range(28)]) +
                    "\nkernel: [[1, 0, -1], [2, 0, -2], [1, 0, -1]]\ngrad_output: ones\n")
    EXTRA["dlsolve conv 28x28 * 3x3 forward+backward --format json"] = (
        DL + ["conv", str(conv), "--format", "json"], 400)
    vgg = ["--input", "224x224x3"]
    for filters, n in ((64, 2), (128, 2), (256, 3), (512, 3), (512, 3)):
        vgg += ["--conv", f"{filters}:3:1:same"] * n + ["--pool", "2"]
    EXTRA["dlsolve params VGG16 --format json"] = (
        DL + ["params", *vgg, "--flatten", "--dense", "4096,4096,1000", "--format", "json"], 300)
    EXTRA["dlsolve gd seed003 (100 steps) --format json"] = (
        DL + ["gd", str(PROBLEMS / "seed003-gd-saddle.yaml"), "--format", "json"], 900)
    EXTRA["dlsolve optimize seed003-adam (gradient list) --format json"] = (
        DL + ["optimize", str(PROBLEMS / "seed003-adam.yaml"), "--format", "json"], 250)
    answers = tmp / "answers.yaml"
    answers.write_text("outputs: [0, -1.5]\nloss: 1.25\n")
    EXTRA["dlsolve check seed000 answers"] = (
        DL + ["check", str(PROBLEMS / "seed000-q4a-relu-network.yaml"), str(answers),
              "--format", "json"], 300)
    named = tmp / "named.yaml"
    named.write_text("z1: 0.415\nE: 0.1083\nw2_new: 0.427\ndE_dw1: 0.0011\n")
    EXTRA["dlsolve check seed002 by the derivation's symbols"] = (
        DL + ["check", str(PROBLEMS / "seed002-backprop-chain.yaml"), str(named),
              "--format", "json"], 300)
    EXTRA["dlsolve check --names seed002"] = (
        DL + ["check", "--names", str(PROBLEMS / "seed002-backprop-chain.yaml"), "--format",
              "json"], 300)
    EXTRA["dlsolve derivative x**2*sin(3x) --at x=1"] = (
        DL + ["derivative", "x**2*sin(3x)", "--at", "x=1", "--format", "json"], 900)
    EXTRA["dlsolve derivative partials (2 variables)"] = (
        DL + ["derivative", str(PROBLEMS / "derivative-partial.yaml"), "--format", "json"], 900)
    EXTRA["dlsolve solve problems/ --format markdown"] = (
        DL + ["solve", str(PROBLEMS), "--format", "markdown"], 3000)
    EXTRA["dlsolve generate all --count 1000 (with keys)"] = (
        DL + ["generate", "all", "--seed", "1", "--count", "1000", "-o", str(tmp / "gen")],
        20000)
    bp = big_network(tmp / "mlp-784-32-10.yaml", [784, 32, 10], backprop=True)
    EXTRA["dlsolve backprop 784-32-10, one epoch --format json"] = (
        DL + ["backprop", str(bp), "--format", "json"], 1500)
    base = None
    print(f"{args.runs} runs each, {bytecode_note()}")
    print(f"{'command':58} {'median ms':>10} {'cpu ms':>7} {'x pass':>7} {'budget':>7}")
    for name, (cmd, budget) in {**COMMANDS, **EXTRA}.items():
        if args.only and args.only not in name and name != "python -c pass":
            continue
        ms, cpu = timed(cmd, args.runs)
        base = base or ms
        flag = "" if budget is None else ("ok" if ms <= budget else "OVER")
        print(f"{name:58} {ms:10.0f} {cpu:7.0f} {ms / base:7.1f} {budget or '':>7} {flag}")


if __name__ == "__main__":
    main()
