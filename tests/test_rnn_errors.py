"""rnn refuses bad input: exit 2, no traceback, file:line: field and what was expected."""

import pytest
from conftest import run, write

GOOD = """\
kind: rnn
cell: lstm
inputs: [[1, 2], [0, 1]]
weights:
  i: {W: [[0, 0]], U: [[0]], b: [0]}
  f: {W: [[0, 0]], U: [[0]], b: [0]}
  g: {W: [[0, 0]], U: [[0]], b: [0]}
  o: {W: [[0, 0]], U: [[0]], b: [0]}
"""


def fails(tmp_path, text, *needles):
    res = run(["rnn", write(tmp_path, text)])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and "internal error" not in res.output
    for needle in needles:
        assert needle in res.stderr, res.stderr
    return res.stderr


def test_good_spec_solves(tmp_path):
    assert run(["rnn", write(tmp_path, GOOD)]).exit_code == 0


def test_wrong_shape_names_gate_matrix_and_expected_shape(tmp_path):
    err = fails(tmp_path, GOOD.replace("f: {W: [[0, 0]]", "f: {W: [[0, 0, 0]]"),
                "spec.yaml:6:", "weights.f.W: expected a 1×2 matrix for gate f (forget gate): "
                "W is H×D (hidden size 1, input size 2), got 1×3")
    assert err.count("\n") == 1


def test_wrong_U_and_bias(tmp_path):
    fails(tmp_path, GOOD.replace("o: {W: [[0, 0]], U: [[0]], b: [0]}",
                                 "o: {W: [[0, 0]], U: [[0, 1]], b: [0, 1]}"),
          "weights.o.U: expected a 1×1 matrix for gate o (output gate): U is H×H (hidden "
          "size 1), got 1×2", "weights.o.b: expected 1 number for gate o")


def test_missing_gate(tmp_path):
    fails(tmp_path, GOOD.replace("  o: {W: [[0, 0]], U: [[0]], b: [0]}\n", ""),
          "spec.yaml:5:", "weights: expected every gate of the lstm cell (i, f, g, o), got no o "
                          "(output gate)")


def test_unknown_gate_did_you_mean(tmp_path):
    text = GOOD.replace("kind: rnn\ncell: lstm", "kind: rnn\ncell: gru").replace(
        "  i:", "  r:").replace("  f:", "  z:").replace("  g:", "  n:").replace(
        "  o: {W: [[0, 0]], U: [[0]], b: [0]}\n", "  zz: {W: [[0, 0]], U: [[0]]}\n")
    fails(tmp_path, text, "weights.zz: expected a gate of the gru cell (r, z, n, PyTorch's order), "
                          "did you mean 'z'? got 'zz'")


def test_missing_matrix(tmp_path):
    fails(tmp_path, GOOD.replace("g: {W: [[0, 0]], U: [[0]], b: [0]}", "g: {W: [[0, 0]]}"),
          "weights.g.U: expected a matrix")


def test_ragged_inputs(tmp_path):
    fails(tmp_path, GOOD.replace("inputs: [[1, 2], [0, 1]]", "inputs: [[1, 2], [0]]"),
          "spec.yaml:3:", "inputs[1]: expected x_2 of size 2, as x_1 (every step's input has "
          "the same size), got 1 value")


def test_unknown_cell_did_you_mean(tmp_path):
    fails(tmp_path, GOOD.replace("cell: lstm", "cell: lstn"),
          "spec.yaml:2:", "cell: expected one of rnn, lstm, gru (did you mean 'lstm'?), got "
          "'lstn'")


def test_unknown_field_did_you_mean(tmp_path):
    fails(tmp_path, GOOD + "targts: [[0], [0]]\n", "targts: unknown field; did you mean "
                                                  "'targets'?")


@pytest.mark.parametrize("extra,needle", [
    ("h0: [0, 0]\n", "h0: expected 1 number (hidden size H = 1, the rows of U), got 2"),
    ("targets: [[0]]\n", "targets: expected a list of 2 targets (one per step"),
    ("targets: [[0], [0, 1]]\n", "targets[1]: expected 1 number (one per output)"),
    ("target: 0\ntargets: [0, 0]\n", "give targets: (one per step) or target:"),
    ("activation: relu\n", "activation: only the plain cell (cell: rnn) takes an activation"),
    ("reset_after: false\n", "reset_after: only a gru takes reset_after"),
    ("loss: half_sse\n", "loss: a loss needs targets:"),
    ("output: {W: [[1, 2]]}\n", "output.W: expected a matrix with 1 column (W_y is O×H"),
    ("targets: [null, null]\n", "at least one given"),
    ("target: 1\nloss: sparse_cce\n", "target: expected a class index 0..0"),
])
def test_more_bad_fields(tmp_path, extra, needle):
    fails(tmp_path, GOOD + extra, needle)


def test_every_error_of_a_file_at_once(tmp_path):
    text = GOOD.replace("f: {W: [[0, 0]]", "f: {W: [[0]]").replace(
        "o: {W: [[0, 0]], U: [[0]]", "o: {W: [[0, 0]], U: [[0, 0]]")
    err = fails(tmp_path, text, "weights.f.W", "weights.o.U")
    assert err.count("\n") == 2


def test_plain_cell_contract_shapes(tmp_path):
    text = ("kind: rnn\ncell: rnn\ninputs: [[1], [2]]\n"
            "weights:\n  rnn: {W: [[1, 2]], U: [[0.5]], b: [0]}\n")
    fails(tmp_path, text, "weights.rnn.W: expected a 1×1 matrix for gate rnn (cell)")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import dlsolve  # noqa: E402
from dlsolve.errors import SpecError  # noqa: E402

LEAF = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(-2, 2),
                 st.sampled_from(["x", "tanh", "relu", "lstm", ""]))
VALUE = st.recursive(LEAF, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                    st.dictionaries(st.sampled_from(
                                                        ["W", "U", "b", "bu", "i", "rnn"]),
                                                        inner, max_size=3)), max_leaves=8)


@settings(max_examples=150, deadline=None, derandomize=True)
@given(field=st.sampled_from(["inputs", "h0", "c0", "weights", "output", "targets", "target",
                              "cell", "activation", "loss", "reset_after"]), value=VALUE,
       cell=st.sampled_from(["rnn", "lstm", "gru"]))
def test_fuzzed_fields_solve_or_refuse_cleanly(field, value, cell):
    spec = {"kind": "rnn", "cell": cell, "inputs": [[1.0], [0.5]],
            "weights": {g: {"W": [[0.5]], "U": [[0.5]]} for g in
                        {"rnn": ["rnn"], "lstm": "ifgo", "gru": "rzn"}[cell]}}
    spec[field] = value
    try:
        dlsolve.solve(spec)
    except SpecError:
        pass


def test_flat_inputs_hint(tmp_path):
    text = "kind: rnn\ninputs: [1, 2]\nweights: {W: [[1, 2]], U: 0.5}\n"
    fails(tmp_path, text, "weights.W: expected a 1×1 matrix", "write [[...]] for one step")


def test_stacked_weights_shapes(tmp_path):
    text = ("kind: rnn\ncell: gru\ninputs: [1, 2]\nweights:\n  weight_ih: [[1], [1], [1]]\n"
            "  weight_hh: [[1, 0], [0, 1], [1, 1]]\n")
    fails(tmp_path, text, "weights.weight_hh: expected a 3H×H matrix: 3 gate blocks r, z, n "
                          "stacked (PyTorch's order), got 3×2")
    text = ("kind: rnn\ncell: gru\ninputs: [1, 2]\nweights:\n  weight_ih: [[1], [1]]\n"
            "  weight_hh: [[1], [0], [1]]\n  bias_ih: [0, 0]\n")
    fails(tmp_path, text, "weights.weight_ih: expected a 3×1 matrix",
          "weights.bias_ih: expected 3 numbers")


def _plain(T, H):
    U = [[0.01] * H for _ in range(H)]
    return (f"kind: rnn\ncell: rnn\ninputs: {[[0.5]] * T}\n"
            f"weights:\n  rnn: {{W: {[[0.1]] * H}, U: {U}}}\n")


def test_a_problem_too_big_to_work_by_hand_is_refused_not_run_for_minutes(tmp_path):
    fails(tmp_path, _plain(200, 40), "spec.yaml:5:3: weights: expected a problem worked by hand: "
          "at most 250,000 multiply-adds per forward pass (T·gates·H·(H + D)), got "
          "200·1·40·(40 + 1) = 328,000")


def test_more_than_500_steps_are_refused(tmp_path):
    fails(tmp_path, _plain(501, 1), "spec.yaml:3:9: inputs: expected at most 500 steps, got 501")
    assert run(["rnn", write(tmp_path, _plain(500, 1))]).exit_code == 0
