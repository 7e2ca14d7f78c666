"""Moodle XML quizzes: the required elements of the format, parsed back to the key's numbers
and check's tolerance; Jupyter's display of a Solution."""

import re
import xml.etree.ElementTree as ET
from html import escape

import pytest
from conftest import PROBLEMS, run

import dlsolve
from dlsolve.render.answers import answer_items, answer_text

CLOZE = re.compile(r"\{1:NUMERICAL:=([^:]+):([^}]+)\}")


def quiz(path, digits=4):
    sol = dlsolve.solve(str(path))
    return sol, ET.fromstring(sol.render("moodle", digits=digits))


def flat(value):
    if isinstance(value, (list, tuple)):
        return [x for v in value for x in flat(v)]
    return [value]


@pytest.mark.parametrize("name", ["seed000-q4a-relu-network", "seed002-backprop-chain",
                                  "seed004-q4-convolution", "seed001-softmax-8-5-0",
                                  "seed000-q3-convshape"])
def test_one_question_per_asked_result_with_the_keys_numbers(name):
    sol, root = quiz(PROBLEMS / f"{name}.yaml")
    assert root.tag == "quiz"
    questions = [q for q in root.findall("question") if q.get("type") != "category"]
    items = answer_items(sol)
    assert len(questions) == len(items)
    for q, (result, value) in zip(questions, items):
        label = answer_text(sol, result)
        named = q.find("name/text").text
        assert named.endswith(f": {label} ({result})" if label != result else ": " + result)
        assert f"<strong>{escape(label)}</strong>" in q.find("questiontext/text").text
        for tag in ("name/text", "questiontext/text", "generalfeedback/text", "defaultgrade"):
            assert q.find(tag) is not None and q.find(tag).text, tag
        assert q.find("questiontext").get("format") == "html"
        if q.get("type") == "numerical":
            ans = q.find("answer")
            assert ans.get("fraction") == "100"
            assert float(ans.find("text").text) == pytest.approx(value, rel=1e-15)
            assert float(ans.find("tolerance").text) == pytest.approx(0.5e-4)
        else:
            assert q.get("type") == "cloze"
            fields = CLOZE.findall(q.find("questiontext/text").text)
            numbers = [v for v in flat(value) if not isinstance(v, bool)]
            assert [float(a) for a, _ in fields] == pytest.approx(numbers, rel=1e-15)
            assert all(float(t) == pytest.approx(0.5e-4) for _, t in fields)
        assert "<math" in q.find("generalfeedback/text").text


def test_tolerance_follows_digits():
    _, root = quiz(PROBLEMS / "seed000-q4b-loss.yaml", digits=2)
    tol = root.find("question[@type='numerical']/answer/tolerance")
    assert float(tol.text) == pytest.approx(0.005)


def test_a_folder_makes_one_question_bank(tmp_path):
    out = tmp_path / "quiz.xml"
    assert run(["solve", str(PROBLEMS), "-o", str(out)]).exit_code == 0
    root = ET.parse(out).getroot()
    assert root.find("question").get("type") == "category"
    assert len(root.findall("question")) > 40


def test_booleans_and_words_become_choices_and_short_answers():
    sol = dlsolve.solve({"kind": "perceptron", "gate": "AND",
                         "candidates": [{"weights": [1, 1], "bias": -1.5}]})
    root = ET.fromstring(sol.render("moodle"))
    text = "".join(q.find("questiontext/text").text for q in root.findall("question")[1:])
    assert "{1:MULTICHOICE:=true~false}" in text


def test_jupyter_display():
    sol = dlsolve.solve(str(PROBLEMS / "seed001-softmax-8-5-0.yaml"))
    assert len(repr(sol)) < 200 and repr(sol).startswith("<Solution softmax:")
    html = sol._repr_html_()
    assert html.startswith("<section") and "<math" in html


def qti_items(paths, digits=4):
    import io
    import zipfile

    from dlsolve.render.qti import package

    z = zipfile.ZipFile(io.BytesIO(package([dlsolve.solve(str(p)) for p in paths], digits)))
    return z, {n: ET.fromstring(z.read(n)) for n in z.namelist()}


Q = "{http://www.imsglobal.org/xsd/imsqti_v2p1}"
CP = "{http://www.imsglobal.org/xsd/imscp_v1p1}"


def test_qti_package_has_the_required_elements_and_the_keys_numbers():
    paths = [PROBLEMS / "seed000-q4a-relu-network.yaml", PROBLEMS / "seed002-backprop-chain.yaml",
             PROBLEMS / "seed002-and-or-not.yaml"]
    _, docs = qti_items(paths)
    manifest = docs.pop("imsmanifest.xml")
    listed = [r.get("href") for r in manifest.iter(CP + "resource")]
    assert sorted(listed) == sorted(docs) and all(
        r.get("type") == "imsqti_item_xmlv2p1" for r in manifest.iter(CP + "resource"))
    for root in docs.values():
        assert root.tag == Q + "assessmentItem"
        assert {"identifier", "title", "adaptive", "timeDependent"} <= set(root.attrib)
        decls = root.findall(Q + "responseDeclaration")
        entries = root.find(Q + "itemBody").iter(Q + "textEntryInteraction")
        assert [d.get("identifier") for d in decls] == \
            [e.get("responseIdentifier") for e in entries]
        for eq in root.find(Q + "responseProcessing").iter(Q + "equal"):
            assert eq.get("toleranceMode") == "absolute"
            assert [float(t) for t in eq.get("tolerance").split()] == [5e-5, 5e-5]
        assert root.find(f"{Q}modalFeedback/{Q}pre").text.strip()
    first = docs["item1.xml"]
    values = [float(d.find(f"{Q}correctResponse/{Q}value").text)
              for d in first.findall(Q + "responseDeclaration")]
    sol = dlsolve.solve(str(paths[0]))
    assert values == pytest.approx([x for _, v in answer_items(sol) for x in flat(v)])
    assert "item3.xml" not in docs      # a truth-table problem asks for no number


def test_qti_from_the_command_line(tmp_path):
    import zipfile

    out = tmp_path / "quiz.zip"
    assert run(["solve", str(PROBLEMS / "seed002-backprop-chain.yaml"), "-o", str(out)]
               ).exit_code == 0
    names = zipfile.ZipFile(out).namelist()
    assert names == ["imsmanifest.xml", "item1.xml"]
    res = run(["solve", str(PROBLEMS), "--format", "qti"])
    assert res.exit_code == 2 and "give -o FILE.zip" in res.stderr


def test_quizzes_ask_by_the_derivations_symbols():
    """A student sees ∂E/∂w5, not grad_w5, in a Moodle or QTI question."""
    import io
    import zipfile

    from dlsolve.render.qti import package

    sol = dlsolve.solve(PROBLEMS / "mazur-backprop.yaml")
    xml = sol.render("moodle")
    assert "<strong>∂E/∂w5</strong>" in xml and "<strong>grad_w5</strong>" not in xml
    with zipfile.ZipFile(io.BytesIO(package([sol]))) as z:
        item = next(z.read(n).decode() for n in z.namelist() if n != "imsmanifest.xml")
    assert "<p>∂E/∂w5 = <textEntryInteraction" in item and "grad_w5" not in item
