"""check by the derivation's own names, hand rounding, readable answers, sequences, batches."""

import json
import re

import pytest
from conftest import PROBLEMS, ROOT, run, write

from dlsolve.check.names import squeeze
from dlsolve.render.formula import GREEK as FORMULA_GREEK

BUNDLED = sorted(p.name for p in PROBLEMS.glob("*.yaml"))
GREEK = {letter: word for word, letter in FORMULA_GREEK.items()} | {"∂": "d"}


def check(tmp_path, problem, answers: str, *extra):
    spec = problem if "/" in str(problem) else PROBLEMS / problem
    a = write(tmp_path, answers, "answers.yaml")
    res = run(["check", spec, a, "--format", "json", *extra])
    assert "Traceback" not in res.output and "internal error" not in res.output
    return res.exit_code, json.loads(res.stdout) if res.stdout else None, res


def items(doc):
    return {i.get("written", i["name"]): i for i in doc["results"]["items"]}


def notes(doc):
    return " ".join(s.get("text", "") for s in doc["steps"] if s["type"] == "note")


def verdicts(doc):
    table = next(s for s in doc["steps"] if s["type"] == "table")
    return {row[0].split(" (")[0]: row[3] for row in table["rows"]}


def printed(problem):
    """(printed left-hand side, key, value) of every keyed step of the derivation."""
    res = run(["solve", PROBLEMS / problem, "--format", "json"])
    doc = json.loads(res.stdout)
    doc = doc["problems"][0] if "problems" in doc else doc
    out = []
    for s in doc["steps"]:
        lhs = s.get("lhs") if s["type"] == "step" else s.get("name")
        if s.get("key") and lhs and not lhs.startswith(("(", "[")) and "," not in lhs.split(
                "[")[0]:  # a tuple (o1, o2) or (H_out, W_out) is no name
            out.append((squeeze(lhs), s["key"], s.get("value", s.get("matrix"))))
    return doc["results"], out


def names_of(problem):
    res = run(["check", "--names", PROBLEMS / problem, "--format", "json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)["results"]


def typed(name: str) -> str:
    """A spelling reduced to one form: Greek spelled out, ∂E/∂w and dE_dw alike, w_new = w⁺."""
    for letter, word in GREEK.items():
        name = name.replace(letter, word)
    name = re.sub(r"^d(\w+)[_/]d(\w+)$", r"d\1/d\2", name)
    name = re.sub(r"^new_(\w+)$", r"\1+", name)
    return re.sub(r"(_new|⁺)$", "+", name)


@pytest.mark.parametrize("problem", BUNDLED)
def test_the_names_the_derivation_prints_are_exactly_the_names_check_accepts(problem):
    results, shown = printed(problem)
    names = names_of(problem)
    accepted = set(results) | {s for v in names["names"].values() for s in v}
    accepted |= set(names["values"]) | {s for v in names["values"].values() for s in v["also"]}
    symbols = {lhs for lhs, _, _ in shown} | {key for _, key, _ in shown}
    for lhs in symbols:  # every symbol printed for a result is accepted (or said ambiguous)
        assert lhs in accepted or lhs in names["ambiguous"], (problem, lhs)
    canonical = {typed(s) for s in symbols}
    for name in accepted - set(results):  # and check accepts no name the derivation lacks
        assert typed(name) in canonical, (problem, name)


@pytest.mark.parametrize("problem", BUNDLED)
def test_every_printed_symbol_graded_with_its_shown_value_is_right(tmp_path, problem):
    results, shown = printed(problem)
    names = names_of(problem)
    answers = {}
    for lhs, _key, value in shown:
        if lhs in names["ambiguous"] or lhs in answers or value is None:
            continue
        owner = [r for r, spelled in names["names"].items() if lhs in spelled]
        answers[lhs] = results[lhs] if lhs in results else results[owner[0]] if owner else value
    if not answers:
        pytest.skip("no keyed steps")
    code, doc, res = check(tmp_path, problem, json.dumps(answers))
    assert code == 0, (res.output, notes(doc) if doc else "")


def test_derivation_symbols_seed002(tmp_path):
    code, doc, _ = check(tmp_path, "seed002-backprop-chain.yaml",
                         "z1: 0.415\nE: 0.1082\nw2_new: 0.427\nnew_b2: 0.612\n"
                         "dE_dw2: 0.05707\n∂E/∂b2: 0.09476\ndelta_a2: 0.09476\nδ_a1: 0.01021\n")
    assert code == 0, notes(doc)
    it = items(doc)
    assert it["z1"]["name"] == "z_a1" and it["E"]["name"] == "loss"
    assert it["w2_new"]["name"] == "new_w2" and it["dE_dw2"]["name"] == "grad_w2"
    assert it["delta_a2"]["expected"] == pytest.approx(0.0947572, abs=1e-6)


def test_delta_symbols_of_a_2_2_2_network(tmp_path):
    code, doc, _ = check(tmp_path, "mazur-backprop.yaml", "delta_o1: 0.1385\ndelta_h1: 0.0088\n")
    assert code == 0, notes(doc)
    code, doc, _ = check(tmp_path, "mazur-backprop.yaml", "delta_o1: 0.1386\n")
    assert code == 1
    assert doc["results"]["first_wrong"] == "Delta of o1"


def test_a_hand_rounded_loss_is_rounded_as_by_hand_not_carried_forward(tmp_path):
    code, doc, _ = check(tmp_path, "seed002-backprop-chain.yaml", "a2: 0.7153\nloss: 0.1083\n")
    assert code == 0
    assert verdicts(doc)["loss"] == "✓ (rounded as by hand)"
    assert "carried forward" not in notes(doc)
    assert "0.10822956" not in notes(doc)  # no 17-digit value for a right answer
    code, doc, _ = check(tmp_path, "seed002-backprop-chain.yaml", "E: 0.1083\n")
    assert verdicts(doc)["E"] == "✓ (rounded as by hand)"


def test_unreadable_answers_are_read_where_obvious_and_said(tmp_path):
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml",
                         "outputs: 0, -1.5\nloss: 1,25\n")
    assert code == 1
    assert "read '0, -1.5' as the list [0, -1.5]; write a list in brackets" in notes(doc)
    assert "read '1,25' as 1.25 (a decimal comma)" in notes(doc)
    assert "o2 is z_o2: the activation (ReLU) was not applied" in notes(doc)
    assert items(doc)["loss"]["carried_forward"] is True
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml", "loss: '5/16'\n")
    assert code == 0


def test_unreadable_answers_say_how_to_write_them(tmp_path):
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml", "loss: zero\n")
    assert code == 1
    assert "'zero' is not readable as the answer: write a number as 0.3125" in notes(doc)
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml", "loss: 1,250\n")
    assert code == 1 and "is ambiguous: a decimal comma (1.250) or a thousands" in notes(doc)


def test_a_partial_trajectory_grades_as_far_as_given(tmp_path):
    spec = write(tmp_path, "kind: gd\nfunction: x**2 - y**2\nstart: [2, 3]\n"
                           "learning_rate: 0.1\nsteps: 100\n", "gd.yaml")
    code, doc, _ = check(tmp_path, spec, "trajectory: [[2, 3], [1.6, 3.6], [1.28, 4.32]]\n")
    assert code == 0
    assert items(doc)["trajectory"]["graded_entries"] == 3
    assert "the first 3 of 101 entries given" in notes(doc)
    code, doc, _ = check(tmp_path, spec, "trajectory: [[2, 3], [1.6, 3.6], [1.28, 4.4]]\n")
    assert code == 1
    assert "101" not in notes(doc) and "entry 2 is wrong (expected [1.28, 4.32])" in notes(doc)
    assert [s for s in doc["steps"] if s["type"] == "step"][-1]["lhs"] == "y_2"


def test_the_first_wrong_coordinate_is_where_the_numbers_leave(tmp_path):
    code, doc, _ = check(tmp_path, "seed003-gd-saddle.yaml",
                         "trajectory: [[2, 3], [1.6, 3.7]]\n")
    assert code == 1
    step = [s for s in doc["steps"] if s["type"] == "step"][-1]
    assert step["lhs"] == "y_1"


def test_optimizer_history_and_epoch_losses_grade_as_far_as_given(tmp_path):
    code, doc, _ = check(tmp_path, "seed003-adam.yaml", "history: [[1.0, 2.0], [0.9, 2.1]]\n")
    assert code == 0, notes(doc)
    code, doc, _ = check(tmp_path, "seed003-adam.yaml", "history: [[1.0, 2.0], [0.9, 2.0]]\n")
    assert code == 1 and "entry 1" in notes(doc)


def test_unknown_ambiguous_and_repeated_names_are_bad_input(tmp_path):
    code, _, res = check(tmp_path, "seed002-backprop-chain.yaml", "lossx: 0.1\n")
    assert code == 2
    assert "lossx: not a result of this problem; known results:" in res.stderr
    assert "dlsolve check --names SPEC" in res.stderr and "did you mean 'loss'?" in res.stderr
    code, _, res = check(tmp_path, "seed002-backprop-chain.yaml", "E: 0.1082\nloss: 0.1082\n")
    assert code == 2 and "loss: answers the same quantity as E (line 1)" in res.stderr
    code, _, res = check(tmp_path, "seed003-cce.yaml", "E: 0.1\n")
    assert code == 2 and "writes this symbol for several quantities" in res.stderr


@pytest.mark.parametrize("answer, said", [
    ("loss: .inf\n", "not a finite number (inf)"),
    ("loss: " + "9" * 400 + "\n", "an integer of 400 digits, too large"),
    ("outputs: " + "[" * 15 + "0" + "]" * 15 + "\n", "a list nested 15 deep"),
])
def test_non_finite_and_hostile_answers_are_said_not_compared(tmp_path, answer, said):
    code, doc, res = check(tmp_path, "seed000-q4a-relu-network.yaml", answer)
    assert code == 1 and said in notes(doc)
    assert "NaN" not in res.stdout   # an infinite given value is written Infinity, and said


def test_answers_nested_beyond_the_loaders_bound_are_bad_input(tmp_path):
    code, _, res = check(tmp_path, "seed000-q4a-relu-network.yaml",
                         "outputs: " + "[" * 30 + "0" + "]" * 30 + "\n")
    assert code == 2 and "nested deeper than 20 levels" in res.stderr


def test_a_tiny_subnormal_answer_is_graded_plainly(tmp_path):
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml", "loss: 1e-320\n")
    assert code == 1 and items(doc)["loss"]["given"] == 1e-320


def test_names_lists_results_and_symbols():
    names = names_of("seed002-backprop-chain.yaml")
    assert names["names"]["z_a1"] == ["z1"] and names["names"]["loss"] == ["E"]
    assert names["names"]["grad_w1"] == ["∂E/∂w1", "dE_dw1", "dE/dw1"]
    assert names["names"]["new_w1"] == ["w1_new", "w1⁺"]
    assert names["values"]["δ_a2"]["also"] == ["delta_a2"]
    text = run(["check", "--names", PROBLEMS / "seed002-backprop-chain.yaml", "--format",
                "text"]).stdout
    assert "| z_a1" in text and "z1" in text


def test_several_specs_grade_each_and_report_each_failure(tmp_path):
    good = PROBLEMS / "seed002-backprop-chain.yaml"
    (tmp_path / "a.yaml").write_text(good.read_text())
    (tmp_path / "a.answers.yaml").write_text("E: 0.1082\n")
    (tmp_path / "b.yaml").write_text(good.read_text())
    (tmp_path / "b.answers.yaml").write_text("E: 0.2\n")
    (tmp_path / "c.yaml").write_text("kind: softmax\nlogits: [1, x]\n")
    (tmp_path / "c.answers.yaml").write_text("sum: 1\n")
    res = run(["check", tmp_path, "--format", "json"])
    assert res.exit_code == 2 and "c.yaml" in res.stderr and "Traceback" not in res.output
    doc = json.loads(res.stdout)
    assert [p["results"]["wrong"] for p in doc["problems"]] == [0, 1]
    (tmp_path / "c.yaml").unlink()
    assert run(["check", tmp_path]).exit_code == 1
    (tmp_path / "b.answers.yaml").write_text("E: 0.1082\n")
    assert run(["check", tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path]).exit_code == 0


def test_check_lives_in_its_own_command_module():
    source = (ROOT / "dlsolve" / "commands" / "keys.py").read_text()
    assert "def check(" not in source


def test_answers_that_overflow_the_carried_forward_sums_are_graded_plainly(tmp_path):
    code, doc, _ = check(tmp_path, "seed000-q4a-relu-network.yaml",
                         "h1: 1e308\nh2: -1e308\nh3: 1e308\nh4: -1e308\nloss: 1\n")
    assert code == 1 and doc["results"]["wrong"] == 5


def test_gd_gradient_strings_compare_as_functions(tmp_path):
    code, doc, _ = check(tmp_path, "seed003-gd-saddle.yaml", "gradient: [2x, -2*y]\n")
    assert code == 0, notes(doc)
    code, doc, _ = check(tmp_path, "seed003-gd-saddle.yaml", "gradient: [2x, 2*y]\n")
    assert code == 1 and "entry 1 is the first wrong one (expected -2*y, got 2*y)" in notes(doc)


def test_the_first_epochs_losses_grade_as_far_as_given(tmp_path):
    spec = write(tmp_path, "kind: backprop\ninputs: [0.1]\nlayers:\n"
                           "  - {weights: [[0.15]], bias: [0.40], activation: sigmoid}\n"
                           "  - {weights: [[0.45]], bias: [0.65], activation: sigmoid}\n"
                           "targets: [0.25]\nloss: half_sse\nlearning_rate: 0.4\nepochs: 5\n",
                 "bp.yaml")
    code, doc, _ = check(tmp_path, spec, "losses: [0.1082, 0.1033]\n")
    assert code == 0 and items(doc)["losses"]["graded_entries"] == 2
    code, doc, _ = check(tmp_path, spec, "losses: [0.1082, 0.1047, 0.0984]\n")
    assert code == 1
    assert "entry 1 is the first wrong one (expected 0.103298, got 0.1047)" in notes(doc)


@pytest.mark.parametrize("problem", BUNDLED)
def test_every_result_answered_with_its_own_value_is_right(tmp_path, problem):
    results, _ = printed(problem)
    code, doc, res = check(tmp_path, problem, json.dumps(results))
    assert code == 0, (res.output[-500:], notes(doc) if doc else "")
    assert doc["results"]["correct"] == len(results)
