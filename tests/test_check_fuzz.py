"""Hostile answers never crash check: exit 0/1/2, no internal error, JSON without NaN/Infinity."""

import json

import yaml
from conftest import PROBLEMS, run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dlsolve
from dlsolve.check.names import collect

SPECS = ["seed000-q4a-relu-network.yaml", "seed002-backprop-chain.yaml", "seed003-gd-saddle.yaml",
         "seed003-adam.yaml", "seed002-maxpool-stride2.yaml", "seed000-q3-convshape.yaml",
         "derivative-partial.yaml", "seed001-softmax-8-5-0.yaml", "seed003-train-and.yaml"]
NAMES = {s: sorted(collect(dlsolve.solve(PROBLEMS / s)).targets) for s in SPECS}

SCALARS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True), st.integers(-10**400, 10**400),
    st.sampled_from([1e-320, 1e308, -1e308, 0, 0.5, "1,25", "1,250", "0, -1.5", "1/0", "1/3",
                     "abc", "", "[1, 2", "15x15x8", "≈ 0.31", "−1.5", "2x", "6(2x + 1)^2",
                     True, False, None]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) |
                      st.dictionaries(st.sampled_from(["weights", "bias", "a"]), inner,
                                      max_size=2), max_leaves=12)


@settings(max_examples=120, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(st.sampled_from(SPECS), st.data())
def test_hostile_answers(tmp_path, spec, data):
    names = data.draw(st.lists(st.sampled_from(NAMES[spec]), min_size=1, max_size=3,
                               unique=True))
    answers = {n: data.draw(VALUES) for n in names}
    path = tmp_path / "answers.yaml"
    path.write_text(yaml.safe_dump(answers, allow_unicode=True))
    res = run(["check", PROBLEMS / spec, path, "--format", "json"])
    assert res.exit_code in (0, 1, 2), res.output
    assert "internal error" not in res.output and "Traceback" not in res.output
    if res.exit_code != 2:
        assert "NaN" not in res.stdout and "Infinity" not in res.stdout
        json.loads(res.stdout)


def test_deep_answers(tmp_path):
    path = tmp_path / "answers.yaml"
    path.write_text("outputs: " + "[" * 200 + "1" + "]" * 200 + "\n")
    res = run(["check", PROBLEMS / "seed000-q4a-relu-network.yaml", path, "--format", "json"])
    assert res.exit_code in (1, 2) and "internal error" not in res.output
