"""Renderers: golden files per format, and the facade's checks."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from golden.regen import CASES, EXTRA, FORMATS, extra, rendered

import dlsolve
from dlsolve.render import render
from dlsolve.steps import Solution

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.parametrize("name,ext", [(n, e) for n in CASES for e in FORMATS])
def test_golden(name, ext):
    expected = (GOLDEN / f"{name}.{ext}").read_text()
    got = rendered(name, ext)
    if ext == "json":
        got, expected = json.loads(got), json.loads(expected)
        for key in ("dlsolve", "source"):  # the version and the checkout's path vary
            got.pop(key), expected.pop(key)
    assert got == expected


@pytest.mark.parametrize("name", sorted(EXTRA))
def test_golden_widths_details_and_sheets(name):
    assert extra(name) == (GOLDEN / name).read_text()


def test_unknown_format_and_setting():
    sol = Solution("softmax", "t")
    with pytest.raises(ValueError, match="unknown format 'pdf'"):
        render(sol, "pdf")
    with pytest.raises(TypeError, match="unknown render setting"):
        render(sol, "text", colour=True)


def test_unknown_step_class_is_an_error():
    sol = Solution("softmax", "t", steps=[object()])
    with pytest.raises(TypeError, match="has no render_object"):
        render(sol, "text")


def test_json_is_the_contract():
    doc = json.loads(dlsolve.solve({"kind": "softmax", "logits": [8, 5, 0]}).render("json"))
    assert set(doc) >= {"dlsolve", "kind", "results", "steps", "notes"}
    assert doc["kind"] == "softmax"
    assert doc["dlsolve"] == dlsolve.__version__


def test_digits_is_a_render_setting_only():
    sol = dlsolve.solve({"kind": "softmax", "logits": [8, 5, 0]})
    assert "0.95227" in sol.render("text", digits=5)
    assert "0.9523" in sol.render("text", digits=4)
    assert json.loads(sol.render("json", digits=1))["results"]["probabilities"][0] == \
        pytest.approx(0.952269826123778, rel=1e-15)


def test_latex_fragment_and_jupyter_hooks():
    sol = dlsolve.solve({"kind": "softmax", "logits": [1, 2]})
    assert "\\documentclass" not in sol.render("latex", standalone=False)
    assert sol._repr_markdown_().startswith("## Softmax")
    assert "\\section*" in sol._repr_latex_()


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_key_compiles(tmp_path):
    tex = tmp_path / "key.tex"
    tex.write_text(render([dlsolve.solve(p) for p in sorted(
        (Path(__file__).parent.parent / "problems").glob("*.yaml"))], "latex"))
    proc = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", tex.name],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-2000:]


# ---- figures: label placement on its geometry ------------------------------------------

def _figures():
    from dlsolve.steps import Figure

    specs = [PROBLEMS / n for n in ("mazur-2-2-2.yaml", "mazur-backprop.yaml",
                                    "seed000-q4a-relu-network.yaml",
                                    "seed001-2-2-1-network.yaml")]
    from dlsolve.generate import variants
    sols = [dlsolve.solve(p) for p in specs] + [dlsolve.solve(s) for _, s in
                                                 variants("forward", 4, 12)]
    return [st for sol in sols for st in sol.steps if isinstance(st, Figure)]


PROBLEMS = Path(__file__).parent.parent / "problems"


def test_no_two_edge_labels_meet_and_none_covers_a_unit_or_bias():
    from dlsolve.render.figure import RADIUS, Box, bias_boxes, place_labels, positions

    figures = _figures()
    assert len(figures) >= 8
    for fig in figures:
        assert fig.biases, "biases are drawn"
        placed = place_labels(fig)
        if placed is None:
            continue
        boxes = [b for _, _, b in placed.values()]
        pos = positions(fig)
        others = [Box(x, y, 2 * RADIUS, 2 * RADIUS) for x, y in pos.values()]
        others += bias_boxes(fig, pos).values()
        for i, a in enumerate(boxes):
            assert not any(a.meets(b) for b in boxes[i + 1:])
            assert not any(a.meets(o) for o in others)


def test_a_crowded_figure_falls_back_to_a_weights_table():
    from dlsolve.render.figure import place_labels
    from dlsolve.steps import Figure

    nodes = tuple((f"i{k}", 0) for k in range(6)) + tuple((f"h{k}", 1) for k in range(6))
    edges = tuple((f"i{a}", f"h{b}", f"{0.123456 + a + b:.6f}") for a in range(6)
                  for b in range(6))
    fig = Figure("net", nodes, edges)
    assert place_labels(fig) is None
    sol = dlsolve.steps.Solution("forward", "t", steps=[fig])
    tex, md = render(sol, "latex"), render(sol, "markdown")
    assert "Weights (edge labels)" in tex and "pos=" not in tex
    assert '-- "' not in md and "**Weights**" in md


def test_mermaid_labels_edges_only_where_none_cross():
    md = dlsolve.solve(PROBLEMS / "seed002-backprop-chain.yaml").render("markdown")
    assert '-- "w1 = 0.15" -->' in md and "b1 = 0.4" in md


# ---- formulas: signs, breaking, headers ------------------------------------------------

def test_no_double_negatives():
    from dlsolve import expr as E
    from dlsolve.render.formula import LatexPrinter, TextPrinter

    T, L = TextPrinter(4), LatexPrinter(4)
    assert T(E.Pow(E.Sym("e"), E.Neg(E.Num(-0.2)))) == "e^0.2"
    assert L(E.Pow(E.Sym("e"), E.Neg(E.Num(-0.2)))) == "e^{0.2}"
    assert T(E.Num(-15.89) - E.Num(-48.22)) == "-15.89 + 48.22"
    assert T(E.Neg(E.Neg(E.Sym("x")))) == "x"
    assert T(E.Sym("a") - E.Neg(E.Sym("b"))) == "a + b"


def test_long_sums_break_at_operators_within_the_budget():
    from dlsolve import expr as E
    from dlsolve.render.breaking import tex_lines, tex_width
    from dlsolve.render.formula import LatexPrinter

    p = LatexPrinter(4)
    terms = tuple(E.Mul((E.Num(0.123456 * k), E.Num(-0.5 - k))) for k in range(1, 25))
    lines = tex_lines(p, E.Bracket("paren", E.Add(terms)) / E.Num(24), 60)
    assert len(lines) > 3
    assert all(tex_width(ln) <= 60 for ln in lines)
    assert lines[0].startswith(r"\tfrac{1}{24}\bigl(") and lines[-1].endswith(r"\bigr)")
    assert all(ln.startswith(("+ ", "- ")) for ln in lines[1:])


def test_table_headers_are_typeset():
    sol = dlsolve.solve(PROBLEMS / "seed002-backprop-chain.yaml")   # the tables are full detail
    tex, md, text = (sol.render(f, detail="full") for f in ("latex", "markdown", "text"))
    for out in (tex, md):
        assert "dE/da" not in out and "f'(z) " not in out and "| delta" not in out
    assert r"$\partial E/\partial a$" in tex and r"$\delta$" in tex
    assert "| ∂E/∂a" in text and "| δ " in text


@pytest.mark.parametrize("width", [80, 120])
def test_text_wraps_at_the_width(width):
    for path in sorted(PROBLEMS.glob("*.yaml")):
        text = dlsolve.solve(path).render("text", width=width)
        for line in text.splitlines():
            if line.lstrip().startswith("["):
                continue  # matrices keep their grid
            assert len(line) <= width or " " not in line.strip(), (path.name, line)


def test_rich_never_truncates_at_80_columns():
    from conftest import run

    res = run(["activation", "--list", "--format", "rich", "--width", "80"])
    assert res.exit_code == 0
    assert "…" not in res.stdout
    assert max(len(ln) for ln in res.stdout.splitlines()) <= 80


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_keys_compile_without_overfull_boxes(tmp_path):
    from dlsolve.pdf import compile_report

    sols = [dlsolve.solve(p) for p in sorted(PROBLEMS.glob("*.yaml"))]
    pages, overfull = compile_report(render(sols, "latex"), tmp_path)
    assert pages > 10
    assert [w for w in overfull if w > 1] == []


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_a_matrix_too_wide_for_the_page_is_split_into_column_blocks(tmp_path):
    from dlsolve.expr import Sym
    from dlsolve.pdf import compile_report
    from dlsolve.steps import MatrixStep

    sol = Solution("conv", "wide")
    sol.add(MatrixStep("", Sym("X"), [[round(0.123456 * (i + j), 6) for j in range(40)]
                                      for i in range(3)]))
    tex = render(sol, "latex")
    assert r"\text{(columns 1--" in tex
    assert [w for w in compile_report(tex, tmp_path)[1] if w > 1] == []


def test_markdown_breaks_a_long_sum_into_an_aligned_block():
    from dlsolve import expr as E
    from dlsolve.steps import Step

    terms = tuple(E.Mul((E.Num(0.123456 * k), E.Num(-0.5 - k))) for k in range(1, 25))
    sol = Solution("loss", "t", steps=[Step("Long", E.Sym("E"), E.Add(terms), value=1.5)])
    md = render(sol, "markdown")
    block = md[md.index("\\begin{aligned}"):md.index("\\end{aligned}")]
    assert block.count("\\\\") >= 3 and "&\\qquad {}+ " in block


def test_figures_list_biases_in_every_format():
    sol = dlsolve.solve(PROBLEMS / "seed002-backprop-chain.yaml")
    assert "bias b1 = 0.4" in sol.render("text")
    assert "b1 = 0.4" in sol.render("rich")
    assert "b_{1} = 0.4" in sol.render("latex")
