"""Whole-process wall time of `dlsolve rnn`: the two budgets of the recurrent kind.

    python benchmarks/rnn.py [--runs 11]

A 3-step LSTM with hidden size 4 (input 3, one output, a target per step), forward and BPTT,
<= 400 ms; a 50-step RNN with hidden size 16 (input 4, one output, a target at the last step),
the summary view (the default detail: step 1 worked, the rest tabulated), <= 1 s. Measures
and reports; asserts nothing. Wall time and CPU time (user + system) of the whole process
are both given: on a shared machine the CPU time is the steadier figure. `python -c pass` and
`dlsolve forward` on seed 000 (229 ms on a quiet machine, README) are timed alongside.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from startup import DL, PROBLEMS, median_ms  # noqa: E402


def _m(rng: random.Random, rows: int, cols: int, scale: float) -> list[list[float]]:
    return [[round(rng.uniform(-scale, scale), 3) for _ in range(cols)] for _ in range(rows)]


def spec(cell: str, T: int, D: int, H: int, every_step: bool) -> dict:
    rng = random.Random(0)
    gates = {"rnn": ["rnn"], "lstm": list("ifgo"), "gru": list("rzn")}[cell]
    out = {"kind": "rnn", "cell": cell, "inputs": _m(rng, T, D, 1.0),
           "weights": {g: {"W": _m(rng, H, D, 0.5), "U": _m(rng, H, H, 0.3),
                           "b": _m(rng, 1, H, 0.1)[0]} for g in gates},
           "output": {"W": _m(rng, 1, H, 1.0), "b": [0.0]}}
    if every_step:
        out["targets"] = _m(rng, T, 1, 1.0)
    else:
        out["target"] = [0.5]
    return out


def cpu_ms(cmd: list[str], runs: int) -> float:
    """Median CPU time (user + system) of the whole process: steadier than wall time on a
    shared machine, and about the wall time of a quiet one (dlsolve runs one thread)."""
    times = []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, capture_output=True, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
                     * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=11)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    cases = {"3-step LSTM, H = 4, forward + BPTT": (spec("lstm", 3, 3, 4, True), 400),
             "50-step RNN, H = 16, summary view + BPTT": (spec("rnn", 50, 4, 16, False), 1000)}
    print(f"{'command':48} {'format':>8} {'wall ms':>8} {'cpu ms':>7} {'budget':>7}")
    refs = {"python -c pass": [sys.executable, "-c", "pass"],
            "dlsolve forward seed000 (reference)": DL + ["forward", str(
                PROBLEMS / "seed000-q4a-relu-network.yaml"), "--format", "json"]}
    for name, cmd in refs.items():
        print(f"{name:48} {'json':>8} {median_ms(cmd, args.runs):8.0f} "
              f"{cpu_ms(cmd, args.runs):7.0f}")
    for name, (doc, budget) in cases.items():
        path = tmp / (name.split(",")[0].replace(" ", "-") + ".yaml")
        path.write_text(json.dumps(doc))    # JSON is YAML
        for fmt in ("text", "json"):
            cmd = DL + ["rnn", str(path), "--format", fmt]
            ms, cpu = median_ms(cmd, args.runs), cpu_ms(cmd, args.runs)
            print(f"{name:48} {fmt:>8} {ms:8.0f} {cpu:7.0f} {budget:7} "
                  f"{'ok' if min(ms, cpu) <= budget else 'OVER'}")


if __name__ == "__main__":
    main()
