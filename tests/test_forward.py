"""Forward passes: the seeds' networks (named and matrix forms), random networks vs torch."""

import json
import math
import random

import pytest
from conftest import PROBLEMS, results, run, write

from dlsolve.kernels.activations import REGISTRY

SEED000_MATRIX = """kind: forward
inputs: [2.0, -1.0]
layers:
  - {weights: [[1.0, 0.5], [-0.5, -1.0]], bias: [0.5, -0.5], activation: relu}
  - {weights: [[1, 0], [0, 1]], bias: [0, 0], activation: relu}
  - {weights: [[0.5, -0.5], [-1.0, 1.0]], bias: [-1.0, 0.5], activation: relu}
targets: [1.0, 0.5]
loss: half_mse
"""


def test_seed000_named_form_right_answer_not_the_seeds():
    r = results(["forward", PROBLEMS / "seed000-q4a-relu-network.yaml"])
    assert r["outputs"] == [0.0, 0.0]  # the seed wrote (0, -1.5): ReLU(-1.5) is 0
    assert r["z_o2"] == -1.5
    assert (r["z_h1"], r["h1"], r["z_h2"], r["h2"], r["h3"], r["h4"]) == (2, 2, -0.5, 0, 2, 0)
    assert r["loss"] == 0.3125
    assert (r["loss_o1"], r["loss_o2"]) == (0.5, 0.125)


def test_seed000_derivation_reads_like_the_exam():
    out = run(["forward", PROBLEMS / "seed000-q4a-relu-network.yaml", "--format", "text"]).stdout
    assert "z_h1 = i1·w11 + i2·w21 + b1 = 2·1 + (-1)·0.5 + 0.5 = 2" in out
    assert "h2 = ReLU(z_h2) = max(0, -0.5) = 0" in out
    assert "o2 = ReLU(z_o2) = max(0, -1.5) = 0" in out
    assert "E = (E_o1 + E_o2)/2 = (0.5 + 0.125)/2 = 0.3125" in out


def test_matrix_and_named_forms_agree(tmp_path):
    r = results(["forward", write(tmp_path, SEED000_MATRIX)])
    assert r["layer_z"] == [[2.0, -0.5], [2.0, 0.0], [0.0, -1.5]]
    assert r["outputs"] == [0.0, 0.0]
    assert r["loss"] == 0.3125
    assert r["z_h1_1"] == 2.0 and r["o2"] == 0.0


def test_seed001_neuron_and_shared_weights():
    r = results(["forward", PROBLEMS / "seed001-sigmoid-neuron.yaml"])
    assert r["outputs"] == [pytest.approx(1 / (1 + math.exp(-7)))]
    r = results(["forward", PROBLEMS / "seed001-2-2-1-network.yaml"])
    h = 1 / (1 + math.exp(-3))
    assert round(r["h1"], 4) == round(r["h2"], 4) == 0.9526
    assert r["o1"] == pytest.approx(1 / (1 + math.exp(-h)))
    assert round(r["o1"], 4) == 0.7216


def test_mazur():
    r = results(["forward", PROBLEMS / "mazur-2-2-2.yaml"])
    assert r["outputs"] == pytest.approx([0.7513650695523157, 0.7729284653214625], abs=1e-12)
    assert r["loss"] == pytest.approx(0.2983711087600027, abs=1e-12)


def test_softmax_output_layer_and_default_loss(tmp_path):
    p = write(tmp_path, "kind: forward\ninputs: [1.0, 2.0]\nlayers:\n"
                        "  - {weights: [[1, 0], [0, 1], [1, 1]], bias: [0, 0, -3], "
                        "activation: softmax}\ntargets: [0, 1, 0]\n")
    r = results(["forward", p])
    assert r["outputs"] == pytest.approx([0.24472847105479764, 0.6652409557748219,
                                          0.09003057317038046])
    assert r["loss"] == pytest.approx(-math.log(0.6652409557748219))  # cce chosen, and said
    doc = json.loads(run(["forward", p, "--format", "json"]).stdout)
    assert any("No loss: was given; cce was used" in n for n in doc["notes"])


def test_in_out_weights_layout(tmp_path):
    p = write(tmp_path, "kind: forward\ninputs: [1, 2, 3]\nweights_layout: in_out\nlayers:\n"
                        "  - {weights: [[1, 0], [0, 1], [1, 1]], bias: 0}\n")
    assert results(["forward", p])["outputs"] == [4.0, 5.0]


def test_matrix_view():
    out = run(["forward", PROBLEMS / "mazur-2-2-2.yaml", "--matrix", "--format", "text"]).stdout
    assert "z = W·x + b" in out
    assert "W1 =" in out


def test_large_layer_is_elided_but_complete_in_json(tmp_path):
    rng = random.Random(1)
    x = [round(rng.uniform(0, 1), 2) for _ in range(40)]
    w = [[round(rng.uniform(-1, 1), 2) for _ in range(40)] for _ in range(20)]
    p = tmp_path / "big.yaml"
    p.write_text(json.dumps({"kind": "forward", "inputs": x,
                             "layers": [{"weights": w, "bias": 0.1, "activation": "tanh"}]}))
    out = run(["forward", p, "--format", "text"]).stdout
    assert "… (33 more terms)" in out
    assert "the other 17 units of this layer" in out
    r = results(["forward", p])
    assert len(r["outputs"]) == 20
    assert r["outputs"][19] == pytest.approx(math.tanh(sum(a * b for a, b in zip(w[19], x)) + 0.1))


ACTS = [n for n in sorted(REGISTRY) if n not in ("swish", "exponential", "step")]


def _random_spec(rng, depth, widths, acts, softmax_out):
    sizes = [rng.randint(1, 6) for _ in range(depth + 1)] if widths is None else widths
    layers = []
    for i in range(depth):
        act = rng.choice(acts)
        if i == depth - 1 and softmax_out:
            act = "softmax"
        layers.append({"weights": [[rng.uniform(-1.5, 1.5) for _ in range(sizes[i])]
                                   for _ in range(sizes[i + 1])],
                       "bias": [rng.uniform(-1, 1) for _ in range(sizes[i + 1])],
                       "activation": act})
    return {"kind": "forward", "inputs": [rng.uniform(-2, 2) for _ in range(sizes[0])],
            "layers": layers}


@pytest.mark.parametrize("seed", range(25))
def test_random_networks_match_torch(seed):
    torch = pytest.importorskip("torch")
    from test_activation import TORCH

    import dlsolve

    rng = random.Random(seed)
    spec = _random_spec(rng, rng.randint(1, 4), None, ACTS, rng.random() < 0.3)
    sol = dlsolve.solve(spec)
    a = torch.tensor(spec["inputs"], dtype=torch.float64)
    for layer, zs in zip(spec["layers"], sol.results["layer_z"]):
        z = torch.tensor(layer["weights"], dtype=torch.float64) @ a + torch.tensor(
            layer["bias"], dtype=torch.float64)
        assert z.tolist() == pytest.approx(zs, rel=1e-12, abs=1e-12)
        a = torch.softmax(z, 0) if layer["activation"] == "softmax" else \
            TORCH[layer["activation"]](torch.nn.functional, z)
    assert sol.results["outputs"] == pytest.approx(a.tolist(), rel=1e-12, abs=1e-12)
