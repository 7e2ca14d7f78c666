"""Grading a class: 30 synthetic students against seed 002 (a 1-1-1 sigmoid chain), each
answer set built by hand from the problem's numbers, with planted slips, errors carried
forward and gaps; the expected counts come from that construction, not from the grader."""

from __future__ import annotations

import csv
import io
import json
import math

import pytest
from conftest import PROBLEMS, run

SPEC = PROBLEMS / "seed002-backprop-chain.yaml"
ASKED = ("loss", "grad_w2", "grad_b2", "grad_w1", "grad_b1", "new_w2", "new_b2", "new_w1",
         "new_b1")
GRADESCOPE_TOP = {"score", "execution_time", "output", "output_format", "test_output_format",
                  "test_name_format", "visibility", "stdout_visibility", "extra_data", "tests",
                  "leaderboard"}
GRADESCOPE_TEST = {"score", "max_score", "status", "name", "name_format", "number", "output",
                   "output_format", "tags", "visibility", "extra_data"}


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


def worked() -> dict[str, float]:
    """Seed 002 by hand: x = 0.1, w1 = 0.15, b1 = 0.40, w2 = 0.45, b2 = 0.65, T = 0.25,
    η = 0.4, E = ½(T − a2)²."""
    x, w1, b1, w2, b2, t, lr = 0.1, 0.15, 0.40, 0.45, 0.65, 0.25, 0.4
    z1 = w1 * x + b1
    a1 = sigmoid(z1)
    z2 = w2 * a1 + b2
    a2 = sigmoid(z2)
    d2 = (a2 - t) * a2 * (1 - a2)
    d1 = d2 * w2 * a1 * (1 - a1)
    v = {"z2": z2, "a1": a1, "a2": a2, "loss": 0.5 * (t - a2) ** 2, "grad_w2": d2 * a1,
         "grad_b2": d2, "grad_w1": d1 * x, "grad_b1": d1}
    v.update(new_w2=w2 - lr * v["grad_w2"], new_b2=b2 - lr * v["grad_b2"],
             new_w1=w1 - lr * v["grad_w1"], new_b1=b1 - lr * v["grad_b1"])
    return v


def six(x: float) -> str:
    """A value to six decimals: agrees to the digits written by construction."""
    return f"{x:.6f}"


def right(v: dict[str, float], names=ASKED) -> dict[str, str]:
    return {n: six(v[n]) for n in names}


def the_class() -> dict[str, dict[str, str]]:
    """30 students, answers as text (as they would write them), by group:

    A (10) everything right; B (5) new_w2 by gradient ascent (w2 + η·∂E/∂w2); C (4) a2 given
    as z2 (the activation not applied), then E computed from that a2 (carried forward);
    D (4) E = (T − a2)², the squared error without the ½; E (3) ∂E/∂w2 without σ′(z2), then
    w2_new computed from it (carried forward); F (4) only the output layer's answers.
    """
    v, out = worked(), {}
    for i in range(10):
        out[f"a{i:02d}"] = right(v)
    for i in range(5):
        out[f"b{i:02d}"] = right(v) | {"new_w2": six(0.45 + 0.4 * v["grad_w2"])}
    for i in range(4):
        a2 = six(v["z2"])
        out[f"c{i:02d}"] = right(v) | {"a2": a2, "loss": six(0.5 * (0.25 - float(a2)) ** 2)}
    for i in range(4):
        out[f"d{i:02d}"] = right(v) | {"loss": six((0.25 - v["a2"]) ** 2)}
    for i in range(3):
        g = six((v["a2"] - 0.25) * v["a1"])
        out[f"e{i:02d}"] = right(v) | {"grad_w2": g, "new_w2": six(0.45 - 0.4 * float(g))}
    for i in range(4):
        out[f"f{i:02d}"] = right(v, ("loss", "grad_w2", "grad_b2", "new_w2", "new_b2"))
    return out


GROUP_SIZES = {"a": 10, "b": 5, "c": 4, "d": 4, "e": 3, "f": 4}


def write_folder(folder, students, suffix=".yaml"):
    folder.mkdir(exist_ok=True)
    for name, answers in students.items():
        (folder / f"{name}{suffix}").write_text("".join(f"{k}: {t}\n" for k, t in
                                                        answers.items()))
    return folder


def write_csv(path, students, header="student"):
    columns = [*ASKED, "a2"]  # the order the files write them in
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow([header, *columns])
        for name, answers in students.items():
            w.writerow([name, *(answers.get(c, "") for c in columns)])
    return path


def grade(*args, fmt="json"):
    res = run(["check", SPEC, *args, "--format", fmt])
    assert "Traceback" not in res.output
    return res


@pytest.fixture(scope="module")
def folder_json(tmp_path_factory):
    folder = write_folder(tmp_path_factory.mktemp("class") / "answers", the_class())
    res = grade(folder)
    return res.exit_code, json.loads(res.stdout), folder


def derivation_titles() -> dict[str, str]:
    """The derivation's step for each result (title, or key when untitled), from solving
    the problem (not from grading)."""
    from dlsolve import solve

    return {s.key: s.title or s.key for s in solve(SPEC).steps if getattr(s, "key", None)}


def test_the_class_is_what_the_groups_say():
    students = the_class()
    assert len(students) == 30
    assert {k[0]: sum(1 for s in students if s[0] == k[0]) for k in students} == GROUP_SIZES


def test_summary_counts_match_the_construction(folder_json):
    code, doc, _ = folder_json
    r = doc["results"]
    assert code == 1 and doc["kind"] == "gradebook"
    assert r["graded"] == 30
    assert r["all_correct"] == 10                      # group A
    assert r["with_wrong"] == 5 + 4 + 4 + 3            # B, C, D, E
    assert r["unreadable"] == []
    per = r["per_result"]
    assert per["loss"] == {"right": 10 + 5 + 4 + 3 + 4, "wrong": 4, "carried_forward": 4,
                           "not_answered": 0}
    assert per["grad_w2"] == {"right": 27, "wrong": 3, "carried_forward": 0, "not_answered": 0}
    assert per["new_w2"] == {"right": 10 + 4 + 4 + 3 + 4, "wrong": 5, "carried_forward": 3,
                             "not_answered": 0}
    for name in ("grad_w1", "grad_b1", "new_w1", "new_b1"):
        assert per[name] == {"right": 26, "wrong": 0, "carried_forward": 0, "not_answered": 4}
    for name in ("grad_b2", "new_b2"):
        assert per[name] == {"right": 30, "wrong": 0, "carried_forward": 0, "not_answered": 0}
    assert per["a2"] == {"right": 0, "wrong": 4, "carried_forward": 0, "not_answered": 0}
    assert list(per)[:len(ASKED)] == list(ASKED)       # the question's answers first
    assert r["not_answered"] == {n: 4 for n in ("grad_w1", "grad_b1", "new_w1", "new_b1")}


def test_per_student_scores(folder_json):
    _, doc, folder = folder_json
    students = doc["results"]["students"]
    expected = {"a": (9, 0, 9), "b": (8, 1, 9), "c": (9, 1, 10), "d": (8, 1, 9),
                "e": (8, 1, 9), "f": (5, 0, 9)}
    for name, s in students.items():
        assert (s["correct"], s["wrong"], s["total"]) == expected[name[0]], name
        assert s["source"] == str(folder / f"{name}.yaml")
    assert sorted(students["f00"]["not_answered"]) == sorted(["grad_w1", "grad_b1", "new_w1",
                                                              "new_b1"])
    loss = next(i for i in students["c00"]["items"] if i["name"] == "loss")
    assert loss["ok"] and loss["carried_forward"]


def test_first_wrong_steps_counted(folder_json):
    _, doc, _ = folder_json
    first = doc["results"]["first_wrong"]
    titles = derivation_titles()
    assert first[titles["new_w2"]] == 5                # B
    assert first[titles["a2"]] == 4                    # C
    assert first[titles["grad_w2"]] == 3               # E
    assert first[titles["loss"]] == 4                  # D: the loss, not its term for a2
    assert sum(first.values()) == 16 and list(first.values()) == sorted(first.values(),
                                                                        reverse=True)
    students = doc["results"]["students"]
    assert all(students[n]["first_wrong"] is None for n in students if n[0] in "af")


def test_known_slips_counted_across_the_class(folder_json):
    _, doc, _ = folder_json
    slips = {s["result"]: s for s in doc["results"]["slips"]}
    assert set(slips) == {"new_w2", "a2", "loss"}
    assert slips["new_w2"]["students"] == 5 and "gradient ascent" in slips["new_w2"]["slip"]
    assert slips["a2"]["students"] == 4 and "not applied" in slips["a2"]["slip"]
    assert slips["loss"]["students"] == 4 and "the ½ or the mean differs" in slips["loss"]["slip"]


def test_class_grades_agree_with_each_students_own_check(folder_json, tmp_path):
    _, doc, folder = folder_json
    for name in ("b00", "c01", "e02", "f03"):
        own = json.loads(run(["check", SPEC, folder / f"{name}.yaml", "--format",
                              "json"]).stdout)["results"]
        mine = doc["results"]["students"][name]
        assert mine["items"] == own["items"]
        assert (mine["correct"], mine["wrong"], mine["first_wrong"]) == \
            (own["correct"], own["wrong"], own["first_wrong"])


def gradebook_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_gradebook_csv_rows(folder_json, tmp_path):
    _, _, folder = folder_json
    out = tmp_path / "grades.csv"
    res = run(["check", SPEC, folder, "-o", out])
    assert res.exit_code == 1 and res.stdout == ""
    rows = gradebook_rows(out.read_text())
    assert list(rows[0]) == ["student", "result", "given", "expected", "verdict", "ecf",
                             "score", "slip"]
    assert len(rows) == 10 * 9 + 5 * 9 + 4 * 10 + 4 * 9 + 3 * 9 + 4 * 9
    by = {(r["student"], r["result"]): r for r in rows}
    v, students = worked(), the_class()
    b = by["b00", "new_w2"]
    assert b["given"] == students["b00"]["new_w2"] and b["verdict"] == "✗"
    assert (b["ecf"], b["score"]) == ("no", "0") and "gradient ascent" in b["slip"]
    assert float(b["expected"]) == pytest.approx(v["new_w2"], abs=5e-5)   # --digits 4
    e = by["e01", "new_w2"]
    assert (e["ecf"], e["score"]) == ("yes", "1") and "carried forward" in e["verdict"]
    f = by["f02", "grad_w1"]
    assert (f["given"], f["verdict"], f["score"]) == ("", "not answered", "0")
    assert sum(int(r["score"]) for r in rows if r["score"]) == \
        10 * 9 + 5 * 8 + 4 * 9 + 4 * 8 + 3 * 8 + 4 * 5
    extra = [r for r in rows if r["result"] == "a2"]  # not asked: graded, not scored
    assert len(extra) == 4 and all(r["score"] == "" and r["verdict"] == "✗" for r in extra)
    assert gradebook_rows(grade(folder, fmt="csv").stdout) == rows


def test_csv_class_grades_as_the_folder_does(folder_json, tmp_path):
    code, doc, _ = folder_json
    table = write_csv(tmp_path / "class.csv", the_class())
    res = grade(table)
    assert res.exit_code == code
    from_csv = json.loads(res.stdout)["results"]
    for key in ("graded", "all_correct", "with_wrong", "per_result", "first_wrong", "slips",
                "not_answered"):
        assert from_csv[key] == doc["results"][key], key
    for name, s in from_csv["students"].items():
        mine = doc["results"]["students"][name]
        assert {k: v for k, v in s.items() if k != "source"} == \
            {k: v for k, v in mine.items() if k != "source"}, name
    assert from_csv["students"]["a00"]["source"] == f"{table}:2"
    folder_rows = gradebook_rows(grade(folder_json[2], fmt="csv").stdout)
    assert gradebook_rows(grade(table, fmt="csv").stdout) == folder_rows


@pytest.mark.parametrize("header", ["student", "Name", "ID", "Student ID", "email"])
def test_csv_student_column_spellings(tmp_path, header):
    table = write_csv(tmp_path / "c.csv", {"ann": right(worked())}, header)
    res = grade(table)
    assert res.exit_code == 0 and list(json.loads(res.stdout)["results"]["students"]) == ["ann"]


def test_csv_cells_keep_the_digits_written(tmp_path):
    """0.427 agrees with new_w2 = 0.42717...; 0.4270 claims a fourth place and does not,
    in a CSV cell exactly as in a YAML file."""
    outputs = f"[{worked()['a2']:.4f}]"
    (tmp_path / "c.csv").write_text(f'student,new_w2,outputs\nshort,0.427,"{outputs}"\n'
                                    f"zeros,0.4270,{outputs[1:-1]}\n")
    doc = json.loads(grade(tmp_path / "c.csv").stdout)["results"]["students"]
    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "short.yaml").write_text(f"new_w2: 0.427\noutputs: {outputs}\n")
    (folder / "zeros.yaml").write_text(f"new_w2: 0.4270\noutputs: {outputs[1:-1]}\n")
    files = json.loads(grade(folder).stdout)["results"]["students"]
    for name in ("short", "zeros"):
        assert [i["ok"] for i in doc[name]["items"]] == [i["ok"] for i in files[name]["items"]]
    assert [i["ok"] for i in doc["short"]["items"]] == [True, True]
    assert [i["ok"] for i in doc["zeros"]["items"]] == [False, True]


def test_csv_blank_row_of_answers_is_nothing_answered(tmp_path):
    (tmp_path / "c.csv").write_text("student,loss,new_w2\nann,,\nbob,0.1082,\n")
    res = grade(tmp_path / "c.csv")
    students = json.loads(res.stdout)["results"]["students"]
    assert res.exit_code == 0
    assert (students["ann"]["correct"], students["ann"]["total"]) == (0, len(ASKED))
    assert (students["bob"]["correct"], students["bob"]["total"]) == (1, len(ASKED))


def test_bad_student_files_are_reported_and_the_others_graded(tmp_path):
    students = the_class()
    folder = write_folder(tmp_path / "answers", {k: students[k] for k in ("a00", "b00")})
    (folder / "broken.yaml").write_text("loss: [0.1,\nnew_w2: 0.42\n")
    (folder / "listed.yaml").write_text("- 0.1082\n- 0.42\n")
    (folder / "typo.answers.yaml").write_text("los: 0.1082\n")
    res = grade(folder)
    assert res.exit_code == 2
    doc = json.loads(res.stdout)["results"]
    assert sorted(doc["students"]) == ["a00", "b00"] and doc["with_wrong"] == 1
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{folder / 'broken.yaml'}:") and "invalid YAML" in lines[0]
    assert lines[1].startswith(f"{folder / 'listed.yaml'}:1") and "mapping" in lines[1]
    assert lines[2].startswith(f"{folder / 'typo.answers.yaml'}:1") and "'loss'" in lines[2]
    assert len(doc["unreadable"]) == 3


def test_exit_codes(tmp_path):
    students = the_class()
    good = write_folder(tmp_path / "good", {k: students[k] for k in ("a00", "a01", "f00")})
    assert grade(good).exit_code == 0
    assert grade(write_folder(tmp_path / "mixed", {k: students[k] for k in ("a00", "d00")})
                 ).exit_code == 1
    assert grade(tmp_path / "missing.csv").exit_code == 2
    (tmp_path / "empty").mkdir()
    res = grade(tmp_path / "empty")
    assert res.exit_code == 2 and "no answer files" in res.stderr


def test_student_names_come_from_the_file_names(tmp_path):
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "alice.yaml").write_text("loss: 0.1082\n")
    (folder / "bob.answers.yaml").write_text("E: 0.1082\n")
    (folder / "carol.json").write_text('{"loss": 0.1082}')
    (folder / "notes.txt").write_text("not an answers file\n")
    doc = json.loads(grade(folder).stdout)["results"]
    assert list(doc["students"]) == ["alice", "bob", "carol"]


def test_a_student_with_two_files_is_not_guessed(tmp_path):
    folder = tmp_path / "answers"
    folder.mkdir()
    (folder / "alice.yaml").write_text("loss: 0.1082\n")
    (folder / "alice.answers.yaml").write_text("loss: 0.2\n")
    (folder / "bob.yaml").write_text("loss: 0.1082\n")
    res = grade(folder)
    assert res.exit_code == 2 and list(json.loads(res.stdout)["results"]["students"]) == ["bob"]
    assert "'alice' has 2 answers files" in res.stderr


def test_homework_layout_is_not_a_class(tmp_path):
    """check SPEC FOLDER where FOLDER holds specs with X.answers.yaml beside them grades
    each spec with its own answers, as before."""
    (tmp_path / "hw").mkdir()
    (tmp_path / "hw" / "p.yaml").write_text(SPEC.read_text())
    (tmp_path / "hw" / "p.answers.yaml").write_text("E: 0.1082\n")
    (tmp_path / "s.yaml").write_text(SPEC.read_text())
    (tmp_path / "s.answers.yaml").write_text("E: 0.2\n")
    res = run(["check", tmp_path / "s.yaml", tmp_path / "hw", "--format", "json"])
    assert res.exit_code == 1
    assert [p["kind"] for p in json.loads(res.stdout)["problems"]] == ["check", "check"]


@pytest.mark.parametrize("text,where,what", [
    ("student,loss\nann,0.1082\nbob,0.1,0.2\n", ":3:", "expected 2 fields"),
    ("student,loss\nann,0.1082\nbob\n", ":3:", "expected 2 fields"),
    ("student,loss\nann,0.1082\nbob,0.1082\nann,0.2\n", ":4:", "'ann' has 2 rows"),
    ("student,loss\n,0.1082\nbob,0.1082\n", ":2:", "no student named"),
])
def test_malformed_csv_rows_are_exit_2_naming_the_line(tmp_path, text, where, what):
    (tmp_path / "c.csv").write_text(text)
    res = grade(tmp_path / "c.csv")
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert f"c.csv{where}" in res.stderr and what in res.stderr
    graded = json.loads(res.stdout)["results"]["students"]
    assert "bob" in graded or "ann" in graded
    if "has 2 rows" in what:
        assert "ann" not in graded and "c.csv:2" in res.stderr


@pytest.mark.parametrize("text,what", [
    ("who,loss\nann,0.1082\n", "no student column"),
    ("student,los\nann,0.1082\n", "did you mean 'loss'"),
    ("student,loss,E\nann,0.1082,0.1082\n", "answers the same quantity as loss"),
    ("student,loss,loss\nann,0.1082,0.1082\n", "two columns with this header"),
    ("student,,loss\nann,1,0.1082\n", "no header"),
    ("", "empty"),
])
def test_malformed_csv_tables_grade_nobody(tmp_path, text, what):
    (tmp_path / "c.csv").write_text(text)
    res = grade(tmp_path / "c.csv")
    assert res.exit_code == 2 and res.stdout == "" and "Traceback" not in res.output
    assert what in res.stderr and "c.csv" in res.stderr


def test_semicolon_csv_with_decimal_commas(tmp_path):
    (tmp_path / "c.csv").write_text("Name;loss;new_w2\nann;0,1082;0,4272\n")
    res = grade(tmp_path / "c.csv")
    assert res.exit_code == 0
    assert json.loads(res.stdout)["results"]["students"]["ann"]["correct"] == 2


def test_human_summary(folder_json):
    text = grade(folder_json[2], fmt="text").stdout
    assert text.startswith("Gradebook: Backpropagation through a sigmoid chain")
    assert "30 student(s) graded: 10 with every answer right, 16 with at least one wrong." \
        in text
    for table in ("Students", "Answers", "Where the numbers first leave the derivation",
                  "Known slips recognised"):
        assert f"\n{table}\n" in text
    assert "\nGradebook\n" not in text                   # the long table: --detail full
    md = grade(folder_json[2], fmt="markdown").stdout
    assert "| student |" in md and "gradient ascent" in md


def test_progress_tracks_the_class(folder_json, monkeypatch):
    import dlsolve.progress as progress

    seen = []
    real = progress.track
    monkeypatch.setattr(progress, "track", lambda items, what, **kw: (
        seen.append((len(items), what)), real(items, what, **kw))[1])
    assert grade(folder_json[2]).exit_code == 1
    assert seen == [(30, "grading")]


def gradescope(*args):
    res = run(["check", SPEC, *args, "--format", "gradescope"])
    assert "Traceback" not in res.output
    return res.exit_code, json.loads(res.stdout)


def test_gradescope_results_json_fields(folder_json):
    folder = folder_json[2]
    code, doc = gradescope(folder / "e00.yaml")
    assert code == 1
    assert set(doc) <= GRADESCOPE_TOP and {"score", "output", "tests"} <= set(doc)
    assert all(set(t) <= GRADESCOPE_TEST for t in doc["tests"])
    assert len(doc["tests"]) == 9
    assert all(t["max_score"] == 1 for t in doc["tests"])
    assert doc["score"] == sum(t["score"] for t in doc["tests"]) == 8
    tests = {t["name"]: t for t in doc["tests"]}
    assert (tests["grad_w2"]["status"], tests["grad_w2"]["score"]) == ("failed", 0)
    assert (tests["new_w2"]["status"], tests["new_w2"]["score"]) == ("passed", 1)
    assert "carried forward" in tests["new_w2"]["output"]
    assert all(t["status"] == ("passed" if t["score"] == 1 else "failed")
               for t in doc["tests"])
    assert "8 of the 9 answers asked correct." in doc["output"]


def test_gradescope_does_not_score_intermediate_values(tmp_path):
    """Answering extra intermediate values (a1, z_a1, ...) must not raise the score: a
    student with every asked answer wrong and ten right intermediates scores 0 of 9."""
    v = worked()
    right_extras = {"a1": v["a1"], "a2": v["a2"], "z_a2": v["z2"]}
    wrong = {n: v[n] + 1.0 for n in ("loss", "grad_w2", "grad_b2", "grad_w1", "grad_b1",
                                      "new_w2", "new_b2", "new_w1", "new_b1")}
    path = tmp_path / "pad.yaml"
    path.write_text("".join(f"{k}: {x!r}\n" for k, x in {**wrong, **right_extras}.items()))
    code, doc = gradescope(path)
    assert code == 1 and doc["score"] == 0
    assert sum(t["max_score"] for t in doc["tests"]) == 9
    extras = [t for t in doc["tests"] if t["name"].endswith("(not scored)")]
    assert len(extras) == 3 and all(t["max_score"] == 0 and t["status"] == "passed"
                                    for t in extras)


def test_gradescope_counts_answers_left_out(folder_json):
    code, doc = gradescope(folder_json[2] / "f00.yaml")
    assert code == 0 and len(doc["tests"]) == 9 and doc["score"] == 5
    left = [t for t in doc["tests"] if t["output"] == "not answered"]
    assert sorted(t["name"] for t in left) == sorted(["grad_w1", "grad_b1", "new_w1",
                                                      "new_b1"])
    assert all(t["status"] == "failed" and t["score"] == 0 for t in left)


def test_gradescope_slip_hint_in_the_test_output(folder_json):
    _, doc = gradescope(folder_json[2] / "b00.yaml")
    test = next(t for t in doc["tests"] if t["name"] == "new_w2")
    assert test["output"].startswith("✗") and "gradient ascent" in test["output"]


def test_gradescope_for_a_class_is_refused(folder_json):
    res = run(["check", SPEC, folder_json[2], "--format", "gradescope"])
    assert res.exit_code == 2 and res.stdout == ""
    assert "one submission" in res.stderr and "--format csv" in res.stderr


def test_gradescope_for_a_solution_is_refused():
    res = run(["softmax", "1", "2", "--format", "gradescope"])
    assert res.exit_code == 2 and "dlsolve check" in res.stderr


def test_one_students_check_as_csv(folder_json):
    res = run(["check", SPEC, folder_json[2] / "c00.yaml", "--format", "csv"])
    rows = gradebook_rows(res.stdout)
    assert res.exit_code == 1 and len(rows) == 10
    assert {r["student"] for r in rows} == {"c00"}
    assert [r["score"] for r in rows].count("1") == 9


def test_results_of_any_solution_as_csv():
    res = run(["softmax", "0", "0", "--format", "csv"])
    rows = {r["result"]: r["value"] for r in gradebook_rows(res.stdout)}
    assert res.exit_code == 0 and rows["probabilities"] == "[0.5, 0.5]" and rows["sum"] == "2"


def test_a_homework_folder_is_one_gradescope_submission(tmp_path):
    (tmp_path / "p1.yaml").write_text(SPEC.read_text())
    (tmp_path / "p1.answers.yaml").write_text("E: 0.1082\nnew_w2: 0.4728\n")
    (tmp_path / "p2.yaml").write_text((PROBLEMS / "seed000-q4a-relu-network.yaml").read_text())
    (tmp_path / "p2.answers.yaml").write_text("loss: 0.3125\n")
    res = run(["check", tmp_path, "--format", "gradescope"])
    doc = json.loads(res.stdout)
    assert res.exit_code == 1
    assert len(doc["tests"]) == len(ASKED) + 2          # seed 002's nine, seed 000's two
    assert doc["score"] == 2                             # E and seed 000's loss
    assert doc["tests"][0]["name"].endswith(": E (loss)")
    rows = gradebook_rows(run(["check", tmp_path, "--format", "csv"]).stdout)
    assert {r["problem"] for r in rows} == {str(tmp_path / "p1.yaml"), str(tmp_path / "p2.yaml")}


def test_a_csv_with_a_header_and_no_students_is_bad_input(tmp_path):
    (tmp_path / "class.csv").write_text("student,a1\n\n", encoding="utf-8")
    res = run(["check", SPEC, tmp_path / "class.csv"])
    assert res.exit_code == 2
    assert "no student rows" in res.output


def test_the_bundled_class_grades_as_it_was_built():
    """problems/classes/seed002-backprop-chain.csv: ada and ben right; cai (gradient ascent),
    dee (no ½), eli (no activation, loss carried forward), fay (σ′ left out) one slip each;
    gus only the forward pass."""
    res = run(["check", SPEC, PROBLEMS / "classes" / "seed002-backprop-chain.csv",
               "--format", "json"])
    assert res.exit_code == 1, res.output
    students = json.loads(res.stdout)["results"]["students"]
    assert {n: (s["correct"], s["wrong"]) for n, s in students.items()} == {
        "ada": (10, 0), "ben": (10, 0), "cai": (9, 1), "dee": (9, 1), "eli": (9, 1),
        "fay": (9, 1), "gus": (2, 0)}
    assert len(students["gus"]["not_answered"]) == 8


def test_a_number_of_thousands_of_digits_is_graded_not_a_crash(tmp_path):
    long = "1" * 5000
    (tmp_path / "long.csv").write_text(f"student,loss\nada,{long}\nbob,0.1082\n")
    res = run(["check", SPEC, tmp_path / "long.csv", "--format", "json"])
    assert res.exit_code == 1, res.output
    students = json.loads(res.stdout)["results"]["students"]
    assert (students["ada"]["wrong"], students["bob"]["correct"]) == (1, 1)
    (tmp_path / "a.yaml").write_text(f"loss: {long}\n")
    assert run(["check", SPEC, tmp_path / "a.yaml"]).exit_code == 1


def test_an_unterminated_quote_is_reported_not_swallowed(tmp_path):
    (tmp_path / "q.csv").write_text('student,loss\nada,"0.1\nbob,0.1082\n')
    res = run(["check", SPEC, tmp_path / "q.csv"])
    assert res.exit_code == 2 and "q.csv:2" in res.stderr


def test_gradescope_refuses_a_names_listing():
    res = run(["check", "--names", SPEC, "--format", "gradescope"])
    assert res.exit_code == 2 and "names listing" in res.stderr


def test_answers_in_a_subfolder_are_reported_not_skipped_silently(tmp_path):
    folder = tmp_path / "answers"
    (folder / "late").mkdir(parents=True)
    (folder / "ada.yaml").write_text("loss: 0.1082\n")
    (folder / "late" / "bob.yaml").write_text("loss: 0.1082\n")
    res = run(["check", SPEC, folder, "--format", "json"])
    assert res.exit_code == 2 and "late: not graded" in res.stderr
    assert list(json.loads(res.stdout)["results"]["students"]) == ["ada"]
