"""Network spec errors: each names the field, the expectation and what was given."""

from conftest import run, write


def errors(tmp_path, text):
    p = write(tmp_path, text)
    res = run(["forward", p])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    return [line.replace(f"{p}:", "") for line in res.stderr.strip().splitlines()]


def test_weight_matrix_of_the_wrong_shape(tmp_path):
    assert errors(tmp_path, "kind: forward\ninputs: [1.0, 2.0]\nlayers:\n"
                            "  - {weights: [[1, 0, 2], [0, 1, 2]], activation: relu}\n") == [
        "4:15: layers[0].weights: expected a 2×2 (one row per unit, one column per input: "
        "W[j][i]) matrix for this layer's 2 input(s), got 2×3"]


def test_second_layer_shape_uses_the_first_layers_width(tmp_path):
    assert errors(tmp_path, "kind: forward\ninputs: [1.0]\nlayers:\n"
                            "  - {weights: [[1], [2], [3]]}\n  - {weights: [[1, 2]]}\n") == [
        "5:15: layers[1].weights: expected a 1×3 (one row per unit, one column per input: "
        "W[j][i]) matrix for this layer's 3 input(s), got 1×2"]


def test_bias_length(tmp_path):
    assert errors(tmp_path, "kind: forward\ninputs: [1.0]\nlayers:\n"
                            "  - {weights: [[1], [2]], bias: [1, 2, 3]}\n") == [
        "4:33: layers[0].bias: expected 2 biases (one per unit) or one number, got 3"]


def test_symbol_without_a_value(tmp_path):
    assert errors(tmp_path, "kind: forward\ninputs: {i1: 1}\nvalues: {w1: 2}\nunits:\n"
                            "  h1: {inputs: {i1: w9}, activation: relu}\n") == [
        "5:21: units.h1.inputs.i1: expected a symbol given a value in values: (w1), got 'w9'"]


def test_unit_fed_by_a_missing_unit(tmp_path):
    assert errors(tmp_path, "kind: forward\ninputs: {i1: 1}\nvalues: {w: 2}\nunits:\n"
                            "  o1: {inputs: {h7: w}}\n") == [
        "5:21: units.o1.inputs.h7: 'h7' is neither an input (i1) nor a unit"]


def test_cycle(tmp_path):
    assert errors(tmp_path, "kind: forward\ninputs: {i1: 1}\nvalues: {w: 2}\nunits:\n"
                            "  a: {inputs: {i1: w, b: w}}\n  b: {inputs: {a: w}}\n") == [
        "5:3: units: the units a → b → a form a cycle; a feed-forward network has none"]


def test_unknown_activation_in_a_layer(tmp_path):
    (line,) = errors(tmp_path, "kind: forward\ninputs: [1]\nlayers:\n"
                               "  - {weights: [[1]], activation: rleu}\n")
    assert line.startswith("4:34: layers[0].activation: expected an activation name (celu,")
    assert line.endswith(", softmax), got 'rleu'; did you mean 'relu'?")


def test_targets_of_the_wrong_length(tmp_path):
    assert errors(tmp_path, "kind: forward\ninputs: [1]\nlayers:\n  - {weights: [[1], [1]]}\n"
                            "targets: [1, 2, 3]\nloss: mse\n") == [
        "5:10: targets: expected 2 target(s), one per output (o1, o2), got 3"]


def test_both_forms_and_neither(tmp_path):
    assert errors(tmp_path, "kind: forward\ninputs: [1]\n") == [
        "1:1: layers: expected layers: (matrix form) or units: (named form), got neither"]
