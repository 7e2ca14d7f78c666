"""Exam keys and question sheets: givens, statements, detail levels, common mistakes, PDF, and
batches of specs that partly fail."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import PROBLEMS, run, write

import dlsolve
from dlsolve.generate import GENERATORS, variants
from dlsolve.render.numbers import fmt_number

BUNDLED = sorted(PROBLEMS.glob("*.yaml"))


@pytest.mark.parametrize("path", BUNDLED, ids=lambda p: p.stem)
def test_every_bundled_problem_has_a_statement_and_givens(path):
    sol = dlsolve.solve(path)
    assert sol.statement and len(sol.statement.split()) >= 6
    assert sol.givens, f"{path.name}: no givens"


def _numbers(value):
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from _numbers(v)


@pytest.mark.parametrize("kind", sorted(GENERATORS))
def test_statements_only_sheet_carries_the_numbers_of_every_generated_kind(kind, tmp_path):
    run(["generate", kind, "--seed", "3", "--count", "3", "-o", tmp_path])
    res = run(["solve", tmp_path, "--statements-only", "--format", "text"])
    assert res.exit_code == 0, res.output
    for _, spec in variants(kind, 3, 3):
        sheet = res.stdout
        assert spec["statement"].split(".")[0][:40] in " ".join(sheet.split())
        for x in _numbers({k: v for k, v in spec.items() if k not in ("title", "statement")}):
            assert fmt_number(x) in sheet, f"{kind}: {x} missing from the sheet"
    assert "Weighted sum" not in res.stdout and "Answer" not in res.stdout


def test_givens_are_in_the_exam_symbols_named_form():
    sol = dlsolve.solve(PROBLEMS / "seed002-backprop-chain.yaml")
    got = {(str(g.name.name) if hasattr(g.name, "name") else "", g.meaning): g.value
           for g in sol.givens}
    assert got[("x", "input")] == 0.1
    assert got[("w1", "weight")] == 0.15 and got[("w2", "weight")] == 0.45
    assert got[("b1", "bias")] == 0.4 and got[("b2", "bias")] == 0.65
    assert got[("t", "target")] == 0.25 and got[("eta", "learning rate")] == 0.4


def test_matrix_form_givens_keep_each_layers_vectors_apart():
    sol = dlsolve.solve(PROBLEMS / "mazur-2-2-2.yaml")
    by_name = {g.name.name: g.value for g in sol.givens if hasattr(g.name, "name")}
    # the network solver records them in the derivation's own symbols, layer by layer
    assert [by_name[f"w1_{j}{i}"] for j in (1, 2) for i in (1, 2)] == [0.15, 0.2, 0.25, 0.3]
    assert (by_name["b1_1"], by_name["b1_2"], by_name["b2_1"]) == (0.35, 0.35, 0.6)


def test_model_equations_come_first_in_symbols():
    text = dlsolve.solve(PROBLEMS / "seed002-backprop-chain.yaml").render("text")
    model = text.index("The model")
    assert model < text.index("Weighted sum into a1")
    block = text[model:text.index("\n\n", model)]
    for line in ("z1 = x·w1 + b1", "a1 = σ(z1)", "a2 = σ(z2)", "E = 1/2·(t - a2)^2",
                 "w_new = w - η·∂E/∂w"):
        assert line in block


def test_solver_recorded_givens_win():
    from dlsolve.api import parse
    from dlsolve.givens import attach
    from dlsolve.spec.load import Document
    from dlsolve.steps import Solution

    spec = parse(Document({"kind": "softmax", "logits": [1, 2]}, "<mapping>"), "softmax")
    sol = Solution("softmax", "t")
    sol.given("z", [1, 2], "mine")
    attach(sol, "softmax", spec)
    assert [g.meaning for g in sol.givens] == ["mine"]


@pytest.mark.parametrize("fmt,marker", [("text", "Common mistakes"),
                                        ("markdown", "**Common mistakes**"),
                                        ("latex", r"\paragraph{Common mistakes}"),
                                        ("json", '"mistakes"')])
def test_recorded_wrong_answers_show_as_common_mistakes(fmt, marker):
    res = run(["forward", PROBLEMS / "seed000-q4a-relu-network.yaml", "--format", fmt])
    assert res.exit_code == 0
    assert marker in res.stdout
    tail = res.stdout[res.stdout.index(marker.strip('"')):]
    assert "1.5" in tail and "ReLU" in tail


def test_a_malformed_mistakes_field_is_bad_input(tmp_path):
    spec = write(tmp_path, "kind: softmax\nlogits: [1, 2]\nmistakes:\n  - answer: 3\n")
    res = run(["softmax", spec])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
    assert f"{spec}:4:" in res.stderr and "mistakes[0].answer" in res.stderr


def test_detail_levels_brief_exam_full():
    spec = PROBLEMS / "seed002-backprop-chain.yaml"
    brief = run(["backprop", spec, "--detail", "brief", "--format", "text"]).stdout
    exam = run(["backprop", spec, "--format", "text"]).stdout
    full = run(["backprop", spec, "--detail", "full", "--format", "text"]).stdout
    assert "Given" in brief and "The model" in brief and "Answer" in brief
    assert "Weighted sum into a1" not in brief and "Weighted sum into a1" in exam
    assert len(brief) < len(exam) <= len(full)
    solve_brief = run(["solve", spec, "--detail", "brief", "--format", "text"]).stdout
    assert solve_brief == brief


def test_detail_is_refused_when_unknown():
    res = run(["softmax", "1", "2", "--detail", "everything"])
    assert res.exit_code == 2 and "brief" in res.output


def test_pdf_output_without_pdflatex_is_bad_input(tmp_path, monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    res = run(["softmax", "1", "2", "-o", tmp_path / "key.pdf"])
    assert res.exit_code == 2
    assert "pdflatex is not installed" in res.stderr
    assert not (tmp_path / "key.pdf").exists()


def test_pdf_output_needs_latex_format(tmp_path):
    res = run(["softmax", "1", "2", "--format", "markdown", "-o", tmp_path / "key.pdf"])
    assert res.exit_code == 2 and "a .pdf is made from LaTeX" in res.stderr


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_pdf_output_is_a_pdf_and_the_sheet_matches(tmp_path):
    res = run(["solve", PROBLEMS / "seed002-backprop-chain.yaml", PROBLEMS /
               "seed000-q3-convshape.yaml", "-o", tmp_path / "key.pdf",
               "--sheet", tmp_path / "sheet.md"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "key.pdf").read_bytes().startswith(b"%PDF")
    sheet = (tmp_path / "sheet.md").read_text()
    assert sheet.count("## Problem ") == 2 and "**Given**" in sheet and "Answer" not in sheet


def test_solve_folder_reports_each_bad_spec_and_solves_the_others(tmp_path):
    (tmp_path / "a-good.yaml").write_text("kind: softmax\nlogits: [1, 2]\n")
    (tmp_path / "b-bad.yaml").write_text("kind: softmax\nlogits: [1, x]\n")
    (tmp_path / "c-bad.yaml").write_text("kind: conv\ninput: 3\n")
    (tmp_path / "d-good.yaml").write_text("kind: softmax\nlogits: [3, 4]\n")
    res = run(["solve", tmp_path, "--format", "text"])
    assert res.exit_code == 2
    assert res.stdout.count("Problem ") == 2
    assert "b-bad.yaml:2:" in res.stderr and "c-bad.yaml" in res.stderr
    assert "Traceback" not in res.output


def test_solve_folder_survives_an_internal_error(tmp_path, monkeypatch):
    import dlsolve.solvers.softmax as sm

    (tmp_path / "a.yaml").write_text("kind: softmax\nlogits: [1, 2]\n")
    (tmp_path / "b.yaml").write_text("kind: convshape\ninput: [8, 8, 1]\nkernel: 3\n"
                                     "filters: 4\n")
    monkeypatch.setattr(sm, "solve", lambda spec: 1 / 0)
    res = run(["solve", tmp_path, "--format", "text"])
    assert res.exit_code == 70
    assert "a.yaml: internal error (ZeroDivisionError" in res.stderr
    assert "6 × 6 × 4" in res.stdout or "[6, 6, 4]" in res.stdout


def test_generated_variants_have_real_statements():
    for kind in GENERATORS:
        for _, spec in variants(kind, 5, 2):
            assert len(spec["statement"].split()) > 8, kind
            assert "variant" not in spec["statement"]


def test_answers_use_the_derivations_symbols():
    text = dlsolve.solve(PROBLEMS / "seed002-backprop-chain.yaml").render("text")
    answer = text[text.index("Answer"):]
    for line in ("E ", "∂E/∂w2", "∂E/∂b1", "w2_new", "b1_new"):
        assert line in answer
    assert "grad_w2" not in answer
    tex = dlsolve.solve(PROBLEMS / "seed002-backprop-chain.yaml").render("latex")
    assert r"w_{2}^{\mathrm{new}}" in tex


def test_booleans_print_as_words():
    text = dlsolve.solve(PROBLEMS / "seed000-q3-convshape.yaml").render("text")
    assert "True" not in text and "False" not in text


def test_per_layer_vectors_are_answered_apart():
    spec = {"kind": "backprop", "inputs": [1.0, 0.5],
            "layers": [{"weights": [[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]], "bias": [0, 0, 0],
                        "activation": "sigmoid"},
                       {"weights": [[0.1, 0.2, 0.3]], "bias": [0], "activation": "sigmoid"}],
            "targets": [1.0], "loss": "half_sse", "learning_rate": 0.5}
    sol = dlsolve.solve(spec)
    sol.answer = ("new_biases",)
    text = sol.render("text")
    assert "b_new (layer 1) = [" in text and "b_new (layer 2) = [" in text


def test_answers_are_named_by_symbols_not_contract_names():
    """Human formats name answers by the derivation's symbols (JSON keeps the contract names)."""
    sol = dlsolve.solve(PROBLEMS / "seed004-q4-convolution.yaml")
    text = sol.render("text")
    answer = text[text.rindex("Answer"):]
    for label in ("∂L/∂X", "∂L/∂K", "∂L/∂b", "output shape"):
        assert label in answer
    assert "_" not in answer.replace("H_out", "")
    tex = sol.render("latex")
    assert r"\partial L/\partial K" in tex[tex.rindex("Answer"):]
    assert set(json.loads(sol.render("json"))["results"]) >= {"grad_input", "grad_kernel",
                                                               "grad_bias", "output_shape"}


def test_compared_optimizers_give_only_their_acting_hyper_parameters():
    sol = dlsolve.solve(PROBLEMS / "seed003-rmsprop-adagrad-adadelta.yaml")
    text = sol.render("text", width=120)
    assert "AdaGrad: η = 0.1, ε = 1e-10" in text
    assert "Adam: η = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8" in text
    assert "eps_inside_sqrt" not in text and "weight_decay" not in text
    assert "eps_inside_sqrt" in sol.render("text", width=120, detail="full")


def test_tall_tables_may_break_across_pages_with_their_header_repeated():
    sol = dlsolve.solve(PROBLEMS / "seed003-rmsprop-adagrad-adadelta.yaml")
    tex = sol.render("latex")
    table = tex[tex.index(r"\begin{longtable}"):tex.index(r"\end{longtable}")]
    head, _, body = table.partition(r"\endhead")
    assert "AdaGrad" in head and "Adam" in head
    assert body.count(r"\\") == 17  # 12 first steps, the gap, the last 4
    assert r"\begin{longtable}" not in sol.render("latex", standalone=False)


def test_small_matrices_share_the_answer_box_rows():
    tex = dlsolve.solve(PROBLEMS / "seed004-q4-convolution.yaml").render("latex")
    box = tex[tex.rindex(r"\textbf{Answer}"):]
    box = box[:box.index(r"\end{align*}")]
    rows = box.split(r"\\" + "\n")
    assert len(rows) == 3  # Y | shape, dL/dX | dL/dK, dL/db (was five rows)
    assert r"\partial L/\partial X" in rows[1] and r"\partial L/\partial K" \
        in rows[1]


def test_symbols_in_prose_are_set_as_maths_in_latex():
    """Notes and statements name symbols (h_{t-1}, d_k, α_t): LaTeX sets them as maths."""
    from dlsolve.render.symbols import latex_name, latex_prose

    assert latex_prose("the previous state h_{t-1}") == "the previous state $h_{t-1}$"
    assert latex_prose("divide by √d_k") == r"divide by $\surd$$d_{k}$"
    assert latex_prose("w1_12 and p_new") == r"$w_{1,12}$ and $p^{\mathrm{new}}$"
    assert latex_prose("Σ_{j≠y}") == r"$\Sigma_{j\ne y}$"
    assert latex_prose("δ_k,t = ∂L/∂a") == r"$\delta_{k,t}$ = $\partial$L/$\partial$a"
    assert latex_name("delta_y,3") == r"\delta_{y,3}"
    assert latex_prose("fan_in, calculate_gain(x)") == \
        r"fan\_\allowbreak{}in, calculate\_\allowbreak{}gain(x)"
    tex = dlsolve.solve(PROBLEMS / "gru-one-step.yaml").render("latex")
    assert "$h_{t-1}$" in tex and r"h\_\allowbreak{}\{t-1\}" not in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_a_tall_table_settles_its_widths_in_the_pdf(tmp_path):
    """longtable's column widths need a second pdflatex run; the PDF path makes it."""
    from dlsolve.pdf import _run

    tex = dlsolve.solve(PROBLEMS / "seed003-rmsprop-adagrad-adadelta.yaml").render("latex")
    (tmp_path / "key.tex").write_text(tex, encoding="utf-8")
    log = _run(shutil.which("pdflatex"), tmp_path, "key", "key.pdf")
    assert "Table widths have changed" not in log and "Rerun LaTeX" not in log
    assert (tmp_path / "key.pdf").stat().st_size > 1000


def test_symbols_in_prose_are_maths_in_html_and_markdown():
    from dlsolve.render.markdown import md_prose
    from dlsolve.render.mathml import html_prose

    assert md_prose("state h_{t-1}, not fan_in") == r"state $h_{t-1}$, not fan\_in"
    html = html_prose("scale by 1/√d_k < 1")
    assert html.startswith("scale by 1/√<math>") and "<mi>d</mi>" in html and "&lt; 1" in html
    page = dlsolve.solve(PROBLEMS / "gru-one-step.yaml").render("html")
    assert "h_{t-1}" not in page


def test_prose_with_odd_subscripts_stays_text_and_cells_stay_words():
    from dlsolve.render.markdown import md_prose
    from dlsolve.render.symbols import latex_prose

    assert latex_prose("x_{~}") == r"x\_\allowbreak{}\{\textasciitilde{}\}"
    assert "$" not in latex_prose("α_{é}").replace(r"$\alpha$", "")
    assert md_prose("costs $5 and h_t is $6") == r"costs \$5 and $h_{t}$ is \$6"
    sol = dlsolve.solve({"kind": "convshape", "input": [8, 8, 1], "kernel": 3,
                         "filters": 1, "statement": "Use j_smith's x_{~} kernel, 5% off."})
    tex = sol.render("latex")
    assert r"x\_\allowbreak{}\{\textasciitilde{}\}" in tex and r"5\% off" in tex


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_odd_statement_text_compiles(tmp_path):
    from dlsolve.pdf import compile_report

    sol = dlsolve.solve({"kind": "convshape", "input": [8, 8, 1], "kernel": 3, "filters": 1,
                         "statement": "x_{~}, y_{^}, α_{é}, h_{t-1}, 50% & $5 #1 {a} ~b"})
    pages, overfull = compile_report(sol.render("latex"), tmp_path)
    assert pages == 1 and not [w for w in overfull if w > 1]
