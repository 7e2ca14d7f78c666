"""init: the gains of torch.nn.init.calculate_gain, the documented formulas, empirical stds."""

import math

import pytest
from conftest import run, write

import dlsolve

torch = pytest.importorskip("torch")
init = torch.nn.init


def solve(**spec):
    return dlsolve.solve({"kind": "init", **spec}).results


@pytest.mark.parametrize("nonlinearity", ["linear", "conv2d", "sigmoid", "tanh", "relu",
                                          "leaky_relu", "selu"])
def test_gain_matches_calculate_gain(nonlinearity):
    r = solve(scheme="xavier_normal", fan_in=3, fan_out=5, nonlinearity=nonlinearity)
    assert r["gain"] == pytest.approx(init.calculate_gain(nonlinearity), abs=1e-15)


def test_leaky_relu_slope():
    r = solve(scheme="he_normal", fan_in=10, nonlinearity="leaky_relu", negative_slope=0.2)
    assert r["gain"] == pytest.approx(init.calculate_gain("leaky_relu", 0.2), abs=1e-15)
    assert r["std"] == pytest.approx(math.sqrt(2 / 1.04) / math.sqrt(10), abs=1e-15)


@pytest.mark.parametrize("scheme, want", [
    ("xavier_uniform", {"bound": math.sqrt(6 / (256 + 128))}),
    ("xavier_normal", {"std": math.sqrt(2 / (256 + 128))}),
    ("he_uniform", {"bound": math.sqrt(6 / 256)}),
    ("he_normal", {"std": math.sqrt(2 / 256), "variance": 2 / 256}),
    ("lecun_uniform", {"bound": math.sqrt(3 / 256)}),
    ("lecun_normal", {"std": 1 / 16}),
])
def test_documented_formulas(scheme, want):
    r = solve(scheme=scheme, fan_in=256, fan_out=128)
    for key, value in want.items():
        assert r[key] == pytest.approx(value, rel=1e-14)
    assert ("bound" in r) == scheme.endswith("uniform")


def test_empirical_std_of_torch_init():
    torch.manual_seed(0)
    w = torch.empty(512, 384, dtype=torch.float64)  # [out, in]
    cases = [("xavier_normal", lambda: init.xavier_normal_(w)),
             ("xavier_uniform", lambda: init.xavier_uniform_(w)),
             ("he_normal", lambda: init.kaiming_normal_(w, nonlinearity="relu")),
             ("he_uniform", lambda: init.kaiming_uniform_(w, nonlinearity="relu"))]
    for scheme, draw in cases:
        r = solve(scheme=scheme, shape=[512, 384])
        draw()
        assert float(w.std()) == pytest.approx(r["std"], rel=0.01), scheme
        if "bound" in r:
            assert float(w.abs().max()) <= r["bound"]


def test_conv_shape_fans_match_torch():
    w = torch.empty(16, 3, 3, 3)
    fan_in, fan_out = init._calculate_fan_in_and_fan_out(w)
    r = solve(scheme="xavier_uniform", shape=[16, 3, 3, 3])
    assert (r["fan_in"], r["fan_out"]) == (fan_in, fan_out)


def test_table_of_schemes():
    r = dlsolve.solve("problems/init-table.yaml").results
    assert r["schemes"][0] == "xavier_uniform" and len(r["std"]) == 6
    assert r["bound"][1] is None and r["gain"][2] == pytest.approx(math.sqrt(2))


def test_flags():
    res = run(["init", "--scheme", "he_normal", "--fan-in", "256", "--fan-out", "128",
               "--nonlinearity", "relu", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert '"std": 0.08838834764831845' in res.stdout


@pytest.mark.parametrize("text, where", [
    ("scheme: glorot_uniform\nfan_in: 2\nfan_out: 4\n", "(did you mean 'xavier_uniform'?)"),
    ("scheme: he_normall\nfan_in: 2\n", "(did you mean 'he_normal'?)"),
    ("scheme: xavier_normal\nfan_in: 2\n", "fan_out: expected fan_out"),
    ("scheme: he_normal\nfan_in: 2\nnonlinearity: rellu\n", "(did you mean 'relu'?)"),
    ("scheme: he_normal\nshape: [5]\n", "shape: expected a weight shape"),
    ("scheme: he_normal\nfan_in: 0\n", ":3:9: fan_in: expected a positive integer, got 0"),
])
def test_bad_input(tmp_path, text, where):
    p = write(tmp_path, "kind: init\n" + text)
    res = run(["init", p])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert where in res.stderr, res.stderr
