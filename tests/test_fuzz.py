"""Hostile specs of every kind: no internal error, no traceback, exit 0/1/2, no silent inf.

Hypothesis drives the mutations of tests/fuzz_specs.py (type swaps, deletions, extreme
numbers, ragged and deep lists, tags, aliases, merge keys, unicode and control characters)
over every bundled problem and a bare spec of every registered kind; each run is in-process
and bounded by the harness (HANG_SECONDS: a run past it is a hang, not slowness). Seeded and
short here; ``python benchmarks/fuzz.py`` is the long run before a release.
"""

from __future__ import annotations

import fuzz_specs as F
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dlsolve import registry

BASES = F.bases()
SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


def _of(kind: str) -> list[dict]:
    return [b for b in BASES if b.get("kind") == kind]


@pytest.mark.parametrize("kind", list(registry.KINDS))
def test_hostile_variants_of_every_kind(kind, tmp_path):
    @SETTINGS
    @given(base=st.sampled_from(_of(kind)), rng=st.randoms(use_true_random=False))
    def check(base, rng):
        text = F.variant(rng, base)
        args = F.command(rng, text)
        outcome = F.run(text, args, tmp_path)
        assert outcome.problem in (None, "self-check"), (outcome.problem, args, text,
                                                         outcome.output[-2000:])

    check()


@SETTINGS
@given(rng=st.randoms(use_true_random=False))
def test_hostile_flags(rng, tmp_path_factory):
    args = F.flag_command(rng)
    outcome = F.run("", args, tmp_path_factory.mktemp("flags"))
    assert outcome.problem in (None, "self-check"), (outcome.problem, args, outcome.output[-2000:])


def test_every_kind_has_a_base():
    assert {b["kind"] for b in BASES} >= set(registry.KINDS)


def test_the_judge_catches_broken_promises():
    assert F.judge(70, "", "dlsolve: internal error (KeyError: 'x')", False) == "exit code 70"
    assert F.judge(2, "", "Traceback (most recent call last):", False) == "traceback"
    assert F.judge(0, '{"results": {"loss": "inf"}, "notes": []}', "", True) == \
        "a non-finite result without a note"
    assert F.judge(0, '{"results": {"loss": "inf"}, "notes": ["the loss overflows"]}', "",
                   True) is None
    assert F.judge(0, '{"problems": [{"results": {"z": ["nan"]}}]}', "", True) is not None
