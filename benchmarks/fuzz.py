"""The long fuzz run before a release: hostile variants of every kind, counted, not asserted.

    python benchmarks/fuzz.py [--runs 10000] [--seed 0] [--show 5]

Each run mutates a bundled problem or a bare spec of a registered kind (tests/fuzz_specs.py:
type swaps, deletions, extreme numbers, ragged and deep lists, tags, aliases, merge keys,
unicode and control characters), runs dlsolve in-process and judges it: exit code in {0, 1,
2}, no internal error or traceback, no non-finite JSON result without a note, and no run past
HANG_SECONDS of CPU time. Prints the counts per outcome and the first few failures of each.
"""

from __future__ import annotations

import argparse
import collections
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import fuzz_specs as F  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--show", type=int, default=3, help="failures shown per kind of failure")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    bases = F.bases()
    counts: collections.Counter[str] = collections.Counter()
    exits: collections.Counter[int | None] = collections.Counter()
    shown: collections.Counter[str] = collections.Counter()
    slowest = (0.0, "")
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            if rng.random() < 0.15:
                text, argv = "", F.flag_command(rng)
            else:
                text = F.variant(rng, rng.choice(bases))
                argv = F.command(rng, text)
            t0 = time.process_time()
            outcome = F.run(text, argv, Path(tmp))
            spent = time.process_time() - t0
            slowest = max(slowest, (spent, " ".join(argv[:1]) + " " + text[:80]))
            counts[outcome.problem or "ok"] += 1
            exits[outcome.exit_code] += 1
            if outcome.problem and shown[outcome.problem] < args.show:
                shown[outcome.problem] += 1
                print(f"--- {outcome.problem}: {argv}\n{text[:400]}\n>> {outcome.output[-300:]}")
    wall = time.perf_counter() - start
    print(f"\n{args.runs} runs in {wall:.0f} s (seed {args.seed}); exit codes: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(exits.items(), key=str)))
    for name, n in counts.most_common():
        print(f"  {name:40} {n}")
    print(f"slowest run: {slowest[0]:.1f} s CPU ({slowest[1]!r})")


if __name__ == "__main__":
    main()
