"""HTML pages: MathML that parses, a table of contents, figures as SVG, and a real headless
browser (Chromium, when installed) rendering every formula without overflowing the page."""

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest
from conftest import PROBLEMS, ROOT, run

import dlsolve
from dlsolve.expr import Num, Sym
from dlsolve.render.mathml import MathMLPrinter, mathml_name

MATH = re.compile(r"<math.*?</math>", re.S)


def test_mathml_names_and_numbers():
    assert mathml_name("w11") == "<msub><mi>w</mi><mrow><mn>11</mn></mrow></msub>"
    assert mathml_name("delta_o1") == \
        "<msub><mi>δ</mi><mrow><mi>o</mi><mn>1</mn></mrow></msub>"
    p = MathMLPrinter(4)
    assert p(Num(-0.5)) == "<mrow><mo>−</mo><mn>0.5</mn></mrow>"
    assert p(Sym("x") - Num(2)) == "<mrow><mi>x</mi><mo>−</mo><mn>2</mn></mrow>"
    assert "<mfrac>" in p(Sym("a") / Sym("b"))


@pytest.mark.parametrize("path", sorted(PROBLEMS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_bundled_problem_gives_well_formed_math(path):
    page = dlsolve.solve(str(path)).render("html")
    assert page.startswith("<!DOCTYPE html>") and "<script" not in page
    assert "http://" not in page.replace("http://www.w3.org/2000/svg", "")  # works offline
    for m in MATH.findall(page):
        ET.fromstring(m)   # raises on malformed MathML


def test_a_key_of_a_folder_has_a_table_of_contents(tmp_path):
    out = tmp_path / "key.html"
    res = run(["solve", str(PROBLEMS), "-o", str(out)])
    assert res.exit_code == 0
    page = out.read_text()
    n = len(list(PROBLEMS.glob("*.yaml")))
    assert page.count('<section id="p') == n and page.count('<li><a href="#p') == n


def test_figures_are_svg_with_labels_apart():
    from dlsolve.render.html import overlap, place_labels

    page = dlsolve.solve(str(PROBLEMS / "mazur-backprop.yaml")).render("html")
    assert "<svg" in page and "w5 = 0.4" in page
    pos = {"i1": (40, 30), "i2": (40, 120), "h1": (260, 30), "h2": (260, 120)}
    edges = [("i1", "h1", "w1 = 0.15"), ("i1", "h2", "w3 = 0.25"), ("i2", "h1", "w2 = 0.2"),
             ("i2", "h2", "w4 = 0.3")]
    boxes = place_labels(pos, edges, 20)
    assert boxes is not None
    units = [(x, y, 20, 20) for x, y in pos.values()]
    for i, a in enumerate(boxes):
        assert not any(overlap(a, u) for u in units)
        assert not any(overlap(a, b) for b in boxes[i + 1:])


def test_crowded_figure_falls_back_to_a_weights_table():
    from dlsolve.render.html import figure_svg
    from dlsolve.steps import Figure

    nodes = tuple((f"i{k}", 0) for k in range(5)) + tuple((f"h{k}", 1) for k in range(5))
    edges = tuple((f"i{a}", f"h{b}", f"w{a}{b} = -0.123456") for a in range(5)
                  for b in range(5))
    svg = figure_svg(Figure("", nodes, edges))
    assert "<th>weight</th>" in svg and svg.count("<tr><td>") == 25


PROBE = """<!DOCTYPE html><html><body style="margin:0">
<iframe id="f" src="page.html" style="width:{w}px;height:900px;border:0"></iframe>
<script>
document.getElementById('f').addEventListener('load', () => {{
  const d = document.getElementById('f').contentDocument;
  const maths = [...d.querySelectorAll('math')];
  const flat = maths.filter(m => {{ const r = m.getBoundingClientRect();
                                    return r.width < 1 || r.height < 6; }}).length;
  document.body.setAttribute('data-probe', JSON.stringify({{maths: maths.length, flat,
      scroll: d.documentElement.scrollWidth, width: d.documentElement.clientWidth}}));
}});
</script></body></html>"""


@pytest.mark.parametrize("width", [400, 1200])
def test_chromium_renders_every_formula_without_overflow(tmp_path, width):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if not browser:
        pytest.skip("chromium not installed")
    (tmp_path / "page.html").write_text(
        dlsolve.solve(str(PROBLEMS / "mazur-backprop.yaml")).render("html"))
    (tmp_path / "probe.html").write_text(PROBE.format(w=width))
    dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                          "--allow-file-access-from-files", "--virtual-time-budget=5000",
                          "--dump-dom", (tmp_path / "probe.html").as_uri()],
                         capture_output=True, text=True, timeout=120, cwd=ROOT).stdout
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[-500:]
    probe = json.loads(found.group(1).replace("&quot;", '"'))
    assert probe["maths"] > 50 and probe["flat"] == 0
    assert probe["scroll"] <= probe["width"]
