"""Conv, pool and params: seed 004 Q4, torch autograd over random settings, layer counts."""

import itertools

import numpy as np
import pytest
from conftest import PROBLEMS, results, run, write

import dlsolve

SEED004_X = [[3, 1, 4, 1, 5], [9, 2, 6, 5, 3], [5, 8, 9, 7, 9], [3, 2, 3, 8, 4], [1, 2, 3, 4, 5]]
SEED004_W = [[2, 0, 5], [9, 7, 2], [3, 8, 3]]


def test_seed004_q4_consistent_values():
    r = results(["conv", PROBLEMS / "seed004-q4-convolution.yaml"])
    assert r["output"] == [[158, 183, 172], [229, 237, 238], [164, 232, 233]]
    assert np.shape(r["grad_input"]) == (5, 5)  # the seed says 1×1
    assert r["grad_input"] == [[3, 11, 14, 11, 3], [5, 20, 32, 27, 12], [10, 25, 39, 29, 14],
                               [7, 14, 25, 18, 11], [5, 5, 7, 2, 2]]
    # the seed's [[47,43,49],...] is the cross-correlation answer; after a flipped forward
    # pass the gradient of the kernel as written is its 180° rotation
    assert r["grad_kernel"] == [[52, 46, 36], [54, 50, 47], [49, 43, 47]]
    assert r["grad_bias"] == 9


def test_seed004_as_cross_correlation_gives_the_seeds_kernel_gradient():
    r = dlsolve.solve({"kind": "conv", "input": SEED004_X, "kernel": SEED004_W,
                       "grad_output": "ones"}).results
    assert r["grad_kernel"] == [[47, 43, 49], [47, 50, 54], [36, 46, 52]]
    assert r["output"] == [[239, 194, 238], [201, 232, 260], [130, 148, 210]]


def test_worked_cells_and_full_convolution_are_shown():
    out = run(["conv", PROBLEMS / "seed004-q4-convolution.yaml", "--format", "text"]).stdout
    assert "y[0,0] = 3·3 + 1·8 + 4·3 + 9·2 + 2·7 + 6·9 + 5·5 + 8·0 + 9·2 = 158" in out
    assert "full convolution of dL/dY with the kernel" in out
    assert "dL/dX, the input's shape 5×5" in out


def test_backward_flag_defaults_to_ones(tmp_path):
    p = write(tmp_path, "kind: conv\ninput: [[0, 1, 2], [3, 4, 5], [6, 7, 8]]\n"
                        "kernel: [[0, 1], [2, 3]]\n")
    r = results(["conv", p])
    assert r["output"] == [[19, 25], [37, 43]]
    assert "grad_input" not in r
    r = results(["conv", p, "--backward"])
    assert r["grad_kernel"] == [[8, 12], [20, 24]]


def test_multichannel_filters_and_bias_list():
    x = [[[1, 2], [3, 4]], [[0, 1], [1, 0]]]
    r = dlsolve.solve({"kind": "conv", "input": x, "kernels": [
        [[[1]], [[2]]], [[[0]], [[1]]]], "bias": [1, -1], "grad_output": "ones"}).results
    assert r["output"] == [[[2, 5], [6, 5]], [[-1, 0], [0, -1]]]
    assert r["grad_bias"] == [4, 4]
    assert np.shape(r["grad_kernel"]) == (2, 2, 1, 1)
    assert np.shape(r["grad_input"]) == (2, 2, 2)


def test_activation_after_the_convolution():
    r = dlsolve.solve({"kind": "conv", "input": [[1, -2], [3, -4]], "kernel": [[1]],
                       "activation": "relu", "grad_output": "ones"}).results
    assert r["output"] == [[1, 0], [3, 0]]
    assert r["grad_input"] == [[1, 0], [1, 0]]


SETTINGS = list(itertools.product([1, 2], [(1, 1), (2, 1)], [(0, 0), (1, 2)], [(1, 1), (2, 2)],
                                  [False, True]))


@pytest.mark.parametrize("c_in,stride,padding,dilation,flip", SETTINGS)
def test_conv_matches_torch(c_in, stride, padding, dilation, flip):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(sum(stride) + 10 * sum(padding) + c_in)
    x = rng.integers(-3, 4, (c_in, 7, 6)).astype(float)
    k = rng.integers(-2, 3, (2, c_in, 3, 2)).astype(float)
    spec = {"kind": "conv", "input": x.tolist(), "kernels": k.tolist(), "bias": [0.5, -1.0],
            "stride": list(stride), "padding": list(padding), "dilation": list(dilation),
            "operation": "convolution" if flip else "cross-correlation"}
    X = torch.tensor(x[None], requires_grad=True)
    K = torch.tensor((k[..., ::-1, ::-1] if flip else k).copy(), requires_grad=True)
    B = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    Y = torch.nn.functional.conv2d(X, K, B, stride, padding, dilation)
    gy = rng.integers(-2, 3, Y.shape[1:]).astype(float)
    Y.backward(torch.tensor(gy[None]))
    r = dlsolve.solve({**spec, "grad_output": gy.tolist()}).results
    assert np.allclose(r["output"], Y.detach().numpy()[0])
    assert np.allclose(r["grad_input"], X.grad.numpy()[0])
    dk = K.grad.numpy()
    assert np.allclose(r["grad_kernel"], dk[..., ::-1, ::-1] if flip else dk)
    assert np.allclose(r["grad_bias"], B.grad.numpy())


def test_conv_transpose_is_the_input_gradient():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    x, k = rng.normal(size=(1, 6, 6)), rng.normal(size=(1, 1, 3, 3))
    gy = rng.normal(size=(1, 2, 2))
    r = dlsolve.solve({"kind": "conv", "input": x[0].tolist(), "kernel": k[0, 0].tolist(),
                       "stride": 2, "grad_output": gy[0].tolist()}).results
    t = torch.nn.functional.conv_transpose2d(torch.tensor(gy[None]), torch.tensor(k),
                                             stride=2, output_padding=1)
    assert np.allclose(r["grad_input"], t.numpy()[0, 0])


def test_pool_seed_and_backward():
    r = results(["pool", PROBLEMS / "seed002-maxpool-stride2.yaml"])
    assert r["output"] == [[6, 8], [3, 4]]
    assert r["grad_input"] == [[0, 0, 0, 0], [0, 1, 0, 1], [1, 0, 0, 0], [0, 0, 0, 1]]
    r = results(["pool", PROBLEMS / "seed002-avgpool-stride2.yaml"])
    assert r["output"] == [[3.25, 5.25], [2, 2]]
    assert r["grad_input"] == [[0.25] * 4] * 4


def test_max_pool_ties_and_overlap():
    r = dlsolve.solve({"kind": "pool", "input": [[5, 5, 1], [1, 5, 1], [1, 1, 1]], "pool": "max",
                       "kernel": 2, "stride": 1, "grad_output": "ones"}).results
    assert r["output"] == [[5, 5], [5, 5]]
    assert r["grad_input"] == [[1, 1, 0], [0, 2, 0], [0, 0, 0]]


def test_global_pooling():
    r = dlsolve.solve({"kind": "pool", "input": [[1, 2], [3, 6]], "pool": "global_avg",
                       "grad_output": [[4]]}).results
    assert r["output"] == [[3.0]]
    assert r["grad_input"] == [[1, 1], [1, 1]]


@pytest.mark.parametrize("mode,kernel,stride,padding,ceil,include", list(itertools.product(
    ["max", "avg"], [2, 3], [1, 2], [0, 1], [False, True], [True, False])))
def test_pool_matches_torch(mode, kernel, stride, padding, ceil, include):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(kernel * 7 + stride)
    x = rng.normal(size=(2, 5, 6))
    X = torch.tensor(x[None], requires_grad=True)
    if mode == "max":
        Y = torch.nn.functional.max_pool2d(X, kernel, stride, padding, ceil_mode=ceil)
    else:
        Y = torch.nn.functional.avg_pool2d(X, kernel, stride, padding, ceil_mode=ceil,
                                           count_include_pad=include)
    gy = rng.normal(size=Y.shape[1:])
    Y.backward(torch.tensor(gy[None]))
    r = dlsolve.solve({"kind": "pool", "input": x.tolist(), "pool": mode, "kernel": kernel,
                       "stride": stride, "padding": padding, "ceil_mode": ceil,
                       "count_include_pad": include, "grad_output": gy.tolist()}).results
    assert np.allclose(r["output"], Y.detach().numpy()[0])
    assert np.allclose(r["grad_input"], X.grad.numpy()[0])


def test_params_seed001_q2():
    r = results(["params", PROBLEMS / "seed001-q2-params.yaml"])
    assert r["total"] == 16295
    assert r["per_layer"] == [0, 5125, 60, 110, 11000]
    r = results(["params", "--input", "32x32", "--flatten", "--dense", "5,10,10,1000"])
    assert r["total"] == 16295
    assert r["per_layer"] == [0, 5125, 60, 110, 11000]
    r = results(["params", "--input", "1024", "--dense", "5,10,10,1000"])
    assert r["per_layer"] == [5125, 60, 110, 11000]


def test_params_seed002_one_neuron():
    r = results(["params", PROBLEMS / "seed002-params-224.yaml"])
    assert r["weights"] == 150528
    assert r["total"] == 150529


LENET5 = ["--input", "32x32x1", "--conv", "6:5", "--avgpool", "2", "--conv", "16:5",
          "--avgpool", "2", "--flatten", "--dense", "120,84,10"]
ALEXNET = ["--input", "227x227x3", "--conv", "96:11:4", "--pool", "3:2", "--conv", "256:5:1:2",
           "--pool", "3:2", "--conv", "384:3:1:1", "--conv", "384:3:1:1", "--conv", "256:3:1:1",
           "--pool", "3:2", "--flatten", "--dense", "4096,4096,1000"]
VGG16 = ["--input", "224x224x3"] + sum(([["--conv", f"{f}:3:1:same"]] * n + [["--pool", "2"]]
                                        for f, n in ((64, 2), (128, 2), (256, 3), (512, 3),
                                                     (512, 3))), [])
VGG16 = VGG16[:2] + [t for pair in VGG16[2:] for t in pair] + ["--flatten", "--dense",
                                                                "4096,4096,1000"]


def test_famous_networks():
    assert results(["params", *LENET5])["total"] == 61706
    assert results(["params", *ALEXNET])["total"] == 62378344
    r = results(["params", *VGG16])
    assert r["total"] == 138357544
    assert r["output_shapes"][-5] == [7, 7, 512]


def test_params_against_torch_layer_counts():
    torch = pytest.importorskip("torch")
    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.MaxPool2d(2),
                          nn.Conv2d(8, 4, 5), nn.Flatten(), nn.Linear(4 * 4 * 4, 7))
    torch_total = sum(p.numel() for p in model.parameters()) + sum(
        b.numel() for name, b in model.named_buffers() if "running" in name)
    r = results(["params", "--input", "16x16x3", "--conv", "8:3:1:1", "--batchnorm", "--pool",
                 "2", "--conv", "4:5", "--flatten", "--dense", "7"])
    assert r["total"] == torch_total
    assert r["non_trainable"] == 16


def test_receptive_field_and_summary_table():
    out = run(["params", "--input", "32x32x3", "--conv", "8:3", "--conv", "8:3", "--pool", "2",
               "--conv", "8:3", "--format", "text"]).stdout
    assert "| conv2d_3  | 12×12×8      | 584    | 82944  | 10              |" in out


def test_errors(tmp_path):
    p = write(tmp_path, "kind: conv\ninput: [[1, 2], [3, 4]]\nkernels: [[[[1]], [[1]], [[1]]]]\n")
    assert run(["conv", p]).stderr.strip() == (
        f"{p}:3:11: kernels[0]: expected 1 channel matrix(es), as the input has, got 3")
    p = write(tmp_path, "kind: conv\ninput: [[1, 2, 3], [4, 5]]\nkernel: [[1]]\n", "b.yaml")
    assert run(["conv", p]).stderr.strip() == (
        f"{p}:2:20: input[1]: expected rows of equal length (3, as row 0), got row 1 with 2")
    p = write(tmp_path, "kind: pool\ninput: [[1, 2], [3, 4]]\nkernel: 2\nstride: 0\n", "c.yaml")
    assert run(["pool", p]).stderr.strip() == (
        f"{p}:4:9: stride: expected a positive integer or a pair [h, w] of them, got 0")
    p = write(tmp_path, "kind: conv\ninput: [[1, 2, 3], [4, 5, 6], [7, 8, 9]]\n"
                        "kernel: [[1, 0], [0, 1]]\ngrad_output: [[1, 1]]\n", "d.yaml")
    assert run(["conv", p]).stderr.strip() == (
        f"{p}:4:14: grad_output: expected a 2×2 gradient, the shape of the output (3×3 input, "
        "2×2 kernel, stride 1, padding 0), got 1×2")
    p = write(tmp_path, "kind: conv\ninput: [[1, 2], [3, 4]]\nkernel: [[1, 0, 1], [0, 1, 0], "
                        "[1, 1, 1]]\n", "e.yaml")
    assert "expected a kernel that fits the padded input (side 2 + 2·0 = 2)" in \
        run(["conv", p]).stderr or "height 2" in run(["conv", p]).stderr
    res = run(["params", "--input", "8", "--conv", "4:3"])
    assert res.exit_code == 2
    assert "a conv2d layer needs an H×W(×C) input" in res.stderr


def test_same_padding_counts_its_end_row_when_padded_cells_count():
    """TensorFlow's 'same' puts its odd padding at the bottom/right; count_include_pad: true
    counts those zeros too (design: "counts them all"), worked by hand: the corner window
    holds 9 and three padded zeros, 9/4; the right column (3 + 6)/4; the bottom (7 + 8)/4."""
    spec = {"kind": "pool", "pool": "avg", "input": [[1, 2, 3], [4, 5, 6], [7, 8, 9]],
            "kernel": 2, "stride": 1, "padding": "same"}
    counted = dlsolve.solve(dict(spec, count_include_pad=True)).results["output"]
    assert counted == [[3.0, 4.0, 2.25], [6.0, 7.0, 3.75], [3.75, 4.25, 2.25]]
    real = dlsolve.solve(spec).results["output"]  # TensorFlow: padded cells never count
    assert real == [[3.0, 4.0, 4.5], [6.0, 7.0, 7.5], [7.5, 8.5, 9.0]]
