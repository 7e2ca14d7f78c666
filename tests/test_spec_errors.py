"""Bad input: one line per problem naming file, line, column and field; exit 2; no traceback."""

from conftest import run, write


def errors(args):
    res = run(args)
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    return res.stderr.strip().splitlines()


def test_tab_in_indentation(tmp_path):
    p = write(tmp_path, "kind: convshape\ninput: [32, 32, 3]\n\tfilters: 8\n")
    assert errors(["convshape", p]) == [
        f"{p}:3:1: invalid YAML: a tab character; YAML indents with spaces only "
        "(while scanning for the next token)"]


def test_duplicate_key(tmp_path):
    p = write(tmp_path, "kind: convshape\ninput: [32, 32, 3]\nkernel: 3\nkernel: 5\nfilters: 1\n")
    assert errors(["convshape", p]) == [f"{p}:4:1: kernel: duplicate key (first given on line 3)"]


def test_every_error_of_a_file_in_one_run(tmp_path):
    p = write(tmp_path, "kind: convshape\ninput: [32, 32, 3]\nkernel: three\nfilters: -2\n"
                        "stride: 0\npaddin: 1\n")
    assert errors(["convshape", p]) == [
        f"{p}:3:9: kernel: expected a positive integer up to 100,000 or a pair [h, w] of them, "
        "got 'three'",
        f"{p}:4:10: filters: expected a positive integer, got -2",
        f"{p}:5:9: stride: expected a positive integer up to 100,000 or a pair [h, w] of them, "
        "got 0",
        f"{p}:6:1: paddin: unknown field; did you mean 'padding'?",
    ]


def test_scientific_notation_is_a_number_and_no_is_a_string(tmp_path):
    p = write(tmp_path, "kind: softmax\nlogits: [1e-3, 2]\nlabels: [no, yes]\n")
    res = run(["softmax", p, "--format", "json"])
    assert res.exit_code == 0, res.output
    assert '"no",' in res.stdout  # the label stayed a string (YAML 1.1 would make it false)
    p2 = write(tmp_path, "kind: softmax\nlogits: [1e-3, no]\n", "b.yaml")
    assert errors(["softmax", p2]) == [
        f"{p2}:2:16: logits[1]: expected a number, got 'no'"]


def test_flags_negative_stride():
    assert errors(["convshape", "--input", "32x32x3", "--filters", "8", "--kernel", "3",
                   "--stride", "-1"]) == [
        "dlsolve convshape: --stride: expected a positive integer up to 100,000 or a pair [h, w] "
        "of them, got -1"]


def test_kernel_larger_than_padded_input():
    assert errors(["convshape", "--input", "4x4x1", "--filters", "1", "--kernel", "7"]) == [
        "dlsolve convshape: --kernel: expected a kernel that fits the padded input "
        "(side 4 + 2·0 = 4), got kernel side 7"]


def test_unknown_activation_lists_the_names():
    (line,) = errors(["activation", "swishy", "--at", "0"])
    assert line.startswith("dlsolve activation: NAME: expected an activation name (celu, elu,")
    assert line.endswith("got 'swishy'; did you mean 'swish'?")


def test_missing_file_and_directory(tmp_path):
    missing = tmp_path / "nope.yaml"
    assert errors(["convshape", missing]) == [f"{missing}: no such file"]
    res = run(["convshape", tmp_path])
    assert res.exit_code == 2
    assert "is a directory" in res.stderr


def test_empty_file_and_not_a_mapping(tmp_path):
    p = write(tmp_path, "")
    assert errors(["convshape", p]) == [f"{p}: the file is empty; expected a mapping with kind:"]
    p = write(tmp_path, "- 1\n- 2\n", "list.yaml")
    assert errors(["convshape", p]) == [
        f"{p}:1:1: expected a mapping of fields (kind: ...), got [1, 2]"]


def test_wrong_kind_for_the_command(tmp_path):
    p = write(tmp_path, "kind: softmax\nlogits: [1, 2]\n")
    assert errors(["convshape", p]) == [
        f"{p}:1:7: kind: this is a softmax problem; run 'dlsolve softmax' (or 'dlsolve solve') "
        "on it"]


def test_unknown_kind(tmp_path):
    p = write(tmp_path, "kind: sofmax\nlogits: [1, 2]\n")
    (line,) = errors(["solve", p])
    assert line.startswith(f"{p}:1:7: kind: expected one of ")
    assert line.endswith("got 'sofmax'; did you mean 'softmax'?")


def test_bad_flag_value_uses_clicks_message():
    res = run(["convshape", "--input", "32by32", "--filters", "8", "--kernel", "3"])
    assert res.exit_code == 2
    assert "Invalid value for '--input'" in res.stderr


def test_bad_format_is_exit_2():
    res = run(["softmax", "1", "2", "--format", "pdf"])
    assert res.exit_code == 2
    assert "'pdf' is not one of" in res.stderr


def test_activation_parameter_errors(tmp_path):
    p = write(tmp_path, "kind: activation\nname: relu\nalpha: 0.1\nat: [1]\n")
    (line,) = errors(["activation", p])
    assert line == (f"{p}:3:8: alpha: expected a parameter of ReLU (parameters: none; or kink), "
                    "got 'alpha'")


def test_softmax_bad_target_and_labels(tmp_path):
    p = write(tmp_path, "kind: softmax\nlogits: [1, 2, 3]\nlabels: [a, b]\ntarget: 7\n")
    assert errors(["softmax", p]) == [
        f"{p}:3:9: labels: expected 3 labels (one per logit), got 2",
        f"{p}:4:9: target: expected a class index 0..2 or a label (a, b), got 7"]


BACKPROP = "kind: backprop\ninputs: [0.1]\nlayers:\n  - {weights: [[0.15]], bias: [0.40]}\n"


def test_field_names_a_user_would_type(tmp_path):
    import json

    got = []
    for i, line in enumerate(["learning_rate: 0.5", "lr: 0.5", "learning-rate: 0.5",
                              "Learning_Rate: 0.5", "learning_rate: 0.4"]):
        p = write(tmp_path, BACKPROP + f"targets: [0.25]\n{line}\n", f"s{i}.yaml")
        res = run(["backprop", p, "--format", "json"])
        assert res.exit_code == 0, res.output
        got.append(json.loads(res.stdout)["results"]["new_weights"])
    assert got[0] == got[1] == got[2] == got[3] != got[4]


def test_a_field_given_twice_in_two_spellings(tmp_path):
    p = write(tmp_path, BACKPROP + "targets: [0.25]\nlr: 0.5\nlearning_rate: 0.4\n")
    assert errors(["backprop", p]) == [f"{p}:6:1: lr: the same field as 'learning_rate'; "
                                       "give it once"]


def test_an_aliased_field_is_located_where_written(tmp_path):
    p = write(tmp_path, BACKPROP + "targets: [0.25]\nlearning-rate: fast\n")
    assert errors(["backprop", p]) == [f"{p}:6:16: learning_rate: expected a number, got 'fast'"]


def test_a_missing_field_shows_an_example_line(tmp_path):
    p = write(tmp_path, "kind: gd\nfunction: x**2\nstart: [1]\n")
    assert errors(["gd", p]) == [f"{p}:1:1: learning_rate: expected a positive number, got "
                                 "nothing; add a line such as 'learning_rate: 0.1'"]


def test_did_you_mean_for_names(tmp_path):
    cases = {
        "kind: activation\nname: tanhh\nat: [0]\n": "got 'tanhh'; did you mean 'tanh'?",
        "kind: loss\nloss: msee\npredictions: [1]\ntargets: [1]\n":
            "got 'msee'; did you mean 'mse'?",
        "kind: optimize\noptimizer: adamm\nparams: [1]\ngradients: [[1]]\n":
            "got 'adamm'; did you mean 'adam'?",
        "kind: sofmax\n": "got 'sofmax'; did you mean 'softmax'?",
        "kind: params\ninput: [4]\nlayers:\n  - {type: dens, units: 2}\n":
            "got 'dens'; did you mean 'dense'?",
    }
    for i, (text, tail) in enumerate(cases.items()):
        (line,) = errors(["solve", write(tmp_path, text, f"n{i}.yaml")])
        assert line.endswith(tail), line


def test_x_fields_are_the_users_own(tmp_path):
    p = write(tmp_path, "x-note: checked by hand\nkind: softmax\nlogits: [1, 2]\n")
    assert run(["softmax", p]).exit_code == 0


def test_core_schema_values():
    from dlsolve.spec.load import load_text

    data = load_text("a: !!str 3\nb: !!float 3\nc: 0x1F\nd: 1_000\ne: 1:30\nf: 2020-01-01\n"
                     "g: =\nh: -.inf\ni: ~\n").data
    assert data == {"a": "3", "b": 3.0, "c": 31, "d": 1000, "e": "1:30", "f": "2020-01-01",
                    "g": "=", "h": float("-inf"), "i": None}


def test_merge_keys_explicit_fields_win_and_lists_merge_in_order():
    from dlsolve.spec.load import load_text

    data = load_text("x-a: &a {p: 1, q: 1}\nx-b: &b {q: 2, r: 2}\n"
                     "m: {<<: [*a, *b], p: 0}\n").data
    assert data["m"] == {"p": 0, "q": 1, "r": 2}
