"""conv and pool derivations state the output-size formula with its numbers substituted."""

import json

import pytest
from conftest import PROBLEMS, run

import dlsolve


def size_lines(spec: dict) -> dict:
    doc = json.loads(dlsolve.solve(spec).render("json"))
    return {s["lhs"]: s for s in doc["steps"] if s["type"] == "step" and
            s["lhs"] in ("H_out", "W_out")}


def grid(h, w):
    return [[float((i * w + j) % 7) for j in range(w)] for i in range(h)]


def test_seed004_conv_substitutes_the_numbers():
    res = run(["conv", PROBLEMS / "seed004-q4-convolution.yaml", "--format", "text"])
    assert "H_out = ⌊(H - F + 2·P)/S⌋ + 1 = ⌊(5 - 3 + 2·0)/1⌋ + 1 = ⌊2/1⌋ + 1 = 3" in res.stdout


def test_seed002_pool_substitutes_the_numbers():
    res = run(["pool", PROBLEMS / "seed002-maxpool-stride2.yaml", "--format", "text"])
    assert "W_out = ⌊(W - F + 2·P)/S⌋ + 1 = ⌊(4 - 2 + 2·0)/2⌋ + 1 = ⌊2/2⌋ + 1 = 2" in res.stdout


@pytest.mark.parametrize("h, w, k, s, p, d", [(7, 6, 3, 2, 1, 1), (9, 8, 2, 3, 0, 2),
                                              (5, 5, 3, 1, 2, 1)])
def test_conv_size_formula_agrees_with_torch(h, w, k, s, p, d):
    torch = pytest.importorskip("torch")
    spec = {"kind": "conv", "input": grid(h, w), "kernel": grid(k, k), "stride": s,
            "padding": p, "dilation": d}
    lines = size_lines(spec)
    y = torch.nn.functional.conv2d(torch.zeros(1, 1, h, w), torch.zeros(1, 1, k, k),
                                   stride=s, padding=p, dilation=d)
    assert (lines["H_out"]["value"], lines["W_out"]["value"]) == tuple(y.shape[2:])
    span = f"{k}" if d == 1 else f"({d}·({k} - 1) + 1)"
    assert lines["H_out"]["substituted"] == f"⌊({h} - {span} + 2·{p})/{s}⌋ + 1"


@pytest.mark.parametrize("h, k, s, p, ceil", [(5, 2, 2, 0, True), (7, 3, 2, 1, False),
                                              (6, 3, 2, 1, True)])
def test_pool_size_formula_agrees_with_torch(h, k, s, p, ceil):
    torch = pytest.importorskip("torch")
    spec = {"kind": "pool", "pool": "max", "input": grid(h, h), "kernel": k, "stride": s,
            "padding": p, "ceil_mode": ceil}
    lines = size_lines(spec)
    y = torch.nn.functional.max_pool2d(torch.zeros(1, 1, h, h), k, s, p, ceil_mode=ceil)
    assert lines["H_out"]["value"] == y.shape[2]
    assert ("⌈" in lines["H_out"]["substituted"]) == (ceil and (h + 2 * p - k) % s != 0)


def test_same_padding_conv_says_ceil_of_input_over_stride():
    spec = {"kind": "conv", "input": grid(5, 5), "kernel": grid(2, 2), "stride": 2,
            "padding": "same"}
    lines = size_lines(spec)
    assert lines["H_out"]["value"] == 3 and lines["H_out"]["substituted"] == "⌈5/2⌉"


def test_conv_answer_gives_the_output_and_its_dimension():
    r = dlsolve.solve(PROBLEMS / "seed004-q4-convolution.yaml")
    assert r.answer[:2] == ("output", "output_shape") and r.results["output_shape"] == [3, 3]


def test_params_answer_lists_weight_and_bias_totals():
    r = dlsolve.solve(PROBLEMS / "seed001-q2-params.yaml")
    assert r.answer == ("total", "per_layer", "weights", "biases")
    assert r.results["weights"] + r.results["biases"] == r.results["total"] == 16295
