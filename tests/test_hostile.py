"""Regression cases: the hostile inputs of issue 12, each with its exit code and first line.

Each was an internal error (exit 70), a run of minutes or gigabytes, or a silent infinity.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest
from conftest import ROOT, run, write

BOMB = ("a: &a [1, 1, 1, 1, 1, 1, 1, 1, 1]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
        "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
        "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
        "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\nh: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
        "i: [*h, *h, *h, *h, *h, *h, *h, *h, *h]\nkind: softmax\nlogits: [1, 2]\n")
CASES = {
    "recursive-alias": ("kind: softmax\nlogits: &r [*r]\n",
                        "2:9: logits[0]: a recursive alias: the anchor is used inside itself"),
    "recursive-merge": ("kind: softmax\nx: &m {<<: *m}\nlogits: [1]\n",
                        "2:4: x: a recursive alias: the anchor is used inside itself"),
    "deep-nesting": ("kind: softmax\nlogits: " + "[" * 40 + "1" + "]" * 40 + "\n",
                     "nested deeper than 20 levels; a spec needs far fewer"),
    "very-deep-nesting": ("kind: softmax\nlogits: " + "[" * 5000 + "]" * 5000 + "\n",
                          "nested deeper than 20 levels"),
    "alias-bomb": (BOMB, "aliases expand to more than 10,000 values"),
    "bool-maybe": ("kind: softmax\nlogits: [1, 2]\nstable: !!bool maybe\n",
                   "3:9: stable: 'maybe' is not a valid !!bool value"),
    "python-tag": ("kind: !!python/object/apply:os.system ['echo owned']\n",
                   "1:7: kind: the YAML tag !!python/object/apply:os.system is not supported"),
    "custom-tag": ("kind: softmax\nlogits: !vector [1, 2]\n",
                   "2:9: logits: the YAML tag !vector is not supported"),
    "set-tag": ("kind: softmax\nlogits: !!set {a: null}\n",
                "2:9: logits: the YAML tag !!set is not supported"),
    "unhashable-kind": ("kind: {a: 1}\n", "1:7: kind: expected one of convshape, softmax,"),
    "list-kind": ("kind: [softmax]\n", "1:7: kind: expected one of convshape, softmax,"),
    "huge-integer": ("kind: softmax\nlogits: [" + "1" * 320 + ", 2]\n",
                     "2:10: logits[0]: expected a number within float range"),
    "mapping-name": ("kind: activation\nname: {a: 1}\nat: [0]\n",
                     "2:7: name: expected an activation name"),
    "null-number": ("kind: loss\nloss: mse\npredictions: [1, null]\ntargets: [1, 2]\n",
                    "3:18: predictions[1]: expected a number, got null"),
    "inf-minus-inf": ("kind: forward\ninputs: [1e308, 1e308]\nlayers:\n"
                      "  - {weights: [[1e308, -1e308]], bias: [0]}\n",
                      "2:10: inputs[0]: the derivation leaves float range"),
    "huge-padding": ("kind: conv\ninput: [[1, 2], [3, 4]]\nkernel: [[1]]\n"
                     "padding: [1000000000, 1]\n",
                     "4:10: padding: at most 2,000,000 values in the padded input"),
    "params-10000-dims": ("kind: params\ninput: [" + ", ".join(["10"] * 10000) + "]\n"
                          "layers:\n  - {type: flatten}\n  - {type: dense, units: 5}\n",
                          "2:8: input: expected a shape of at most 4 dimensions, got 10000"),
    "exponent-tower": ("kind: gd\nfunction: 9**9**9**9*x\nstart: [1]\nlearning_rate: 0.1\n",
                       "2:11: function: an exponent of at most 100 in size, got 387420489"),
    "huge-exponent": ("kind: gd\nfunction: x**(10**10)\nstart: [1]\nlearning_rate: 0.1\n",
                      "2:11: function: an exponent of at most 100 in size, got 10000000000"),
    "power-tower-of-twos": ("kind: gd\nfunction: 2**2**2**2**2**2*x\nstart: [1]\n"
                            "learning_rate: 0.1\n", "2:11: function: an exponent of at most"),
    "long-sum": ("kind: gd\nfunction: " + "+".join(["x"] * 100000) + "\nstart: [1]\n"
                 "learning_rate: 0.1\n", "2:11: function: a formula of at most 2,000 characters"),
    "nested-calls": ("kind: prove\nidentity: " + "sin(" * 12 + "x" + ")" * 12 + " = x\n",
                     "2:11: identity: functions nested at most 8 deep"),
    "huge-forward-pass": ("kind: forward\ninputs: [1]\nlayers:\n  - {weights: ["
                          + ",".join(["[0.5]"] * 300_000) + "], bias: 0.1}\n",
                          "more than 200,000 values in one file (about 300,005)"),
    "wide-formula": ("kind: prove\nidentity: " + "+".join(["x"] * 900) + " = 900*x\n",
                     "2:11: identity: a formula of at most 400 operations and operands"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_regression(name, tmp_path):
    text, first = CASES[name]
    p = write(tmp_path, text)
    res = run(["solve", p, "--format", "json"])
    assert res.exit_code == 2, res.output
    assert "internal error" not in res.output and "Traceback" not in res.output
    line = res.stderr.splitlines()[0]
    assert line.startswith(str(p)) and first in line, line


def test_merge_keys_are_supported(tmp_path):
    p = write(tmp_path, "x-base: &base {kind: softmax, logits: [1, 2], temperature: 2}\n"
                        "<<: *base\nlogits: [3, 4]\n")
    res = run(["solve", p, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert '"title": "Softmax of [3, 4]' in res.stdout


def test_merged_field_errors_point_at_the_merged_line(tmp_path):
    p = write(tmp_path, "x-base: &base\n  kind: softmax\n  temperature: hot\n<<: *base\n"
                        "logits: [1, 2]\n")
    assert run(["solve", p]).stderr.strip() == (
        f"{p}:3:16: temperature: expected a number, got 'hot'")


def test_a_missing_output_folder_is_bad_input(tmp_path):
    res = run(["softmax", "1", "2", "-o", tmp_path / "no" / "out.md"])
    assert res.exit_code == 2
    assert res.stderr.strip().endswith("cannot write the output: the folder "
                                       f"'{tmp_path / 'no'}' does not exist")


def test_written_files_follow_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        assert run(["softmax", "1", "2", "-o", tmp_path / "out.md"]).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out.md").stat().st_mode) == 0o640


def _cli(args: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dlsolve", *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True, env={**os.environ, **env}, timeout=120)


def test_the_time_limit_stops_a_long_run(tmp_path):
    p = write(tmp_path, "kind: optimize\ncompare: [adagrad, rmsprop, adadelta, adam]\n"
                        "function: x**2 + 10*y**2\nparams: [1, 1]\nsteps: 100000\n")
    res = _cli(["solve", p, "--format", "json"], DLSOLVE_TIME_LIMIT="1")
    assert res.returncode == 2
    assert res.stderr.startswith("dlsolve: stopped after 1 s of CPU time, the limit for one "
                                 "problem")


def test_the_memory_ceiling_is_set_for_a_run():
    code = ("import os, resource\nfrom dlsolve.guard import guarded\nwith guarded():\n"
            "    print(resource.getrlimit(resource.RLIMIT_AS)[0] // 2**20, "
            "os.environ['OPENBLAS_NUM_THREADS'])\n")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**os.environ, "DLSOLVE_MEMORY_LIMIT": "300"}, timeout=60)
    assert res.stdout.split() == ["300", "1"]


def test_out_of_memory_is_bad_input_not_a_crash(monkeypatch):
    import dlsolve.solvers.softmax as softmax

    def greedy(spec):
        raise MemoryError
    monkeypatch.setattr(softmax, "solve", greedy)
    res = run(["softmax", "1", "2"])
    assert res.exit_code == 2
    assert res.stderr.startswith("dlsolve: out of memory: the problem needs more than the 1024 MB")


def test_a_non_finite_result_needs_a_note():
    from dlsolve.errors import SpecError
    from dlsolve.guard import check_finite
    from dlsolve.spec.load import load_text
    from dlsolve.steps import Solution

    doc = load_text("kind: loss\npredictions: [1e200]\n", "s.yaml")
    sol = Solution("loss", "t", results={"loss": [1.0, float("inf")]})
    with pytest.raises(SpecError, match=r"^s.yaml:2:15: predictions\[0\]: the derivation "
                                        r"leaves float range \(loss\[1\] is not a finite"):
        check_finite(sol, doc)
    sol.note("the loss overflows double precision: reported as inf")
    check_finite(sol, doc)  # said, so shown


def test_an_overflowing_activation_is_shown_with_its_note():
    res = run(["activation", "exponential", "--at", "1000", "--format", "json"])
    assert res.exit_code == 0
    assert 'Infinity' in res.stdout and "overflows double precision" in res.stdout


def test_an_underflowing_epsilon_is_named():
    res = run(["loss", "--loss", "bce", "--pred", "1", "--target", "0", "--epsilon", "1e-320"])
    assert res.exit_code == 2
    assert res.stderr.startswith("dlsolve loss: --epsilon: the derivation leaves float range (a "
                                 "logarithm or root of 0 or less) with values as small as")


def test_each_problem_gets_the_full_time_budget(monkeypatch):
    import signal

    from dlsolve.guard import fresh_budget, guarded

    monkeypatch.setenv("DLSOLVE_TIME_LIMIT", "50")
    monkeypatch.setenv("DLSOLVE_MEMORY_LIMIT", "0")  # no ceiling on the test process
    with guarded():
        sum(i * i for i in range(300_000))  # spend some CPU time
        spent = signal.getitimer(signal.ITIMER_PROF)[0]
        fresh_budget()
        renewed = signal.getitimer(signal.ITIMER_PROF)[0]
    assert spent < renewed <= 50.1
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)
    fresh_budget()  # no timer running: nothing happens
    assert signal.getitimer(signal.ITIMER_PROF) == (0.0, 0.0)


def test_a_gradient_below_the_losss_rounding_step_is_not_checked():
    """A difference quotient cannot see a change smaller than the loss's rounding step: the
    self-check skips that parameter instead of calling a right gradient wrong."""
    from dlsolve.kernels.gradcheck import check_gradients

    def f(p):   # a huge term that w's change cannot move in double precision
        return 1e200 + p["w"] * 1e150

    result = check_gradients(f, {"w": 1.0}, {"w": 1e150}, lambda up, dn: False)
    assert result.skipped == ["w"] and result.checked == 0

    def g(p):
        return 3.0 * p["w"] ** 2

    ok = check_gradients(g, {"w": 2.0}, {"w": 12.0}, lambda up, dn: False)
    assert ok.checked == 1 and not ok.skipped
