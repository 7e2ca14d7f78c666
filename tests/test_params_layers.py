"""params for recurrent, embedding, attention and normalisation layers, dense on the last axis,
and multiply-accumulates: Keras's documented counts, PyTorch's layers and FLOP counter."""

import pytest
from conftest import PROBLEMS, results, run, write

import dlsolve


def params(inp, *layers):
    return dlsolve.solve({"kind": "params", "input": list(inp), "layers": list(layers)}).results


def test_quiz_simplernn_then_dense():
    r = results(["params", PROBLEMS / "quiz-simplernn-dense.yaml"])
    assert r["per_layer"] == [976, 1700] and r["total"] == 2676
    assert r["output_shapes"] == [[16], [100]]


@pytest.mark.parametrize("layer,count", [
    ({"type": "simplernn", "units": 3}, 3 * (2 + 3) + 3),
    ({"type": "lstm", "units": 16}, 4 * (16 * (2 + 16) + 16)),
    ({"type": "lstm", "units": 16, "bias": "pytorch"}, 4 * (16 * (2 + 16) + 2 * 16)),
    ({"type": "gru", "units": 6}, 3 * (6 * (2 + 6) + 2 * 6)),          # reset_after (Keras 2.x/3)
    ({"type": "gru", "units": 6, "reset_after": False}, 3 * (6 * (2 + 6) + 6)),
    ({"type": "lstm", "units": 5, "bias": False}, 4 * 5 * (2 + 5)),
])
def test_recurrent_counts_keras_formulas(layer, count):
    assert params([7, 2], layer)["total"] == count


def test_recurrent_shapes_and_bidirectional_merges():
    r = params([4, 5], {"type": "gru", "units": 6, "return_sequences": True},
               {"type": "gru", "units": 2, "reset_after": False})
    assert r["output_shapes"] == [[4, 6], [2]] and r["per_layer"] == [234, 54]
    bi = {"type": "bidirectional", "layer": {"type": "lstm", "units": 4}}
    assert params([12, 8], bi)["output_shapes"] == [[8]]
    assert params([12, 8], {**bi, "merge": "sum"})["output_shapes"] == [[4]]
    assert params([12, 8], bi)["per_layer"] == [2 * 4 * (4 * 12 + 4)]


def test_embedding_then_bidirectional_lstm_then_dense():
    r = params([12], {"type": "embedding", "input_dim": 50, "output_dim": 8},
               {"type": "bidirectional", "layer": {"type": "lstm", "units": 4}},
               {"type": "dense", "units": 3})
    assert r["per_layer"] == [400, 416, 27] and r["total"] == 843


def test_dense_acts_on_the_last_axis_and_macs():
    r = params([4, 4, 3], {"type": "dense", "units": 5}, {"type": "flatten"},
               {"type": "dense", "units": 2})
    assert r["per_layer"] == [20, 0, 162]
    assert r["output_shapes"] == [[4, 4, 5], [80], [2]]
    assert r["macs"] == [240, 0, 160] and r["total_macs"] == 400
    out = dlsolve.solve({"kind": "params", "input": [4, 4, 3],
                         "layers": [{"type": "dense", "units": 5}]}).render("text")
    assert "Dense acts on the last axis" in out and "FLOPs ≈ 2·MACs = 480" in out


def test_keras_multihead_attention_and_layernorm():
    r = params([10, 16], {"type": "multihead_attention", "heads": 2, "key_dim": 4},
               {"type": "layernorm"})
    # Keras: query/key/value kernels 16·2·4 + biases 2·4 each; output 2·4·16 + 16
    assert r["per_layer"] == [3 * (16 * 2 * 4 + 2 * 4) + 2 * 4 * 16 + 16, 32]
    assert r["weights"] == 3 * 128 + 128 + 16        # layernorm's γ counts as weights
    # MACs: Q, K, V projections 3·10·16·8; scores and weighted sum 2·10²·8; output 10·8·16
    assert r["macs"] == [3 * 10 * 16 * 8 + 2 * 100 * 8 + 10 * 8 * 16, 0]


def test_batchnorm_gamma_and_moving_statistics_are_weights():
    r = params([8, 8, 4], {"type": "batchnorm"})
    assert r["total"] == 16 and r["trainable"] == 8 and r["weights"] == 12


def test_recurrent_counts_match_pytorch():
    torch = pytest.importorskip("torch")
    for cls, kind in ((torch.nn.RNN, "simplernn"), (torch.nn.LSTM, "lstm"),
                      (torch.nn.GRU, "gru")):
        for d, u in ((3, 2), (8, 16)):
            m = cls(d, u)
            expected = sum(p.numel() for p in m.parameters())
            assert params([5, d], {"type": kind, "units": u, "bias": "pytorch"})["total"] == \
                expected
            weights = sum(p.numel() for n, p in m.named_parameters() if "weight" in n)
            assert params([5, d], {"type": kind, "units": u, "bias": "pytorch"})["weights"] \
                == weights


def test_attention_and_layernorm_match_pytorch():
    torch = pytest.importorskip("torch")
    d, h = 12, 3    # Keras key_dim = d/h gives torch's in_proj + out_proj
    m = torch.nn.MultiheadAttention(d, h)
    assert params([6, d], {"type": "multihead_attention", "heads": h, "key_dim": d // h}
                  )["total"] == sum(p.numel() for p in m.parameters())
    ln = torch.nn.LayerNorm(d)
    assert params([6, d], {"type": "layernorm"})["total"] == sum(p.numel()
                                                                 for p in ln.parameters())


def test_macs_match_torch_flop_counter():
    torch = pytest.importorskip("torch")
    from torch.utils.flop_counter import FlopCounterMode

    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                          nn.Conv2d(8, 4, 3), nn.Flatten(), nn.Linear(4 * 6 * 6, 7))
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 3, 16, 16))
    r = results(["params", "--input", "16x16x3", "--conv", "8:3:1:1", "--pool", "2",
                 "--conv", "4:3", "--flatten", "--dense", "7"])
    assert 2 * r["total_macs"] == counter.get_total_flops()
    lin = nn.Linear(3, 5)
    with FlopCounterMode(display=False) as counter:
        lin(torch.zeros(16, 3))    # 16 positions, as Dense on a 4×4×3 input
    assert 2 * params([4, 4, 3], {"type": "dense", "units": 5})["total_macs"] == \
        counter.get_total_flops()


def test_sequence_flags():
    r = results(["params", "--input", "24x44", "--simplernn", "16", "--dense", "100"])
    assert r["total"] == 2676
    r = results(["params", "--input", "10", "--embedding", "50:8", "--lstm", "4:seq", "--mha",
                 "2:2", "--layernorm"])
    assert r["output_shapes"] == [[10, 8], [10, 4], [10, 4], [10, 4]]


@pytest.mark.parametrize("text,message", [
    ("input: [32]\nlayers:\n  - {type: lstm, units: 4}\n",
     "layers[0].type: a lstm layer needs a sequence input [T, D]"),
    ("input: [5, 3]\nlayers:\n  - {type: bidirectional}\n",
     "layers[0].layer: expected the wrapped recurrent layer"),
    ("input: [5, 3]\nlayers:\n  - {type: bidirectional, layer: {type: dense, units: 2}}\n",
     "layers[0].layer.type: expected one of simplernn, lstm, gru"),
    ("input: [5, 3]\nlayers:\n  - {type: lstm, units: 4, bias: both}\n",
     "layers[0].bias: expected true, false, keras"),
    ("input: [5, 3]\nlayers:\n  - {type: multihead_attention, heads: 2}\n",
     "layers[0].key_dim: expected a positive integer"),
])
def test_bad_layers(tmp_path, text, message):
    p = write(tmp_path, "kind: params\n" + text)
    res = run(["params", p])
    assert res.exit_code == 2 and message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr
