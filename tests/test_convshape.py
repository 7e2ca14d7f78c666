"""Conv/pool shape formulas: hand-checked cases, solving for unknowns, PyTorch's shapes."""

import itertools

import pytest
from conftest import PROBLEMS, results, run


def test_seed000_q3():
    r = results(["convshape", PROBLEMS / "seed000-q3-convshape.yaml"])
    assert r["output_shape"] == [15, 15, 8]
    assert r["fits"] is True
    assert r["raw_output"] == [15.0, 15.0]
    assert r["parameters"] == (6 * 6 * 32 + 1) * 8 == 9224


def test_seed002_valid_conv_n_minus_f_plus_1():
    r = results(["convshape", PROBLEMS / "seed002-convshape-5x5-2x2.yaml"])
    assert r["output_shape"] == [4, 4, 1]


def test_alexnet_conv1():
    r = results(["convshape", "--input", "227x227x3", "--filters", "96", "--kernel", "11",
                 "--stride", "4"])
    assert r["output_shape"] == [55, 55, 96]
    assert r["parameters"] == 34944


def test_floor_when_windows_do_not_tile():
    res = run(["convshape", "--input", "32x32x3", "--filters", "8", "--kernel", "5",
               "--stride", "2", "--format", "text"])
    assert "13.5 is not an integer" in res.stdout
    r = results(["convshape", "--input", "32x32x3", "--filters", "8", "--kernel", "5",
                 "--stride", "2"])
    assert r["output_shape"] == [14, 14, 8]
    assert r["fits"] is False
    assert r["raw_output"] == [14.5, 14.5]


def test_same_padding_is_ceil_of_input_over_stride():
    r = results(["convshape", "--input", "28x28x1", "--filters", "32", "--kernel", "3",
                 "--padding", "same", "--stride", "2"])
    assert r["output_shape"] == [14, 14, 32]
    assert r["fits"] is True


def test_rectangular_and_dilated():
    r = results(["convshape", "--input", "20x30x3", "--filters", "4", "--kernel", "3x5",
                 "--stride", "1x2", "--padding", "1x0", "--dilation", "2"])
    assert r["output_shape"] == [(20 + 2 - 5) // 1 + 1, (30 - 9) // 2 + 1, 4]
    assert r["parameters"] == (3 * 5 * 3 + 1) * 4


def test_no_bias():
    r = results(["convshape", "--input", "8x8x2", "--filters", "3", "--kernel", "3",
                 "--no-bias"])
    assert r["parameters"] == 3 * 3 * 2 * 3


def test_pooling_keeps_channels_and_has_no_parameters():
    r = results(["convshape", "--input", "224x224x64", "--kernel", "2", "--pool", "max"])
    assert r["output_shape"] == [112, 112, 64]
    assert "parameters" not in r


def test_transposed():
    r = results(["convshape", "--input", "2x2x1", "--filters", "1", "--kernel", "3",
                 "--transposed"])
    assert r["output_shape"] == [4, 4, 1]
    r = results(["convshape", "--input", "7x7x16", "--filters", "8", "--kernel", "3",
                 "--stride", "2", "--padding", "1", "--output-padding", "1", "--transposed"])
    assert r["output_shape"] == [14, 14, 8]
    assert r["parameters"] == 3 * 3 * 16 * 8 + 8


@pytest.mark.parametrize("unknown,flags,expected", [
    ("padding", ["--kernel", "5", "--stride", "1", "--filters", "8"], 2),
    ("kernel", ["--stride", "2", "--padding", "0", "--filters", "8"], 4),
    ("stride", ["--kernel", "5", "--padding", "0", "--filters", "8"], 2),
    ("filters", ["--kernel", "3", "--padding", "1"], 8),
])
def test_solve_for(unknown, flags, expected):
    shape = {"padding": "32x32x8", "kernel": "15x15x8", "stride": "14x14x8",
             "filters": "32x32x8"}[unknown]
    r = results(["convshape", "--input", "32x32x3", *flags, "--solve-for", unknown,
                 "--output-shape", shape])
    assert r[unknown] == expected


def test_solve_for_input_lists_every_size():
    r = results(["convshape", "--kernel", "3", "--stride", "2", "--filters", "1",
                 "--solve-for", "input", "--output-shape", "5x5x1"])
    assert r["solutions"] == [11, 12]
    assert r["input"] == 11


def test_solve_for_no_integer_solution():
    res = run(["convshape", "--input", "32x32x3", "--kernel", "4", "--stride", "1",
               "--filters", "8", "--solve-for", "padding", "--output-shape", "32x32x8",
               "--format", "text"])
    assert res.exit_code == 0
    assert "No integer padding gives 32. Nearest: padding = 1 gives 31" in res.stdout
    r = results(["convshape", "--input", "32x32x3", "--kernel", "4", "--stride", "1",
                 "--filters", "8", "--solve-for", "padding", "--output-shape", "32x32x8"])
    assert r["padding"] is None


GRID = list(itertools.product([5, 8, 13], [1, 2, 3], [1, 2, 3], [0, 1, 2], [1, 2]))


@pytest.mark.parametrize("n,k,s,p,d", GRID)
def test_conv_and_pool_shapes_match_pytorch(n, k, s, p, d):
    torch = pytest.importorskip("torch")
    from dlsolve.solvers.convshape import out_size

    if d * (k - 1) + 1 > n + 2 * p:
        return
    x = torch.zeros(1, 1, n, n, dtype=torch.float64)
    conv = torch.nn.Conv2d(1, 1, k, s, p, d)
    assert conv(x.float()).shape[-1] == out_size(n, k, s, p, d, "conv")[0]
    if 2 * p <= k:
        pool = torch.nn.MaxPool2d(k, s, p, d)
        assert pool(x).shape[-1] == out_size(n, k, s, p, d, "maxpool")[0]
        pool = torch.nn.MaxPool2d(k, s, p, d, ceil_mode=True)
        assert pool(x).shape[-1] == out_size(n, k, s, p, d, "maxpool", ceil_mode=True)[0]
    for op in range(max(s, d)):
        t = torch.nn.ConvTranspose2d(1, 1, k, s, p, output_padding=op, dilation=d)
        expected = t(x.float()).shape[-1] if (n - 1) * s - 2 * p + d * (k - 1) + op + 1 > 0 \
            else None
        if expected:
            assert expected == out_size(n, k, s, p, d, "transposed", op)[0]


@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_same_padding_matches_pytorch_stride_1():
    torch = pytest.importorskip("torch")
    for n, k in itertools.product([5, 8], [1, 2, 3, 4, 5]):
        conv = torch.nn.Conv2d(1, 1, k, 1, padding="same")
        r = results(["convshape", "--input", f"{n}x{n}x1", "--filters", "1", "--kernel", str(k),
                     "--padding", "same"])
        assert conv(torch.zeros(1, 1, n, n)).shape[-1] == r["output_height"]
