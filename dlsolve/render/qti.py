"""IMS QTI 2.1 content packages: one assessment item per problem, one text entry per number.

Each asked result becomes text-entry interactions (one per entry of a vector or matrix)
with a float response, its correct value, and response processing that adds a point when
the answer is within check's digit tolerance (half a unit of the last decimal asked, the
``toleranceMode="absolute"`` of ``<equal>``). The worked derivation, as plain text, is the
item's modal feedback. The package is a zip: ``imsmanifest.xml`` plus the items.
"""

from __future__ import annotations

import io
import zipfile
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from dlsolve.render.answers import answer_items, answer_text
from dlsolve.render.numbers import is_number
from dlsolve.steps import Solution

QTI_NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP_NS = "http://www.imsglobal.org/xsd/imscp_v1p1"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA = f"{QTI_NS} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"


def _entries(value: Any, label: str) -> list[tuple[str, float]]:
    """(label, number) for every number in a result, in reading order (1-based labels)."""
    if isinstance(value, bool) or not (is_number(value) or isinstance(value, (list, tuple))):
        return []
    if is_number(value):
        return [(label, float(value))]
    out = []
    for i, v in enumerate(value, 1):
        out += _entries(v, f"{label}[{i}]")
    return out


def item(sol: Solution, ident: str, digits: int) -> str | None:
    """One assessmentItem for a solution (None when it asks for no number)."""
    from dlsolve.render.text import TextRenderer

    entries = [e for name, v in answer_items(sol) for e in _entries(v, answer_text(sol, name))]
    if not entries:
        return None
    tol = 0.5 * 10.0 ** -digits
    decl, body, rules = [], [], []
    for k, (label, value) in enumerate(entries, 1):
        rid = f"RESPONSE_{k}"
        decl.append(f'  <responseDeclaration identifier="{rid}" cardinality="single" '
                    f'baseType="float"><correctResponse><value>{value!r}</value>'
                    "</correctResponse></responseDeclaration>")
        body.append(f"    <p>{escape(label)} = <textEntryInteraction responseIdentifier="
                    f'"{rid}" expectedLength="12"/></p>')
        rules.append(f'    <responseCondition><responseIf><equal toleranceMode="absolute" '
                     f'tolerance="{tol!r} {tol!r}"><variable identifier="{rid}"/>'
                     f'<correct identifier="{rid}"/></equal><setOutcomeValue identifier="SCORE">'
                     '<sum><variable identifier="SCORE"/><baseValue baseType="float">1'
                     "</baseValue></sum></setOutcomeValue></responseIf></responseCondition>")
    stem = sol.statement.strip() if sol.statement else sol.title
    worked = TextRenderer(digits).solution(sol)
    text = TextRenderer(digits, statements_only=True).solution(sol)
    givens = text.split("\n", 2)[2] if text.count("\n") >= 2 else ""
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<assessmentItem xmlns="{QTI_NS}" xmlns:xsi="{XSI}" xsi:schemaLocation="{SCHEMA}" '
        f'identifier="{ident}" title={quoteattr(sol.title)} adaptive="false" '
        'timeDependent="false">', *decl,
        '  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float">'
        "<defaultValue><value>0</value></defaultValue></outcomeDeclaration>",
        '  <outcomeDeclaration identifier="MAXSCORE" cardinality="single" baseType="float">'
        f"<defaultValue><value>{len(entries)}</value></defaultValue></outcomeDeclaration>",
        '  <outcomeDeclaration identifier="FEEDBACK" cardinality="single" '
        'baseType="identifier"/>',
        "  <itemBody>", f"    <p>{escape(stem)}</p>",
        *([f"    <pre>{escape(givens.strip())}</pre>"] if givens.strip() else []),
        f"    <p>Give numbers to {digits} decimal places.</p>", *body, "  </itemBody>",
        "  <responseProcessing>", *rules,
        '    <setOutcomeValue identifier="FEEDBACK"><baseValue baseType="identifier">worked'
        "</baseValue></setOutcomeValue>", "  </responseProcessing>",
        '  <modalFeedback outcomeIdentifier="FEEDBACK" identifier="worked" showHide="show">'
        f"<pre>{escape(worked)}</pre></modalFeedback>", "</assessmentItem>", ""])


def manifest(idents: list[str]) -> str:
    resources = "\n".join(
        f'    <resource identifier="{i}" type="imsqti_item_xmlv2p1" href="{i}.xml">'
        f'<file href="{i}.xml"/></resource>' for i in idents)
    return "\n".join([
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<manifest xmlns="{CP_NS}" identifier="dlsolve-quiz">',
        "  <metadata><schema>QTIv2.1 Package</schema><schemaversion>1.0.0</schemaversion>"
        "</metadata>", "  <organizations/>", "  <resources>", resources, "  </resources>",
        "</manifest>", ""])


def package(solutions: list[Solution], digits: int = 4) -> bytes:
    """The zip of a QTI 2.1 content package for the solutions that ask for numbers."""
    files: dict[str, str] = {}
    for i, sol in enumerate(solutions, 1):
        text = item(sol, f"item{i}", digits)
        if text is not None:
            files[f"item{i}.xml"] = text
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("imsmanifest.xml", manifest([f[:-4] for f in files]))
        for name, text in files.items():
            z.writestr(name, text)
    return buf.getvalue()
