"""Line breaking of formulas and lists: nothing lost, nothing split mid-number, widths kept."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dlsolve.render.wrap import pack_items, pieces, wrap_formula

NUMBER = st.floats(-1e4, 1e4, allow_nan=False).map(lambda x: f"{x:.4g}")
TERM = st.one_of(NUMBER, st.sampled_from(["x1", "w11", "σ(z_h1)", "(t - o)^2"]))


@st.composite
def formulas(draw):
    terms = draw(st.lists(TERM, min_size=1, max_size=30))
    ops = draw(st.lists(st.sampled_from([" + ", " - ", "·", " = "]), min_size=len(terms) - 1,
                        max_size=len(terms) - 1))
    out = terms[0]
    for op, term in zip(ops, terms[1:]):
        out += op + term
    return out


@settings(max_examples=200, deadline=None, derandomize=True)
@given(formulas(), st.integers(20, 120))
def test_wrapping_keeps_every_character_and_the_width(text, width):
    lines = wrap_formula(text, width, "  ", "      ")
    assert "".join(pieces(text)) == text
    assert " ".join(ln.strip() for ln in lines).replace(" ", "") == text.replace(" ", "")
    for line in lines:  # a line runs over only when it is one piece that cannot break
        assert len(line) <= width or len(pieces(line.strip())) == 1, (line, width)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.lists(st.text("abc=0123456789. ", min_size=1, max_size=12), min_size=1, max_size=20),
       st.integers(16, 100))
def test_packed_items_break_only_between_items(items, width):
    lines = pack_items(items, width, "g: ", "   ")
    joined = " ".join(ln.strip() for ln in lines)
    assert joined.removeprefix("g: ").replace(" ", "") == ",".join(items).replace(" ", "")
    for line in lines[:-1]:
        assert line.endswith(",")
