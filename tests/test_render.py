"""Renderers: golden files per format, and the facade's checks."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from golden.regen import CASES, FORMATS, rendered

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
