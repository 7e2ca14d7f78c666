"""convshape's transposed layers as direct convolutions, output_padding solved, locally
connected layers, neurons; average pooling with TensorFlow's 'same'."""

import itertools

import pytest
from conftest import results, run, write

import dlsolve


def shape(**spec):
    return dlsolve.solve({"kind": "convshape", **spec}).results


def test_transposed_equivalent_convolution():
    r = shape(input=[3, 3, 1], filters=2, kernel=3, stride=2, padding=1, layer="transposed")
    assert r["output_shape"] == [5, 5, 2]
    assert (r["inserted_zeros"], r["equivalent_padding"], r["effective_kernel"]) == (1, 1, 3)
    assert r["parameters"] == 20 and r["neurons"] == 50


def test_axes_that_differ_give_pairs():
    r = shape(input=[4, 6, 1], filters=1, kernel=[3, 2], stride=[2, 1], padding=[0, 1],
              layer="transposed")
    assert r["inserted_zeros"] == [1, 0]
    assert r["equivalent_padding"] == [2, 0] and r["effective_kernel"] == [3, 2]


@pytest.mark.parametrize("n,k,s,p,d,op", [
    (n, k, s, p, d, op) for n, k, s, p, d in itertools.product((3, 4), (2, 3), (1, 2, 3),
                                                               (0, 1), (1, 2))
    for op in range(max(s, d)) if d * (k - 1) >= p])
def test_equivalent_convolution_matches_torch(n, k, s, p, d, op):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    r = shape(input=[n, n, 1], filters=1, kernel=k, stride=s, padding=p, dilation=d,
              output_padding=op, layer="transposed")
    x = torch.arange(1.0, n * n + 1, dtype=torch.float64).reshape(1, 1, n, n)
    w = torch.arange(1.0, k * k + 1, dtype=torch.float64).reshape(1, 1, k, k)
    want = F.conv_transpose2d(x, w, stride=s, padding=p, output_padding=op, dilation=d)
    z, P = r["inserted_zeros"], r["equivalent_padding"]
    grown = torch.zeros(1, 1, (n - 1) * (z + 1) + 1, (n - 1) * (z + 1) + 1, dtype=torch.float64)
    grown[..., ::z + 1, ::z + 1] = x
    padded = F.pad(grown, (P, P + op, P, P + op))
    got = F.conv2d(padded, w.flip(-1, -2), dilation=d)
    assert list(want.shape[-2:]) == r["output_shape"][:2]
    assert torch.allclose(got, want)


def test_solve_for_output_padding():
    r = results(["convshape", "--input", "4x4x1", "--filters", "1", "--kernel", "3", "--stride",
                 "2", "--padding", "1", "--transposed", "--solve-for", "output_padding",
                 "--output-shape", "8x8x1"])
    assert r["output_padding"] == 1
    r = shape(input=[4, 4, 1], filters=1, kernel=3, stride=2, padding=1, layer="transposed",
              solve_for="output_padding", output_shape=[7, 7, 1])
    assert r["output_padding"] == 0


def test_output_padding_outside_pytorchs_range_is_refused(tmp_path):
    res = run(["convshape", "--input", "4x4x1", "--filters", "1", "--kernel", "3", "--stride",
               "2", "--padding", "1", "--transposed", "--solve-for", "output_padding",
               "--output-shape", "9x9x1"])
    assert res.exit_code == 2
    assert "--output-shape: expected a side from 7 to 8" in res.stderr
    p = write(tmp_path, "kind: convshape\ninput: [4, 4, 1]\nfilters: 1\nkernel: 3\n"
                        "solve_for: output_padding\noutput_shape: [6, 6, 1]\n")
    assert "output_padding belongs to a transposed convolution" in run(["convshape", p]).stderr


def test_locally_connected_layer():
    r = shape(input=[5, 5, 2], filters=3, kernel=3, layer="local")
    assert r["output_shape"] == [3, 3, 3] and r["parameters"] == 9 * 3 * (3 * 3 * 2 + 1)
    assert r["neurons"] == 27
    # CS231n: AlexNet's first layer without parameter sharing
    r = shape(input=[227, 227, 3], filters=96, kernel=11, stride=4, layer="local")
    assert r["parameters"] == 55 * 55 * 96 * (11 * 11 * 3 + 1)
    assert results(["convshape", "--input", "5x5x2", "--filters", "3", "--kernel", "3",
                    "--local"])["parameters"] == 513


def test_neurons_for_pooling_too():
    assert shape(input=[4, 4, 3], kernel=2, layer="maxpool")["neurons"] == 12


def pool(**spec):
    return dlsolve.solve({"kind": "pool", **spec}).results["output"]


GRID = [[1, 2, 3], [4, 5, 6], [7, 8, 9]]


def test_avgpool_same_never_counts_padded_cells_as_tensorflow():
    out = pool(pool="avg", input=GRID, kernel=3, stride=1, padding="same")
    assert out == [[3.0, 3.5, 4.0], [4.5, 5.0, 5.5], [6.0, 6.5, 7.0]]
    counted = pool(pool="avg", input=GRID, kernel=3, stride=1, padding="same",
                   count_include_pad=True)
    assert counted[0][0] == pytest.approx(12 / 9)
    # PyTorch's numeric padding still counts the zeros by default
    assert pool(pool="avg", input=GRID, kernel=3, stride=1, padding=1)[0][0] == \
        pytest.approx(12 / 9)


def test_avgpool_same_stride_2_keras_example():
    # Keras AveragePooling2D(pool_size=2, strides=2, padding='same') on a 3×3 input: the
    # windows at the bottom/right overhang the input and average only the real cells
    out = pool(pool="avg", input=GRID, kernel=2, stride=2, padding="same")
    assert out == [[3.0, 4.5], [7.5, 9.0]]
